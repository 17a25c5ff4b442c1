"""Pagination strategies, and the loop that walks pages without ever looping forever.

Two shapes are served. A :class:`Paginator` holds one walk's state for an adapter that
pages an HTTP listing: it says which query parameters fetch a page and reads the next token
from the answer. :func:`iterate_pages` is what the core runs over an adapter's stateless page
primitive ``fetch(token) -> (items, next_token)``. Both refuse a token they have seen before
in the same walk with :class:`~xsell_connect.errors.PaginationLoopError`.

Example::

    paginator = OffsetPaginator()
    token = None
    while True:
        response = await client.request("GET", "/clients", params=paginator.params(token, 50))
        items = response.json()
        ...  # use the items
        token = paginator.next_token(token, 50, response, items)
        if token is None:
            break
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from xsell_connect.errors import PaginationLoopError, ResponseInfo
from xsell_connect.http.translate import response_info

__all__ = [
    "CursorPaginator",
    "OffsetPaginator",
    "PageTokenPaginator",
    "Paginator",
    "TokenGuard",
    "iterate_pages",
]

T = TypeVar("T")

#: Reads the next page token from an answer; ``None`` (or ``""``) means the last page.
TokenExtractor = Callable[[httpx.Response], str | None]


class TokenGuard:
    """The tokens seen during one walk; a token seen twice means the core is looping."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def check(self, token: str, *, response: ResponseInfo | None = None) -> None:
        """Remember ``token``.

        Raises:
            PaginationLoopError: ``token`` was already handed out in this walk.
        """
        if token in self._seen:
            raise PaginationLoopError(
                f"page token {token!r} repeated after {len(self._seen)} pages", response=response
            )
        self._seen.add(token)


class Paginator(ABC):
    """One walk over a paged listing. Make a new instance for every walk.

    Subclasses say how a page is asked for (:meth:`params`) and how the next token is found
    (:meth:`_next_token`); :meth:`next_token` runs each one through the walk's
    :class:`TokenGuard`, so no paginator can loop.
    """

    def __init__(self) -> None:
        self._guard = TokenGuard()

    @abstractmethod
    def params(self, token: str | None, size: int) -> dict[str, str]:
        """Query parameters that fetch the page at ``token`` (``None``: the first page)."""

    def next_token(
        self, token: str | None, size: int, response: httpx.Response, items: Sequence[Any]
    ) -> str | None:
        """The token of the page after this one, or ``None`` after the last page.

        Args:
            token: the token this page was fetched with.
            size: the page size asked for.
            response: the page's answer.
            items: the records read from it.

        Raises:
            PaginationLoopError: the next token was already seen in this walk.
        """
        following = self._next_token(token, size, response, items) or None
        if following is not None:
            self._guard.check(following, response=response_info(response))
        return following

    @abstractmethod
    def _next_token(
        self, token: str | None, size: int, response: httpx.Response, items: Sequence[Any]
    ) -> str | None: ...


class OffsetPaginator(Paginator):
    """Offset and limit; the token is the decimal offset. A short page is the last one.

    Mambu v2 pages this way and answers bare JSON arrays, with no next link or token.
    """

    def __init__(self, offset_param: str = "offset", limit_param: str = "limit") -> None:
        super().__init__()
        self.offset_param = offset_param
        self.limit_param = limit_param

    def params(self, token: str | None, size: int) -> dict[str, str]:
        return {self.offset_param: token or "0", self.limit_param: str(size)}

    def _next_token(
        self, token: str | None, size: int, response: httpx.Response, items: Sequence[Any]
    ) -> str | None:
        return None if len(items) < size else str(int(token or 0) + len(items))


class PageTokenPaginator(Paginator):
    """An opaque page token read from each answer by ``extract``.

    Temenos Transact returns it in ``header.page_token``; pass an ``extract`` that reads it.
    """

    def __init__(
        self,
        extract: TokenExtractor,
        *,
        token_param: str = "page_token",  # noqa: S107 - a query parameter's name
        size_param: str = "page_size",
    ) -> None:
        super().__init__()
        self.extract = extract
        self.token_param = token_param
        self.size_param = size_param

    def params(self, token: str | None, size: int) -> dict[str, str]:
        return {self.size_param: str(size)} | ({self.token_param: token} if token else {})

    def _next_token(
        self, token: str | None, size: int, response: httpx.Response, items: Sequence[Any]
    ) -> str | None:
        return self.extract(response)


class CursorPaginator(PageTokenPaginator):
    """A cursor read from each answer by ``extract``, sent back as ``cursor`` with ``limit``."""

    def __init__(
        self,
        extract: TokenExtractor,
        *,
        cursor_param: str = "cursor",
        size_param: str = "limit",
    ) -> None:
        super().__init__(extract, token_param=cursor_param, size_param=size_param)


async def iterate_pages(
    fetch: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]],
    *,
    max_pages: int | None = None,
) -> AsyncIterator[T]:
    """Yield every item of every page that ``fetch`` returns.

    Args:
        fetch: fetches the page at a token (``None``: the first page) and returns its items
            and the next token (``None`` or ``""`` after the last page).
        max_pages: stop after this many pages, even if the core offers more.

    Raises:
        PaginationLoopError: ``fetch`` returned a token already seen in this walk; the items
            of the pages before it have been yielded.
    """
    guard = TokenGuard()
    token: str | None = None
    pages = 0
    while True:
        items, following = await fetch(token)
        pages += 1
        if following:
            guard.check(following)
        for item in items:
            yield item
        if not following or (max_pages is not None and pages >= max_pages):
            return
        token = following
