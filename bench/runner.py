"""The runner behind ``python -m bench`` and ``xsell-connect bench``.

Each benchmark is a module with ``run(smoke: bool) -> list[Figure]``. Under ``all`` every
benchmark runs in a process of its own, so that one benchmark's memory, threads and event
loop never colour the next one's figures (the backfill's peak RSS above all).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import ROOT, Figure, machine, markdown_table

__all__ = ["BENCHMARKS", "main", "run_benchmark", "update_readme"]

#: Benchmark name -> module exposing ``run(smoke: bool) -> list[Figure]``.
BENCHMARKS: dict[str, str] = {
    "normalize": "bench.normalize",
    "amqp": "bench.amqp",
    "time_to_offer": "bench.time_to_offer",
    "backfill": "bench.backfill",
    "listener": "bench.listener",
}
README_BEGIN = "<!-- bench:begin -->"
README_END = "<!-- bench:end -->"
#: A benchmark that runs past this is stopped and reported as failed.
TIMEOUT_S = 1800
#: Longer budgets: the backfill's 100,000-customer size alone takes 50 minutes on a slow
#: 2-core machine (both sides).
TIMEOUTS_S: dict[str, float] = {"backfill": 3 * 3600}


def run_benchmark(name: str, smoke: bool = False) -> list[Figure]:
    """Run one benchmark in this process."""
    module = importlib.import_module(BENCHMARKS[name])
    figures: list[Figure] = module.run(smoke=smoke)
    return figures


def _run_isolated(name: str, smoke: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, "-m", "bench", name, "--figures-to", str(out)]
        if smoke:
            command.append("--smoke")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        # Its own process group: on a timeout (or Ctrl-C, which no longer reaches it) the
        # mock cores and clients it started go down with it, instead of running on beside
        # the next benchmark.
        child = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        try:
            returncode = child.wait(timeout=TIMEOUTS_S.get(name, TIMEOUT_S))
        except BaseException:
            _stop_group(child)
            raise
        if returncode != 0:
            raise RuntimeError(f"benchmark {name!r} failed (exit {returncode})")
        return [Figure.from_dict(d) for d in json.loads(out.read_text())]


def update_readme(table: str, readme: Path = ROOT / "README.md") -> None:
    """Replace the table between the README's bench markers."""
    text = readme.read_text()
    start, end = text.find(README_BEGIN), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme} has no {README_BEGIN} ... {README_END} block")
    text = text[: start + len(README_BEGIN)] + "\n" + table + text[end:]
    readme.write_text(text)


def _updated(
    path: Path, names: list[str], figures: list[Figure], info: dict[str, Any]
) -> tuple[list[Figure], dict[str, Any]]:
    """The earlier result with ``names``' figures replaced (in ``BENCHMARKS`` order).

    The machine line keeps the earlier run's and adds which benchmarks ran again, when and
    at which commit, after any earlier such note.
    """
    if not path.is_file():
        return figures, info
    earlier = json.loads(path.read_text())
    kept = [Figure.from_dict(d) for d in earlier["figures"] if d["benchmark"] not in names]
    order = list(BENCHMARKS)
    merged = sorted(kept + figures, key=lambda f: order.index(f.benchmark))
    machine_info = dict(earlier["machine"])
    note = f"{', '.join(names)} again at {info['date']}"
    if info.get("commit"):
        note += f", commit `{info['commit']}`"
    machine_info["rerun"] = "; ".join(n for n in (machine_info.get("rerun"), note) if n)
    return merged, machine_info


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, SIGKILL what is left after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names",
        nargs="+",
        choices=["all", *BENCHMARKS],
        metavar="BENCHMARK",
        help=f"all, or any of: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check they run")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results",
        help="directory for latest.json and latest.md",
    )
    parser.add_argument("--readme", action="store_true", help="put the table into README.md")
    parser.add_argument(
        "--update",
        action="store_true",
        help="replace only these benchmarks' figures in the existing latest.json",
    )
    parser.add_argument("--figures-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    names = list(BENCHMARKS) if "all" in args.names else list(dict.fromkeys(args.names))
    if args.figures_to:  # the child side of an isolated run
        mine = [f for name in names for f in run_benchmark(name, args.smoke)]
        args.figures_to.write_text(json.dumps([f.as_dict() for f in mine]))
        return 0

    info = machine()
    figures: list[Figure] = []
    failed: list[str] = []
    for name in names:
        started = time.monotonic()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            got = _run_isolated(name, args.smoke)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"bench: {name} failed: {exc}", file=sys.stderr)
            failed.append(name)
            continue
        figures.extend(got)
        print(f"bench: {name} done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.update:
        figures, info = _updated(args.out / "latest.json", names, figures, info)
    table = markdown_table(figures, info)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": info,
        "smoke": args.smoke,
        "failed": failed,
        "figures": [f.as_dict() for f in figures],
    }
    (args.out / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "latest.md").write_text(table)
    print(table)
    if args.readme:
        update_readme(table)
    return 1 if failed else 0
