"""A small HTTP/1.1 keep-alive load generator on raw asyncio, run in a process of its own.

httpx's async client tops out at 0.4–1.4k req/s on this machine (runtime.md §8), below
either server it would measure, so both sides would look alike. This client writes
pre-built request bytes on ``concurrency`` keep-alive connections, one request in flight
on each, and reads just enough of each answer (status line, ``Content-Length``) to know
where it ends. Two modes:

- closed loop: every connection sends its next request as soon as the previous answer is
  in, for ``duration`` seconds after ``warmup`` seconds that are not counted: the peak rate;
- open loop: requests are due at ``rate`` per second whatever the server does, and each
  latency runs from the moment the request was due (so a stalled server is not hidden
  by the client waiting for it: no coordinated omission).

The process lives for a whole benchmark case (so that imports and start-up are paid
once): the parent writes one JSON spec a line on stdin, and reads one JSON
:class:`LoadResult` a line on stdout, until it closes stdin::

    {"host": "127.0.0.1", "port": 8080, "mode": "closed", "concurrency": 32,
     "duration": 10, "warmup": 1, "rate": 0, "requests": {...}}

``requests`` is handed to :func:`bench.listener.requests.build` (in this process, before
the clock starts, so that signing costs the timed window nothing).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.report import percentile

__all__ = ["LoadResult", "LoadSpec", "closed_loop", "main", "open_loop"]


@dataclass(frozen=True)
class LoadSpec:
    host: str
    port: int
    mode: str  # "closed" or "open"
    concurrency: int = 32
    duration: float = 10.0
    warmup: float = 1.0
    rate: float = 0.0  # open loop only: requests per second
    requests: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    """What one load phase saw; latencies in milliseconds, rates per second."""

    sent: int  # requests answered in the counted window
    ok: int  # 2xx answers in the counted window
    statuses: dict[str, int]
    elapsed_s: float
    rate: float  # 2xx answers per second over the counted window
    p50_ms: float
    p99_ms: float
    max_ms: float
    late_ms_max: float = 0.0  # open loop: how far behind schedule the client ever was
    #: CPU this client process spent in the window, per second of it: near 1.0 would mean
    #: the client, not the server, set the pace.
    client_cpu: float = 0.0
    #: Requests answered in the whole phase, warm-up included (the server's CPU covers those).
    answered: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[int] | None = None
        self._lost: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = exc or ConnectionResetError("server closed the connection")
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(self._lost)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0 or self._waiter is None:
            return
        head = bytes(self._buffer[:end]).lower()
        length = 0
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else None])
        if len(self._buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        del self._buffer[: end + 4 + length]
        waiter, self._waiter = self._waiter, None
        if not waiter.done():
            waiter.set_result(status)

    async def send(self, request: bytes) -> int:
        """Write one request; the status code of its answer."""
        if self._lost is not None or self.transport is None:
            raise ConnectionResetError("connection is closed")
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self._waiter


async def _connect(host: str, port: int, count: int) -> list[_Connection]:
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(count):
        _, protocol = await loop.create_connection(_Connection, host, port)
        connections.append(protocol)
    return connections


class _Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.answered = 0

    def record(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        key = str(status)
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def result(self, elapsed: float, cpu: float, late: float = 0.0) -> LoadResult:
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        ms = [x * 1000 for x in self.latencies]
        return LoadResult(
            sent=len(ms),
            ok=ok,
            statuses=dict(sorted(self.statuses.items())),
            elapsed_s=round(elapsed, 3),
            rate=ok / elapsed if elapsed > 0 else 0.0,
            p50_ms=round(percentile(ms, 0.50), 3),
            p99_ms=round(percentile(ms, 0.99), 3),
            max_ms=round(max(ms, default=0.0), 3),
            late_ms_max=round(late * 1000, 3),
            client_cpu=round(cpu / elapsed, 3) if elapsed > 0 else 0.0,
            answered=self.answered,
        )


async def closed_loop(
    host: str,
    port: int,
    requests: Iterator[bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> LoadResult:
    """Peak rate: ``concurrency`` connections, each sending as soon as it is answered.

    Stops after ``warmup + duration`` seconds or when ``requests`` runs out, whichever
    comes first; only answers after the warm-up are counted.
    """
    connections = await _connect(host, port, concurrency)
    tally = _Tally()
    clock = time.perf_counter
    started = clock()
    counted_from = started + warmup
    deadline = counted_from + duration
    cpu_from = [0.0]

    async def drive(connection: _Connection) -> None:
        for request in requests:
            sent = clock()
            if sent >= deadline:
                return
            if sent >= counted_from and not cpu_from[0]:
                cpu_from[0] = time.process_time()
            status = await connection.send(request)
            tally.answered += 1
            if sent >= counted_from:
                tally.record(status, clock() - sent)

    await asyncio.gather(*(drive(c) for c in connections))
    # The last answers come in up to one latency after the deadline; the window ends there.
    ended = clock()
    cpu = time.process_time() - cpu_from[0] if cpu_from[0] else 0.0
    _close(connections)
    return tally.result(ended - counted_from, cpu)


async def open_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    rate: float,
    duration: float,
    warmup: float,
) -> LoadResult:
    """Fixed arrival rate: request ``i`` is due at ``i / rate``; at most ``concurrency`` in flight.

    Latency is measured from when a request was due, so the time it waited for a free
    connection counts against the server, as it would for a sender with a schedule.
    """
    connections = await _connect(host, port, concurrency)
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for connection in connections:
        idle.put_nowait(connection)
    tally = _Tally()
    clock = time.perf_counter
    total = min(len(requests), int(rate * (warmup + duration)))
    counted = int(rate * warmup)
    started = clock()
    cpu_from = time.process_time()
    late = 0.0
    pending: set[asyncio.Task[None]] = set()

    async def one(connection: _Connection, request: bytes, due: float, counting: bool) -> None:
        try:
            status = await connection.send(request)
            tally.answered += 1
        finally:
            idle.put_nowait(connection)
        if counting:
            tally.record(status, clock() - due)

    for i in range(total):
        if i == counted:
            cpu_from = time.process_time()
        due = started + i / rate
        wait = due - clock()
        if wait > 0.0005:
            await asyncio.sleep(wait)
        connection = await idle.get()
        late = max(late, clock() - due) if i >= counted else late
        task = asyncio.create_task(one(connection, requests[i], due, i >= counted))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    elapsed = (total - counted) / rate
    cpu = time.process_time() - cpu_from
    _close(connections)
    return tally.result(elapsed, cpu, late)


def _close(connections: list[_Connection]) -> None:
    for connection in connections:
        if connection.transport is not None:
            connection.transport.close()


async def _run(spec: LoadSpec) -> LoadResult:
    from bench.listener.requests import build

    pool = build(**spec.requests)
    if spec.mode == "closed":
        # A pool shorter than the run is cycled only when its requests may repeat.
        stream = _cycle(pool) if spec.requests.get("repeat") else iter(pool)
        return await closed_loop(
            spec.host,
            spec.port,
            stream,
            concurrency=spec.concurrency,
            duration=spec.duration,
            warmup=spec.warmup,
        )
    return await open_loop(
        spec.host,
        spec.port,
        pool,
        concurrency=spec.concurrency,
        rate=spec.rate,
        duration=spec.duration,
        warmup=spec.warmup,
    )


def _cycle(pool: list[bytes]) -> Iterator[bytes]:
    while True:
        yield from pool


def main() -> int:
    for line in sys.stdin:
        result = asyncio.run(_run(LoadSpec(**json.loads(line))))
        print(json.dumps(result.as_dict()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
