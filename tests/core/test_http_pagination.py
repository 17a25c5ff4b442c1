"""Paginators ask for the right page, find the next one, and refuse to loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
import respx

from xsell_connect.errors import PaginationLoopError
from xsell_connect.http import (
    CursorPaginator,
    HttpClient,
    OffsetPaginator,
    PageTokenPaginator,
    TokenGuard,
    iterate_pages,
)

BASE = "https://core.test/api"


def answer(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json=body, request=httpx.Request("GET", f"{BASE}/items"))


def header_token(response: httpx.Response) -> str | None:
    token: str | None = response.json()["header"].get("page_token")
    return token


def next_cursor(response: httpx.Response) -> str | None:
    cursor: str | None = response.json().get("next")
    return cursor


def pages(
    book: dict[str | None, tuple[list[int], str | None]], asked: list[str | None]
) -> Callable[[str | None], Awaitable[tuple[Sequence[int], str | None]]]:
    async def fetch(token: str | None) -> tuple[Sequence[int], str | None]:
        asked.append(token)
        return book[token]

    return fetch


async def collect(items: AsyncIterator[int], into: list[int]) -> None:
    async for item in items:
        into.append(item)


def test_token_guard_accepts_tokens_it_has_not_seen() -> None:
    guard = TokenGuard()

    guard.check("a")
    guard.check("b")


def test_token_guard_refuses_a_repeated_token_naming_it() -> None:
    guard = TokenGuard()
    guard.check("p-7")

    with pytest.raises(PaginationLoopError, match="'p-7'"):
        guard.check("p-7")


def test_offset_first_page_starts_at_zero() -> None:
    assert OffsetPaginator().params(None, 50) == {"offset": "0", "limit": "50"}


def test_offset_params_use_the_token_and_custom_names() -> None:
    paginator = OffsetPaginator(offset_param="start", limit_param="count")

    assert paginator.params("100", 50) == {"start": "100", "count": "50"}


def test_offset_next_token_advances_by_the_items_read() -> None:
    assert OffsetPaginator().next_token("100", 50, answer(), [{}] * 50) == "150"


def test_offset_short_page_is_the_last() -> None:
    assert OffsetPaginator().next_token("100", 50, answer(), [{}] * 49) is None


def test_offset_empty_page_is_the_last() -> None:
    assert OffsetPaginator().next_token(None, 50, answer(), []) is None


def test_offset_refuses_a_repeated_token() -> None:
    paginator = OffsetPaginator()
    paginator.next_token("0", 2, answer(), [1, 2])

    with pytest.raises(PaginationLoopError, match="'2'"):
        paginator.next_token("0", 2, answer(), [1, 2])


def test_page_token_first_page_sends_only_the_size() -> None:
    assert PageTokenPaginator(header_token).params(None, 25) == {"page_size": "25"}


def test_page_token_later_pages_send_the_token() -> None:
    paginator = PageTokenPaginator(header_token, token_param="pt", size_param="ps")

    assert paginator.params("abc", 25) == {"ps": "25", "pt": "abc"}


def test_page_token_next_token_is_extracted_from_the_answer() -> None:
    response = answer({"header": {"page_token": "tok-2"}, "body": []})

    assert PageTokenPaginator(header_token).next_token(None, 25, response, []) == "tok-2"


@pytest.mark.parametrize("header", [{}, {"page_token": None}, {"page_token": ""}])
def test_page_token_missing_or_empty_token_ends_the_walk(header: dict[str, Any]) -> None:
    response = answer({"header": header, "body": []})

    assert PageTokenPaginator(header_token).next_token("tok-2", 25, response, []) is None


def test_page_token_refuses_a_repeated_token() -> None:
    paginator = PageTokenPaginator(header_token)
    response = answer({"header": {"page_token": "tok-2"}})
    paginator.next_token(None, 25, response, [1])

    with pytest.raises(PaginationLoopError, match="'tok-2'") as raised:
        paginator.next_token("tok-2", 25, response, [1])

    assert raised.value.response is not None
    assert raised.value.response.status_code == 200


def test_cursor_params_default_to_cursor_and_limit() -> None:
    paginator = CursorPaginator(next_cursor)

    assert paginator.params(None, 10) == {"limit": "10"}
    assert paginator.params("c2", 10) == {"limit": "10", "cursor": "c2"}


def test_cursor_next_token_is_extracted_from_the_answer() -> None:
    assert CursorPaginator(next_cursor).next_token(None, 10, answer({"next": "c2"}), []) == "c2"


def test_cursor_refuses_a_repeated_cursor() -> None:
    paginator = CursorPaginator(next_cursor)
    paginator.next_token(None, 10, answer({"next": "c2"}), [])

    with pytest.raises(PaginationLoopError, match="'c2'"):
        paginator.next_token("c2", 10, answer({"next": "c2"}), [])


async def test_iterate_pages_yields_every_item_across_pages() -> None:
    asked: list[str | None] = []
    fetch = pages({None: ([1, 2], "p2"), "p2": ([3, 4], "p3"), "p3": ([5], None)}, asked)

    items = [item async for item in iterate_pages(fetch)]

    assert items == [1, 2, 3, 4, 5]
    assert asked == [None, "p2", "p3"]


async def test_iterate_pages_of_an_empty_listing_yields_nothing() -> None:
    fetch = pages({None: ([], None)}, [])

    assert [item async for item in iterate_pages(fetch)] == []


async def test_iterate_pages_raises_on_a_repeated_token_after_the_earlier_pages() -> None:
    asked: list[str | None] = []
    fetch = pages({None: ([1], "p2"), "p2": ([2], "p3"), "p3": ([3], "p2")}, asked)
    items: list[int] = []

    with pytest.raises(PaginationLoopError, match="'p2'"):
        await collect(iterate_pages(fetch), items)

    assert items == [1, 2]
    assert asked == [None, "p2", "p3"]


async def test_iterate_pages_stops_after_max_pages() -> None:
    asked: list[str | None] = []
    fetch = pages({None: ([1], "p2"), "p2": ([2], "p3"), "p3": ([3], None)}, asked)

    items = [item async for item in iterate_pages(fetch, max_pages=2)]

    assert (items, asked) == ([1, 2], [None, "p2"])


@respx.mock(base_url=BASE, assert_all_called=False)
async def test_offset_paginator_walks_a_bare_array_listing(respx_mock: respx.MockRouter) -> None:
    records = [{"id": str(n)} for n in range(5)]

    def listing(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        return httpx.Response(200, json=records[offset : offset + limit])

    route = respx_mock.get("/clients").mock(side_effect=listing)
    paginator = OffsetPaginator()
    seen: list[Any] = []
    token: str | None = None
    async with HttpClient(BASE) as http:
        while True:
            items, response = await http.get_json("/clients", params=paginator.params(token, 2))
            seen.extend(items)
            if (token := paginator.next_token(token, 2, response, items)) is None:
                break

    assert seen == records
    assert route.call_count == 3
