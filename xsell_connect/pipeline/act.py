"""Act: turn a decision into outbox effects, and drain the outbox into the core.

Each effect's idempotency key is ``<decision key>:<effect kind>``; the decision key is
derived from (party, pattern, triggering event) by the engine, so the same event always
yields the same keys and the core's idempotency makes every retry land once.

The ``Drainer`` claims due effects, calls the adapter (``write_offer``,
``set_next_best_action``, ``write_audit_record``) or the channel pusher with the effect's
key, records the receipt, and on ``RetriableUpstreamError`` retries later with exponential
backoff (honouring the core's ``retry_after``); fatal errors, and the last attempt, park
the effect as ``dead`` with the reason. Every call counts toward the pattern's write-back
statistics, which the circuit breakers read.

Settling is a group commit: the effects that finish while a settle transaction is under
way are settled together in the next one (their outcomes and their write-back counts), so
a drainer with many effects in flight commits once per round, not twice per effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from xsell_connect.adapter import CoreBankingAdapter, first_attempt
from xsell_connect.errors import RetriableUpstreamError, XsellError
from xsell_connect.handed import HandedTasks
from xsell_connect.models import AuditOutcome, AuditRecord, NextBestAction, Offer, WriteReceipt
from xsell_connect.pipeline.push import ChannelPusher
from xsell_connect.pipeline.types import Decision, EffectKind
from xsell_connect.store.governance import StoreGovernanceState
from xsell_connect.store.outbox import Effect, OutboxItem, OutboxStore

__all__ = ["Backoff", "DrainReport", "Drainer", "audit_record", "decision_key", "offer_effects"]

logger = logging.getLogger(__name__)


def decision_key(party_id: str, pattern: str, triggering_event_id: str) -> str:
    """The decision's idempotency key, when the decision file carries none."""
    raw = f"{party_id}\x1f{pattern}\x1f{triggering_event_id}".encode()
    return "xs-" + hashlib.sha256(raw).hexdigest()[:32]


def _key(decision: Decision) -> str:
    return decision.idempotency_key or decision_key(
        decision.party_id, decision.pattern, decision.event_ids[0]
    )


def audit_record(
    decision: Decision, offer: Offer, outcome: AuditOutcome, *, at: datetime | None = None
) -> AuditRecord:
    """The AI_Interaction_Audit row of a decision (or of a response to its offer)."""
    model = next((s.scorer for s in decision.scored if s.product_code == offer.product_code), "")
    suffix = "" if outcome is AuditOutcome.PRESENTED else f":{outcome.value.lower()}"
    return AuditRecord(
        audit_id=decision.decision_id + suffix,
        party_id=decision.party_id,
        customer_ref=decision.party_ref,
        nba_code=offer.nba_code,
        offer_ref=offer.id,
        score=offer.score,
        model_version=model or "unknown",
        reason_codes=offer.reason_codes,
        channel=offer.channel,
        decided_at=at or decision.decided_at,
        expires_at=offer.expires_at,
        outcome=outcome,
        correlation_id=decision.decision_id,
    )


def offer_effects(decision: Decision, *, push: bool = False) -> list[Effect]:
    """The write-backs of an offered or approved decision: offer, NBA, audit row (+ push)."""
    offer = decision.offer
    if offer is None:
        return []
    key = _key(decision)
    nba = NextBestAction(
        party_id=offer.party_id,
        action_code=offer.nba_code,
        score=offer.score,
        expires_on=offer.expires_at.date(),
        offer_ref=offer.id,
    )
    record = audit_record(decision, offer, AuditOutcome.PRESENTED)
    effects = [
        Effect(EffectKind.OFFER, f"{key}:offer", offer.model_dump(mode="json")),
        Effect(EffectKind.NEXT_BEST_ACTION, f"{key}:nba", nba.model_dump(mode="json")),
        Effect(EffectKind.AUDIT_RECORD, f"{key}:audit", record.model_dump(mode="json")),
    ]
    if push:
        effects.append(
            Effect(EffectKind.CHANNEL_PUSH, f"{key}:push", offer.model_dump(mode="json"))
        )
    return effects


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff between outbox attempts, capped; ``attempts`` is the budget."""

    initial: float = 1.0
    maximum: float = 300.0
    attempts: int = 8

    def delay(self, attempt: int, hint: float | None = None) -> float:
        base = min(self.maximum, self.initial * 2.0 ** max(attempt - 1, 0))
        return min(self.maximum, max(base, hint or 0.0))


@dataclass
class DrainReport:
    done: Counter[str]
    retried: int = 0
    dead: int = 0


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class _Settle:
    """How one performed effect ends: the outbox values to set, and whether the call held."""

    item: OutboxItem
    ok: bool
    values: dict[str, Any]


class Drainer:
    """Performs queued effects against the core; see the module docstring."""

    def __init__(
        self,
        outbox: OutboxStore,
        adapter: CoreBankingAdapter,
        *,
        governance: StoreGovernanceState | None = None,
        pusher: ChannelPusher | None = None,
        backoff: Backoff | None = None,
        concurrency: int = 4,
        worker: str = "drainer",
        lease: timedelta = timedelta(seconds=120),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.outbox = outbox
        self.adapter = adapter
        self.governance = governance
        self.pusher = pusher
        self.backoff = backoff or Backoff()
        self.worker = worker
        self.lease = lease  # a drainer killed mid-effect leaves it to another after this
        self.concurrency = concurrency  # effects performed at once
        self._gate = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._sleep = sleep
        self._settling: list[tuple[_Settle, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._handed = HandedTasks(logger, "outbox effect")

    async def _perform(self, item: OutboxItem) -> dict[str, Any]:
        # Claimed for the first time (a claim counts the attempt): no call with this key
        # can have reached the core before, so an adapter may skip looking for its record.
        fresh = first_attempt() if item.attempts == 1 else contextlib.nullcontext()
        with fresh:
            return await self._call(item)

    async def _call(self, item: OutboxItem) -> dict[str, Any]:
        key, payload = item.idempotency_key, item.payload
        receipt: WriteReceipt
        if item.kind is EffectKind.OFFER or item.kind is EffectKind.FOLLOW_UP_TASK:
            receipt = await self.adapter.write_offer(
                Offer.model_validate(payload), idempotency_key=key
            )
        elif item.kind is EffectKind.NEXT_BEST_ACTION:
            receipt = await self.adapter.set_next_best_action(
                NextBestAction.model_validate(payload), idempotency_key=key
            )
        elif item.kind is EffectKind.AUDIT_RECORD:
            receipt = await self.adapter.write_audit_record(
                AuditRecord.model_validate(payload), idempotency_key=key
            )
        else:
            if self.pusher is None:
                raise XsellError("no channel endpoint is configured for the push")
            return await self.pusher.push(key, payload)
        return receipt.model_dump(mode="json")

    async def _one(self, item: OutboxItem, report: DrainReport) -> None:
        async with self._gate:
            try:
                receipt = await self._perform(item)
            except RetriableUpstreamError as exc:
                error = f"{type(exc).__name__}: {exc}"
                if item.attempts >= self.backoff.attempts:
                    why = f"gave up after {item.attempts}: {error}"
                    await self._settle(item, ok=False, values=self.outbox.park_values(why))
                    report.dead += 1
                    return
                delay = self.backoff.delay(item.attempts, exc.retry_after)
                retry_at = self._clock() + timedelta(seconds=delay)
                await self._settle(
                    item, ok=False, values=self.outbox.fail_values(error, retry_at=retry_at)
                )
                report.retried += 1
                return
            except (XsellError, ValueError) as exc:
                why = f"{type(exc).__name__}: {exc}"
                await self._settle(item, ok=False, values=self.outbox.park_values(why))
                logger.warning("outbox effect %s parked: %s", item.id, type(exc).__name__)
                report.dead += 1
                return
        await self._settle(item, ok=True, values=self.outbox.complete_values(receipt))
        report.done[item.kind.value] += 1

    async def _settle(self, item: OutboxItem, *, ok: bool, values: dict[str, Any]) -> None:
        """Settle with the next group commit; returns once it is committed (or raises)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settling.append((_Settle(item, ok, values), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        # The store's calls go to a thread: on the event loop they held up every other
        # effect, and the listener's decisions, for a database round trip each.
        while self._settling:
            batch, self._settling = self._settling, []
            try:
                await asyncio.to_thread(self._settle_all, [settle for settle, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                        future.exception()  # retrieved: the waiter re-raises it
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    def _settle_all(self, batch: list[_Settle]) -> None:
        """Count the calls for the breakers, then complete, retry or park, in one commit."""
        at = self._clock()
        with self.outbox.begin() as connection:
            if self.governance is not None:
                calls = [
                    (s.item.pattern, s.ok, at)
                    for s in batch
                    if s.item.kind is not EffectKind.CHANNEL_PUSH
                ]
                self.governance.record_writebacks_in(connection, calls)
            self.outbox.settle_many_in(
                connection, self.worker, [(s.item.id, s.values) for s in batch]
            )

    def perform(self, items: list[OutboxItem], report: DrainReport) -> None:
        """Perform effects claimed for this drainer elsewhere (``Runner.handoff``), now.

        Each runs as a task of its own; ``finish`` waits for them. An effect whose settle
        fails stays claimed until its lease expires, and is claimed again then.
        """
        for item in items:
            self._handed.start(self._one(item, report))

    async def finish(self) -> None:
        """Wait for the effects handed over by ``perform``."""
        await self._handed.finish()

    async def drain_once(self, report: DrainReport | None = None, *, limit: int = 50) -> int:
        """Perform the effects due now; how many were claimed."""
        report = report or DrainReport(Counter())
        claim = self.outbox.claim
        items = await asyncio.to_thread(claim, self.worker, limit=limit, lease=self.lease)
        await asyncio.gather(*(self._one(item, report) for item in items))
        return len(items)

    async def drain(self, *, horizon: timedelta = timedelta(minutes=5)) -> DrainReport:
        """Drain until nothing is due within ``horizon`` (held and recallable effects wait)."""
        report = DrainReport(Counter())
        while True:
            if await self.drain_once(report):
                continue
            due = self.outbox.next_due()
            now = self._clock()
            if due is None or due > now + horizon:
                return report
            await self._sleep(max((due - now).total_seconds(), 0.0))
