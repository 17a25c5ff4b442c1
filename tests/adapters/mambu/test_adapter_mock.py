"""The adapter against the in-process Mambu mock: reads equal the bank, writes read back,
and a write retried after a lost answer lands exactly once."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from _support import API_KEY, CREDIT_FAMILIES, MEDIA_TYPE, RecordingSleep, settings
from xsell_connect_mambu import MambuAdapter
from xsell_connect_mocks.bank import BankConfig, Family, SyntheticBank
from xsell_connect_mocks.bank.specs import AccountSpec
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import NotFoundError
from xsell_connect.models import (
    AuditOutcome,
    AuditRecord,
    Channel,
    CreditDebit,
    EventType,
    NextBestAction,
    Offer,
    OfferPricing,
)
from xsell_connect.sync import iter_ledger_entries, iter_parties, iter_products

PARIS = ZoneInfo("Europe/Paris")
# DST ends on 25 October 2026: the two bounds carry different offsets.
OCTOBER = (datetime(2026, 10, 1, tzinfo=PARIS), datetime(2026, 10, 31, 23, 59, 59, tzinfo=PARIS))


@pytest.fixture(scope="module")
def bank() -> SyntheticBank:
    return SyntheticBank(BankConfig(customers=50))


@pytest.fixture
def mock(bank: SyntheticBank) -> MambuMock:
    return MambuMock(bank)


@pytest.fixture
async def adapter(mock: MambuMock) -> AsyncIterator[MambuAdapter]:
    core = MambuAdapter.from_settings(
        settings(base_url=f"{mock.base_url}/api", api_key=API_KEY),
        transport=mock.transport(),
        sleep=RecordingSleep(),
    )
    yield core
    await core.aclose()


def truth(bank: SyntheticBank, account: AccountSpec) -> Decimal:
    """The bank's balance signed from the customer's side (the bank keeps debts positive)."""
    balance = bank.balance(account)
    return (
        -balance if Family(account.family).value in {f.value for f in CREDIT_FAMILIES} else balance
    )


def busy_current_account(bank: SyntheticBank) -> AccountSpec:
    since, until = OCTOBER
    for customer in bank.customers():
        for account in bank.accounts_of(customer.index):
            count = sum(1 for p in bank.postings(account) if since <= p.booked_at <= until)
            if account.family is Family.CURRENT and count > 30:
                return account
    raise LookupError("no busy current account")


def an_offer(party_id: str, key: str = "evt-1") -> Offer:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return Offer(
        id=Offer.make_id(party_id, "SAVER", key),
        party_id=party_id,
        product_code="SAVINGS_PLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("2.25")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        reason_codes=("SIG_SURPLUS_BALANCE",),
        created_at=now,
        expires_at=now + timedelta(days=30),
    )


def an_audit(party_id: str, audit_id: str = "aud-1") -> AuditRecord:
    return AuditRecord(
        audit_id=audit_id,
        party_id=party_id,
        customer_ref="pseudo-v1-77aa",
        nba_code="OFFER_SAVINGS_PLUS",
        score=Decimal("0.82"),
        model_version="nba-2026.10",
        reason_codes=("SIG_SURPLUS_BALANCE",),
        channel=Channel.EMAIL,
        decided_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        outcome=AuditOutcome.PRESENTED,
    )


async def mock_get(mock: MambuMock, path: str, **params: str) -> Any:
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as http:
        response = await http.get(
            f"/api{path}", params=params, headers={"Accept": MEDIA_TYPE, "apiKey": API_KEY}
        )
    response.raise_for_status()
    return response.json()


def created(mock: MambuMock, path: str) -> list[str]:
    return [c for e in mock.journal.entries(method="POST", path_prefix=path) for c in e.created]


# -- reads --------------------------------------------------------------------------------


async def test_party_reads_as_the_bank_knows_it(bank: SyntheticBank, adapter: MambuAdapter) -> None:
    spec = bank.customer(3)

    party = await adapter.get_party(spec.number)

    assert (party.id, party.segment, party.branch) == (spec.number, spec.segment, spec.branch)
    assert party.customer_since == spec.customer_since
    assert party.relationship_manager == spec.relationship_manager
    assert {(c.channel.value, c.granted) for c in party.consents} == {
        (channel.value, granted) for channel, granted in spec.consents
    }


async def test_balances_equal_the_banks_truth(bank: SyntheticBank, adapter: MambuAdapter) -> None:
    for index in range(10):
        customer = bank.customer(index)
        accounts = {a.id: a for a in await adapter.list_accounts(customer.number)}
        held = [a for a in bank.accounts_of(index) if a.family is not Family.INSURANCE]
        assert sorted(accounts) == sorted(a.number for a in held)
        for spec in held:
            assert accounts[spec.number].booked == truth(bank, spec), spec.number
            assert accounts[spec.number].party_ids == (customer.number,)


async def test_ledger_walk_across_dst_returns_each_posting_once_in_order(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    account = busy_current_account(bank)
    since, until = OCTOBER
    expected = [p.id for p in bank.postings(account) if since <= p.booked_at <= until]

    entries = [
        e
        async for e in iter_ledger_entries(
            adapter, account.number, since=since, until=until, page_size=25
        )
    ]

    assert [e.id for e in entries] == expected
    for before, after in itertools.pairwise(entries):
        assert before.balance_after is not None
        assert after.balance_after is not None
        assert before.balance_after + after.signed_amount == after.balance_after, after.id


async def test_ledger_pages_overlap_by_the_configured_rows(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    account = busy_current_account(bank)

    first = await adapter.list_ledger_entries(
        account.number, since=OCTOBER[0], until=OCTOBER[1], page=PageRequest(size=20)
    )
    assert first.next is not None
    second = await adapter.list_ledger_entries(
        account.number, since=OCTOBER[0], until=OCTOBER[1], page=first.next
    )

    assert first.next.token == "10"  # 20 rows, half a page re-read at most
    assert [e.id for e in first.items[10:]] == [e.id for e in second.items[:10]]


async def test_loan_entries_move_the_debt(bank: SyntheticBank, adapter: MambuAdapter) -> None:
    card = next(
        a for c in bank.customers() for a in bank.accounts_of(c.index) if a.family is Family.CARD
    )

    entries = [e async for e in iter_ledger_entries(adapter, card.number)]

    assert entries
    assert entries[-1].balance_after == truth(bank, card)
    assert {e.credit_debit for e in entries} == {CreditDebit.CRDT, CreditDebit.DBIT}


async def test_walks_return_every_party_and_product_once(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    ids = [p.id async for p in iter_parties(adapter, page_size=7)]
    codes = [p.code async for p in iter_products(adapter, page_size=4)]

    assert ids == [c.number for c in bank.customers()]
    assert sorted(codes) == sorted(p.code for p in bank.products)


async def test_missing_records_are_not_found(adapter: MambuAdapter) -> None:
    with pytest.raises(NotFoundError) as party:
        await adapter.get_party("999999999")
    with pytest.raises(NotFoundError) as accounts:
        await adapter.list_accounts("999999999")
    with pytest.raises(NotFoundError) as ledger:
        await adapter.list_ledger_entries("0000000000-missing")

    assert (party.value.kind, party.value.ident) == ("party", "999999999")
    assert accounts.value.kind == "party"
    assert (ledger.value.kind, ledger.value.ident) == ("account", "0000000000-missing")


# -- writes -------------------------------------------------------------------------------


async def test_offer_is_a_task_on_the_client(
    bank: SyntheticBank, mock: MambuMock, adapter: MambuAdapter
) -> None:
    party_id = bank.customer(1).number
    offer = an_offer(party_id)

    receipt = await adapter.write_offer(offer, idempotency_key="evt-1:offer")
    again = await adapter.write_offer(offer, idempotency_key="evt-1:offer")

    (task,) = await mock_get(mock, "/tasks", clientId=party_id)
    assert receipt.reference == again.reference == str(task["id"])
    assert task["title"] == f"xsell offer {offer.id}: Savings Plus"
    assert (task["status"], task["dueDate"]) == ("OPEN", "2026-12-02")
    assert len(created(mock, "/api/tasks")) == 1

    await adapter.ex_close_offer_task(receipt.reference)
    assert (await mock_get(mock, f"/tasks/{receipt.reference}"))["status"] == "COMPLETED"


async def test_next_best_action_reads_back_and_clears(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    party_id = bank.customer(2).number
    first = NextBestAction(
        party_id=party_id,
        action_code="OFFER_SAVINGS_PLUS",
        score=Decimal("0.8213"),
        expires_on=date(2026, 12, 31),
    )

    receipt = await adapter.set_next_best_action(first, idempotency_key="evt-2:nba")
    written = (await adapter.get_party(party_id)).extra["_xsell"]
    await adapter.set_next_best_action(
        NextBestAction(party_id=party_id, action_code="OFFER_GOLD_CARD", score=Decimal("0.4")),
        idempotency_key="evt-3:nba",
    )
    replaced = (await adapter.get_party(party_id)).extra["_xsell"]

    assert receipt.reference == party_id
    assert written == {
        "Next_Best_Action": "OFFER_SAVINGS_PLUS",
        "NBA_Score": "0.8213",
        "NBA_Expiry": "2026-12-31",
    }
    assert replaced == {"Next_Best_Action": "OFFER_GOLD_CARD", "NBA_Score": "0.4"}


async def test_audit_record_is_a_comment_read_back_as_its_row(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    record = an_audit(bank.customer(4).number)

    receipt = await adapter.write_audit_record(record, idempotency_key="evt-4:audit")

    assert len(receipt.reference) == 32
    assert await adapter.ex_list_audit_records(record.party_id) == (record.row(),)


async def test_writes_for_a_missing_party_are_not_found(adapter: MambuAdapter) -> None:
    nba = NextBestAction(party_id="999999999", action_code="OFFER_X", score=Decimal("0.1"))

    with pytest.raises(NotFoundError):
        await adapter.set_next_best_action(nba, idempotency_key="k")
    with pytest.raises(NotFoundError):
        await adapter.write_offer(an_offer("999999999"), idempotency_key="k")


# -- idempotency proof --------------------------------------------------------------------


def lose_next(mock: MambuMock, route: str, method: str) -> None:
    mock.faults.add(
        FaultRule(kind=FaultKind.LOST_RESPONSE, route=route, methods=frozenset({method}), times=1)
    )


async def test_offer_retried_after_a_lost_response_creates_one_task(
    bank: SyntheticBank, mock: MambuMock, adapter: MambuAdapter
) -> None:
    lose_next(mock, "/api/tasks", "POST")

    receipt = await adapter.write_offer(an_offer(bank.customer(5).number), idempotency_key="e5")

    posts = mock.journal.entries(method="POST", path_prefix="/api/tasks")
    assert len(posts) == 2
    assert posts[0].fault == "lost_response"
    assert posts[0].idempotency_key == posts[1].idempotency_key
    assert created(mock, "/api/tasks") == [f"task:{receipt.reference}"]


async def test_audit_retried_after_a_lost_response_creates_one_comment(
    bank: SyntheticBank, mock: MambuMock, adapter: MambuAdapter
) -> None:
    lose_next(mock, "/api/comments", "POST")
    record = an_audit(bank.customer(6).number)

    receipt = await adapter.write_audit_record(record, idempotency_key="e6")

    assert len(mock.journal.entries(method="POST", path_prefix="/api/comments")) == 2
    assert created(mock, "/api/comments") == [f"comment:{receipt.reference}"]
    assert await adapter.ex_list_audit_records(record.party_id) == (record.row(),)


async def test_nba_retried_after_a_lost_response_rereads_and_replaces(
    bank: SyntheticBank, mock: MambuMock, adapter: MambuAdapter
) -> None:
    party_id = bank.customer(7).number
    lose_next(mock, "/api/clients/*", "PATCH")
    nba = NextBestAction(party_id=party_id, action_code="OFFER_GOLD_CARD", score=Decimal("0.5"))

    await adapter.set_next_best_action(nba, idempotency_key="e7")

    patches = mock.journal.entries(method="PATCH", path_prefix="/api/clients/")
    assert [{op["op"] for op in json.loads(p.body)} for p in patches] == [{"ADD"}, {"REPLACE"}]
    written = (await adapter.get_party(party_id)).extra["_xsell"]
    assert written == {"Next_Best_Action": "OFFER_GOLD_CARD", "NBA_Score": "0.5"}


# -- events -------------------------------------------------------------------------------


async def test_the_mocks_webhook_parses_into_an_account_event(
    bank: SyntheticBank, adapter: MambuAdapter
) -> None:
    from xsell_connect_mocks.mambu import Event, render_webhook_request

    customer = bank.customer(0)
    account = bank.accounts_of(0)[0]
    template = {"source": "mambu", "event": "SAVINGS_DEPOSIT", "accountId": account.number,
                "clientId": customer.number, "nba": ""}  # fmt: skip
    event = Event(1, "eid-1", "SAVINGS_DEPOSIT", datetime.now(UTC), account.number,
                  customer.number, json.dumps(template))  # fmt: skip
    request = render_webhook_request(event, url="https://xsell.bank.example/hooks/mambu")

    (parsed,) = adapter.parse_webhook(request.headers, request.body)

    assert parsed.type == EventType.ACCOUNT_ACTIVITY
    assert (parsed.subject, parsed.data["account_id"]) == (customer.number, account.number)
    assert parsed.source == adapter.settings.base_url
