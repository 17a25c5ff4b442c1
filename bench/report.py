"""One record per measured figure, the machine it was measured on, and the Markdown table.

Every benchmark returns :class:`Figure` records: the measured path, the baseline measured
in the same run, their ratio (always oriented so that higher is better: path/baseline for
rates, baseline/path for latencies), the target and whether it was met. Absolute numbers
sit beside the ratio for context only.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Figure", "machine", "markdown_table", "percentile"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Figure:
    """One benchmark figure: the path against its same-run baseline."""

    benchmark: str
    case: str
    metric: str  # what value and baseline count, e.g. "events/s", "req/s", "ms p99"
    value: float
    baseline: float
    baseline_name: str
    ratio: float  # higher is better
    target: str  # e.g. ">= 0.5", "p99 <= 100 ms"
    met: bool | None  # None when the figure has no target of its own
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        return cls(**data)


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``samples``, nearest-rank; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages / 2**30, 1)


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine() -> dict[str, Any]:
    """Where and when the figures were measured."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "commit": _commit(),
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def markdown_table(figures: list[Figure], info: dict[str, Any]) -> str:
    """The results as a Markdown table, headed by the machine and the date."""
    memory = f", {info['memory_gib']} GiB" if info.get("memory_gib") else ""
    load = info.get("load_average")
    lines = [
        f"Measured {info['date']} on {info['cpu']} ({info['cores']} cores{memory}), "
        f"{info['os']}, Python {info['python']}"
        + (f", commit `{info['commit']}`" if info.get("commit") else "")
        + (f"; load average at start {load[0]}" if load else "")
        + (f"; {info['rerun']}" if info.get("rerun") else "")
        + ".",
        "",
        "| benchmark | case | metric | path | baseline | ratio | target | met |",
        "|---|---|---|---:|---:|---:|---|:-:|",
    ]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(
            f"| {f.benchmark} | {f.case} | {f.metric} | {_number(f.value)} | "
            f"{_number(f.baseline)} ({f.baseline_name}) | {f.ratio:.2f} | {f.target} | {met} |"
        )
    return "\n".join(lines) + "\n"
