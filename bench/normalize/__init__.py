"""Normalisation throughput: raw vendor payloads → CanonicalEvent, against the floor.

For each platform, ``bench.normalize.<platform>`` renders raw payloads as its mock core
serves them and returns two callables over the same records: the path (what the adapter
does: parse the vendor format, map, wrap into a ``CanonicalEvent``) and the floor
(parsing and validating the canonical model alone — for XML cores, raw lxml parsing plus
validation). The figure is path / floor, measured in the same run with the runs
interleaved, so that machine noise hits both alike.

    python -m bench.normalize [--platform mambu] [--entries 20000] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.report import Figure

__all__ = ["PLATFORMS", "main", "measure", "run"]

#: Platform -> module with ``TARGET`` and ``prepare(entries) -> (path, floor)``.
PLATFORMS: dict[str, str] = {
    "finacle": "bench.normalize.finacle",
    "mambu": "bench.normalize.mambu",
    "flexcube": "bench.normalize.flexcube",
    "temenos": "bench.normalize.temenos",
}


def _rate(run: Callable[[], int]) -> float:
    """Events per CPU-second of this process: both sides are single-threaded and CPU-bound,
    so CPU time is their cost, and other load on the machine does not stretch it."""
    started = time.process_time()
    n = run()
    return n / (time.process_time() - started)


def measure(platform: str = "mambu", entries: int = 20_000, repeat: int = 5) -> dict[str, Any]:
    """Run one platform's normalisation benchmark; returns rates, ratio and the target."""
    module = importlib.import_module(PLATFORMS[platform])
    target: float = module.TARGET
    path, floor = module.prepare(entries)
    n = path()  # a warm-up, and the count of events
    path_rate = floor_rate = 0.0
    for _ in range(repeat):
        path_rate = max(path_rate, _rate(path))
        floor_rate = max(floor_rate, _rate(floor))
    ratio = path_rate / floor_rate
    return {
        "benchmark": "normalize",
        "platform": platform,
        "entries": n,
        "path_events_per_s": round(path_rate),
        "floor_events_per_s": round(floor_rate),
        "ratio": round(ratio, 3),
        "target": target,
        "meets_target": ratio >= target,
    }


def run(smoke: bool = False) -> list[Figure]:
    """Every platform's figure (``python -m bench normalize``)."""
    entries, repeat = (300, 1) if smoke else (20_000, 5)
    figures = []
    for platform in sorted(PLATFORMS):
        r = measure(platform, entries, repeat)
        kind = "XML" if r["target"] < 0.5 else "JSON"
        figures.append(
            Figure(
                benchmark="normalize",
                case=f"{platform} ({kind})",
                metric="events/s",
                value=r["path_events_per_s"],
                baseline=r["floor_events_per_s"],
                baseline_name="canonical floor",
                ratio=r["ratio"],
                target=f">= {r['target']}",
                met=r["meets_target"],
                detail={"entries": r["entries"], "repeat": repeat},
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.normalize", description=__doc__)
    parser.add_argument("--platform", choices=sorted(PLATFORMS), action="append")
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for platform in args.platform or sorted(PLATFORMS):
        result = measure(platform, args.entries, args.repeat)
        if args.json:
            print(json.dumps(result))
            continue
        print(
            f"normalize {platform}: {result['entries']} entries | path "
            f"{result['path_events_per_s']:,} ev/s | floor {result['floor_events_per_s']:,} "
            f"ev/s | ratio {result['ratio']:.3f} (target >= {result['target']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
