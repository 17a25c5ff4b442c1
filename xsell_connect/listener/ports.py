"""What the listener needs from the decision pipeline: four small seams.

The listener receives and stores events; the pipeline decides. They meet here:

- ``EventSink``: takes the canonical events of one inbox item. Called at least once per
  item (a worker may die after the call and before the item is marked done), so it must be
  idempotent on event ids; the pipeline's outbox makes effects exactly-once. Raising means
  "retry later".
- ``NextBestActionReader``: a party's current next-best-action, for channels.
- ``ApprovalQueue``: offers waiting for a human (list, approve, reject with a reason,
  recall within the window).
- ``PipelineStats``: write-back outcomes and circuit-breaker states, for ``/metrics``.

The in-memory implementations serve the tests and a listener with no pipeline configured.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import AwareDatetime, Field

from xsell_connect.errors import ConfigurationError
from xsell_connect.models import CanonicalEvent, CanonicalModel, NextBestAction

__all__ = [
    "Approval",
    "ApprovalError",
    "ApprovalQueue",
    "ApprovalStatus",
    "EventSink",
    "InMemoryApprovalQueue",
    "InMemoryNextBestActions",
    "InMemoryPipelineStats",
    "JournalSink",
    "MemorySink",
    "NextBestActionReader",
    "PipelineStats",
    "load_factory",
]


@runtime_checkable
class EventSink(Protocol):
    async def handle(self, events: Sequence[CanonicalEvent]) -> None: ...


class NextBestActionReader(Protocol):
    async def next_best_action(self, party_id: str) -> NextBestAction | None: ...


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECALLED = "recalled"


class Approval(CanonicalModel):
    """One offer waiting for (or past) a human decision. No PII: ids and explanations."""

    id: str = Field(min_length=1)
    party_id: str = Field(min_length=1)
    pattern: str
    product_code: str
    explanation: tuple[str, ...] = ()
    status: ApprovalStatus = ApprovalStatus.PENDING
    created_at: AwareDatetime
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    reason: str | None = None
    recall_until: AwareDatetime | None = None


class ApprovalError(Exception):
    """A refused transition; ``code`` is ``not_found`` or ``conflict``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ApprovalQueue(Protocol):
    async def pending(self) -> list[Approval]: ...
    async def approve(self, approval_id: str, approver: str) -> Approval: ...
    async def reject(self, approval_id: str, approver: str, reason: str) -> Approval: ...
    async def recall(self, approval_id: str, approver: str, reason: str) -> Approval: ...


class PipelineStats(Protocol):
    def writeback_outcomes(self) -> Mapping[tuple[str, str], int]:
        """Counts by (operation, outcome), e.g. ("offer", "written")."""
        ...

    def breaker_states(self) -> Mapping[str, int]:
        """Per pattern: 0 closed, 1 half-open, 2 open."""
        ...


# -- in-memory implementations --------------------------------------------------------


class MemorySink:
    """Keeps every event handed over; ``effects`` holds each event id once (idempotent)."""

    def __init__(self) -> None:
        self.deliveries: list[str] = []
        self.effects: dict[str, CanonicalEvent] = {}

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        for event in events:
            self.deliveries.append(event.id)
            self.effects.setdefault(event.id, event)


class JournalSink:
    """Appends one JSON line per event handed over to ``path`` (flushed and fsynced).

    For a listener without a pipeline, and for the crash tests: the journal survives a
    SIGKILL, so a test can count what was handed over against what was acknowledged.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _append(self, lines: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    async def handle(self, events: Sequence[CanonicalEvent]) -> None:
        lines = "".join(
            json.dumps({"id": e.id, "type": e.type, "subject": e.subject}) + "\n" for e in events
        )
        await asyncio.to_thread(self._append, lines)


class InMemoryNextBestActions:
    def __init__(self, actions: Mapping[str, NextBestAction] | None = None) -> None:
        self.actions = dict(actions or {})

    async def next_best_action(self, party_id: str) -> NextBestAction | None:
        return self.actions.get(party_id)


OnApprove = Callable[[Approval], Awaitable[None]]


class InMemoryApprovalQueue:
    """Approvals in a dict; ``on_approve`` performs the write-back (e.g. through an adapter)."""

    def __init__(
        self,
        approvals: Sequence[Approval] = (),
        *,
        recall_window: timedelta = timedelta(minutes=15),
        on_approve: OnApprove | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.approvals = {a.id: a for a in approvals}
        self._window = recall_window
        self._on_approve = on_approve
        self._clock = clock
        self._lock = asyncio.Lock()

    async def pending(self) -> list[Approval]:
        found = (a for a in self.approvals.values() if a.status is ApprovalStatus.PENDING)
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def _get(self, approval_id: str, *allowed: ApprovalStatus) -> Approval:
        approval = self.approvals.get(approval_id)
        if approval is None:
            raise ApprovalError("not_found", f"no approval {approval_id}")
        if approval.status not in allowed:
            raise ApprovalError("conflict", f"approval {approval_id} is {approval.status.value}")
        return approval

    def _decide(self, approval: Approval, status: ApprovalStatus, **changes: Any) -> Approval:
        now = self._clock()
        decided = approval.model_copy(
            update={"status": status, "decided_at": now, **changes}, deep=True
        )
        self.approvals[approval.id] = decided
        return decided

    async def approve(self, approval_id: str, approver: str) -> Approval:
        async with self._lock:
            approval = self._get(approval_id, ApprovalStatus.PENDING)
            if self._on_approve is not None:
                await self._on_approve(approval)
            until = self._clock() + self._window
            return self._decide(
                approval, ApprovalStatus.APPROVED, decided_by=approver, recall_until=until
            )

    async def reject(self, approval_id: str, approver: str, reason: str) -> Approval:
        async with self._lock:
            approval = self._get(approval_id, ApprovalStatus.PENDING)
            return self._decide(
                approval, ApprovalStatus.REJECTED, decided_by=approver, reason=reason
            )

    async def recall(self, approval_id: str, approver: str, reason: str) -> Approval:
        async with self._lock:
            approval = self._get(approval_id, ApprovalStatus.APPROVED)
            if approval.recall_until is None or self._clock() > approval.recall_until:
                raise ApprovalError("conflict", f"the recall window of {approval_id} has closed")
            return self._decide(
                approval, ApprovalStatus.RECALLED, decided_by=approver, reason=reason
            )


class InMemoryPipelineStats:
    def __init__(self) -> None:
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.breakers: dict[str, int] = {}

    def writeback_outcomes(self) -> Mapping[tuple[str, str], int]:
        return dict(self.outcomes)

    def breaker_states(self) -> Mapping[str, int]:
        return dict(self.breakers)


def load_factory(path: str, options: Mapping[str, Any]) -> Any:
    """Call the ``module:attribute`` at ``path`` with ``options`` as keyword arguments."""
    module_name, _, attribute = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f"pipeline.sink {path!r} cannot be loaded: {exc}") from None
    try:
        return factory(**options)
    except TypeError as exc:
        raise ConfigurationError(f"pipeline.options do not fit {path!r}: {exc}") from None
