"""Backfill: a full Customer 360 sync from a mock Mambu core over loopback, against the floor.

For each size a mock Mambu core serves a fresh synthetic bank from its own process
(``xsell-connect mock mambu``), and two clients walk it, each in a fresh process of its
own so that its peak RSS (``ru_maxrss``, read with ``wait4``) is that size's alone:

* the path: ``xsell-connect sync mambu --base-url URL -o /dev/null`` — every party, its
  accounts and their postings read, mapped and written out as canonical events (JSON
  lines to a sink that keeps nothing, as a bank streaming them on would);
* the floor: the same HTTP requests in the same order and at the same concurrency, sent
  by the same client (the adapter's ``HttpClient``), bodies parsed with ``json.loads``
  only as far as the next request needs (ids, keys, page lengths); no mapping, no events.

The throughput figure per size is customers/s of the path over the floor's, at the issue's
three sizes: 1,000, 10,000 and 100,000 customers. The memory figure is the path's peak RSS
at the largest size against the next one (100,000 against 10,000): a sync that streams
keeps it flat (target: less than 20% growth). A full sync costs ~4.4 requests a customer,
so the 100,000 size is most of the benchmark's time (about 30 minutes for both sides on
the 2-core reference machine). ``--memory-size N`` adds a path-only run at N customers for
the memory figure instead. The bank holds one month of postings (``--months 1``, ~36 a
customer) at every size: twelve months of a 100,000-customer bank are ~41 million postings.

    python -m bench.backfill [--sizes 1000 10000 100000] [--memory-size N]
    python -m bench.backfill floor --base-url URL   (the floor's child process)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from xsell_connect_mambu import MambuAdapter, MambuSettings
from xsell_connect_mambu.client import search_body

from bench.report import ROOT, Figure
from xsell_connect.adapter import DEFAULT_PAGE_SIZE

__all__ = [
    "SIZES",
    "SMOKE_SIZES",
    "Run",
    "floor_walk",
    "measure",
    "run",
]

#: Sizes run by the path and the floor, for throughput; the last two give the memory figure.
SIZES = (1_000, 10_000, 100_000)
SMOKE_SIZES = (10, 30)
#: Months of postings in the mock bank, the same at every size.
MONTHS = 1
SEED = 7
#: Parties read at a time: the CLI's default.
CONCURRENCY = 4
#: The memory target: peak RSS at the largest size below this multiple of the next one.
RSS_GROWTH_LIMIT = 1.2
#: The mock keeps this many journal entries, not one per request of the run.
JOURNAL_LIMIT = 1_000
#: The mock core's own API key (not a secret).
API_KEY = "test-api-key"
#: A child (one sync of 100,000 customers) that runs past this is stopped.
CHILD_TIMEOUT_S = 3_600
SMOKE_TIMEOUT_S = 120
_PROGRESS = re.compile(r"\[\s*([\d.]+)s\] (\d+) events \(([^)]*)\)")


@dataclass(frozen=True)
class Run:
    """One client process's walk of the bank."""

    customers: int
    elapsed_s: float
    cpu_s: float
    peak_rss_kib: int
    counts: Mapping[str, int]

    @property
    def rate(self) -> float:
        return self.customers / self.elapsed_s


# -- the floor (runs in its own process: python -m bench.backfill floor) ------------------


async def floor_walk(base_url: str, *, concurrency: int = CONCURRENCY) -> Counter[str]:
    """Send the requests ``sync_events`` sends through the Mambu adapter, mapping nothing.

    Same client (the adapter's ``HttpClient``: headers, auth, timeouts, retries), same
    order (products, then parties ``concurrency`` at a time: each one's deposits and loans,
    then each account's transaction searches with the adapter's page overlap).
    """
    settings = MambuSettings(base_url=base_url, api_key=API_KEY)
    size, overlap = DEFAULT_PAGE_SIZE, min(settings.ledger_overlap, DEFAULT_PAGE_SIZE // 2)
    counts: Counter[str] = Counter()
    async with MambuAdapter.from_settings(settings) as adapter:
        http = adapter.client.http

        async def rows(method: str, path: str, params: dict[str, Any], **kw: Any) -> list[Any]:
            response = await http.request(method, path, params=params, operation="floor", **kw)
            counts["requests"] += 1
            body: list[Any] = json.loads(response.content)
            return body

        async def walk(path: str, params: dict[str, Any], limit: int) -> AsyncIterator[Any]:
            offset = 0
            while True:
                page = await rows("GET", path, {**params, "offset": offset, "limit": limit})
                for row in page:
                    yield row
                if len(page) < limit:
                    return
                offset += len(page)

        async def ledger(collection: str, key: str) -> None:
            body = search_body(
                [{"field": "parentAccountKey", "operator": "EQUALS", "value": key}],
                sort_field="creationDate",
            )
            offset = 0
            while True:
                params = {"offset": offset, "limit": size, "detailsLevel": "FULL"}
                headers = {"Idempotency-Key": str(uuid.uuid4())}
                page = await rows("POST", f"/{collection}/transactions:search", params,
                                  json=body, headers=headers)  # fmt: skip
                counts["postings"] += len(page)
                if len(page) < size:
                    return
                offset += size - overlap

        async def party(party_id: str) -> None:
            holder = {
                "accountHolderType": "CLIENT",
                "accountHolderId": party_id,
                "detailsLevel": "FULL",
            }
            accounts = [
                (collection, row["encodedKey"])
                for collection in ("deposits", "loans")
                async for row in walk(f"/{collection}", holder, settings.page_size)
            ]
            for collection, key in accounts:
                await ledger(collection, key)
            counts["accounts"] += len(accounts)
            counts["customers"] += 1

        for kind in ("deposit", "loan"):
            async for _ in walk(f"/{kind}products", {}, size):
                counts["products"] += 1
        window: deque[asyncio.Task[None]] = deque()
        parties = {"detailsLevel": "FULL", "sortBy": "creationDate:ASC"}
        async for row in walk("/clients", parties, size):
            window.append(asyncio.create_task(party(row["id"])))
            if len(window) >= concurrency:
                await window.popleft()
        while window:
            await window.popleft()
    return counts


def _floor_main(base_url: str, concurrency: int) -> None:
    started = time.perf_counter()
    counts = asyncio.run(floor_walk(base_url, concurrency=concurrency))
    print(json.dumps({"elapsed_s": time.perf_counter() - started, "counts": counts}))


# -- processes ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "XSELL_MAMBU_API_KEY": API_KEY}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "xsell_connect.cli", *args]


def _run_child(command: Sequence[str], timeout: float) -> tuple[str, str, resource.struct_rusage]:
    """Run ``command``; its stdout, its stderr and its own resource usage.

    Reaped with ``wait4``, whose ``ru_maxrss`` is this child's alone (``RUSAGE_CHILDREN``
    would be the largest of every child so far).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=_env(), cwd=ROOT)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                raise TimeoutError(f"{command[2:5]} ran past {timeout:.0f} s")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command[2:5]} exited {process.returncode}: {stderr[-2000:]}")
    return stdout, stderr, usage


class MockServer:
    """``xsell-connect mock mambu`` in a process of its own, on a free loopback port."""

    def __init__(self, customers: int, log: IO[bytes]) -> None:
        self.customers = customers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log
        command = _cli(
            "mock", "mambu", "--port", str(self.port), "--customers", str(customers),
            "--seed", str(SEED), "--months", str(MONTHS), "--journal-limit", str(JOURNAL_LIMIT),
        )  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=self._log, env=_env(), cwd=ROOT
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{self.url}/_mock/health", timeout=2).raise_for_status()
                return
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self._log.seek(0)
                    log = self._log.read().decode()[-2000:]
                    raise RuntimeError(f"mock core on {self.url} did not start: {log}") from None
                time.sleep(0.1)

    def cpu_s(self) -> float:
        """CPU seconds the server has used so far (user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def mock_core(customers: int) -> Iterator[MockServer]:
    with tempfile.TemporaryFile() as log:
        server = MockServer(customers, log)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def _cpu(usage: resource.struct_rusage) -> float:
    return round(usage.ru_utime + usage.ru_stime, 2)


def sync_run(url: str, timeout: float = CHILD_TIMEOUT_S) -> Run:
    """The path: the ``sync`` command, timed by its own closing progress line."""
    command = _cli("sync", "mambu", "--base-url", f"{url}/api",
                   "--concurrency", str(CONCURRENCY), "--output", os.devnull)  # fmt: skip
    _, stderr, usage = _run_child(command, timeout)
    found = _PROGRESS.findall(stderr)
    if not found:
        raise RuntimeError(f"sync printed no progress line: {stderr[-2000:]}")
    elapsed, events, parts = found[-1]
    counts = {k: int(v) for k, v in (p.split("=") for p in parts.split())}
    counts["events"] = int(events)
    return Run(counts.get("party", 0), float(elapsed), _cpu(usage), usage.ru_maxrss, counts)


def floor_run(url: str, timeout: float = CHILD_TIMEOUT_S) -> Run:
    """The floor, in its own process (``python -m bench.backfill floor``)."""
    command = [sys.executable, "-m", "bench.backfill", "floor", "--base-url", f"{url}/api",
               "--concurrency", str(CONCURRENCY)]  # fmt: skip
    stdout, _, usage = _run_child(command, timeout)
    result = json.loads(stdout.strip().splitlines()[-1])
    counts: dict[str, int] = result["counts"]
    elapsed = float(result["elapsed_s"])
    return Run(counts.get("customers", 0), elapsed, _cpu(usage), usage.ru_maxrss, counts)


# -- figures ------------------------------------------------------------------------------


def measure(
    customers: int, timeout: float = CHILD_TIMEOUT_S, *, floor: bool = True
) -> dict[str, Any]:
    """The path, then (unless ``floor`` is false) the floor, over one fresh mock core."""
    with mock_core(customers) as server:
        cpu = server.cpu_s()
        runs = {"path": sync_run(server.url, timeout)}
        path_cpu, cpu = server.cpu_s() - cpu, server.cpu_s()
        if floor:
            runs["floor"] = floor_run(server.url, timeout)
        floor_cpu = server.cpu_s() - cpu
        mock_rss = server.peak_rss_mib()
    for name, got in runs.items():
        if got.customers != customers:
            raise RuntimeError(f"{name} read {got.customers} of {customers} customers")
    return {"customers": customers, **runs, "path_server_cpu_s": path_cpu,
            "floor_server_cpu_s": floor_cpu, "mock_peak_rss_mib": mock_rss}  # fmt: skip


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def _throughput(m: dict[str, Any]) -> Figure:
    path: Run = m["path"]
    floor: Run = m["floor"]
    value, baseline = round(path.rate, 1), round(floor.rate, 1)
    return Figure(
        benchmark="backfill",
        case=f"{m['customers']:,} customers",
        metric="customers/s",
        value=value,
        baseline=baseline,
        baseline_name="transport floor",
        ratio=value / baseline,
        target="—",
        met=None,
        detail={
            "customers": m["customers"],
            "events": path.counts.get("events", 0),
            "postings_window": f"{MONTHS} month (mock --months {MONTHS})",
            "concurrency": CONCURRENCY,
            "path_s": path.elapsed_s,
            "floor_s": round(floor.elapsed_s, 2),
            "cpu_s": {"path": path.cpu_s, "floor": floor.cpu_s},
            "floor_requests": floor.counts.get("requests", 0),
            "path_peak_rss_mib": _mib(path.peak_rss_kib),
            "floor_peak_rss_mib": _mib(floor.peak_rss_kib),
            "mock_cpu_s": {
                "path": round(m["path_server_cpu_s"], 1),
                "floor": round(m["floor_server_cpu_s"], 1),
            },
            "mock_peak_rss_mib": round(m["mock_peak_rss_mib"], 1),
        },
    )


def _memory(small: dict[str, Any], large: dict[str, Any], every: list[dict[str, Any]]) -> Figure:
    path: Run = large["path"]
    value, baseline = _mib(path.peak_rss_kib), _mib(small["path"].peak_rss_kib)
    return Figure(
        benchmark="backfill",
        case=f"peak RSS {large['customers']:,} vs {small['customers']:,} customers",
        metric="MiB",
        value=value,
        baseline=baseline,
        baseline_name=f"{small['customers']:,} customers",
        ratio=baseline / value,
        target=f"< {RSS_GROWTH_LIMIT}× (grows < {RSS_GROWTH_LIMIT - 1:.0%})",
        met=value < RSS_GROWTH_LIMIT * baseline,
        detail={
            "peak_rss_mib": {str(m["customers"]): _mib(m["path"].peak_rss_kib) for m in every},
            "growth": round(value / baseline - 1, 3),
            "customers": large["customers"],
            "customers_per_s": round(path.rate, 1),
            "path_s": path.elapsed_s,
            "cpu_s": path.cpu_s,
            "mock_peak_rss_mib": round(large["mock_peak_rss_mib"], 1),
        },
    )


def _timed(customers: int, timeout: float, *, floor: bool) -> dict[str, Any]:
    started = time.monotonic()
    measured = measure(customers, timeout, floor=floor)
    print(f"backfill: {customers:,} customers in {time.monotonic() - started:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    return measured


def run(
    smoke: bool = False, sizes: Sequence[int] | None = None, memory_size: int | None = None
) -> list[Figure]:
    """A throughput figure per size, then the memory figure (``python -m bench backfill``).

    Each of ``sizes`` runs the path and the floor; the memory figure compares the path's
    peak RSS at the largest size with the next one, or, given ``memory_size``, at a
    path-only run of that size with the largest of ``sizes``.
    """
    timeout = SMOKE_TIMEOUT_S if smoke else CHILD_TIMEOUT_S
    chosen = sorted(sizes or (SMOKE_SIZES if smoke else SIZES))
    measured = [_timed(customers, timeout, floor=True) for customers in chosen]
    figures = list(map(_throughput, measured))
    if memory_size:
        big = _timed(memory_size, timeout, floor=False)
        figures.append(_memory(measured[-1], big, [*measured, big]))
    elif len(measured) > 1:
        figures.append(_memory(measured[-2], measured[-1], measured))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.backfill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("mode", nargs="?", choices=["measure", "floor"], default="measure")
    parser.add_argument("--sizes", type=int, nargs="+", help=f"customers (default {SIZES})")
    parser.add_argument(
        "--memory-size", type=int, help="customers of a path-only run for the memory figure"
    )
    parser.add_argument("--base-url", help="floor: the mock core's API root")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args(argv)
    if args.mode == "floor":
        _floor_main(args.base_url, args.concurrency)
        return 0
    for figure in run(sizes=args.sizes, memory_size=args.memory_size):
        print(json.dumps(figure.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
