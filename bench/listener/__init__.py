"""Listener throughput and latency: signed webhook → inbox commit → 2xx, against a bare endpoint.

The path is the real listener (``load_settings`` → ``Services.build`` → ``create_app``,
as ``xsell-connect listen`` builds it) under uvicorn in a process of its own, with one
Standard Webhooks source; every request is a distinct ~1 KB event with a unique
``webhook-id``, so that every 202 is a new, committed inbox row. The baseline is a raw
ASGI app that reads the same bytes and answers 202, under uvicorn with the same settings
(event loop, HTTP parser, one process, access log off), in the same run. The inbox
workers are off (``workers.count = 0``): the figure is what the front door takes in;
draining the inbox is the time-to-offer benchmark's business, and workers sharing the
two cores would make this figure depend on how far behind they happen to be.

The load comes from another process (``bench.listener.load``: raw asyncio HTTP/1.1,
keep-alive, requests built and signed before the clock starts), at concurrency 32:

1. peak: three rounds of a closed loop on the bare endpoint then on the listener; the
   best of each side counts; the figure is listener req/s / bare req/s (target ≥ 0.4),
   with p50 / p99 and the server's CPU per request of each in ``detail``;
2. half load: an open loop at half the listener's peak rate on each; the figure is the
   listener's p99 (target ≤ 50 ms), its ratio bare p99 / listener p99 at the same rate.

Cases: the PostgreSQL store (production; a fresh database, dropped afterwards) and a
SQLite file.

    python -m bench.listener [--store postgresql] [--rounds 3] [--loop asyncio] [--http h11]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import IO, Any

from bench.listener.requests import SECRET_VARIABLE
from bench.report import ROOT, Figure

__all__ = ["CASES", "Sizes", "figures", "main", "measure", "run"]

PEAK_TARGET = 0.4
P99_TARGET_MS = 50.0
CONCURRENCY = 32
#: Store cases: name -> how to get a store URL (see ``_store``).
CASES = ("postgresql", "sqlite")
#: uvicorn (--loop, --http) of both servers: what the listener runs with (``auto``: uvloop
#: and httptools, installed with the listener extra), then pure asyncio and h11.
SERVERS = (("auto", "auto"), ("asyncio", "h11"))
#: Where the benchmark creates (and drops) its PostgreSQL database.
POSTGRES_ADMIN = os.environ.get(
    "XSELL_BENCH_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How long each phase runs; a phase also ends when its pre-built requests run out."""

    rounds: int = 3  # peak phases, bare then listener, each round; the best of each counts
    duration: float = 4.0  # counted seconds of each peak phase
    half_duration: float = 10.0  # counted seconds of each half-load phase
    warmup: float = 0.5  # seconds before counting starts, in every phase
    max_requests: int = 200_000  # most requests pre-built for one listener phase
    loop: str = "auto"  # uvicorn --loop, the same for both servers
    http: str = "auto"  # uvicorn --http, the same for both servers

    @classmethod
    def smoke(cls) -> Sizes:
        # Requests enough that the listener at its peak has not used them up in the warm-up
        # (then nothing would be counted); the bare server's rate bounds them (``_phases``).
        return cls(rounds=1, duration=0.5, half_duration=0.5, warmup=0.1, max_requests=10_000)


class _Server:
    """``python -m bench.listener.serve ...`` as a child process, on its own free port."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.listener.serve", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            self.port = self._read_port(self.process.stdout)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _read_port(stdout: IO[str] | None) -> int:
        assert stdout is not None
        line = stdout.readline()
        if not line.startswith("port="):
            raise RuntimeError(f"server did not start: {line!r}")
        return int(line.removeprefix("port="))

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status < 500:
                    connection.close()
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not answer in time")

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process so far (Linux ``/proc``), else None."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Client:
    """The load generator (``bench.listener.load``), one process for a whole case."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.listener.load"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, server: _Server, spec: dict[str, Any]) -> dict[str, Any]:
        """One load phase against ``server``; its result, plus the server's CPU seconds."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        before = server.cpu_seconds()
        self.process.stdin.write(json.dumps({"host": "127.0.0.1", "port": server.port, **spec}))
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load generator exited with {self.process.wait()}")
        result: dict[str, Any] = json.loads(line)
        after = server.cpu_seconds()
        if before is not None and after is not None and result["answered"]:
            # Over the whole phase, warm-up included: what one request costs the server
            # process (not the database), a figure that the machine's other load
            # disturbs far less than a rate.
            cpu = after - before
            result["server_cpu_ms_per_request"] = round(cpu * 1000 / result["answered"], 3)
        if result["ok"] != result["sent"]:
            raise RuntimeError(f"{result['sent'] - result['ok']} answers were not 2xx: {result}")
        return result

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _resolved(sizes: Sizes) -> Sizes:
    """``auto`` made explicit as uvicorn resolves it, so that the figures say what ran."""
    loop, http = sizes.loop, sizes.http
    if loop == "auto":
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if http == "auto":
        http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return dataclasses.replace(sizes, loop=loop, http=http)


def _environment(secret: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p)
    return {**os.environ, "PYTHONPATH": path, SECRET_VARIABLE: secret}


def _settings(store_url: str, folder: Path) -> Path:
    path = folder / "listener.toml"
    path.write_text(
        f"store_url = {json.dumps(store_url)}\n\n"
        "[[sources]]\n"
        'name = "bench"\n'
        'format = "canonical"\n'
        'verification = "standard-webhooks"\n'
        "# secrets: from XSELL_SOURCE_BENCH_SECRETS\n\n"
        "[workers]\n"
        "count = 0\n"
    )
    return path


def _closed(sizes: Sizes, count: int, prefix: str, repeat: bool) -> dict[str, Any]:
    return {
        "mode": "closed",
        "concurrency": CONCURRENCY,
        "duration": sizes.duration,
        "warmup": sizes.warmup,
        "requests": {"count": count, "prefix": prefix, "repeat": repeat},
    }


def _open(sizes: Sizes, rate: float, prefix: str) -> dict[str, Any]:
    count = int(rate * (sizes.half_duration + sizes.warmup)) + 1
    return {
        "mode": "open",
        "concurrency": CONCURRENCY,
        "duration": sizes.half_duration,
        "warmup": sizes.warmup,
        "rate": rate,
        "requests": {"count": count, "prefix": prefix},
    }


def _best(results: list[dict[str, Any]]) -> dict[str, Any]:
    return max(results, key=lambda r: float(r["rate"]))


def _phases(
    client: _Client, bare: _Server, listener: _Server, sizes: Sizes, run_id: str
) -> dict[str, Any]:
    bare_peaks: list[dict[str, Any]] = []
    listener_peaks: list[dict[str, Any]] = []
    for n in range(sizes.rounds):
        # The bare endpoint ignores ids: a small pool, cycled, keeps its client light.
        bare_peaks.append(client.run(bare, _closed(sizes, 2048, f"{run_id}-b{n}", True)))
        # The listener cannot outrun the bare server: that many fresh ids always suffice.
        window = sizes.warmup + sizes.duration
        count = int(bare_peaks[-1]["rate"] * window * 1.2) + CONCURRENCY
        spec = _closed(sizes, min(sizes.max_requests, count), f"{run_id}-p{n}", False)
        listener_peaks.append(client.run(listener, spec))
    half = max(1.0, _best(listener_peaks)["rate"] / 2)
    return {
        "bare_peak": _best(bare_peaks),
        "listener_peak": _best(listener_peaks),
        "rounds": [
            [round(b["rate"], 1), round(p["rate"], 1)]
            for b, p in zip(bare_peaks, listener_peaks, strict=True)
        ],
        "half_rate": round(half, 1),
        "bare_half": client.run(bare, _open(sizes, half, f"{run_id}-bh")),
        "listener_half": client.run(listener, _open(sizes, half, f"{run_id}-h")),
    }


def measure(store_url: str, sizes: Sizes | None = None) -> dict[str, Any]:
    """Both figures on one store: the listener and the bare endpoint, interleaved.

    Peak: ``sizes.rounds`` rounds of a closed loop on the bare endpoint then on the
    listener; the best of each side counts (the least disturbed by anything else on the
    machine), and ``rounds`` keeps every pair. Half load: an open loop at half the
    listener's best peak on each. Returns the load results (``bare_peak``,
    ``listener_peak``, ``bare_half``, ``listener_half``), ``half_rate`` and ``ratio``.
    """
    sizes = _resolved(sizes or Sizes())
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    env = _environment(secret)
    server_args = ["--loop", sizes.loop, "--http", sizes.http]
    with (
        tempfile.TemporaryDirectory(prefix="xsell-lsn-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        config = _settings(store_url, Path(tmp))
        bare = _Server(["bare", *server_args], env)
        stack.callback(bare.stop)
        listener = _Server(["listener", "--config", str(config), *server_args], env)
        stack.callback(listener.stop)
        client = _Client(env)
        stack.callback(client.stop)
        result = _phases(client, bare, listener, sizes, uuid.uuid4().hex[:8])
    result["ratio"] = result["listener_peak"]["rate"] / result["bare_peak"]["rate"]
    result["sizes"] = sizes
    return result


def figures(case: str, result: dict[str, Any]) -> list[Figure]:
    bare, path = result["bare_peak"], result["listener_peak"]
    bare_half, path_half = result["bare_half"], result["listener_half"]
    sizes: Sizes = result["sizes"]
    server = {"loop": sizes.loop, "http": sizes.http, "concurrency": CONCURRENCY}
    peak_rate = round(path["rate"], 1)
    bare_rate = round(bare["rate"], 1)
    peak = Figure(
        benchmark="listener",
        case=f"webhook → {case} inbox, {sizes.loop}/{sizes.http}, peak",
        metric="req/s",
        value=peak_rate,
        baseline=bare_rate,
        baseline_name="bare ASGI",
        ratio=peak_rate / bare_rate,
        target=f">= {PEAK_TARGET}",
        met=peak_rate / bare_rate >= PEAK_TARGET,
        detail={
            **server,
            "duration_s": sizes.duration,
            "rounds": result["rounds"],
            "p50_ms": path["p50_ms"],
            "p99_ms": path["p99_ms"],
            "bare_p50_ms": bare["p50_ms"],
            "bare_p99_ms": bare["p99_ms"],
            "requests": path["sent"],
            "bare_requests": bare["sent"],
            "client_cpu": path["client_cpu"],
            "bare_client_cpu": bare["client_cpu"],
            "server_cpu_ms_per_request": path.get("server_cpu_ms_per_request"),
            "bare_server_cpu_ms_per_request": bare.get("server_cpu_ms_per_request"),
        },
    )
    p99, bare_p99 = path_half["p99_ms"], bare_half["p99_ms"]
    half = Figure(
        benchmark="listener",
        case=f"webhook → {case} inbox, {sizes.loop}/{sizes.http}, half peak",
        metric="ms p99",
        value=p99,
        baseline=bare_p99,
        baseline_name="bare, same rate",
        ratio=bare_p99 / p99 if p99 else 0.0,
        target=f"p99 <= {P99_TARGET_MS:g} ms",
        met=p99 <= P99_TARGET_MS,
        detail={
            **server,
            "rate_per_s": result["half_rate"],
            "p50_ms": path_half["p50_ms"],
            "max_ms": path_half["max_ms"],
            "bare_p50_ms": bare_half["p50_ms"],
            "requests": path_half["sent"],
            "client_late_ms_max": path_half["late_ms_max"],
        },
    )
    return [peak, half]


@contextlib.contextmanager
def _store(case: str) -> Iterator[str]:
    """A fresh store of ``case``: a new PostgreSQL database (dropped after) or a SQLite file."""
    if case == "sqlite":
        with tempfile.TemporaryDirectory(prefix="xsell-lsn-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    import psycopg

    name = f"xsell_lsn_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        host, port, user = admin.info.host, admin.info.port, admin.info.user
    try:
        yield f"postgresql://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(
    smoke: bool = False,
    cases: tuple[str, ...] = CASES,
    servers: tuple[tuple[str, str], ...] = SERVERS,
) -> list[Figure]:
    """Two figures per store case and server setting (``python -m bench listener``); a
    smoke run takes the first setting only."""
    base = Sizes.smoke() if smoke else Sizes()
    settings = [_resolved(dataclasses.replace(base, loop=lp, http=ht)) for lp, ht in servers]
    found: list[Figure] = []
    for sizes in list(dict.fromkeys(settings))[: 1 if smoke else None]:  # auto may be h11
        for case in cases:
            with _store(case) as url:
                found.extend(figures(case, measure(url, sizes)))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.listener", description=__doc__)
    parser.add_argument("--store", choices=CASES, action="append")
    parser.add_argument("--rounds", type=int, default=Sizes.rounds)
    parser.add_argument("--duration", type=float, default=Sizes.duration)
    parser.add_argument("--half-duration", type=float, default=Sizes.half_duration)
    parser.add_argument("--warmup", type=float, default=Sizes.warmup)
    parser.add_argument("--loop", default="auto")
    parser.add_argument("--http", default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = Sizes(
        rounds=args.rounds,
        duration=args.duration,
        half_duration=args.half_duration,
        warmup=args.warmup,
        loop=args.loop,
        http=args.http,
    )
    for case in args.store or CASES:
        with _store(case) as url:
            result = measure(url, sizes)
        for figure in figures(case, result):
            if args.json:
                print(json.dumps(figure.as_dict()))
                continue
            print(
                f"{figure.case}: {figure.value:,.1f} {figure.metric} | baseline "
                f"{figure.baseline:,.1f} ({figure.baseline_name}) | ratio {figure.ratio:.3f} "
                f"({figure.target}: {'met' if figure.met else 'NOT met'}) | {figure.detail}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
