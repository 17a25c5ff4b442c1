"""The listener bound to the decision pipeline: the four ports over the shared store.

``PipelineBinding(engine, settings)`` is built by ``Services.build`` when ``[pipeline]
platform`` is set; the inbox and the pipeline share the store's engine (one store URL).
``start`` (in the listener's lifespan) opens the core's adapter, reads the catalog, builds
the decision engine and the ``Runner`` and starts the outbox drainer; if the core cannot be
reached it keeps trying in the background, and until then the sink raises (the inbox item
is retried later). Its ports:

- ``PipelineSink``: the events of one inbox item, grouped by party, each group one
  ``Runner.handle_events`` call (Customer 360 → engine → one transaction → outbox); the
  effects due now are written claimed by this process's drainer and handed to it at once
  (``Runner.handoff``), the others (guarded, held) wait for its rounds.
  Exactly-once effects: the inbox stores each delivery once, decision ids and outbox
  idempotency keys derive from (party, pattern, triggering event), so a redelivered or
  re-claimed item appends nothing and queues nothing new, and the core's idempotency keys
  absorb a write-back retried after a lost response.
- ``StoreNextBestActions``: a party's newest open offer whose write-back is due (not held
  for an approval, not inside a recall window), as the Next_Best_Action sent to the core.
- ``StoreApprovalQueue``: the store's approvals through ``ApprovalDesk`` (approve releases
  the held effects and wakes the drainer; reject and recall cancel them).
- ``StorePipelineStats``: write-back outcomes from the outbox (and this process's retries),
  circuit-breaker state per pattern evaluated on the store's counters.

The drainer runs in every listener process: the outbox hands an effect to one claimer
(``SKIP LOCKED`` on PostgreSQL), and its lease lets another process finish what a killed
one had claimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from xsell_connect.listener.ports import Approval, ApprovalError, ApprovalStatus
from xsell_connect.listener.settings import PipelineSettings
from xsell_connect.models import CanonicalEvent, NextBestAction
from xsell_connect.pipeline import approve as desk
from xsell_connect.pipeline.act import Backoff, Drainer, DrainReport
from xsell_connect.pipeline.audit import explain_text
from xsell_connect.pipeline.factory import build_runner
from xsell_connect.pipeline.runner import Handoff, Runner
from xsell_connect.pipeline.types import Decision, EffectKind, Mode
from xsell_connect.store import approvals as stored
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.governance import OPEN
from xsell_connect.store.outbox import OutboxStatus, OutboxStore
from xsell_connect.store.schema import contact_history, outbox

__all__ = [
    "PipelineBinding",
    "PipelineSink",
    "StoreApprovalQueue",
    "StoreNextBestActions",
    "StorePipelineStats",
]

log = logging.getLogger("xsell_connect.listener.pipeline")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PipelineBinding:
    """The runner, the drainer and the ports of one listener process (module docstring)."""

    def __init__(
        self,
        engine: Engine,
        settings: PipelineSettings,
        *,
        name: str = "listener",
        adapter_factory: Callable[[str], Any] | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        if settings.platform is None or settings.pseudonym_key is None:
            raise ValueError("the pipeline binding needs platform and pseudonym_key")
        self.engine, self.settings, self.name, self.clock = engine, settings, name, clock
        self.platform = settings.platform
        self._adapter_factory = adapter_factory
        self.runner: Runner | None = None
        self.drainer: Drainer | None = None
        self.report = DrainReport(Counter())
        self.wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.sink = PipelineSink(self)
        self.nba = StoreNextBestActions(engine, clock=clock)
        self.approvals = StoreApprovalQueue(engine, wake=self.wake, clock=clock)
        self.stats = StorePipelineStats(self)

    def ports(self) -> dict[str, Any]:
        return {"sink": self.sink, "nba": self.nba, "approvals": self.approvals}

    def _adapter(self) -> Any:
        if self._adapter_factory is not None:
            return self._adapter_factory(self.platform)
        from xsell_connect.registry import create_adapter

        return create_adapter(self.platform)

    async def _bind(self, stack: contextlib.AsyncExitStack) -> None:
        s = self.settings
        adapter = await stack.enter_async_context(self._adapter())
        assert s.pseudonym_key is not None  # checked in __init__
        runner = await build_runner(
            adapter,
            self.engine,
            key=s.pseudonym_key.get_secret_value().encode(),
            mode=Mode(s.mode),
            policy_path=s.policy,
            aggregate_seconds=s.aggregate_seconds,
        )
        runner.push = s.push
        self.drainer = Drainer(
            runner.outbox,
            adapter,
            governance=runner.state,
            backoff=Backoff(initial=s.writeback_backoff_seconds, attempts=s.writeback_attempts),
            worker=f"{self.name}:drainer",
            lease=timedelta(seconds=s.writeback_lease_seconds),
            concurrency=s.writeback_concurrency,
        )
        drainer = self.drainer
        runner.handoff = Handoff(
            drainer.worker, drainer.lease, lambda items: drainer.perform(items, self.report)
        )
        self.runner = runner
        self._ready.set()
        log.info("pipeline bound to %s (%s mode)", self.platform, s.mode)

    async def _run(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            delay = 1.0
            while self.runner is None and not self._stop.is_set():
                try:
                    await self._bind(stack)
                except Exception as exc:  # the core is down: the sink refuses until bound
                    log.warning("pipeline cannot bind to %s yet: %s", self.platform, exc)
                    await stack.aclose()  # the adapter opened by the failed attempt
                    await self._idle(delay)
                    delay = min(delay * 2, 30.0)
            while not self._stop.is_set():
                self.wake.clear()
                try:
                    assert self.drainer is not None
                    claimed = await self.drainer.drain_once(self.report)
                except Exception as exc:  # the store is down: wait, then try again
                    log.warning("outbox drainer cannot drain: %s", type(exc).__name__)
                    claimed = 0
                if claimed == 0:
                    await self._idle(self.settings.drain_seconds)
            if self.drainer is not None:
                await self.drainer.finish()  # the effects handed over, before the adapter closes

    async def _idle(self, seconds: float) -> None:
        stop, wake = (
            asyncio.ensure_future(self._stop.wait()),
            asyncio.ensure_future(self.wake.wait()),
        )
        try:
            await asyncio.wait({stop, wake}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            wake.cancel()

    async def start(self) -> None:
        """Bind (or keep trying in the background) and run the drainer until ``stop``."""
        self._stop.clear()
        self._task = asyncio.create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._ready.wait()), 10.0)

    async def stop(self) -> None:
        """Stop the drainer after the effects in hand; close the adapter."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def ready_runner(self) -> Runner:
        if self.runner is None:
            raise RuntimeError(f"the decision pipeline is not bound to {self.platform} yet")
        return self.runner


class PipelineSink:
    """``EventSink``: one ``Runner.handle_events`` per party of the item (module docstring)."""

    def __init__(self, binding: PipelineBinding) -> None:
        self._binding = binding

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        runner = self._binding.ready_runner()
        by_party: dict[str, list[CanonicalEvent]] = {}
        for event in events:
            if event.subject:  # an event about no party raises no decision
                by_party.setdefault(event.subject, []).append(event)
        for party_events in by_party.values():
            await runner.handle_events(party_events)
        if by_party and runner.handoff is None:
            self._binding.wake.set()  # with a handoff, the effects due now are in hand


class StoreNextBestActions:
    """``NextBestActionReader`` over the contact history and the outbox."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow) -> None:
        self._engine, self._clock = engine, clock
        self._outbox = OutboxStore(engine)

    def _read(self, party_id: str) -> NextBestAction | None:
        now = self._clock()
        released = [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.FAILED]
        effect = (
            select(outbox.c.payload, outbox.c.status, outbox.c.available_at)
            .join(contact_history, contact_history.c.decision_id == outbox.c.decision_id)
            .where(
                contact_history.c.party_id == party_id,
                contact_history.c.status == OPEN,
                contact_history.c.holdout.is_(False),
                contact_history.c.expires_at > now,
                outbox.c.kind == EffectKind.NEXT_BEST_ACTION.value,
                outbox.c.status.in_([OutboxStatus.DONE.value, *(s.value for s in released)]),
            )
            .order_by(contact_history.c.contacted_at.desc(), outbox.c.id.desc())
        )
        with self._engine.connect() as connection:
            for payload, status, available_at in connection.execute(effect):
                if status == OutboxStatus.DONE.value or available_at <= now:
                    return NextBestAction.model_validate(payload)
        return None

    async def next_best_action(self, party_id: str) -> NextBestAction | None:
        return await asyncio.to_thread(self._read, party_id)


_STATUS = {
    stored.ApprovalStatus.PENDING: ApprovalStatus.PENDING,
    stored.ApprovalStatus.APPROVED: ApprovalStatus.APPROVED,
    stored.ApprovalStatus.AUTO: ApprovalStatus.APPROVED,  # guarded: sent unless recalled
    stored.ApprovalStatus.REJECTED: ApprovalStatus.REJECTED,
    stored.ApprovalStatus.RECALLED: ApprovalStatus.RECALLED,
}


def approval_of(row: stored.Approval, decision: Decision | None) -> Approval:
    """The listener's view of a stored approval, explained by ``audit.explain_text``."""
    lines = explain_text(decision).splitlines() if decision is not None else []
    return Approval(
        id=row.decision_id,
        party_id=decision.party_id if decision is not None else row.party_ref,
        pattern=row.pattern,
        product_code=row.product_code,
        explanation=tuple(line.strip() for line in lines if line.strip()),
        status=_STATUS[row.status],
        created_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        recall_until=row.recall_until,
    )


class StoreApprovalQueue:
    """``ApprovalQueue`` over the store's approvals; each act is ``ApprovalDesk``'s."""

    def __init__(
        self, engine: Engine, *, wake: asyncio.Event | None = None, clock: Clock = _utcnow
    ) -> None:
        self._store = stored.ApprovalStore(engine)
        self._log = DecisionLog(engine)
        self._desk = desk.ApprovalDesk(engine)
        self._wake, self._clock = wake, clock

    def _view(self, decision_id: str) -> Approval:
        row = self._store.get(decision_id)
        if row is None:
            raise ApprovalError("not_found", f"no approval {decision_id}")
        return approval_of(row, self._log.get(decision_id))

    def _pending(self) -> list[Approval]:
        rows = self._store.list(stored.ApprovalStatus.PENDING)
        return [approval_of(row, self._log.get(row.decision_id)) for row in rows]

    async def pending(self) -> list[Approval]:
        return await asyncio.to_thread(self._pending)

    def _act(self, act: Callable[..., Decision], approval_id: str, **kwargs: Any) -> Approval:
        if self._store.get(approval_id) is None:
            raise ApprovalError("not_found", f"no approval {approval_id}")
        try:
            act(approval_id, at=self._clock(), **kwargs)
        except desk.ApprovalError as exc:
            raise ApprovalError("conflict", str(exc)) from None
        return self._view(approval_id)

    async def approve(self, approval_id: str, approver: str) -> Approval:
        approval = await asyncio.to_thread(self._act, self._desk.approve, approval_id, by=approver)
        if self._wake is not None:
            self._wake.set()  # the released effects are due now
        return approval

    async def reject(self, approval_id: str, approver: str, reason: str) -> Approval:
        return await asyncio.to_thread(
            self._act, self._desk.reject, approval_id, by=approver, reason=reason
        )

    async def recall(self, approval_id: str, approver: str, reason: str) -> Approval:
        return await asyncio.to_thread(
            self._act, self._desk.recall, approval_id, by=approver, reason=reason
        )


#: Outbox statuses that are write-back outcomes (the others are on their way).
_OUTCOMES = {
    OutboxStatus.DONE.value: "written",
    OutboxStatus.DEAD.value: "parked",
    OutboxStatus.CANCELLED.value: "cancelled",
}


class StorePipelineStats:
    """``PipelineStats``: outcomes from the outbox, breakers from the store's counters."""

    def __init__(self, binding: PipelineBinding) -> None:
        self._binding = binding

    def writeback_outcomes(self) -> Mapping[tuple[str, str], int]:
        stmt = (
            select(outbox.c.kind, outbox.c.status, func.count())
            .where(outbox.c.status.in_(list(_OUTCOMES)))
            .group_by(outbox.c.kind, outbox.c.status)
        )
        with self._binding.engine.connect() as connection:
            counts = {(k, _OUTCOMES[s]): int(n) for k, s, n in connection.execute(stmt).all()}
        retried = self._binding.report.retried  # this process's retries
        if retried:
            counts[("any", "retried")] = retried
        return counts

    def breaker_states(self) -> Mapping[str, int]:
        runner = self._binding.runner
        if runner is None:
            return {}
        breakers = runner.engine.supervisor.breakers
        since = self._binding.clock() - timedelta(hours=breakers.config.window_hours)
        patterns = sorted(set(runner.engine.policy.tiers) | set(breakers.states))
        return {
            p: 2 if breakers.evaluate(p, runner.state.pattern_stats(p, since)).open else 0
            for p in patterns
        }
