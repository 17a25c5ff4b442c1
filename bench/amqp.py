"""AMQP intake: the listener's consumer against a raw pika consume-and-ack loop.

Path: ``xsell_connect.listener.amqp.Consumer`` as the listener runs it, with its
``Ingestor`` and the durable inbox on PostgreSQL: each message is parsed by the Temenos
adapter and committed to the inbox, a round of deliveries per transaction, then acked.
Baselines: a bare pika ``BlockingConnection`` loop with the same prefetch that does
nothing but ack, (1) with the listener's ack pattern (one ``multiple`` ack per round of
I/O, at most ``batch`` deliveries apart) and (2) one ack per delivery, the classic loop.

All drain the same N messages from the same broker: Temenos Transact business events
(structured CloudEvents JSON with the mock core's properties: ``content_type``,
``message_id``, persistent), published to a fresh quorum queue declared with the
listener's own topology before each drain (without publisher confirms, then waiting until
the queue holds all N: publishing is not measured). Rates are counted from the first
delivery to the last ack; the sides alternate, round after round, and the best round of
each is kept (as in the other benchmarks). The inbox is emptied between rounds.

    python -m bench amqp [--smoke]

Settings: ``XSELL_BENCH_AMQP_URL`` (default: the local broker, guest/guest) and
``XSELL_BENCH_POSTGRES`` (a libpq DSN of a database to create the scratch database from;
default: ``postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties
from sqlalchemy import text
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos.outbound import posting_events

from bench.report import Figure
from xsell_connect.listener.amqp import Consumer, declare_topology
from xsell_connect.listener.ingest import Accepted, Ingestor, Outcome, Parsers
from xsell_connect.listener.settings import AmqpSettings, SourceSettings
from xsell_connect.store import InboxStatus, Store

__all__ = ["TARGET", "measure", "run"]

TARGET = 0.5
AMQP_URL = os.environ.get("XSELL_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
POSTGRES_DSN = os.environ.get(
    "XSELL_BENCH_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
#: Longest one drain may take before the round is declared failed.
DRAIN_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Message:
    message_id: str
    body: bytes


def messages(count: int) -> list[Message]:
    """``count`` transaction events, serialised and labelled as the Temenos mock publishes them."""
    bank = SyntheticBank(BankConfig(seed=8, customers=max(10, count // 300)))
    out: list[Message] = []
    for customer in bank.customers():
        for account in bank.accounts_of(customer.index):
            for posting in bank.postings(account):
                event = posting_events(posting, account, customer)[0]
                out.append(Message(event["id"], json.dumps(event).encode()))
                if len(out) == count:
                    return out
    raise ValueError(f"the synthetic bank holds fewer than {count} postings")


def publish(channel: BlockingChannel, queue: str, batch: list[Message]) -> None:
    """Publish ``batch`` and wait until the queue holds all of it (ready, not in flight)."""
    for message in batch:
        properties = BasicProperties(
            content_type="application/cloudevents+json",
            delivery_mode=2,
            message_id=message.message_id,
        )
        channel.basic_publish("", queue, message.body, properties)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while _depth(channel, queue) < len(batch):
        if time.monotonic() > deadline:
            raise RuntimeError("published messages did not all reach the queue")
        channel.connection.sleep(0.05)


def _depth(channel: BlockingChannel, queue: str) -> int:
    count: int = channel.queue_declare(queue, passive=True).method.message_count
    return count


def raw_drain(url: str, queue: str, count: int, *, prefetch: int, batch: int | None) -> float:
    """A baseline: consume and ack ``count`` messages, doing nothing else; messages/s.

    ``batch=None`` acks each delivery in its callback. Otherwise the acks follow the
    listener's pattern: one ``multiple`` ack per round of I/O, and one whenever ``batch``
    deliveries are waiting.
    """
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    seen = pending = last_tag = 0
    first = 0.0

    def on_message(
        ch: BlockingChannel, method: Basic.Deliver, _props: BasicProperties, _body: bytes
    ) -> None:
        nonlocal seen, pending, last_tag, first
        if seen == 0:
            first = time.perf_counter()
        seen += 1
        if batch is None:
            ch.basic_ack(method.delivery_tag)
            return
        pending, last_tag = pending + 1, method.delivery_tag
        if pending >= batch:
            ch.basic_ack(last_tag, multiple=True)
            pending = 0

    channel.basic_consume(queue, on_message)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    try:
        while seen < count and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.2)
            if pending:
                channel.basic_ack(last_tag, multiple=True)
                pending = 0
        last = time.perf_counter()
    finally:
        connection.close()
    if seen != count:
        raise RuntimeError(f"baseline drained {seen} of {count} messages")
    return count / (last - first)


class _TimedIngestor(Ingestor):
    """The listener's ingestor, noting when the first delivery reached it."""

    first = 0.0

    def _mark(self) -> None:
        if not self.first:
            self.first = time.perf_counter()

    def accept(self, *args: Any, **kwargs: Any) -> Accepted:
        self._mark()
        return super().accept(*args, **kwargs)

    def accept_many(self, *args: Any, **kwargs: Any) -> list[Accepted]:
        self._mark()
        return super().accept_many(*args, **kwargs)


class _Tally:
    """The consumer's ``count`` hook: called after each commit, just before its ack."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.settled = 0
        self.last = 0.0
        self.done = threading.Event()
        self.outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def __call__(self, _source: str, _transport: str, accepted: Accepted) -> None:
        self.outcomes[accepted.outcome] += 1
        self.settled += 1
        if self.settled == self.count:
            self.last = time.perf_counter()
            self.done.set()


def listener_drain(
    store: Store, settings: AmqpSettings, source: SourceSettings, count: int, parsers: Parsers
) -> float:
    """The path: the listener's consumer takes ``count`` messages into the inbox; messages/s."""
    ingestor = _TimedIngestor(store.inbox, parsers)
    tally = _Tally(count)
    consumer = Consumer(settings, source, ingestor, tally)
    consumer.start()
    try:
        finished = tally.done.wait(DRAIN_TIMEOUT_S)
    finally:
        consumer.stop()
    stored = store.inbox.depth()[InboxStatus.PENDING]
    if not finished or stored != count or tally.outcomes[Outcome.STORED] != count:
        raise RuntimeError(f"listener stored {stored} of {count} messages ({tally.outcomes})")
    return count / (tally.last - ingestor.first)


@contextlib.contextmanager
def scratch_database(admin_dsn: str = POSTGRES_DSN) -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = f"xsell_bench_amqp_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    info = conninfo_to_dict(admin_dsn)
    user = info.get("user", "postgres")
    host, port = info.get("host", "127.0.0.1"), info.get("port", 5432)
    try:
        yield f"postgresql://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_queue(url: str) -> Iterator[tuple[AmqpSettings, BlockingChannel]]:
    """The listener's topology under a fresh name, removed afterwards; and a channel on it."""
    name = f"amqp-bench-{uuid.uuid4().hex[:10]}"
    settings = AmqpSettings(
        url=url,
        source="temenos",
        queue=name,
        dead_letter_exchange=f"{name}.dlx",
        connection_name=name,
    )
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    declare_topology(channel, settings)
    try:
        yield settings, channel
    finally:
        for queue in (name, f"{name}.dead"):
            channel.queue_delete(queue)
        channel.exchange_delete(settings.dead_letter_exchange)
        connection.close()


def _configure_parser() -> None:
    """The Temenos adapter parses the messages; it insists on settings, never used here."""
    os.environ.setdefault("XSELL_TEMENOS_BASE_URL", "http://127.0.0.1:9/api")
    os.environ.setdefault("XSELL_TEMENOS_API_KEY", "bench-only-never-sent")


#: Each side of the comparison, in the order they run within a round.
SIDES = ("raw_each", "raw_batched", "path")


def measure(count: int = 20_000, rounds: int = 3, url: str = AMQP_URL) -> dict[str, Any]:
    """Alternate the drains of ``count`` messages, round after round; the best of each side."""
    _configure_parser()
    batch = messages(count)
    source = SourceSettings(
        name="temenos",
        format="temenos",
        verification="none",
        allow_ips=["127.0.0.1/32"],
    )
    parsers = Parsers()  # built once, as in a running listener: not a cost of each drain
    parsers.parse(source.format, "amqp", {}, batch[0].body)
    rates: dict[str, list[float]] = {side: [] for side in SIDES}
    with scratch_database() as store_url, scratch_queue(url) as (settings, channel):
        store = Store.open(store_url)
        drains: dict[str, Callable[[], float]] = {
            "raw_each": lambda: raw_drain(
                url, settings.queue, count, prefetch=settings.prefetch, batch=None
            ),
            "raw_batched": lambda: raw_drain(
                url, settings.queue, count, prefetch=settings.prefetch, batch=settings.batch
            ),
            "path": lambda: listener_drain(store, settings, source, count, parsers),
        }
        try:
            for _ in range(rounds):
                for side in SIDES:
                    publish(channel, settings.queue, batch)
                    rates[side].append(drains[side]())
                with store.engine.begin() as connection:
                    connection.execute(text("TRUNCATE inbox"))
        finally:
            store.close()
    return {
        "messages": count,
        "rounds": rounds,
        "prefetch": settings.prefetch,
        "batch": settings.batch,
        # The best round of each side, rounded as reported, so that value / baseline == ratio.
        **{f"{side}_messages_per_s": round(max(rates[side])) for side in SIDES},
        **{f"{side}_rounds": [round(r) for r in rates[side]] for side in SIDES},
    }


def run(smoke: bool = False) -> list[Figure]:
    """The figures of ``python -m bench amqp``: the path against each baseline."""
    count, rounds = (300, 1) if smoke else (20_000, 3)
    r = measure(count, rounds)
    detail = {k: r[k] for k in ("messages", "rounds", "prefetch", "batch")}
    baselines = {
        "raw_batched": "raw pika, acks as the listener",
        "raw_each": "raw pika, ack each",
    }
    figures = []
    for side, name in baselines.items():
        path, baseline = r["path_messages_per_s"], r[f"{side}_messages_per_s"]
        figures.append(
            Figure(
                benchmark="amqp",
                case="Temenos CloudEvents → inbox (PostgreSQL)",
                metric="messages/s",
                value=path,
                baseline=baseline,
                baseline_name=name,
                ratio=path / baseline,
                target=f">= {TARGET}",
                met=path / baseline >= TARGET,
                detail={
                    **detail,
                    "path_rounds": r["path_rounds"],
                    "baseline_rounds": r[f"{side}_rounds"],
                },
            )
        )
    return figures
