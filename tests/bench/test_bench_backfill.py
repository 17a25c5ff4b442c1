"""The backfill benchmark on a tiny bank, so it cannot rot. Figures are not asserted here.

Runs real processes (a mock core, the sync command, the floor) over loopback: a few
seconds each, every child bounded by the benchmark's smoke timeout.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backfill(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import backfill

    return backfill


def test_smoke_run_gives_a_figure_per_size_and_the_memory_figure(backfill: ModuleType) -> None:
    figures = backfill.run(smoke=True)

    small, large = backfill.SMOKE_SIZES
    assert [f.case for f in figures] == [
        f"{small:,} customers",
        f"{large:,} customers",
        f"peak RSS {large:,} vs {small:,} customers",
    ]
    first, second, memory = figures
    for throughput, customers in ((first, small), (second, large)):
        assert (throughput.benchmark, throughput.metric, throughput.met) == (
            "backfill",
            "customers/s",
            None,
        )
        assert throughput.baseline_name == "transport floor"
        assert throughput.value > 0
        assert throughput.baseline > 0
        assert throughput.ratio == throughput.value / throughput.baseline
        assert throughput.detail["customers"] == customers
        assert throughput.detail["floor_requests"] > customers
    assert memory.metric == "MiB"
    assert memory.ratio == memory.baseline / memory.value  # lower is better
    assert memory.met is (memory.value < 1.2 * memory.baseline)
    assert memory.baseline == first.detail["path_peak_rss_mib"]
    assert memory.value == second.detail["path_peak_rss_mib"]
    assert memory.detail["customers"] == large
    assert memory.detail["peak_rss_mib"] == {str(small): memory.baseline, str(large): memory.value}


def test_a_memory_size_adds_a_path_only_run(backfill: ModuleType) -> None:
    figures = backfill.run(smoke=True, sizes=[10], memory_size=20)

    assert [f.case for f in figures] == ["10 customers", "peak RSS 20 vs 10 customers"]
    assert figures[1].detail["customers"] == 20
    assert figures[1].baseline == figures[0].detail["path_peak_rss_mib"]


def _requests(mock: MambuMock) -> Counter[tuple[str, str, str, bytes]]:
    return Counter((e.method, e.path, e.query, e.body) for e in mock.journal.entries())


def test_the_floor_sends_exactly_the_requests_the_sync_sends(backfill: ModuleType) -> None:
    mock = MambuMock(SyntheticBank(BankConfig(seed=7, customers=6, months=1)))
    with ServerThread(mock) as server:
        path = backfill.sync_run(server.url, backfill.SMOKE_TIMEOUT_S)
        by_sync = _requests(mock)
        mock.journal.clear()
        floor = backfill.floor_run(server.url, backfill.SMOKE_TIMEOUT_S)
        by_floor = _requests(mock)

    assert path.customers == floor.customers == 6
    assert by_floor == by_sync
    assert floor.counts["requests"] == sum(by_sync.values())
