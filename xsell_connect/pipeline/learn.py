"""Learn: offer responses update contact history, suppression, the core and the metrics.

``respond`` takes an ``OfferResponse`` (accepted, declined, expired, complained, opted
out) once per (offer, kind): it closes the offer in the contact history, suppresses the
product after a decline (the policy's ``decline_days``) or for good after an opt-out,
counts complaints and opt-outs for the circuit breakers, and queues write-backs in the
same transaction: the Next_Best_Action value is cleared (action ``NONE``), or after a
decline advanced to the runner-up of the decision file; an audit row records the
response. ``sweep`` expires offers past their expiry and, for offers still open after
``follow_up_days``, queues a follow-up task for the relationship manager where the core
has tasks (``TASK_PLATFORMS``; written through ``write_offer``, whose record on those
cores is a task: nba code ``FOLLOW_UP``, due ``follow_up_due_days`` later).
``uplift`` compares acceptance of offers made with conversion in the control group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, update

from xsell_connect.models import AuditOutcome, NextBestAction
from xsell_connect.pipeline.act import audit_record, decision_key
from xsell_connect.pipeline.types import Decision, EffectKind, OfferResponse, ResponseKind
from xsell_connect.store._sql import insert_ignore
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.governance import OPEN, StoreGovernanceState
from xsell_connect.store.outbox import Effect, OutboxStore
from xsell_connect.store.schema import contact_history, offer_responses

__all__ = ["TASK_PLATFORMS", "Learner", "SweepReport", "Uplift"]

#: Cores whose offers are tasks a relationship manager works (Mambu: ``POST /tasks``).
TASK_PLATFORMS = frozenset({"mambu"})

_AUDIT = {
    ResponseKind.ACCEPTED: AuditOutcome.ACCEPTED,
    ResponseKind.DECLINED: AuditOutcome.DECLINED,
    ResponseKind.EXPIRED: AuditOutcome.EXPIRED,
}
_BREAKER = {ResponseKind.COMPLAINED: "complaint", ResponseKind.OPTED_OUT: "opt_out"}


@dataclass(frozen=True)
class SweepReport:
    expired: int
    follow_ups: int


@dataclass(frozen=True)
class Uplift:
    pattern: str
    offered: int
    accepted: int
    control: int
    converted: int

    @property
    def acceptance(self) -> float:
        return self.accepted / self.offered if self.offered else 0.0

    @property
    def control_rate(self) -> float:
        return self.converted / self.control if self.control else 0.0


def _nba_code(product_code: str) -> str:
    return "OFFER_" + re.sub(r"[^A-Z0-9_]", "_", product_code.upper())[:58]


class Learner:
    def __init__(
        self,
        engine: Engine,
        *,
        decline_days: int = 90,
        follow_up_days: int = 7,
        follow_up_due_days: int = 5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.decline = timedelta(days=decline_days)
        self.follow_up = timedelta(days=follow_up_days)
        self.follow_up_due = timedelta(days=follow_up_due_days)
        self.log = DecisionLog(engine)
        self.outbox = OutboxStore(engine, clock=clock)
        self.state = StoreGovernanceState(engine)

    def _contact(self, offer_id: str) -> Any:
        stmt = select(contact_history).where(contact_history.c.offer_id == offer_id)
        with self.engine.connect() as connection:
            return connection.execute(stmt).first()

    def respond(self, response: OfferResponse) -> bool:
        """Apply a response once; False for a repeat or an offer this store never made."""
        contact = self._contact(response.offer_id)
        if contact is None or contact.holdout:
            return False
        decision = self.log.get(contact.decision_id)
        kind, at = response.kind, response.at
        with self.engine.begin() as connection:
            values = {
                "offer_id": response.offer_id,
                "party_id": contact.party_id,
                "pattern": contact.pattern,
                "product_code": contact.product_code,
                "kind": kind.value,
                "at": at,
                "event_id": response.event_id,
            }
            if not insert_ignore(connection, offer_responses, values, ["offer_id", "kind"]):
                return False
            self.state.close_contact_in(connection, response.offer_id, kind.value, at)
            if kind is ResponseKind.DECLINED:
                self.state.suppress_in(
                    connection, contact.party_id, contact.product_code,
                    reason="declined", since=at, until=at + self.decline,
                )  # fmt: skip
            elif kind is ResponseKind.OPTED_OUT:
                self.state.suppress_in(
                    connection, contact.party_id, "*", reason="opted_out", since=at, until=None
                )
            if kind in _BREAKER:
                self.state.record_event_in(connection, contact.pattern, _BREAKER[kind], at)
            if decision is not None:
                effects = self._writebacks(decision, kind, at)
                self.outbox.enqueue_in(connection, decision.decision_id, decision.pattern, effects)
        return True

    def _writebacks(self, decision: Decision, kind: ResponseKind, at: datetime) -> list[Effect]:
        key = decision.idempotency_key or decision_key(
            decision.party_id, decision.pattern, decision.event_ids[0]
        )
        runner_up = next((s for s in decision.scored if s.product_code != decision.chosen), None)
        if kind is ResponseKind.DECLINED and runner_up is not None:
            score = min(Decimal(1), runner_up.priority)
            nba = NextBestAction(
                party_id=decision.party_id, action_code=_nba_code(runner_up.product_code),
                score=score,
            )  # fmt: skip
        else:
            nba = NextBestAction(party_id=decision.party_id, action_code="NONE", score=Decimal(0))
        effects = [
            Effect(
                EffectKind.NEXT_BEST_ACTION, f"{key}:nba:{kind.value}", nba.model_dump(mode="json")
            )
        ]
        if decision.offer is not None and kind in _AUDIT:
            record = audit_record(decision, decision.offer, _AUDIT[kind], at=at)
            effects.append(
                Effect(
                    EffectKind.AUDIT_RECORD,
                    f"{key}:audit:{kind.value}",
                    record.model_dump(mode="json"),
                )
            )
        return effects

    def sweep(self, now: datetime) -> SweepReport:
        """Expire overdue offers; queue follow-up tasks for offers still open."""
        with self.engine.connect() as connection:
            expired = connection.execute(
                select(contact_history.c.offer_id, contact_history.c.party_id).where(
                    contact_history.c.status == OPEN,
                    contact_history.c.holdout.is_(False),
                    contact_history.c.expires_at <= now,
                )
            ).all()
            due = connection.execute(
                select(contact_history.c.offer_id, contact_history.c.decision_id).where(
                    contact_history.c.status == OPEN,
                    contact_history.c.holdout.is_(False),
                    contact_history.c.followed_up.is_(False),
                    contact_history.c.follow_up_at <= now,
                    contact_history.c.expires_at > now,
                )
            ).all()
        count = sum(
            self.respond(OfferResponse(offer_id=o, party_id=p, kind=ResponseKind.EXPIRED, at=now))
            for o, p in expired
        )
        follow_ups = sum(
            self._follow_up(offer_id, decision_id, now) for offer_id, decision_id in due
        )
        return SweepReport(expired=count, follow_ups=follow_ups)

    def _follow_up(self, offer_id: str, decision_id: str, now: datetime) -> bool:
        decision = self.log.get(decision_id)
        if decision is None or decision.offer is None or decision.platform not in TASK_PLATFORMS:
            return False
        offer = decision.offer
        task = offer.model_copy(
            update={
                "nba_code": "FOLLOW_UP",
                "reason_codes": (*offer.reason_codes, "FOLLOW_UP"),
                "created_at": now,
                "expires_at": now + self.follow_up_due,
            }
        )
        key = decision.idempotency_key or decision_key(
            decision.party_id, decision.pattern, decision.event_ids[0]
        )
        effect = Effect(EffectKind.FOLLOW_UP_TASK, f"{key}:follow_up", task.model_dump(mode="json"))
        with self.engine.begin() as connection:
            moved = connection.execute(
                update(contact_history)
                .where(
                    contact_history.c.offer_id == offer_id, contact_history.c.followed_up.is_(False)
                )
                .values(followed_up=True)
            ).rowcount
            if moved != 1:
                return False
            self.outbox.enqueue_in(connection, decision_id, decision.pattern, [effect])
        return True

    def record_conversion(self, party_id: str, product_code: str, at: datetime) -> int:
        """The party took ``product_code`` without an offer: counts for the control group."""
        with self.engine.begin() as connection:
            return int(
                connection.execute(
                    update(contact_history)
                    .where(
                        contact_history.c.party_id == party_id,
                        contact_history.c.product_code == product_code,
                        contact_history.c.holdout.is_(True),
                        contact_history.c.status == OPEN,
                    )
                    .values(status="converted", responded_at=at)
                ).rowcount
            )

    def uplift(self, pattern: str) -> Uplift:
        """Acceptance of the offers made against conversion in the control group."""
        c = contact_history.c
        stmt = (
            select(c.holdout, c.status, func.count())
            .where(c.pattern == pattern)
            .group_by(c.holdout, c.status)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(stmt).all()
        offered = sum(n for h, s, n in rows if not h and s != "recalled")
        accepted = sum(n for h, s, n in rows if not h and s == ResponseKind.ACCEPTED.value)
        control = sum(n for h, _, n in rows if h)
        converted = sum(n for h, s, n in rows if h and s == "converted")
        return Uplift(pattern, offered, accepted, control, converted)
