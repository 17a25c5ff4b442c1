"""The runner: events → detect → enrich → decide → one transaction → the outbox.

For every decision, ONE transaction appends the decision file to the hash chain and,
in live mode, queues its consequences:

- OFFERED, trusted: the effects (offer, Next_Best_Action, audit row) are due now;
- OFFERED, guarded: the effects wait for the end of the recall window
  (``timestamps["recall_until"]``); the approval row is ``auto`` and can be recalled;
- PENDING_APPROVAL (observe): the effects are ``held`` until a human approves;
- HOLDOUT: no effect; the would-be offer joins the pattern's control group.

The contact history, the fairness tallies and the breaker counters are written in the
same transaction. With a ``handoff`` (the listener's drainer), effects due now are written
already claimed by that drainer and handed to it once the transaction commits: no claim,
no wait for the drainer's next round (see ``OutboxStore.enqueue_claimed_in``).

In shadow mode (``Mode.SHADOW``) the decision file is kept, marked shadow, and nothing
else is written: no effect reaches the core, and the run's ``shadow_offers`` lists what
would have been offered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from xsell_connect.models import CanonicalEvent, Offer
from xsell_connect.pipeline.act import offer_effects
from xsell_connect.pipeline.engine import DecisionEngine
from xsell_connect.pipeline.enrich import Enricher
from xsell_connect.pipeline.types import Decision, DecisionOutcome, Mode, Tier
from xsell_connect.store._sql import insert_ignore
from xsell_connect.store.approvals import ApprovalStore
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.governance import StoreGovernanceState
from xsell_connect.store.outbox import OutboxItem, OutboxStore
from xsell_connect.store.schema import batch_items

__all__ = ["Handoff", "RunStats", "Runner", "record_contact_in"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_TALLIED = frozenset(DecisionOutcome) - {DecisionOutcome.NO_CANDIDATE, DecisionOutcome.PAUSED}


@dataclass(frozen=True)
class Handoff:
    """Where effects due now go once committed: claimed by ``worker`` for ``lease``."""

    worker: str
    lease: timedelta
    perform: Callable[[list[OutboxItem]], None]


@dataclass
class RunStats:
    """What a run saw and did, for the summary and the report."""

    events: int = 0
    signals: Counter[str] = field(default_factory=Counter)
    decisions: int = 0
    replayed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)  # filter stage → candidates
    policy_failed: Counter[str] = field(default_factory=Counter)  # rule id → checks failed
    offers: Counter[tuple[str, str]] = field(default_factory=Counter)  # (product, tier)
    shadow_offers: list[dict[str, str]] = field(default_factory=list)
    decision_ids: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def count(self, decision: Decision) -> None:
        self.decisions += 1
        self.decision_ids.append(decision.decision_id)
        self.outcomes[decision.outcome.value] += 1
        for verdict in decision.verdicts:
            if not verdict.passed:
                self.removed[verdict.stage.value] += 1
        for check in decision.policy:
            if not check.passed:
                self.policy_failed[check.rule_id] += 1
        if decision.chosen and decision.outcome in (
            DecisionOutcome.OFFERED,
            DecisionOutcome.PENDING_APPROVAL,
        ):
            tier = decision.tier.value if decision.tier else "-"
            self.offers[(decision.chosen, tier)] += 1
            if decision.mode is Mode.SHADOW:
                self.shadow_offers.append(
                    {
                        "decision_id": decision.decision_id,
                        "party_ref": decision.party_ref,
                        "product": decision.chosen,
                        "tier": tier,
                        "channel": decision.channel.value if decision.channel else "-",
                        "outcome": decision.outcome.value,
                    }
                )


class Runner:
    """Runs events (or batch scans) through the engine and commits the results."""

    def __init__(
        self,
        engine: Engine,
        decisions: DecisionEngine,
        enricher: Enricher,
        *,
        mode: Mode = Mode.LIVE,
        push: bool = False,
        follow_up_days: int = 7,
        aggregate_seconds: float = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = engine
        self.engine = decisions
        self.enricher = enricher
        self.mode = mode
        self.push = push
        self.follow_up = timedelta(days=follow_up_days)
        self.clock = clock
        self.log = DecisionLog(engine)
        self.outbox = OutboxStore(engine, clock=clock)
        self.approvals = ApprovalStore(engine)
        self.state = StoreGovernanceState(engine, aggregate_seconds=aggregate_seconds)
        self.stats = RunStats()
        self.handoff: Handoff | None = None

    async def handle_event(
        self, event: CanonicalEvent, *, now: datetime | None = None
    ) -> Decision | None:
        """Decide on one event of one party; None when it raises no signal."""
        return await self.handle_events([event], now=now)

    async def handle_events(
        self, events: Sequence[CanonicalEvent], *, now: datetime | None = None
    ) -> Decision | None:
        """Decide on events of ONE party (one delivery, or one day replayed) together."""
        self.stats.events += len(events)
        party_id = next((e.subject for e in events if e.subject), None)
        if party_id is None:
            return None
        now = now or self.clock()
        key = events[0].id
        # What governance asks about the party, read in one query, off the event loop, while
        # the core is read: after the Customer 360 it was one more store round trip on every
        # decision's path. An event that raises no signal leaves it unused.
        governance = _read_ahead(self.state.for_party, party_id)
        try:
            c360 = await self.enricher.customer_360(party_id, key=key, now=now)
        except BaseException:
            governance.cancel()
            raise
        self.enricher.forget(party_id, key)
        signals = self.engine.detect(events, c360, now=now)
        if not signals:
            governance.cancel()
            return None
        state = await governance
        decision = await self.engine.decide(
            signals, c360, state, now=now, mode=self.mode, events=events
        )
        # The transaction runs in a thread: on the event loop its round trips to the store
        # held up every other event in flight (and the outbox drainer) while they lasted.
        claimed: list[OutboxItem] = []
        if not await asyncio.to_thread(self._store, decision, claimed):
            self.stats.replayed += 1
        if claimed and self.handoff is not None:
            self.handoff.perform(claimed)
        self._count(decision, signals_seen=[s.id for s in signals])
        return decision

    async def handle_party(
        self, party_id: str, *, now: datetime | None = None, job: str | None = None
    ) -> Decision | None:
        """Batch mode: scan one customer with the standing rules and decide."""
        now = now or self.clock()
        c360 = await self.enricher.customer_360(party_id, key=f"scan:{now.date()}", now=now)
        self.enricher.forget(party_id, f"scan:{now.date()}")
        signals = self.engine.scan(c360, now=now)
        decision = None
        if signals:
            state = self.state.for_party(party_id)
            decision = await self.engine.decide(signals, c360, state, now=now, mode=self.mode)
        with self.db.begin() as connection:
            if job is not None:
                item = {"job": job, "party_id": party_id, "done_at": now}
                if not insert_ignore(connection, batch_items, item, ["job", "party_id"]):
                    return None  # another worker finished this party already
            if decision is not None and not self._commit_in(connection, decision):
                self.stats.replayed += 1
        if decision is not None:
            self._count(decision, [s.id for s in signals])
        return decision

    def _store(self, decision: Decision, claimed: list[OutboxItem] | None = None) -> bool:
        """Commit the decision and its consequences; False if it was decided before.

        With ``claimed`` (and a ``handoff``), effects due now are written claimed by the
        handoff's worker and appended to it.
        """
        with self.db.begin() as connection:
            return self._commit_in(connection, decision, claimed)

    def _count(self, decision: Decision, signals_seen: list[str]) -> None:
        self.stats.signals.update(signals_seen)
        self.stats.count(decision)

    def _commit_in(
        self,
        connection: Connection,
        decision: Decision,
        claimed: list[OutboxItem] | None = None,
    ) -> bool:
        """Append the decision and queue its consequences; False if it was decided before."""
        if self.log.append_in(connection, decision) is None:
            return False
        if decision.mode is Mode.SHADOW:
            return True
        outcome, now = decision.outcome, decision.decided_at
        if outcome in _TALLIED:
            self.state.record_decision_in(
                connection,
                age_band=str(decision.extra.get("age_band", "unknown")),
                segment=str(decision.extra.get("segment", "unknown")),
                offered=outcome in (DecisionOutcome.OFFERED, DecisionOutcome.PENDING_APPROVAL),
                at=now,
            )
        if decision.offer is None and outcome is not DecisionOutcome.HOLDOUT:
            return True
        if outcome is DecisionOutcome.HOLDOUT and decision.chosen:
            self._contact_in(connection, decision, holdout=True)
        elif outcome is DecisionOutcome.OFFERED:
            recall = decision.timestamps.get("recall_until")
            guarded = decision.tier is Tier.GUARDED
            if guarded and recall is not None:
                self._request_in(connection, decision, recall_until=recall)
            effects = offer_effects(decision, push=self.push)
            handoff = self.handoff
            if claimed is not None and handoff is not None and not guarded:
                claimed += self.outbox.enqueue_claimed_in(
                    connection, decision.decision_id, decision.pattern, effects,
                    worker=handoff.worker, lease=handoff.lease,
                )  # fmt: skip
            else:
                self.outbox.enqueue_in(
                    connection, decision.decision_id, decision.pattern, effects,
                    available_at=recall if guarded else None,
                )  # fmt: skip
            self._contact_in(connection, decision)
        elif outcome is DecisionOutcome.PENDING_APPROVAL:
            self._request_in(connection, decision, recall_until=None)
            self.outbox.enqueue_in(
                connection,
                decision.decision_id,
                decision.pattern,
                offer_effects(decision, push=self.push),
                held=True,
            )
        return True

    def _request_in(
        self, connection: Connection, decision: Decision, *, recall_until: datetime | None
    ) -> None:
        self.approvals.request_in(
            connection,
            decision_id=decision.decision_id,
            party_ref=decision.party_ref,
            pattern=decision.pattern,
            product_code=decision.chosen or "-",
            tier=decision.tier.value if decision.tier else "-",
            at=decision.decided_at,
            recall_until=recall_until,
        )

    def _contact_in(
        self, connection: Connection, decision: Decision, *, holdout: bool = False
    ) -> None:
        record_contact_in(connection, self.state, decision, self.follow_up, holdout=holdout)
        if not holdout:
            self.state.record_event_in(connection, decision.pattern, "offer", decision.decided_at)


def _read_ahead(read: Callable[[str], T], party_id: str) -> asyncio.Future[T]:
    """``read(party_id)`` in a thread, started now; a failure nobody awaits is not logged."""
    future = asyncio.ensure_future(asyncio.to_thread(read, party_id))
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    return future


def record_contact_in(
    connection: Connection,
    state: StoreGovernanceState,
    decision: Decision,
    follow_up: timedelta,
    *,
    holdout: bool = False,
    at: datetime | None = None,
) -> None:
    """Write the contact-history row of a decision's offer (or its control-group twin)."""
    at = at or decision.decided_at
    offer_id = (
        decision.offer.id
        if decision.offer
        else Offer.make_id(decision.party_id, decision.pattern, decision.event_ids[0])
    )
    values: dict[str, Any] = {
        "offer_id": offer_id,
        "decision_id": decision.decision_id,
        "party_id": decision.party_id,
        "pattern": decision.pattern,
        "product_code": decision.chosen or "-",
        "channel": decision.channel.value if decision.channel else "-",
        "contacted_at": at,
        "expires_at": decision.offer.expires_at if decision.offer else at + timedelta(days=30),
        "follow_up_at": None if holdout else at + follow_up,
        "holdout": holdout,
    }
    state.record_contact_in(connection, values)
