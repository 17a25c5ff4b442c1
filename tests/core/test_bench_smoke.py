"""A tiny run of each benchmark, so they cannot rot. Figures are not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _platforms() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT))
    try:
        from bench.normalize import PLATFORMS
    finally:
        sys.path.remove(str(ROOT))
    return sorted(PLATFORMS)


@pytest.mark.parametrize("platform", _platforms())
def test_normalize_benchmark_runs_on_a_tiny_bank(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import normalize

    result = normalize.measure(platform, entries=300, repeat=1)
    assert result["platform"] == platform
    assert result["entries"] >= 300
    assert result["path_events_per_s"] > 0
    assert result["floor_events_per_s"] > 0
    expected = result["path_events_per_s"] / result["floor_events_per_s"]
    assert result["ratio"] == pytest.approx(expected, abs=0.01)
