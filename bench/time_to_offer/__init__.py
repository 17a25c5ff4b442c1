"""Time to offer: an event published → the offer record in the core's journal, p50 / p99.

The path, with real parts on loopback, each its own process (``stack``): Transact salary
credits (``events``) are published, confirmed, to a topic exchange on RabbitMQ at a steady
rate; the listener (``xsell-connect listen``, shipped defaults) consumes them into the
PostgreSQL inbox; its workers hand them to the decision pipeline (Customer 360 from the
Transact mock core, detect, decide, govern, one transaction with the outbox), whose drainer
writes the offer back to the mock core (``xsell-connect mock temenos``). Temenos because
Transact delivers its business events on a message broker as CloudEvents, which is how this
journey starts at a bank. Every event has a customer of its own and leads to exactly one
offer (``events``).

The listener runs as one process, or as ``--listeners N`` replicas of ``xsell-connect
listen`` with the same settings (but for their HTTP port and AMQP connection name), sharing
the PostgreSQL store and the queue as competing consumers, each with its own inbox workers
and outbox drainer: the way a bank scales the listener out. The case name says how many;
CPU per event is summed over them. The default is one: on the 2-core machine of the README's
figures, two replicas beside the mock core, the broker and PostgreSQL took more CPU per
event and were no faster (both saturated at 100 ev/s). The smoke run uses two, so that the
replicas' one-offer-per-event is checked on every test run.

The floor, in the same run, at the same rate, on the same broker and the same mock core:
publish → a raw pika consumer (its own process) → one direct write of an equivalent offer
through the same adapter and HTTP client (``floor``).

Latency per event = the mock journal's timestamp of the offer's create request minus the
publish time (wall clock, one machine). The journal is read once, after the run, so
watching it costs the core nothing while it works. Ratios are floor / path (higher is
better); the targets are the path's absolute p50 and p99. ``detail`` keeps the absolute
numbers and the median time of each stage (from the store's timestamps).

    python -m bench.time_to_offer [--rate 100] [--seconds 60] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika

from bench.report import ROOT, Figure, percentile
from bench.time_to_offer import events as bench_events
from bench.time_to_offer import stack as parts
from bench.time_to_offer.events import PRODUCT_HEADER, Party
from bench.time_to_offer.stages import cpu_seconds, offers_done, stage_times, store_counts

__all__ = ["P50_MS", "P99_MS", "Phase", "measure", "refused_requests", "run"]

log = logging.getLogger("bench.time_to_offer")

P50_MS, P99_MS = 20.0, 100.0
#: Verified persons with a current account are ~83% of the bank; a margin on top.
_PARTY_SHARE = 0.75
#: How long the path may take to land every offer, as a multiple of the publishing time.
DRAIN_FACTOR = 5
#: The Transact mock journal's operation for an offer record (a customer advert).
OFFER_OPERATION = "create_advert"


@dataclass
class Phase:
    """One phase's events: who, when published, and when their offer landed."""

    name: str
    parties: list[Party]
    published: dict[str, float] = field(default_factory=dict)  # party → wall time
    event_ids: dict[str, str] = field(default_factory=dict)  # event id → party
    records: int = 0  # offer records the core created for the phase's parties
    landed: dict[str, float] = field(default_factory=dict)  # party → journal wall time

    def latencies_ms(self) -> list[float]:
        return [
            (self.landed[p] - self.published[p]) * 1000 for p in self.published if p in self.landed
        ]

    def summary(self) -> dict[str, Any]:
        ms = self.latencies_ms()
        return {
            "events": len(self.published),
            "offers": len(ms),
            "offer_records": self.records,
            "p50_ms": round(percentile(ms, 0.5), 2),
            "p99_ms": round(percentile(ms, 0.99), 2),
            "max_ms": round(max(ms, default=0.0), 2),
            "mean_ms": round(sum(ms) / len(ms), 2) if ms else 0.0,
        }


def _floor_product(bank: Any, party: Party) -> str:
    """A savings or card product of a family the customer does not hold (no override)."""
    held = {a.family for a in bank.accounts_of(party.index)}
    wanted = [p for p in bank.products if str(p.family) in ("SAVINGS", "CARD")]
    fresh = [p for p in wanted if p.family not in held]
    return str((fresh or wanted)[0].code)


def publish(
    exchange: str,
    messages: Sequence[tuple[Party, dict[str, Any], dict[str, str]]],
    rate: float,
    published: dict[str, float],
) -> float:
    """Publish at ``rate`` per second on a fixed schedule; returns the rate achieved.

    Each message is confirmed by the broker before the next; its publish time (wall clock)
    is taken just before it is sent.
    """
    connection = pika.BlockingConnection(pika.URLParameters(parts.AMQP_URL))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        start = time.monotonic() + 0.05
        for i, (party, event, headers) in enumerate(messages):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                connection.sleep(delay)
            properties = pika.BasicProperties(
                content_type="application/cloudevents+json",
                message_id=str(event["id"]),
                delivery_mode=2,
                headers=headers or None,
            )
            published[party.number] = time.time()
            body = bench_events.body(event)
            channel.basic_publish(exchange, str(event["type"]), body, properties)
        elapsed = time.monotonic() - start
    finally:
        connection.close()
    return len(messages) / elapsed if elapsed > 0 else 0.0


def _records(stack: parts.Stack) -> list[tuple[str, float]]:
    """(party, when) of every offer record the mock core created, from its journal."""
    out = []
    for entry in parts.journal(stack, OFFER_OPERATION):
        if entry["created"] and 200 <= entry["status"] < 300:
            party = str(json.loads(entry["body"])["body"]["customerId"])
            out.append((party, bench_events.wall(entry["at"])))
    return out


def _landed(stack: parts.Stack) -> dict[str, float]:
    """Party → when its first offer record was created."""
    out: dict[str, float] = {}
    for party, at in _records(stack):
        out.setdefault(party, at)
    return out


_CUSTOMER_IN_PATH = re.compile(r"/customers/([^/]+)")
_ACCOUNT_IN_QUERY = re.compile(r"(?:^|&)accountId=([^&]+)")


def refused_requests(entries: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Requests the core answered with a status of 300 or more, by operation and status.

    On a healthy run these are Transact's business answers, not faults: an empty listing
    is a 400 "No records found" (reference: the sandbox's errors for empty results), and an
    advert that meets an override is refused once, then resubmitted with it accepted.
    """
    counts = Counter(f"{e['method']} {e['operation']} {e['status']}" for e in entries
                     if e["status"] >= 300)  # fmt: skip
    return dict(sorted(counts.items()))


def requests_per_event(
    entries: Sequence[dict[str, Any]], bank: Any, phase: Phase
) -> dict[str, float]:
    """Requests the core answered for the phase's customers, per event, by operation.

    A request belongs to a customer named in its path, in its ``accountId`` query (one of
    the customer's accounts) or as ``customerId`` in its body; requests about no customer
    (the product catalog) are counted apart, under ``unattributed``.
    """
    mine = {p.number for p in phase.parties}
    accounts = {a.number: p.number for p in phase.parties for a in bank.accounts_of(p.index)}
    counts: Counter[str] = Counter()
    for entry in entries:
        named = [m.group(1) for m in _CUSTOMER_IN_PATH.finditer(entry["path"])]
        named += [accounts.get(m.group(1), "") for m in _ACCOUNT_IN_QUERY.finditer(entry["query"])]
        if entry["body"]:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                named.append(str(json.loads(entry["body"])["body"]["customerId"]))
        if not named:
            counts["unattributed"] += 1
        elif any(name in mine for name in named):
            counts[f"{entry['method']} {entry['operation']}"] += 1
    events = max(len(phase.parties), 1)
    out = {name: round(n / events, 3) for name, n in sorted(counts.items())}
    out["total"] = round(sum(n for k, n in counts.items() if k != "unattributed") / events, 3)
    return out


def _wait(done: Callable[[], bool], seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def _warm_up(stack: parts.Stack, phase: str, messages: list[Any], rate: float) -> None:
    """A few events first, to open connections and fill caches; they are not measured."""
    published: dict[str, float] = {}
    publish(stack.exchange(phase), messages, rate, published)
    if not _wait(lambda: set(published) <= set(_landed(stack)), 60, step=0.25):
        raise RuntimeError(f"{phase} warm-up offers did not land; see {stack.directory}")


def _messages(
    bank: Any, parties: list[Party], run: str, floor: bool
) -> list[tuple[Party, dict[str, Any], dict[str, str]]]:
    out = []
    for party in parties:
        event = bench_events.salary_event(bank, party, run)
        headers = {PRODUCT_HEADER: _floor_product(bank, party)} if floor else {}
        out.append((party, event, headers))
    return out


def _run_floor(
    stack: parts.Stack,
    bank: Any,
    warm: list[Party],
    phase: Phase,
    rate: float,
    run: str,
    listeners: list[subprocess.Popen[bytes]],
) -> float:
    """The floor's run; the listeners start meanwhile, and are ready before they are measured."""
    count = len(warm) + len(phase.parties)
    env = {
        **os.environ,
        **stack.core_env(),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "bench.time_to_offer.floor", "--queue",
               stack.queue("floor"), "--count", str(count)]  # fmt: skip
    log = (stack.directory / "floor.log").open("ab")
    with log, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env) as floor:
        try:
            _warm_up(stack, "floor", _messages(bank, warm, run, floor=True), rate)
            parts.wait_listeners(stack, listeners)
            messages = _messages(bank, phase.parties, run, floor=True)
            achieved = publish(stack.exchange("floor"), messages, rate, phase.published)
            floor.wait(timeout=60 + len(phase.parties) / rate)
        finally:
            if floor.poll() is None:
                floor.kill()
    return achieved


def _run_path(
    stack: parts.Stack,
    bank: Any,
    warm: list[Party],
    phase: Phase,
    rate: float,
    run: str,
    listeners: list[subprocess.Popen[bytes]],
    profile: Path | None = None,
) -> tuple[float, dict[str, float]]:
    with contextlib.ExitStack() as profiling:
        _warm_up(stack, "path", _messages(bank, warm, run, floor=False), rate)
        expected = len(warm) + len(phase.parties)
        messages = _messages(bank, phase.parties, run, floor=False)
        phase.event_ids = {str(event["id"]): party.number for party, event, _ in messages}
        pids = {f"listener{i}": p.pid for i, p in enumerate(listeners)} | {"mock": stack.mock_pid}
        if profile is not None:
            for name, pid in pids.items():
                suffix = "" if name == "listener0" else f".{name.removesuffix('0')}"
                profiling.enter_context(py_spy(pid, profile.with_stem(profile.stem + suffix)))
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        achieved = publish(stack.exchange("path"), messages, rate, phase.published)
        # A path slower than the rate still gets to finish (bounded) so every event is
        # timed; what has not landed by then counts against the offers figure.
        bound = max(60.0, DRAIN_FACTOR * len(messages) / rate)
        _wait(lambda: offers_done(stack.store_url) >= expected, bound, 0.5)
        elapsed = time.monotonic() - started
        used = {name: (cpu_seconds(pid) - before[name]) * 1000 for name, pid in pids.items()}
        per_event = 1 / max(len(messages), 1)
        listening = sum(ms for name, ms in used.items() if name.startswith("listener"))
        cpu = {
            "listener_cpu_ms_per_event": round(listening * per_event, 2),
            "mock_cpu_ms_per_event": round(used["mock"] * per_event, 2),
            "drain_seconds": round(elapsed, 1),
        }
    return achieved, cpu


@contextlib.contextmanager
def py_spy(pid: int, out: Path) -> Iterator[None]:
    """Sample ``pid`` with py-spy (on PATH; in the dev group) into ``out`` (raw stacks).

    Only the thread holding the GIL is sampled: where the process's Python CPU goes. Without
    ``--gil`` the threads waiting in psycopg's and the selector's C calls count as busy.
    """
    command = ["py-spy", "record", "--pid", str(pid), "--output", str(out), "--format", "raw",
               "--rate", "200", "--nonblocking", "--gil"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT) as spy:
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            spy.wait(30)


def measure(
    rate: float = 100.0,
    seconds: float = 60.0,
    warm: int = 20,
    profile: Path | None = None,
    listeners: int = 1,
) -> dict[str, Any]:
    """Run the floor, then the path (``listeners`` processes), at ``rate`` events/s for
    ``seconds`` each."""
    count = max(1, round(rate * seconds))
    needed = 2 * (count + warm)
    customers = int(needed / _PARTY_SHARE) + 50
    bank = bench_events.bank(customers)
    everyone = list(bench_events.parties(bank))
    if len(everyone) < needed:
        raise RuntimeError(f"{customers} customers give {len(everyone)} parties, need {needed}")
    floor_warm, floor_parties = everyone[:warm], everyone[warm : warm + count]
    path_warm = everyone[warm + count : 2 * warm + count]
    path_parties = everyone[2 * warm + count : needed]
    floor, path = Phase("floor", floor_parties), Phase("path", path_parties)
    run = uuid.uuid4().hex[:8]
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="bench-tto-") as tmp,
        parts.stack(Path(tmp), customers, ("floor", "path")) as stack,
        parts.listeners(stack, listeners) as processes,
    ):
        log.info("floor: %d events at %g/s", len(floor.parties), rate)
        floor_rate = _run_floor(stack, bank, floor_warm, floor, rate, run, processes)
        log.info("path: %d events at %g/s, %d listener process(es)", len(path.parties), rate,
                 listeners)  # fmt: skip
        path_rate, cpu = _run_path(stack, bank, path_warm, path, rate, run, processes, profile)
        log.info("reading the journal and the store")
        records = _records(stack)
        entries = parts.journal(stack)
        requests = requests_per_event(entries, bank, path)
        refused = refused_requests(entries)
        for phase in (floor, path):
            mine = {p.number for p in phase.parties}
            for party, at in records:
                if party in mine:
                    phase.landed.setdefault(party, at)
                    phase.records += 1
        stages = stage_times(stack.store_url, path, path.event_ids)
        counts = store_counts(stack.store_url)
        if os.environ.get("BENCH_TTO_KEEP"):  # for a look at the logs after a failed run
            shutil.copytree(stack.directory, os.environ["BENCH_TTO_KEEP"], dirs_exist_ok=True)
    return {
        "rate": rate,
        "seconds": seconds,
        "listeners": listeners,
        "customers": customers,
        "path": {**path.summary(), "publish_rate": round(path_rate, 1), **cpu},
        "floor": {**floor.summary(), "publish_rate": round(floor_rate, 1)},
        "stages_ms": stages,
        "core_requests_per_event": requests,
        "core_requests_refused": refused,
        "store": counts,
        "load_average": [round(x, 2) for x in load_before],
    }


def figures(result: dict[str, Any]) -> list[Figure]:
    path, floor = result["path"], result["floor"]
    replicas = result["listeners"]
    processes = f"{replicas} listener processes" if replicas > 1 else "1 listener process"
    case = f"temenos amqp, {processes}, {result['rate']:g} ev/s × {result['seconds']:g} s"
    detail = {
        "listeners": replicas,
        "path": path,
        "floor": floor,
        "stages_ms": result["stages_ms"],
        "core_requests_per_event": result["core_requests_per_event"],
        "core_requests_refused": result["core_requests_refused"],
        "store": result["store"],
        "customers": result["customers"],
        "load_average": result["load_average"],
    }
    out = []
    for q, limit in (("p50", P50_MS), ("p99", P99_MS)):
        value, baseline = path[f"{q}_ms"], floor[f"{q}_ms"]
        out.append(
            Figure(
                benchmark="time_to_offer",
                case=case,
                metric=f"ms {q}",
                value=value,
                baseline=baseline,
                baseline_name="pika → direct write",
                ratio=round(baseline / value, 3) if value else 0.0,
                target=f"{q} <= {limit:g} ms",
                met=0 < value <= limit and path["offers"] == path["events"],
                detail=detail,
            )
        )
    landed, published = path["offers"], path["events"]
    out.append(
        Figure(
            benchmark="time_to_offer",
            case=case,
            metric="offers / events",
            value=landed,
            baseline=published,
            baseline_name="events published",
            ratio=round(landed / published, 3) if published else 0.0,
            target="all",
            met=landed == published == path["offer_records"],
            detail={
                "offer_records": path["offer_records"],
                "floor_offers": floor["offers"],
                "floor_events": floor["events"],
            },
        )
    )
    return out


def run(smoke: bool = False) -> list[Figure]:
    """The figures (``python -m bench time_to_offer``); smoke: 2 s at 10 events/s."""
    result = measure(rate=10, seconds=2, warm=3, listeners=2) if smoke else measure()
    return figures(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.time_to_offer", description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument(
        "--listeners",
        type=int,
        default=1,
        help="listener processes sharing the store and the queue (default 1)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="profile the path's listener into this file (each further listener process into"
        " FILE.listenerN, N from 1), its mock core into FILE.mock (raw)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    result = measure(args.rate, args.seconds, args.warm, args.py_spy, args.listeners)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    p, f = result["path"], result["floor"]
    print(
        f"time_to_offer {args.rate:g} ev/s × {args.seconds:g} s, {args.listeners} listener "
        f"process(es): path p50 {p['p50_ms']} ms "
        f"p99 {p['p99_ms']} ms ({p['offers']}/{p['events']} offers) | floor p50 {f['p50_ms']} "
        f"ms p99 {f['p99_ms']} ms | stages {result['stages_ms']} | CPU ms/event listener "
        f"{p['listener_cpu_ms_per_event']} mock {p['mock_cpu_ms_per_event']} | core requests "
        f"per event {result['core_requests_per_event']['total']}"
    )
    return 0
