"""The runner commits each decision with its consequences; tiers, recall, approvals, shadow."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from _flow_support import T0, FakeClock, offered
from sqlalchemy import event

from xsell_connect.pipeline.approve import ApprovalDesk, ApprovalError
from xsell_connect.pipeline.runner import Handoff, Runner
from xsell_connect.pipeline.types import Decision, DecisionOutcome, Mode, Tier
from xsell_connect.store import Store
from xsell_connect.store.approvals import ApprovalStatus
from xsell_connect.store.outbox import OutboxItem, OutboxStatus


class StubEngine:
    """Stands in for the decision engine: returns the decision it is given."""

    def __init__(self) -> None:
        self.next: Decision | None = None

    def detect(self, events: Any, c360: Any, *, now: Any) -> tuple[Any, ...]:
        assert self.next is not None
        return self.next.signals

    async def decide(self, signals: Any, c360: Any, state: Any, **kw: Any) -> Decision:
        assert self.next is not None
        return self.next.model_copy(update={"mode": kw["mode"]})


class StubEnricher:
    async def customer_360(self, party_id: str, *, key: str, now: Any = None) -> object:
        return object()

    def forget(self, party_id: str, key: str) -> None:
        pass


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'flow.db'}")
    yield opened
    opened.close()


def _runner(store: Store, mode: Mode = Mode.LIVE) -> tuple[Runner, StubEngine, FakeClock]:
    clock = FakeClock()
    engine = StubEngine()
    runner = Runner(store.engine, engine, StubEnricher(), mode=mode, clock=clock)  # type: ignore[arg-type]
    return runner, engine, clock


async def _decide(runner: Runner, engine: StubEngine, decision: Decision) -> Decision | None:
    engine.next = decision
    from xsell_connect.models import CanonicalEvent, EventType

    event = CanonicalEvent.wrap(
        type=EventType.LEDGER_ENTRY_POSTED, platform="mambu", source="test",
        key=decision.event_ids[0], time=T0, subject=decision.party_id, data={},
    )  # fmt: skip
    return await runner.handle_event(event, now=T0)


async def test_trusted_offer_queues_three_effects_due_now(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, offered("100000001"))
    items = runner.outbox.claim("t")
    assert [i.kind.value for i in items] == ["offer", "next_best_action", "audit_record"]
    assert [i.idempotency_key for i in items] == [
        "key-100000001-1:offer", "key-100000001-1:nba", "key-100000001-1:audit",
    ]  # fmt: skip
    assert runner.approvals.list(None) == []
    assert runner.state.has_open_offer("100000001", "SAV01")


async def test_a_replayed_decision_queues_nothing_new(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, offered("100000001"))
    await _decide(runner, engine, offered("100000001"))
    assert len(runner.outbox.items()) == 3
    assert runner.stats.replayed == 1
    assert runner.log.head()[0] == 1


def _guarded() -> Decision:
    decision = offered("100000002", tier=Tier.GUARDED)
    return decision.model_copy(update={"timestamps": {"recall_until": T0 + timedelta(hours=24)}})


async def test_guarded_offer_waits_for_its_recall_window_then_goes(store: Store) -> None:
    runner, engine, clock = _runner(store)
    await _decide(runner, engine, _guarded())
    assert runner.approvals.get("DEC-100000002-1").status is ApprovalStatus.AUTO  # type: ignore[union-attr]
    assert runner.outbox.claim("t") == []
    clock.advance(hours=24, seconds=1)
    assert len(runner.outbox.claim("t")) == 3


async def test_guarded_offer_recalled_inside_the_window_is_never_sent(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, _guarded())
    record = ApprovalDesk(store.engine).recall(
        "DEC-100000002-1", by="alice", reason="wrong segment", at=T0 + timedelta(hours=2)
    )
    assert record.outcome is DecisionOutcome.RECALLED
    assert record.approver == "alice"
    assert {i.status for i in runner.outbox.items()} == {OutboxStatus.CANCELLED}
    assert runner.log.get("DEC-100000002-1/recalled") is not None
    assert not runner.state.has_open_offer("100000002", "SAV01")


async def test_recall_after_the_window_is_refused(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, _guarded())
    with pytest.raises(ApprovalError, match="no open recall window"):
        ApprovalDesk(store.engine).recall(
            "DEC-100000002-1", by="alice", reason="late", at=T0 + timedelta(hours=25)
        )


def _observed() -> Decision:
    return offered("100000003", tier=Tier.OBSERVE, outcome=DecisionOutcome.PENDING_APPROVAL)


async def test_observe_holds_effects_until_a_human_approves(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, _observed())
    assert {i.status for i in runner.outbox.items()} == {OutboxStatus.HELD}
    assert runner.outbox.claim("t") == []
    assert not runner.state.has_open_offer("100000003", "SAV01")
    record = ApprovalDesk(store.engine).approve("DEC-100000003-1", by="bob", at=T0)
    assert (record.outcome, record.approver) == (DecisionOutcome.APPROVED, "bob")
    assert len(runner.outbox.claim("t")) == 3
    assert runner.state.has_open_offer("100000003", "SAV01")
    with pytest.raises(ApprovalError, match="not pending"):
        ApprovalDesk(store.engine).approve("DEC-100000003-1", by="carol", at=T0)


async def test_reject_needs_a_reason_and_cancels_the_effects(store: Store) -> None:
    runner, engine, _ = _runner(store)
    await _decide(runner, engine, _observed())
    desk = ApprovalDesk(store.engine)
    with pytest.raises(ApprovalError, match="needs a reason"):
        desk.reject("DEC-100000003-1", by="bob", reason=" ", at=T0)
    desk.reject("DEC-100000003-1", by="bob", reason="not suitable", at=T0)
    approval = runner.approvals.get("DEC-100000003-1")
    assert approval is not None
    assert (approval.status, approval.reason) == (ApprovalStatus.REJECTED, "not suitable")
    assert {i.status for i in runner.outbox.items()} == {OutboxStatus.CANCELLED}


async def test_shadow_mode_keeps_the_decision_and_writes_nothing_else(store: Store) -> None:
    runner, engine, _ = _runner(store, Mode.SHADOW)
    await _decide(runner, engine, offered("100000004"))
    stored = runner.log.get("DEC-100000004-1")
    assert stored is not None
    assert stored.mode is Mode.SHADOW
    assert runner.outbox.items() == []
    assert not runner.state.has_open_offer("100000004", "SAV01")
    assert runner.stats.shadow_offers == [
        {"decision_id": "DEC-100000004-1", "party_ref": "v1:100000004", "product": "SAV01",
         "tier": "trusted", "channel": "EMAIL", "outcome": "offered"},
    ]  # fmt: skip


async def test_a_holdout_decision_joins_the_control_group_without_effects(store: Store) -> None:
    runner, engine, _ = _runner(store)
    decision = offered("100000005", outcome=DecisionOutcome.HOLDOUT, offer=None)
    await _decide(runner, engine, decision)
    assert runner.outbox.items() == []
    assert not runner.state.has_open_offer("100000005", "SAV01")


async def test_the_decision_is_committed_off_the_event_loop(store: Store) -> None:
    """The transaction's round trips never hold up the other events in flight."""
    runner, engine, _ = _runner(store)
    threads: list[int] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO DECISIONS"):
            threads.append(threading.get_ident())

    decision = await _decide(runner, engine, offered("100000001"))
    event.remove(store.engine, "before_cursor_execute", spy)
    assert decision is not None
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()
    assert runner.log.head()[0] == 1


class MeetingEnricher(StubEnricher):
    """Answers only once the party's governance read has begun (bounded)."""

    def __init__(self, read: threading.Event) -> None:
        self.read = read

    async def customer_360(self, party_id: str, *, key: str, now: Any = None) -> object:
        assert await asyncio.to_thread(self.read.wait, 20)
        return object()


async def test_the_governance_read_runs_while_the_core_is_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, engine, _ = _runner(store)
    read, for_party = threading.Event(), runner.state.for_party

    def spy(party_id: str) -> Any:
        read.set()
        return for_party(party_id)

    monkeypatch.setattr(runner.state, "for_party", spy)
    runner.enricher = MeetingEnricher(read)  # type: ignore[assignment]
    decision = await _decide(runner, engine, offered("100000001"))
    assert decision is not None
    assert runner.log.head()[0] == 1


async def test_an_event_with_no_signal_decides_nothing(store: Store) -> None:
    runner, engine, _ = _runner(store)
    decision = await _decide(
        runner, engine, offered("100000001").model_copy(update={"signals": ()})
    )
    assert decision is None
    assert runner.log.head()[0] == 0


def _handoff(runner: Runner) -> list[list[OutboxItem]]:
    handed: list[list[OutboxItem]] = []
    runner.handoff = Handoff("listener:drainer", timedelta(seconds=120), handed.append)
    return handed


async def test_with_a_handoff_effects_due_now_are_handed_over_claimed(store: Store) -> None:
    runner, engine, _ = _runner(store)
    handed = _handoff(runner)
    await _decide(runner, engine, offered("100000001"))

    (items,) = handed
    assert [i.kind.value for i in items] == ["offer", "next_best_action", "audit_record"]
    assert {(i.status, i.attempts) for i in items} == {(OutboxStatus.CLAIMED, 1)}
    assert [i.id for i in items] == [i.id for i in runner.outbox.items()]
    assert {(i.status, i.attempts) for i in runner.outbox.items()} == {(OutboxStatus.CLAIMED, 1)}
    assert runner.outbox.claim("another") == []  # held under the drainer's lease


async def test_handed_over_effects_go_to_any_drainer_once_their_lease_expired(
    store: Store,
) -> None:
    runner, engine, clock = _runner(store)
    _handoff(runner)
    await _decide(runner, engine, offered("100000001"))
    clock.advance(seconds=121)

    again = runner.outbox.claim("another")

    assert [(i.kind.value, i.attempts) for i in again] == [
        ("offer", 2), ("next_best_action", 2), ("audit_record", 2),
    ]  # fmt: skip


async def test_a_replayed_decision_hands_nothing_over(store: Store) -> None:
    runner, engine, _ = _runner(store)
    handed = _handoff(runner)
    await _decide(runner, engine, offered("100000001"))
    await _decide(runner, engine, offered("100000001"))

    assert len(handed) == 1
    assert len(runner.outbox.items()) == 3


async def test_a_guarded_offer_is_not_handed_over_but_waits_for_its_window(store: Store) -> None:
    runner, engine, _ = _runner(store)
    handed = _handoff(runner)
    await _decide(runner, engine, _guarded())

    assert handed == []
    assert {i.status for i in runner.outbox.items()} == {OutboxStatus.PENDING}
