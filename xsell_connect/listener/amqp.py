"""The AMQP consumer (pika) and the republisher of canonical events.

Consumer, on its own thread (a pika connection is confined to the thread that made it;
everything below runs on that thread, and ``stop`` reaches it only through
``add_callback_threadsafe``):

- declares, idempotently, a quorum queue with a fanout dead-letter exchange and a
  ``<queue>.dead`` quorum queue bound to it (``x-delivery-limit`` as the broker's backstop,
  at-least-once dead-lettering);
- consumes with a bounded prefetch and acks messages only after ``Ingestor.accept_many``
  committed them to the inbox (a duplicate is acked too: it is stored already). The
  deliveries of one round of I/O, up to ``batch``, are committed in one transaction and
  then acked with one ``multiple`` ack: none waits for a batch to fill, and a commit per
  message no longer caps the rate at the store's commit rate. With a ``handoff`` (the
  listener sets one to its first inbox worker) they are committed claimed by that worker
  and handed to it as soon as they are committed, while it has room (``worker.Handoff``);
- a malformed message is kept in the inbox (rejected) and published to the dead-letter
  exchange with the reason in ``x-xsell-reason``; it is settled before the batch's
  ``multiple`` ack, which therefore never covers it. If a batch cannot be stored, each of
  its messages is tried on its own with ``Ingestor.accept`` (so that one bad row does not
  sink the others); a message that cannot be stored (store down) is requeued, and after
  ``max_attempts`` deliveries (the quorum queue's ``x-delivery-count``) dead-lettered the
  same way;
- reconnects with jittered exponential backoff whenever the broker closes the connection or
  the channel, dropping in-flight delivery tags (the broker redelivers them);
- ``stop`` cancels the consumer after the batch in hand is committed and acked; what was
  prefetched and not handled goes back to the queue when the channel closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from xsell_connect.listener.ingest import Accepted, Delivery, Ingestor, Outcome
from xsell_connect.listener.ports import EventSink
from xsell_connect.listener.settings import AmqpSettings, SourceSettings
from xsell_connect.models import CanonicalEvent

if TYPE_CHECKING:
    from xsell_connect.listener.worker import Handoff

__all__ = ["REASON_HEADER", "Consumer", "Republisher", "RepublishingSink", "declare_topology"]

#: How often the consuming loop looks at the stop flag, in seconds.
_POLL_SECONDS = 0.2

log = logging.getLogger("xsell_connect.listener.amqp")

REASON_HEADER = "x-xsell-reason"
ATTEMPTS_HEADER = "x-xsell-attempts"


def parameters(url: str, *, name: str, heartbeat: int = 30) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 30  # pika's default waits forever on a broker alarm
    params.connection_attempts = 1  # the reconnect loop is ours
    params.client_properties = {"connection_name": name}
    return params


def declare_topology(channel: BlockingChannel, settings: AmqpSettings) -> None:
    """Queue, dead-letter exchange and dead-letter queue; the same arguments every time."""
    dead = f"{settings.queue}.dead"
    channel.exchange_declare(settings.dead_letter_exchange, "fanout", durable=True)
    channel.queue_declare(dead, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(dead, settings.dead_letter_exchange)
    channel.queue_declare(
        settings.queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": settings.dead_letter_exchange,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-delivery-limit": settings.max_attempts,
        },
    )


def _headers(properties: BasicProperties) -> dict[str, str]:
    headers = {str(k).lower(): str(v) for k, v in (properties.headers or {}).items()}
    if properties.content_type:
        headers["content-type"] = properties.content_type
    if properties.message_id:
        headers["message-id"] = properties.message_id
    return headers


def _attempt(properties: BasicProperties) -> int:
    """This delivery's number: 1 + the quorum queue's count of earlier ones."""
    return int((properties.headers or {}).get("x-delivery-count", 0)) + 1


@dataclass(frozen=True)
class _Received:
    """A delivery waiting, in the batch in hand, for its commit."""

    tag: int
    properties: BasicProperties
    body: bytes


class Consumer:
    """See the module docstring. ``start`` and ``stop`` are called from any thread."""

    def __init__(
        self,
        settings: AmqpSettings,
        source: SourceSettings,
        ingestor: Ingestor,
        count: Callable[[str, str, Accepted], None] | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.ingestor = ingestor
        self._count = count
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._thread: threading.Thread | None = None
        self._batch: list[_Received] = []
        self.reconnects = 0
        #: Where committed deliveries go at once (set before ``start``); None: the workers
        #: claim them.
        self.handoff: Handoff | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="xsell-amqp", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking messages, settle the one in hand, return the prefetched ones."""
        # Polled by the consuming loop between short rounds of I/O and by _on_message before
        # each delivery: a cancel scheduled with add_callback_threadsafe is not run while
        # deliveries keep pika's dispatch busy.
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = 0.5
        url = self.settings.url.get_secret_value()
        params = parameters(
            url, name=self.settings.connection_name, heartbeat=self.settings.heartbeat_seconds
        )
        while not self._stopping.is_set():
            try:
                self._consume(params)
                delay = 0.5
            except pika.exceptions.AMQPError as exc:
                log.warning("AMQP connection lost (%s); reconnecting", type(exc).__name__)
            finally:
                self.connected.clear()
                self._batch.clear()  # their tags died with the channel: the broker redelivers
                self._channel = None
                self._connection = None
            if self._stopping.is_set():
                break
            self.reconnects += 1
            self._stopping.wait(random.uniform(0, delay))  # full jitter
            delay = min(delay * 2, self.settings.reconnect_max_seconds)

    def _consume(self, params: pika.URLParameters) -> None:
        connection = pika.BlockingConnection(params)
        try:
            channel = connection.channel()
            channel.confirm_delivery()  # dead-letter publishes wait for the broker's ack
            declare_topology(channel, self.settings)
            channel.basic_qos(prefetch_count=self.settings.prefetch)
            channel.basic_consume(self.settings.queue, self._on_message)
            self._connection, self._channel = connection, channel
            self.connected.set()
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=_POLL_SECONDS)
                self._settle_batch(channel)  # the round's deliveries: one commit, one ack
            # Cancelling the consumer hands back (requeues) the deliveries prefetched but not
            # yet dispatched; the batch in hand was settled already.
            channel.stop_consuming()
        finally:
            if connection.is_open:
                with contextlib.suppress(pika.exceptions.AMQPError):
                    connection.close()  # unacked deliveries go back to the queue

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        tag = method.delivery_tag
        if self._stopping.is_set():
            # While deliveries keep arriving pika dispatches them without returning to the
            # loop, so the stop is taken here: the batch in hand is committed and acked,
            # this one goes back to the queue, and cancelling the consumer returns the
            # prefetched ones.
            self._settle_batch(channel)
            channel.basic_nack(tag, requeue=True)
            channel.stop_consuming()
            return
        self._batch.append(_Received(tag, properties, body))
        if len(self._batch) >= self.settings.batch:
            self._settle_batch(channel)

    def _settle_batch(self, channel: BlockingChannel) -> None:
        """Commit the batch in hand, dead-letter its malformed messages, ack the rest."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        deliveries = [
            Delivery(_headers(r.properties), r.body, r.properties.message_id) for r in batch
        ]
        handoff = self.handoff
        claim = handoff.claim() if handoff is not None else None
        try:
            outcomes = self.ingestor.accept_many(self.source, "amqp", deliveries, claim=claim)
        except Exception as exc:
            log.warning("a batch of %d not stored (%s)", len(batch), type(exc).__name__)
            for received in batch:
                if self._stopping.is_set():  # each try may pause: the stop must not wait
                    channel.basic_nack(received.tag, requeue=True)
                else:
                    self._settle_one(channel, received)
            return
        last_stored: int | None = None
        for received, accepted in zip(batch, outcomes, strict=True):
            if self._count is not None:
                self._count(self.source.name, "amqp", accepted)
            if accepted.outcome is Outcome.REJECTED:
                reason = f"malformed: {accepted.reason}"
                self._dead_letter(channel, received, reason, _attempt(received.properties))
            else:
                last_stored = received.tag
        if handoff is not None:
            handoff.take(outcomes)
        if last_stored is not None:
            # Every earlier delivery on this channel is settled: the ones of earlier
            # batches, and this batch's malformed ones just above.
            channel.basic_ack(last_stored, multiple=True)

    def _settle_one(self, channel: BlockingChannel, received: _Received) -> None:
        """Store one message on its own: ack, dead-letter, or requeue it after a pause."""
        properties, tag = received.properties, received.tag
        attempt = _attempt(properties)
        try:
            accepted = self.ingestor.accept(
                self.source,
                "amqp",
                _headers(properties),
                received.body,
                delivery_id=properties.message_id,
            )
        except Exception as exc:
            reason = f"not stored: {type(exc).__name__}"
            if attempt >= self.settings.max_attempts:
                self._dead_letter(channel, received, reason, attempt)
            else:
                log.warning("message not stored (attempt %d): %s", attempt, type(exc).__name__)
                channel.connection.sleep(min(0.1 * 2**attempt, 5.0))  # services heartbeats
                channel.basic_nack(tag, requeue=True)
            return
        if self._count is not None:
            self._count(self.source.name, "amqp", accepted)
        if accepted.outcome is Outcome.REJECTED:
            self._dead_letter(channel, received, f"malformed: {accepted.reason}", attempt)
            return
        channel.basic_ack(tag)

    def _dead_letter(
        self, channel: BlockingChannel, received: _Received, reason: str, attempt: int
    ) -> None:
        tag, properties, body = received.tag, received.properties, received.body
        headers = {
            **(properties.headers or {}),
            REASON_HEADER: reason[:1000],
            ATTEMPTS_HEADER: attempt,
        }
        dead = BasicProperties(
            content_type=properties.content_type,
            message_id=properties.message_id,
            delivery_mode=2,
            headers=headers,
        )
        try:
            channel.basic_publish(self.settings.dead_letter_exchange, "", body, dead)
        except pika.exceptions.NackError:
            channel.basic_nack(tag, requeue=True)
            return
        channel.basic_ack(tag)
        log.warning("message dead-lettered after %d attempt(s): %s", attempt, reason[:200])


class Republisher:
    """Publishes canonical events to a topic exchange (routing key = event type), confirmed.

    One connection on one dedicated thread; reconnects on the next publish after a failure.
    """

    def __init__(self, url: str, exchange: str, *, name: str = "xsell-connect-republisher"):
        self._params = parameters(url, name=name)
        self.exchange = exchange
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xsell-republish")
        self._channel: BlockingChannel | None = None

    def _open(self) -> BlockingChannel:
        if self._channel is None or not self._channel.is_open:
            connection = pika.BlockingConnection(self._params)
            channel = connection.channel()
            channel.exchange_declare(self.exchange, "topic", durable=True)
            channel.confirm_delivery()
            self._channel = channel
        return self._channel

    def _publish(self, events: Sequence[CanonicalEvent]) -> None:
        try:
            channel = self._open()
            for event in events:
                properties = BasicProperties(
                    content_type="application/cloudevents+json",
                    message_id=event.id,
                    delivery_mode=2,
                )
                channel.basic_publish(self.exchange, event.type, event.to_json(), properties)
        except pika.exceptions.AMQPError:
            self._close()
            raise

    def _close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None and channel.connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError):
                channel.connection.close()

    async def publish(self, events: Sequence[CanonicalEvent]) -> None:
        """Publish and wait for the broker's confirms (raises if any is refused)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._publish, events)

    def close(self) -> None:
        self._executor.submit(self._close).result()
        self._executor.shutdown()


class RepublishingSink:
    """An ``EventSink`` that republishes the events, then hands them to ``inner``."""

    def __init__(self, inner: EventSink, republisher: Republisher) -> None:
        self.inner = inner
        self.republisher = republisher

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        await self.republisher.publish(events)
        await self.inner.handle(events)
