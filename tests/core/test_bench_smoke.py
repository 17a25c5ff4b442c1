"""A tiny run of each benchmark, so they cannot rot. Figures are not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_normalize_benchmark_runs_on_a_tiny_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import normalize

    result = normalize.measure(entries=300, repeat=1)
    assert result["entries"] >= 300
    assert result["path_events_per_s"] > 0
    assert result["floor_events_per_s"] > 0
    expected = result["path_events_per_s"] / result["floor_events_per_s"]
    assert result["ratio"] == pytest.approx(expected, abs=0.01)
