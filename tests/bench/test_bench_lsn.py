"""A tiny run of the listener benchmark, so that it cannot rot. Figures are not asserted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from xsell_connect.models import CanonicalEvent, EventType
from xsell_connect.store import InboxStatus, Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _bench_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))


@pytest.mark.services
def test_the_listener_benchmark_runs_on_postgresql(postgres_url: str) -> None:
    from bench.listener import Sizes, figures, measure

    result = measure(postgres_url, Sizes.smoke())
    peak, half = figures("postgresql", result)

    server = f"{result['sizes'].loop}/{result['sizes'].http}"
    assert server in {"uvloop/httptools", "asyncio/h11"}
    assert (peak.benchmark, peak.case, peak.metric) == (
        "listener",
        f"webhook → postgresql inbox, {server}, peak",
        "req/s",
    )
    assert half.case == f"webhook → postgresql inbox, {server}, half peak"
    assert peak.value > 0
    assert peak.baseline > 0
    assert peak.ratio == pytest.approx(peak.value / peak.baseline)  # a rate: path / baseline
    assert peak.met is (peak.ratio >= 0.4)
    assert (half.metric, half.target) == ("ms p99", "p99 <= 50 ms")
    assert half.ratio == pytest.approx(half.baseline / half.value)  # a latency: baseline / path
    assert half.met is (half.value <= 50)
    assert half.detail["rate_per_s"] == pytest.approx(peak.value / 2, rel=0.01)
    for phase in ("bare_peak", "listener_peak", "bare_half", "listener_half"):
        assert result[phase]["ok"] == result[phase]["sent"] > 0  # every answer was a 2xx

    # Every request the listener answered is its own committed inbox row, never a duplicate.
    store = Store.open(postgres_url, migrate=False)
    try:
        answered = result["listener_peak"]["answered"] + result["listener_half"]["answered"]
        assert store.inbox.depth()[InboxStatus.PENDING] == answered
    finally:
        store.close()


def test_the_benchmark_bodies_are_what_the_model_writes() -> None:
    from bench.listener.requests import _EPOCH, event_body, posting

    for n in (0, 7, 12_345):
        entry, party, booked = f"LE-{n:09d}", f"P-{n % 5000:06d}", _EPOCH + timedelta(seconds=n)
        event = CanonicalEvent.wrap(
            type=EventType.LEDGER_ENTRY_POSTED,
            platform="bench",
            source="https://core.bank.example",
            key=entry,
            time=booked,
            subject=party,
            data=posting(n, entry, party, booked),
        )
        assert event_body(n) == event.to_json().encode()
