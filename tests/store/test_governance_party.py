"""One party's governance read in one query; window aggregates reused for a bounded time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from xsell_connect.models import Channel
from xsell_connect.pipeline.state import GroupTally, PatternStats
from xsell_connect.store import Store
from xsell_connect.store.governance import StoreGovernanceState
from xsell_connect.store.schema import offer_responses

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    store = Store.open(store_url)
    yield store.engine
    store.close()


def _contact(
    state: StoreGovernanceState, engine: Engine, offer: str, party: str, **values: Any
) -> None:
    row = {
        "offer_id": offer,
        "decision_id": f"DEC-{offer}",
        "party_id": party,
        "pattern": "salary_credit",
        "product_code": "SAV01",
        "channel": "EMAIL",
        "contacted_at": T0,
        "expires_at": T0 + timedelta(days=30),
        **values,
    }
    with engine.begin() as connection:
        state.record_contact_in(connection, row)


def _decline(engine: Engine, party: str, product: str, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(offer_responses).values(
                offer_id=f"O-{at:%d%H%M}", party_id=party, pattern="salary_credit",
                product_code=product, kind="declined", at=at,
            )
        )  # fmt: skip


def _count_queries(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def test_a_party_view_answers_as_the_store_does(engine: Engine) -> None:
    state = StoreGovernanceState(engine)
    _contact(state, engine, "O1", "P1")
    _contact(state, engine, "O2", "P1", channel="SMS", contacted_at=T0 - timedelta(days=40))
    _contact(state, engine, "O3", "P1", product_code="CARD01", status="declined")
    _contact(state, engine, "O4", "P1", holdout=True, product_code="LOAN01")
    _contact(state, engine, "O5", "P2", product_code="CARD01")
    _decline(engine, "P1", "CARD01", T0 - timedelta(days=3))
    _decline(engine, "P1", "CARD01", T0 - timedelta(days=1))
    _decline(engine, "P2", "SAV01", T0)
    state.engage_kill_switch("loan_repaid", by="ops", at=T0)

    view = state.for_party("P1")

    since = T0 - timedelta(days=30)
    for channel in (Channel.EMAIL, Channel.SMS, Channel.PUSH):
        assert view.contacts_since("P1", channel, since) == state.contacts_since(
            "P1", channel, since
        )
    assert view.contacts_since("P1", Channel.EMAIL, since) == 2  # O1, and O3 (answered)
    assert view.contacts_since("P1", Channel.SMS, T0 - timedelta(days=50)) == 1
    assert view.has_open_offer("P1", "SAV01") is True
    assert view.has_open_offer("P1", "CARD01") is False  # answered
    assert view.has_open_offer("P1", "LOAN01") is False  # a holdout's is no offer
    assert view.last_decline("P1", "CARD01") == T0 - timedelta(days=1)
    assert view.last_decline("P1", "SAV01") is None
    assert view.kill_switch_engaged("loan_repaid") is True
    assert view.kill_switch_engaged("salary_credit") is False
    # another party: asked of the store
    assert view.has_open_offer("P2", "CARD01") is True
    assert view.last_decline("P2", "SAV01") == T0
    # the next party's own view, from the same prepared query
    other = state.for_party("P2")
    assert other.contacts_since("P2", Channel.EMAIL, since) == 1
    assert other.last_decline("P2", "SAV01") == T0
    assert other.last_decline("P2", "CARD01") is None


def test_a_party_view_is_read_in_one_query(engine: Engine) -> None:
    state = StoreGovernanceState(engine)
    _contact(state, engine, "O1", "P1")
    queries = _count_queries(engine)

    view = state.for_party("P1")
    view.contacts_since("P1", Channel.EMAIL, T0)
    view.has_open_offer("P1", "SAV01")
    view.last_decline("P1", "SAV01")
    view.kill_switch_engaged("salary_credit")

    assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 1


def test_an_engaged_kill_switch_for_every_pattern_stops_them_all(engine: Engine) -> None:
    state = StoreGovernanceState(engine)
    state.engage_kill_switch("*", by="ops", at=T0)

    assert state.for_party("P1").kill_switch_engaged("salary_credit") is True


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_window_aggregates_are_reused_for_aggregate_seconds(engine: Engine) -> None:
    clock = FakeMonotonic()
    state = StoreGovernanceState(engine, aggregate_seconds=1.0, monotonic=clock)
    since = T0 - timedelta(hours=24)
    state.record_writeback("salary_credit", ok=True, at=T0)
    assert state.pattern_stats("salary_credit", since) == PatternStats(writebacks=1)
    assert state.fairness_tallies("segment", since) == ()

    state.record_writeback("salary_credit", ok=False, at=T0)
    with engine.begin() as connection:
        state.record_decision_in(connection, age_band="25-34", segment="MASS", offered=True, at=T0)
    clock.now += 0.5
    reused = state.pattern_stats("salary_credit", since + timedelta(seconds=0.5))
    tallies = state.fairness_tallies("segment", since)
    clock.now += 0.5
    fresh = state.pattern_stats("salary_credit", since + timedelta(seconds=1))

    assert reused == PatternStats(writebacks=1)
    assert tallies == ()
    assert fresh == PatternStats(writebacks=2, writeback_errors=1)
    assert state.fairness_tallies("segment", since) == (GroupTally("MASS", 1, 1),)


def test_a_window_that_moved_further_is_read_again(engine: Engine) -> None:
    state = StoreGovernanceState(engine, aggregate_seconds=60.0, monotonic=FakeMonotonic())
    state.record_writeback("salary_credit", ok=True, at=T0)

    before = state.pattern_stats("salary_credit", T0 - timedelta(hours=1))
    after = state.pattern_stats("salary_credit", T0 + timedelta(hours=1))

    assert (before.writebacks, after.writebacks) == (1, 0)


def test_without_aggregate_seconds_every_call_reads_the_store(engine: Engine) -> None:
    state = StoreGovernanceState(engine)
    since = T0 - timedelta(hours=24)
    assert state.pattern_stats("salary_credit", since) == PatternStats()

    state.record_writeback("salary_credit", ok=True, at=T0)

    assert state.pattern_stats("salary_credit", since) == PatternStats(writebacks=1)
