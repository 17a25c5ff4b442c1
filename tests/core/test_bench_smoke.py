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


def test_bench_runner_writes_json_and_the_markdown_table(tmp_path: Path) -> None:
    """``python -m bench normalize --smoke`` runs in its own process and writes both files."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "normalize", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["smoke"] is True
    assert result["failed"] == []
    cases = [f["case"] for f in result["figures"]]
    assert cases == [
        f"{p} ({'JSON' if p in {'mambu', 'temenos'} else 'XML'})" for p in _platforms()
    ]
    for figure in result["figures"]:
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"], abs=0.01)
    table = (tmp_path / "latest.md").read_text()
    assert "| benchmark | case | metric | path | baseline | ratio | target | met |" in table
    assert table.count("| normalize |") == len(cases)
    assert result["machine"]["cores"] == os.cpu_count()


def test_readme_table_is_replaced_between_the_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.runner import README_BEGIN, README_END, update_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{README_BEGIN}\nold table\n{README_END}\n\nafter\n")
    update_readme("| new |\n", readme)
    assert readme.read_text() == f"# x\n\n{README_BEGIN}\n| new |\n{README_END}\n\nafter\n"


def test_update_replaces_only_the_benchmarks_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.syspath_prepend(str(ROOT))
    from bench.report import Figure
    from bench.runner import _updated

    def figure(benchmark: str, value: float) -> Figure:
        return Figure(benchmark, "c", "x/s", value, 2.0, "b", value / 2.0, ">= 0.5", True)

    earlier = {
        "machine": {"date": "then"},
        "figures": [figure("normalize", 1.0).as_dict(), figure("amqp", 1.0).as_dict()],
    }
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(earlier))
    merged, info = _updated(path, ["normalize"], [figure("normalize", 3.0)], {"date": "now"})
    assert [(f.benchmark, f.value) for f in merged] == [("normalize", 3.0), ("amqp", 1.0)]
    assert info == {"date": "then", "rerun": "normalize again at now"}

    path.write_text(json.dumps({"machine": info, "figures": [f.as_dict() for f in merged]}))
    again = {"date": "later", "commit": "abc1234"}
    merged, info = _updated(path, ["amqp"], [figure("amqp", 5.0)], again)
    assert [(f.benchmark, f.value) for f in merged] == [("normalize", 3.0), ("amqp", 5.0)]
    assert info == {
        "date": "then",
        "rerun": "normalize again at now; amqp again at later, commit `abc1234`",
    }
