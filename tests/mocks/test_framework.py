"""The mock framework: journal, store, idempotency, and the control routes."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import (
    FaultKind,
    FaultRule,
    IdempotencyCache,
    Journal,
    MockCore,
    MockStore,
    StoredResponse,
    request_fingerprint,
)
from xsell_connect_mocks.registry import MOCKS, available_mocks, create_mock


class TinyMock(MockCore):
    """Smallest possible vendor: read an item, create an item, search items."""

    platform = "tiny"

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/items/{item_id}", self._get, methods=["GET"]),
            Route("/items", self._create, methods=["POST"]),
            Route("/items:search", self._search, methods=["POST"]),
        ]

    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        return 409, {"content-type": "application/json"}, b'{"errorCode": 42}'

    async def _get(self, request: Request) -> Response:
        request.state.operation = "get_item"
        item = self.store.get("items", request.path_params["item_id"])
        if item is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(item)

    async def _create(self, request: Request) -> Response:
        request.state.operation = "create_item"
        item_id = str(self.store.next_id("items"))
        self.store.put("items", item_id, {"id": item_id, **json.loads(await request.body())})
        request.state.created = (f"item:{item_id}",)
        return JSONResponse({"id": item_id}, status_code=201)

    async def _search(self, request: Request) -> Response:
        request.state.operation = "search_items"
        request.state.changed = False
        return JSONResponse(list(self.store.collection("items").values()))


@pytest.fixture
def mock() -> TinyMock:
    return TinyMock(SyntheticBank(BankConfig(customers=10)))


@pytest.fixture
async def client(mock: TinyMock) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as c:
        yield c


async def test_journal_records_method_path_status_key_body_and_created(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    await client.post("/items?x=1", content=b'{"name": "a"}', headers={"Idempotency-Key": "k-1"})

    [entry] = mock.journal.entries()
    assert (entry.seq, entry.method, entry.path, entry.query) == (1, "POST", "/items", "x=1")
    assert (entry.status, entry.operation, entry.idempotency_key) == (201, "create_item", "k-1")
    assert (entry.body, entry.created, entry.fault) == (b'{"name": "a"}', ("item:1",), None)


async def test_journal_writes_exclude_reads_failures_and_read_only_posts(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    await client.post("/items", json={"name": "a"})
    await client.get("/items/1")
    await client.get("/items/99")
    await client.post("/items:search", json={})

    assert [e.operation for e in mock.journal.writes()] == ["create_item"]
    assert len(mock.journal) == 4


async def test_journal_filters_by_method_prefix_and_operation(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    await client.post("/items", json={})
    await client.get("/items/1")

    assert [e.seq for e in mock.journal.entries(method="get")] == [2]
    assert [e.seq for e in mock.journal.entries(path_prefix="/items/")] == [2]
    assert [e.seq for e in mock.journal.entries(operation="create_item")] == [1]


async def test_journal_skips_control_routes(mock: TinyMock, client: httpx.AsyncClient) -> None:
    await client.get("/_mock/health")

    assert len(mock.journal) == 0


def test_journal_clear_restarts_numbering() -> None:
    journal = Journal()
    journal.append(method="GET", path="/a", status=200)
    journal.clear()

    assert journal.append(method="GET", path="/b", status=200).seq == 1


def test_a_bounded_journal_keeps_the_newest_entries_and_numbers_on() -> None:
    journal = Journal(limit=2)
    for path in ("/a", "/b", "/c"):
        journal.append(method="GET", path=path, status=200)

    assert [(e.seq, e.path) for e in journal.entries()] == [(2, "/b"), (3, "/c")]
    assert len(journal) == 2


def test_bounding_a_journal_later_drops_its_oldest_entries() -> None:
    journal = Journal()
    for path in ("/a", "/b", "/c"):
        journal.append(method="GET", path=path, status=200)

    journal.limit = 1

    assert [e.path for e in journal.entries()] == ["/c"]
    assert journal.append(method="GET", path="/d", status=200).seq == 4
    assert [e.path for e in journal.entries()] == ["/d"]


def test_a_journal_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Journal(limit=0)


def test_journal_numbers_concurrent_appends_uniquely() -> None:
    journal = Journal()

    def append_many() -> None:
        for _ in range(500):
            journal.append(method="POST", path="/x", status=201)

    threads = [threading.Thread(target=append_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(e.seq for e in journal.entries()) == list(range(1, 4001))


def test_store_ids_are_monotonic_per_name_from_one() -> None:
    store = MockStore()

    assert [store.next_id("a"), store.next_id("a"), store.next_id("b")] == [1, 2, 1]


def test_store_collection_is_created_on_demand_and_shared() -> None:
    store = MockStore()
    store.collection("tasks")["1"] = {"id": "1"}

    assert store.get("tasks", "1") == {"id": "1"}
    assert store.collection("missing") == {}


def test_store_find_answers_an_indexed_field_in_the_order_written() -> None:
    store = MockStore()
    store.put("adverts", "OP1", {"customerId": "A"})
    store.index("adverts", "customerId")  # records written before the index are in it
    store.put("adverts", "OP2", {"customerId": "B"})
    store.put("adverts", "OP3", {"customerId": "A", "n": 3})

    assert store.find("adverts", "customerId", "A") == [
        {"customerId": "A"},
        {"customerId": "A", "n": 3},
    ]
    assert store.find("adverts", "customerId", "C") == []


def test_store_find_follows_a_record_whose_field_changed() -> None:
    store = MockStore()
    store.index("adverts", "customerId")
    store.put("adverts", "OP1", {"customerId": "A"})
    store.put("adverts", "OP1", {"customerId": "B"})

    assert store.find("adverts", "customerId", "A") == []
    assert store.find("adverts", "customerId", "B") == [{"customerId": "B"}]


def test_store_clear_empties_an_index_and_keeps_it() -> None:
    store = MockStore()
    store.index("adverts", "customerId")
    store.put("adverts", "OP1", {"customerId": "A"})
    store.clear()
    store.put("adverts", "OP2", {"customerId": "A"})

    assert store.find("adverts", "customerId", "A") == [{"customerId": "A"}]


def test_store_find_on_a_field_not_indexed_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        MockStore().find("adverts", "customerId", "A")


def test_idempotency_first_use_is_new() -> None:
    assert IdempotencyCache().begin("k", "fp").kind == "new"


def test_idempotency_same_key_while_running_is_in_flight() -> None:
    cache = IdempotencyCache()
    cache.begin("k", "fp")

    assert cache.begin("k", "fp").kind == "in_flight"


def test_idempotency_completed_key_replays_the_first_response() -> None:
    cache = IdempotencyCache()
    cache.begin("k", "fp")
    stored = StoredResponse(201, (("content-type", "application/json"),), b'{"id": 1}')
    cache.complete("k", stored)

    outcome = cache.begin("k", "fp")

    assert (outcome.kind, outcome.response) == ("replay", stored)


def test_idempotency_same_key_different_request_is_mismatch() -> None:
    cache = IdempotencyCache()
    cache.begin("k", "fp-1")
    cache.complete("k", StoredResponse(201, (), b""))

    assert cache.begin("k", "fp-2").kind == "mismatch"


def test_idempotency_abandoned_key_runs_again_as_new() -> None:
    cache = IdempotencyCache()
    cache.begin("k", "fp")
    cache.abandon("k")

    assert cache.begin("k", "fp").kind == "new"


def test_request_fingerprint_depends_on_method_path_and_body() -> None:
    base = request_fingerprint("POST", "/a", b"{}")

    assert base == request_fingerprint("post", "/a", b"{}")
    assert (
        len(
            {
                base,
                request_fingerprint("PUT", "/a", b"{}"),
                request_fingerprint("POST", "/a", b"[]"),
            }
        )
        == 3
    )


async def test_control_journal_lists_entries_with_text_bodies(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    await client.post("/items", content=b'{"name": "\xc3\xa9"}')

    [entry] = (await client.get("/_mock/journal")).json()

    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/items", 201)
    assert (entry["body"], entry["created"]) == ('{"name": "é"}', ["item:1"])


async def test_control_journal_delete_empties_it(mock: TinyMock, client: httpx.AsyncClient) -> None:
    await client.post("/items", json={})

    response = await client.delete("/_mock/journal")

    assert (response.status_code, len(mock.journal)) == (204, 0)


async def test_control_faults_post_accepts_strings_and_dicts(
    mock: TinyMock, client: httpx.AsyncClient
) -> None:
    body = ["rate_limit:0.5@/items*", {"kind": "server_error", "times": 2}]

    response = await client.post("/_mock/faults", json=body)

    assert response.status_code == 201
    assert mock.faults.rules == (
        FaultRule(FaultKind.RATE_LIMIT, probability=0.5, route="/items*"),
        FaultRule(FaultKind.SERVER_ERROR, times=2),
    )
    assert (await client.get("/_mock/faults")).json()["rules"][1]["kind"] == "server_error"


async def test_control_faults_post_rejects_bad_rules(client: httpx.AsyncClient) -> None:
    response = await client.post("/_mock/faults", json=["explode:1@*"])

    assert response.status_code == 400


async def test_control_faults_delete_disarms(mock: TinyMock, client: httpx.AsyncClient) -> None:
    mock.faults.add(FaultRule(FaultKind.SERVER_ERROR))

    await client.delete("/_mock/faults")

    assert mock.faults.rules == ()
    assert (await client.post("/items", json={})).status_code == 201


async def test_control_health_names_platform_and_bank(client: httpx.AsyncClient) -> None:
    health = (await client.get("/_mock/health")).json()

    assert health == {
        "status": "ok",
        "platform": "tiny",
        "seed": 7,
        "customers": 10,
        "as_of": "2026-10-31",
    }


def test_base_url_is_the_platform_host(mock: TinyMock) -> None:
    assert mock.base_url == "http://tiny.mock"


def test_registry_lists_every_mock_sorted() -> None:
    assert available_mocks() == sorted(MOCKS)
    assert "mambu" in available_mocks()


def test_registry_builds_a_mock_over_a_fresh_bank() -> None:
    rule = FaultRule(FaultKind.RATE_LIMIT, probability=0.5)

    mock = create_mock("MAMBU", customers=5, seed=3, faults=[rule], months=6)

    assert (mock.platform, mock.base_url) == ("mambu", "http://mambu.mock")
    assert (mock.bank.config.seed, mock.bank.config.customers, mock.bank.config.months) == (3, 5, 6)
    assert [r.kind for r in mock.faults.rules] == [FaultKind.RATE_LIMIT]


def test_registry_rejects_unknown_platform_naming_known_ones() -> None:
    known = ", ".join(sorted(MOCKS))
    with pytest.raises(ValueError, match=f"unknown mock platform 'nope'; known: {known}$"):
        create_mock("nope")
