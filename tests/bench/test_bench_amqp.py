"""A tiny run of the AMQP benchmark through the runner, so that it cannot rot.

It drains a few hundred messages on the real broker into a scratch PostgreSQL database;
the figures' sizes are not asserted, only their shape and value / baseline == ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.services


def test_amqp_benchmark_reports_the_path_against_both_raw_loops(
    rabbitmq: str, postgres_url: str, tmp_path: Path
) -> None:
    """``python -m bench amqp --smoke``: one figure per baseline, each ratio exact."""
    del postgres_url  # requested so that a missing PostgreSQL fails (CI) or skips the test
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XSELL_BENCH_AMQP_URL": rabbitmq}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "amqp", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["failed"] == []
    figures = result["figures"]
    assert [f["baseline_name"] for f in figures] == [
        "raw pika, acks as the listener",
        "raw pika, ack each",
    ]
    assert figures[0]["value"] == figures[1]["value"]  # one path, two baselines
    for figure in figures:
        assert (figure["benchmark"], figure["metric"], figure["target"]) == (
            "amqp",
            "messages/s",
            ">= 0.5",
        )
        assert figure["ratio"] == figure["value"] / figure["baseline"]
        assert figure["met"] is (figure["ratio"] >= 0.5)
        detail = figure["detail"]
        assert (detail["messages"], detail["rounds"], detail["prefetch"], detail["batch"]) == (
            300,
            1,
            200,
            100,
        )
        assert len(detail["path_rounds"]) == len(detail["baseline_rounds"]) == 1
    assert (tmp_path / "latest.md").read_text().count("| amqp |") == 2
