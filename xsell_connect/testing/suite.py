"""The conformance suite every adapter runs (DESIGN §4).

Use it by providing a ``harness`` fixture (a ``ConformanceHarness``) and subclassing the
test classes, one line each::

    from xsell_connect.testing import suite

    class TestParties(suite.PartyReadTests): ...
    class TestWrites(suite.WriteBackTests): ...

Each class declares the capabilities it needs in ``__requires__``; when the adapter does
not declare them, every test of the class is a reported skip naming the missing capability,
never a silent pass.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
import pytest_asyncio

from ..adapter import Capability, CoreBankingAdapter, PageRequest
from ..errors import EventError, MalformedEventError, NotFoundError
from ..models import (
    AuditOutcome,
    AuditRecord,
    BalanceType,
    CanonicalEvent,
    Channel,
    CreditDebit,
    NextBestAction,
    Offer,
    OfferPricing,
    Party,
    pii_fields,
)
from ..sync import iter_ledger_entries, iter_parties, iter_products
from .harness import BankFacts, ConformanceHarness

__all__ = [
    "AccountReadTests",
    "AdapterSuite",
    "EventParsingTests",
    "LedgerReadTests",
    "MessageParsingTests",
    "PartyListTests",
    "PartyReadTests",
    "ProductReadTests",
    "WriteBackTests",
]


class AdapterSuite:
    """Base of the suite's classes: capability gate and the ``adapter`` fixture."""

    __requires__: ClassVar[frozenset[Capability]] = frozenset()

    @pytest.fixture
    def facts(self, harness: ConformanceHarness) -> BankFacts:
        return harness.facts()

    @pytest_asyncio.fixture
    async def adapter(self, harness: ConformanceHarness) -> AsyncIterator[CoreBankingAdapter]:
        core = harness.make_adapter()
        missing = sorted(c.value for c in self.__requires__ - core.capabilities)
        if missing:
            await core.aclose()
            pytest.skip(f"adapter {core.platform!r} does not declare {', '.join(missing)}")
        try:
            yield core
        finally:
            await core.aclose()


class PartyReadTests(AdapterSuite):
    __requires__ = frozenset({Capability.GET_PARTY})

    async def test_get_party_returns_the_party_asked_for(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        party = await adapter.get_party(facts.party_id)
        assert party.id == facts.party_id
        assert party.platform == adapter.platform
        assert party.source_id

    async def test_missing_party_raises_not_found(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        with pytest.raises(NotFoundError) as caught:
            await adapter.get_party(facts.missing_party_id)
        assert caught.value.ident == facts.missing_party_id

    async def test_party_extra_holds_no_personal_data(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        party = await adapter.get_party(facts.party_id)
        personal = {
            str(v)
            for name in pii_fields(Party)
            if (v := getattr(party, name)) not in (None, (), "") and isinstance(v, (str, date))
        }
        flat = json.dumps(party.extra, default=str)
        assert not [value for value in personal if value in flat]


class PartyListTests(AdapterSuite):
    __requires__ = frozenset({Capability.LIST_PARTIES})

    async def test_walk_returns_every_party_exactly_once(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        ids = [p.id async for p in iter_parties(adapter, page_size=7)]
        assert len(ids) == facts.party_count
        assert len(set(ids)) == facts.party_count

    async def test_page_size_is_honoured(self, adapter: CoreBankingAdapter) -> None:
        page = await adapter.list_parties(PageRequest(size=3))
        assert len(page.items) == 3
        assert page.next is not None


class AccountReadTests(AdapterSuite):
    __requires__ = frozenset({Capability.LIST_ACCOUNTS})

    async def test_accounts_belong_to_the_party(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        accounts = await adapter.list_accounts(facts.party_id)
        assert accounts
        assert all(facts.party_id in a.party_ids for a in accounts)
        assert facts.account_id in {a.id for a in accounts}

    async def test_booked_balance_matches_the_core(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        accounts = {a.id: a for a in await adapter.list_accounts(facts.party_id)}
        account = accounts[facts.account_id]
        assert account.balance(BalanceType.ITBD) == facts.booked_balance
        assert all(b.currency == account.currency for b in account.balances)

    async def test_accounts_of_missing_party_raise_not_found(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        with pytest.raises(NotFoundError):
            await adapter.list_accounts(facts.missing_party_id)


class LedgerReadTests(AdapterSuite):
    __requires__ = frozenset({Capability.LIST_LEDGER_ENTRIES})

    async def test_window_returns_each_posting_once_oldest_first(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        since, until = facts.window
        entries = [
            e
            async for e in iter_ledger_entries(
                adapter, facts.account_id, since=since, until=until, page_size=25
            )
        ]
        assert len(entries) == facts.entries_in_window
        assert len({e.id for e in entries}) == len(entries)
        stamps = [e.booked_at or e.booking_date for e in entries]
        assert stamps == sorted(stamps)

    async def test_running_balance_is_consistent(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        since, until = facts.window
        entries = [
            e
            async for e in iter_ledger_entries(adapter, facts.account_id, since=since, until=until)
        ]
        pairs = [(a, b) for a, b in itertools.pairwise(entries) if not b.reversal]
        for before, after in pairs:
            if before.balance_after is None or after.balance_after is None:
                continue
            assert before.balance_after + after.signed_amount == after.balance_after, after.id
        assert all(e.amount >= 0 and e.credit_debit in CreditDebit for e in entries)

    async def test_missing_account_raises_not_found(self, adapter: CoreBankingAdapter) -> None:
        with pytest.raises(NotFoundError):
            await adapter.list_ledger_entries("0000000000-missing")


class ProductReadTests(AdapterSuite):
    __requires__ = frozenset({Capability.LIST_PRODUCTS})

    async def test_catalog_lists_every_product(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        codes = [p.code async for p in iter_products(adapter, page_size=4)]
        assert sorted(codes) == sorted(facts.product_codes)

    async def test_products_carry_rate_bounds_in_order(self, adapter: CoreBankingAdapter) -> None:
        async for product in iter_products(adapter):
            if product.rate and product.rate.min is not None and product.rate.max is not None:
                assert product.rate.min <= product.rate.max, product.code


class EventParsingTests(AdapterSuite):
    __requires__ = frozenset({Capability.PARSE_WEBHOOK})

    def test_sample_webhooks_become_canonical_events(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        assert facts.webhooks, "the harness must provide sample webhooks"
        for headers, body in facts.webhooks:
            events = adapter.parse_webhook(headers, body)
            assert events
            for event in events:
                assert event.platform == adapter.platform
                assert CanonicalEvent.model_validate_json(event.model_dump_json()) == event

    def test_same_webhook_twice_gives_the_same_event_ids(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        headers, body = facts.webhooks[0]
        first = [e.id for e in adapter.parse_webhook(headers, body)]
        assert first == [e.id for e in adapter.parse_webhook(headers, body)]

    def test_malformed_webhook_bodies_are_refused_with_the_raw_body(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        headers = facts.webhooks[0][0]
        for body in facts.malformed_bodies:
            with pytest.raises(MalformedEventError) as caught:
                adapter.parse_webhook(headers, body)
            assert caught.value.raw == body


class MessageParsingTests(AdapterSuite):
    __requires__ = frozenset({Capability.PARSE_MESSAGE})

    def test_sample_messages_become_canonical_events(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        assert facts.messages, "the harness must provide sample messages"
        produced = [e for props, body in facts.messages for e in adapter.parse_message(props, body)]
        assert produced
        assert all(e.platform == adapter.platform for e in produced)

    def test_malformed_messages_are_refused(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        props = facts.messages[0][0]
        for body in facts.malformed_bodies:
            with pytest.raises(EventError):
                adapter.parse_message(props, body)


def _offer(party_id: str, key: str) -> Offer:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return Offer(
        id=Offer.make_id(party_id, "conformance", key),
        party_id=party_id,
        product_code="SAVINGS_PLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("3.1")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        reason_codes=("SIG_SALARY_CREDIT",),
        created_at=now,
        expires_at=now + timedelta(days=30),
    )


def _audit(party_id: str, key: str) -> AuditRecord:
    return AuditRecord(
        audit_id=f"aud-{key}",
        party_id=party_id,
        customer_ref="pseudo-0f3a",
        nba_code="OFFER_SAVINGS_PLUS",
        offer_ref=Offer.make_id(party_id, "conformance", key),
        score=Decimal("0.82"),
        model_version="conformance-1",
        reason_codes=("SIG_SALARY_CREDIT",),
        channel=Channel.EMAIL,
        decided_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        outcome=AuditOutcome.PRESENTED,
    )


class WriteBackTests(AdapterSuite):
    __requires__ = frozenset(
        {Capability.WRITE_OFFER, Capability.SET_NEXT_BEST_ACTION, Capability.WRITE_AUDIT_RECORD}
    )

    async def test_offer_is_recorded_once_per_key(
        self, adapter: CoreBankingAdapter, harness: ConformanceHarness, facts: BankFacts
    ) -> None:
        before = harness.records_written("offer", facts.party_id)
        offer = _offer(facts.party_id, "k1")
        first = await adapter.write_offer(offer, idempotency_key="conf-offer-k1")
        again = await adapter.write_offer(offer, idempotency_key="conf-offer-k1")
        assert first.reference == again.reference
        assert harness.records_written("offer", facts.party_id) == before + 1

    async def test_offer_retried_after_a_lost_response_is_recorded_once(
        self, adapter: CoreBankingAdapter, harness: ConformanceHarness, facts: BankFacts
    ) -> None:
        before = harness.records_written("offer", facts.party_id)
        harness.lose_next_response("offer")
        await adapter.write_offer(_offer(facts.party_id, "k2"), idempotency_key="conf-offer-k2")
        assert harness.records_written("offer", facts.party_id) == before + 1

    async def test_audit_record_retried_after_a_lost_response_is_recorded_once(
        self, adapter: CoreBankingAdapter, harness: ConformanceHarness, facts: BankFacts
    ) -> None:
        before = harness.records_written("audit_record", facts.party_id)
        harness.lose_next_response("audit_record")
        record = _audit(facts.party_id, "k3")
        await adapter.write_audit_record(record, idempotency_key="conf-audit-k3")
        assert harness.records_written("audit_record", facts.party_id) == before + 1

    async def test_next_best_action_reads_back_from_the_core(
        self, adapter: CoreBankingAdapter, harness: ConformanceHarness, facts: BankFacts
    ) -> None:
        nba = NextBestAction(
            party_id=facts.party_id,
            action_code="OFFER_SAVINGS_PLUS",
            score=Decimal("0.82"),
            expires_on=date(2026, 12, 31),
        )
        receipt = await adapter.set_next_best_action(nba, idempotency_key="conf-nba-1")
        assert receipt.party_id == facts.party_id
        assert await harness.read_next_best_action(facts.party_id) == "OFFER_SAVINGS_PLUS"

    async def test_next_best_action_retried_after_a_lost_response_lands(
        self, adapter: CoreBankingAdapter, harness: ConformanceHarness, facts: BankFacts
    ) -> None:
        harness.lose_next_response("next_best_action")
        nba = NextBestAction(
            party_id=facts.party_id, action_code="OFFER_GOLD_CARD", score=Decimal("0.5")
        )
        await adapter.set_next_best_action(nba, idempotency_key="conf-nba-2")
        assert await harness.read_next_best_action(facts.party_id) == "OFFER_GOLD_CARD"

    async def test_writes_for_a_missing_party_raise_not_found(
        self, adapter: CoreBankingAdapter, facts: BankFacts
    ) -> None:
        nba = NextBestAction(
            party_id=facts.missing_party_id, action_code="OFFER_X", score=Decimal("0.1")
        )
        with pytest.raises(NotFoundError):
            await adapter.set_next_best_action(nba, idempotency_key="conf-nba-missing")
