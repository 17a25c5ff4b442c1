"""Learn: responses close offers, suppress, write back once; follow-ups; control group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from _flow_support import T0, FakeClock, offered

from xsell_connect.pipeline.learn import Learner
from xsell_connect.pipeline.runner import Runner
from xsell_connect.pipeline.types import Decision, DecisionOutcome, OfferResponse, ResponseKind
from xsell_connect.store import Store
from xsell_connect.store.outbox import OutboxStatus


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'learn.db'}")
    yield opened
    opened.close()


def _commit(store: Store, decision: Decision) -> Runner:
    runner = Runner(store.engine, None, None, clock=FakeClock())  # type: ignore[arg-type]
    with store.engine.begin() as connection:
        runner._commit_in(connection, decision)
    return runner


def _respond(learner: Learner, decision: Decision, kind: ResponseKind, days: int = 3) -> bool:
    assert decision.offer is not None
    response = OfferResponse(
        offer_id=decision.offer.id, party_id=decision.party_id, kind=kind,
        at=T0 + timedelta(days=days),
    )  # fmt: skip
    return learner.respond(response)


def _effects(store: Store, suffix: str) -> list[dict[str, object]]:
    runner = Runner(store.engine, None, None)  # type: ignore[arg-type]
    return [i.payload for i in runner.outbox.items() if i.idempotency_key.endswith(suffix)]


def test_a_decline_suppresses_and_advances_the_nba_to_the_runner_up(store: Store) -> None:
    decision = offered("100000001")
    runner = _commit(store, decision)
    learner = Learner(store.engine, decline_days=90, clock=FakeClock())
    assert _respond(learner, decision, ResponseKind.DECLINED)
    assert runner.state.last_decline("100000001", "SAV01") == T0 + timedelta(days=3)
    assert not runner.state.has_open_offer("100000001", "SAV01")
    (nba,) = _effects(store, ":nba:declined")
    assert (nba["action_code"], nba["offer_ref"]) == ("OFFER_CARD01", None)
    (audit,) = _effects(store, ":audit:declined")
    assert (audit["outcome"], audit["audit_id"]) == ("DECLINED", "DEC-100000001-1:declined")


def test_an_acceptance_clears_the_nba_and_a_repeat_is_ignored(store: Store) -> None:
    decision = offered("100000002")
    _commit(store, decision)
    learner = Learner(store.engine, clock=FakeClock())
    assert _respond(learner, decision, ResponseKind.ACCEPTED)
    assert not _respond(learner, decision, ResponseKind.ACCEPTED)
    (nba,) = _effects(store, ":nba:accepted")
    assert nba["action_code"] == "NONE"


def test_complaints_and_opt_outs_feed_the_breakers(store: Store) -> None:
    decision = offered("100000003")
    runner = _commit(store, decision)
    learner = Learner(store.engine, clock=FakeClock())
    _respond(learner, decision, ResponseKind.COMPLAINED)
    stats = runner.state.pattern_stats("salary_credit", T0)
    assert (stats.offers, stats.complaints, stats.opt_outs) == (1, 1, 0)


def test_an_offer_left_open_gets_one_follow_up_task_then_expires(store: Store) -> None:
    decision = offered("100000004")
    _commit(store, decision)
    learner = Learner(store.engine, follow_up_days=7, clock=FakeClock())
    assert learner.sweep(T0 + timedelta(days=6)).follow_ups == 0
    assert learner.sweep(T0 + timedelta(days=8)).follow_ups == 1
    assert learner.sweep(T0 + timedelta(days=9)).follow_ups == 0
    (task,) = _effects(store, ":follow_up")
    assert task["nba_code"] == "FOLLOW_UP"
    assert task["reason_codes"] == ["SIG_SALARY_CREDIT", "FOLLOW_UP"]
    assert learner.sweep(T0 + timedelta(days=31)).expired == 1
    runner = Runner(store.engine, None, None)  # type: ignore[arg-type]
    assert not runner.state.has_open_offer("100000004", "SAV01")
    assert len(runner.outbox.items(status=OutboxStatus.PENDING)) == 3 + 1 + 2


def test_acceptance_is_measured_against_the_control_group(store: Store) -> None:
    treated = [offered(f"10000001{i}") for i in range(4)]
    control = [
        offered(f"10000002{i}", outcome=DecisionOutcome.HOLDOUT, offer=None) for i in range(2)
    ]
    for decision in treated + control:
        _commit(store, decision)
    learner = Learner(store.engine, clock=FakeClock())
    _respond(learner, treated[0], ResponseKind.ACCEPTED)
    _respond(learner, treated[1], ResponseKind.DECLINED)
    assert learner.record_conversion("100000020", "SAV01", T0) == 1
    uplift = learner.uplift("salary_credit")
    assert (uplift.offered, uplift.accepted, uplift.control, uplift.converted) == (4, 1, 2, 1)
    assert (uplift.acceptance, uplift.control_rate) == (0.25, 0.5)
