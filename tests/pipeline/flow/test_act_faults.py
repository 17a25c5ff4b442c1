"""Act: under 20% write-back faults, every effect lands exactly once in the mock core."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from _flow_support import FakeClock, offered
from sqlalchemy import event
from xsell_connect_mambu import MambuAdapter, MambuSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.adapter import Capability, CoreBankingAdapter, is_first_attempt
from xsell_connect.errors import UpstreamUnavailableError
from xsell_connect.models import AuditRecord, NextBestAction, Offer, WriteReceipt
from xsell_connect.pipeline.act import Backoff, Drainer, DrainReport, offer_effects
from xsell_connect.store import Store
from xsell_connect.store.governance import StoreGovernanceState
from xsell_connect.store.outbox import OutboxStatus, OutboxStore

PARTIES = 12


def _faults(extra: FaultKind | None = None) -> list[FaultRule]:
    # Three rules of 7.2% each, tried in turn: 1 - 0.928**3 = 20% of write-back calls fail.
    kinds = [FaultKind.SERVER_ERROR, FaultKind.RATE_LIMIT, FaultKind.TIMEOUT]
    if extra is not None:
        kinds.append(extra)
    methods = frozenset({"POST", "PATCH"})
    # In process, a timeout raises once its latency passed: 10 ms, not the 30 s default.
    return [
        FaultRule(kind, probability=0.072, route="/api/*", methods=methods, latency=0.01)
        for kind in kinds
    ]


@pytest.fixture
def bank() -> SyntheticBank:
    return SyntheticBank(BankConfig(seed=7, customers=PARTIES))


async def _drain(mock: MambuMock, store: Store, clock: FakeClock) -> tuple[Drainer, OutboxStore]:
    settings = MambuSettings(
        base_url=f"{mock.base_url}/api", api_key="test-api-key", max_attempts=1
    )
    adapter = MambuAdapter.from_settings(settings, transport=mock.transport())
    outbox = OutboxStore(store.engine, clock=clock)
    drainer = Drainer(
        outbox,
        adapter,
        governance=StoreGovernanceState(store.engine),
        backoff=Backoff(initial=0.5, maximum=30, attempts=40),
        clock=clock,
        sleep=clock.sleep,
    )
    return drainer, outbox


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


async def _run(bank: SyntheticBank, store: Store, faults: list[FaultRule]) -> MambuMock:
    mock = MambuMock(bank, faults=faults, fault_seed=3)
    clock = FakeClock()
    drainer, outbox = await _drain(mock, store, clock)
    parties = [bank.customer(i).number for i in range(PARTIES)]
    decisions = [offered(p) for p in parties]
    for decision in decisions:
        outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
    async with drainer.adapter:
        report = await drainer.drain()
        # A restart re-queues the same effects (same keys): nothing new is stored or sent.
        for decision in decisions:
            outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
        again = await drainer.drain()
    assert sum(report.done.values()) == 3 * PARTIES
    assert report.retried > 0
    assert report.dead == 0
    assert sum(again.done.values()) == 0
    assert outbox.depth()[OutboxStatus.DONE] == 3 * PARTIES
    return mock


def _created(mock: MambuMock) -> Counter[str]:
    return Counter(c.split(":")[0] for e in mock.journal.entries() for c in e.created)


async def test_every_effect_lands_once_per_decision_under_5xx_429_and_timeouts(
    bank: SyntheticBank, store: Store
) -> None:
    mock = await _run(bank, store, _faults())
    assert mock.faults.fired[FaultKind.SERVER_ERROR] > 0
    assert _created(mock) == {"task": PARTIES, "comment": PARTIES}
    tasks = [e for e in mock.journal.entries() if e.created and e.created[0].startswith("task")]
    assert len({e.idempotency_key for e in tasks}) == PARTIES
    for i in range(PARTIES):
        party = bank.customer(i).number
        nba = mock._nba_of(party)
        assert nba == "OFFER_SAV01"


async def test_lost_responses_do_not_duplicate_records(bank: SyntheticBank, store: Store) -> None:
    mock = await _run(bank, store, _faults(FaultKind.LOST_RESPONSE))
    assert mock.faults.fired[FaultKind.LOST_RESPONSE] > 0
    assert _created(mock) == {"task": PARTIES, "comment": PARTIES}


async def test_a_fatal_error_parks_the_effect_with_the_reason(
    bank: SyntheticBank, store: Store
) -> None:
    rule = FaultRule(FaultKind.VENDOR_ERROR, route="/api/tasks", methods=frozenset({"POST"}))
    mock = MambuMock(bank, faults=[rule])
    drainer, outbox = await _drain(mock, store, FakeClock())
    decision = offered(bank.customer(0).number)
    outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
    async with drainer.adapter:
        report = await drainer.drain()
    assert report.dead == 1
    (dead,) = outbox.items(status=OutboxStatus.DEAD)
    assert dead.kind.value == "offer"
    assert dead.last_error is not None
    assert dead.last_error.startswith("RequestRejectedError")


async def test_the_drainer_settles_effects_off_the_event_loop(
    bank: SyntheticBank, store: Store
) -> None:
    """Claims, completions and breaker counts never hold up the event loop."""
    mock = MambuMock(bank)
    drainer, outbox = await _drain(mock, store, FakeClock())
    decision = offered(bank.customer(0).number)
    outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
    threads: list[int] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT")):  # claim, settle, count
            threads.append(threading.get_ident())

    async with drainer.adapter:
        report = await drainer.drain()
    event.remove(store.engine, "before_cursor_execute", spy)
    assert sum(report.done.values()) == 3
    assert outbox.depth()[OutboxStatus.DONE] == 3
    assert len(threads) >= 4  # two claims (the second finds nothing); a count, a completion
    assert threading.get_ident() not in threads


class InstantAdapter(CoreBankingAdapter):
    """Writes that answer at once: every effect of a claim finishes in the same loop turn."""

    platform = "instant"
    capabilities = frozenset(
        {Capability.WRITE_OFFER, Capability.SET_NEXT_BEST_ACTION, Capability.WRITE_AUDIT_RECORD}
    )

    def _receipt(self, operation: Any, party_id: str, key: str) -> WriteReceipt:
        return WriteReceipt(
            operation=operation, party_id=party_id, reference=key, idempotency_key=key
        )

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        return self._receipt("offer", offer.party_id, idempotency_key)

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        return self._receipt("next_best_action", nba.party_id, idempotency_key)

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        return self._receipt("audit_record", record.party_id, idempotency_key)


async def test_effects_finishing_together_settle_in_one_transaction(store: Store) -> None:
    outbox = OutboxStore(store.engine)
    governance = StoreGovernanceState(store.engine)
    drainer = Drainer(outbox, InstantAdapter(), governance=governance)
    for party in ("P1", "P2"):
        decision = offered(party)
        outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
    statements: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split()[0].upper()
        if verb != "BEGIN":  # SQLite's explicit BEGIN IMMEDIATE
            statements.append(verb)

    report = DrainReport(Counter())
    claimed = await drainer.drain_once(report)
    event.remove(store.engine, "before_cursor_execute", spy)

    assert claimed == sum(report.done.values()) == 6
    assert outbox.depth()[OutboxStatus.DONE] == 6
    assert statements == ["UPDATE", "INSERT", "UPDATE"]  # the claim; the counts; the settles
    since = offered("P1").decided_at - timedelta(hours=1)
    assert governance.pattern_stats("salary_credit", since).writebacks == 6
    receipts = [item.receipt for item in outbox.items(status=OutboxStatus.DONE)]
    assert sorted(r["operation"] for r in receipts if r) == sorted(
        ["offer", "next_best_action", "audit_record"] * 2
    )


async def test_a_settle_leaves_an_effect_another_drainer_took_over(store: Store) -> None:
    outbox = OutboxStore(store.engine)
    decision = offered("P1")
    outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))
    (first, *_) = outbox.claim("old", limit=1)

    with outbox.begin() as connection:
        outbox.settle_many_in(connection, "new", [(first.id, outbox.complete_values({}))])

    (still,) = outbox.items(status=OutboxStatus.CLAIMED)
    assert still.id == first.id


class FlakyOfferAdapter(InstantAdapter):
    """Notes whether each offer write was marked a first attempt; the first one fails."""

    def __init__(self) -> None:
        self.marks: list[bool] = []

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        self.marks.append(is_first_attempt())
        if len(self.marks) == 1:
            raise UpstreamUnavailableError("the core is busy")
        return await super().write_offer(offer, idempotency_key=idempotency_key)


async def test_only_an_effects_first_claim_is_marked_a_first_attempt(store: Store) -> None:
    clock = FakeClock()
    outbox = OutboxStore(store.engine, clock=clock)
    adapter = FlakyOfferAdapter()
    drainer = Drainer(outbox, adapter, clock=clock, sleep=clock.sleep)
    decision = offered("P1")
    outbox.enqueue(decision.decision_id, decision.pattern, offer_effects(decision))

    report = await drainer.drain()

    assert adapter.marks == [True, False]  # the retry may follow a call that reached the core
    assert (report.retried, sum(report.done.values())) == (1, 3)
    assert is_first_attempt() is False
