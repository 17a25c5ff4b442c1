"""Write-back against the Transact mock: versionNumber conflicts, overrides, validate_only."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from _temenos_support import mock_and_adapter
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.temenos import TemenosMock
from xsell_connect_temenos.client import OverrideRequiredError

from xsell_connect.adapter import first_attempt
from xsell_connect.errors import ConflictError
from xsell_connect.models import NextBestAction
from xsell_connect.testing.suite import _audit, _offer

PUTS = "/api/v4.0.0/party/customers/"


def _nba(party: str, code: str = "OFFER_FD_12M") -> NextBestAction:
    return NextBestAction(
        party_id=party, action_code=code, score=Decimal("0.82"), expires_on=date(2026, 12, 31)
    )


def _put_statuses(mock: object) -> list[int]:
    return [e.status for e in mock.journal.entries(method="PUT", path_prefix=PUTS)]  # type: ignore[attr-defined]


async def test_next_best_action_lands_in_extensions_with_t24_formats_and_a_new_version() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.set_next_best_action(_nba(party), idempotency_key="n1")
    stored = mock.store.get("customers", party)
    assert stored is not None
    assert stored["version"] == 2
    assert stored["record"]["extensions"] == {
        "xsellNextBestAction": "OFFER_FD_12M",
        "xsellNbaScore": "0.82",
        "xsellNbaExpiry": "20261231",
    }
    assert (
        stored["record"]["givenName"] == mock.bank.customer(1).first_name
        or mock.bank.customer(1).kind == "ORGANISATION"
    )
    put = json.loads(mock.journal.entries(method="PUT")[0].body)
    assert put["header"]["audit"] == {"versionNumber": "1"}


async def test_the_same_value_twice_writes_once() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.set_next_best_action(_nba(party), idempotency_key="n1")
        await adapter.set_next_best_action(_nba(party), idempotency_key="n1")
    assert _put_statuses(mock) == [200]


async def test_a_version_conflict_re_reads_and_retries_once() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(2).number
    mock.writes.conflicts[party] = 1
    async with adapter:
        await adapter.set_next_best_action(_nba(party), idempotency_key="n2")
    assert _put_statuses(mock) == [400, 200]
    assert mock.store.get("customers", party)["version"] == 3  # type: ignore[index]


async def test_a_second_version_conflict_is_a_clear_conflict_error() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(2).number
    mock.writes.conflicts[party] = 2
    async with adapter:
        with pytest.raises(ConflictError, match=f"customer {party} changed twice"):
            await adapter.set_next_best_action(_nba(party), idempotency_key="n3")
    assert _put_statuses(mock) == [400, 400]


async def test_an_advert_for_a_held_product_group_passes_its_warning_override() -> None:
    mock, adapter = mock_and_adapter()
    party = next(
        c.number
        for c in mock.bank.customers()
        if any(a.family.value == "SAVINGS" for a in mock.bank.accounts_of(c.index))
    )
    async with adapter:
        receipt = await adapter.write_offer(_offer(party, "o1"), idempotency_key="o1")
    posts = mock.journal.entries(method="POST", path_prefix="/api/v1.0.0/party/customers/adverts")
    assert [e.status for e in posts] == [400, 200]
    assert mock.store.get("adverts", receipt.reference)["customerId"] == party  # type: ignore[index]


async def test_an_error_override_is_not_accepted_and_nothing_is_stored() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(0).number
    mock.writes.force_overrides["contact"] = [
        {"id": "EB-BLOCKED", "code": "O-9", "type": "Error", "description": "CUSTOMER BLOCKED"}
    ]
    async with adapter:
        with pytest.raises(OverrideRequiredError):
            await adapter.write_audit_record(_audit(party, "a1"), idempotency_key="a1")
    assert mock.store.collection("contacts") == {}


async def test_validate_only_commits_nothing() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(3).number
    async with adapter:
        await adapter.ex_validate_offer(_offer(party, "v1"))
    assert mock.store.collection("adverts") == {}
    posts = mock.journal.entries(method="POST")
    assert posts
    assert all("validate_only=true" in e.query for e in posts)


async def test_an_audit_row_is_contact_history_with_the_prefix_and_the_row() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(4).number
    record = _audit(party, "a2")
    async with adapter:
        first = await adapter.write_audit_record(record, idempotency_key="a2")
        again = await adapter.write_audit_record(record, idempotency_key="a2")
    assert first.reference == again.reference
    [row] = mock.store.collection("contacts").values()
    notes = [n["contactNote"] for n in row["notes"]]
    assert notes[0].startswith("AI_Interaction_Audit/v1 ref=XS")
    assert json.loads(notes[1]) == record.row()
    assert (row["contactType"], row["contactChannel"]) == ("XSELL.AI", "EMAIL")


ADVERTS = "/api/v1.0.0/party/customers/adverts"


def _advert_calls(mock: TemenosMock) -> list[tuple[str, str, int]]:
    return [
        (e.method, e.operation, e.status)
        for e in mock.journal.entries()
        if e.operation in {"list_adverts", "create_advert"}
    ]


async def test_a_first_attempt_posts_the_advert_without_looking_for_it() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(0).number
    async with adapter:
        with first_attempt():
            receipt = await adapter.write_offer(_offer(party, "f1"), idempotency_key="f1")
    assert _advert_calls(mock) == [("POST", "create_advert", 200)]
    assert mock.store.get("adverts", receipt.reference)["customerId"] == party  # type: ignore[index]


async def test_a_write_not_marked_first_looks_for_its_record_before_posting() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(0).number
    async with adapter:
        first = await adapter.write_offer(_offer(party, "f2"), idempotency_key="f2")
        again = await adapter.write_offer(_offer(party, "f2"), idempotency_key="f2")
    assert first.reference == again.reference
    assert [call[:2] for call in _advert_calls(mock)] == [
        ("GET", "list_adverts"),
        ("POST", "create_advert"),
        ("GET", "list_adverts"),
    ]


async def test_a_first_attempt_whose_answer_was_lost_finds_its_advert_on_the_retry() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(0).number
    mock.faults.add(
        FaultRule(FaultKind.LOST_RESPONSE, route=ADVERTS, methods=frozenset({"POST"}), times=1)
    )
    async with adapter:
        with first_attempt():
            receipt = await adapter.write_offer(_offer(party, "f3"), idempotency_key="f3")
    assert [call[:2] for call in _advert_calls(mock)] == [
        ("POST", "create_advert"),  # committed, its answer lost
        ("GET", "list_adverts"),  # the retry looks first, and finds it
    ]
    assert list(mock.store.collection("adverts")) == [receipt.reference]


async def test_an_audit_row_on_a_first_attempt_is_one_post() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(4).number
    async with adapter:
        with first_attempt():
            await adapter.write_audit_record(_audit(party, "a3"), idempotency_key="a3")
    assert [(e.method, e.operation) for e in mock.journal.entries()] == [
        ("POST", "create_contact_history")
    ]


async def test_the_next_best_action_builds_on_the_record_get_party_just_read() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.get_party(party)
        await adapter.set_next_best_action(_nba(party), idempotency_key="n4")
    assert [(e.method, e.operation, e.status) for e in mock.journal.entries()] == [
        ("GET", "get_customer", 200),
        ("PUT", "update_customer", 200),
    ]
    assert mock.store.get("customers", party)["record"]["extensions"]["xsellNextBestAction"] == (  # type: ignore[index]
        "OFFER_FD_12M"
    )


async def test_a_record_changed_since_get_party_is_read_again_before_the_update() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.get_party(party)
        mock.writes.conflicts[party] = 1  # another user commits before our update
        await adapter.set_next_best_action(_nba(party), idempotency_key="n5")
    assert [(e.method, e.operation, e.status) for e in mock.journal.entries()] == [
        ("GET", "get_customer", 200),
        ("PUT", "update_customer", 400),
        ("GET", "get_customer", 200),
        ("PUT", "update_customer", 200),
    ]
    assert mock.store.get("customers", party)["version"] == 3  # type: ignore[index]


async def test_a_record_read_too_long_ago_is_read_again_before_the_update() -> None:
    mock, adapter = mock_and_adapter(record_reuse_seconds=0)
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.get_party(party)
        await adapter.set_next_best_action(_nba(party), idempotency_key="n6")
    assert [(e.method, e.operation) for e in mock.journal.entries()] == [
        ("GET", "get_customer"),
        ("GET", "get_customer"),
        ("PUT", "update_customer"),
    ]


async def test_a_kept_record_already_holding_the_values_is_checked_by_a_fresh_read() -> None:
    mock, adapter = mock_and_adapter()
    party = mock.bank.customer(1).number
    async with adapter:
        await adapter.set_next_best_action(_nba(party), idempotency_key="n7")
        await adapter.get_party(party)  # reads the record with the values in it
        mock.store.put("customers", party, {"record": {"givenName": "X"}, "version": 9})
        await adapter.set_next_best_action(_nba(party), idempotency_key="n7")
    assert [(e.method, e.operation) for e in mock.journal.entries()][-2:] == [
        ("GET", "get_customer"),
        ("PUT", "update_customer"),
    ]
    assert mock.store.get("customers", party)["version"] == 10  # type: ignore[index]
