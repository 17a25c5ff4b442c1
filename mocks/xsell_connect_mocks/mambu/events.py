"""Business events: what happened, rendered once through the xsell template, logged.

Both of Mambu's channels carry the same rendered template (reference §3): webhooks POST
it, the Streaming API wraps it as a *string* ``body``. The template is the project's
(ids only; the listener re-reads the core)::

    {"source":"mambu","event":"SAVINGS_DEPOSIT","accountId":"…","clientId":"…","nba":"…"}

Events come from writes through the API (deposit and withdrawal transactions) and from
``POST /_mock/events/replay``, which turns the bank's postings in a window into events,
optionally with duplicates (same ``eid``) and out of order.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from xsell_connect_mocks.bank.specs import AccountSpec, PostingSpec
from xsell_connect_mocks.mambu import render_ledger
from xsell_connect_mocks.mambu.wire import dumps

__all__ = ["EVENT_BY_TYPE", "Event", "EventLog", "EventSource"]

#: Mambu transaction type -> the event Mambu raises for it. Other types raise none here.
EVENT_BY_TYPE: dict[str, str] = {
    "DEPOSIT": "SAVINGS_DEPOSIT",
    "WITHDRAWAL": "SAVINGS_WITHDRAWAL",
    "TRANSFER": "SAVINGS_WITHDRAWAL",
    "DEPOSIT_ADJUSTMENT": "SAVINGS_DEPOSIT_REVERSAL",
    "DISBURSEMENT": "LOAN_DISBURSEMENT",
    "REPAYMENT": "LOAN_REPAYMENT",
}


@dataclass(frozen=True)
class Event:
    """One business event as both channels deliver it.

    Attributes:
        seq: Position in the event log, from 1 (the streaming offset).
        eid: Event id, stable for one business fact (duplicates share it).
        name: Mambu event name, e.g. ``SAVINGS_DEPOSIT``.
        occurred_at: When it happened (UTC).
        account_id: Account id, "" when none.
        client_id: Client id.
        body: The rendered template (JSON text).
    """

    seq: int
    eid: str
    name: str
    occurred_at: datetime
    account_id: str
    client_id: str
    body: str

    @property
    def template_name(self) -> str:
        """The streaming template name: the event name in lower case."""
        return self.name.lower()


class EventLog:
    """Bounded, thread-safe, append-only log of events, numbered from 1."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._events: deque[Event] = deque(maxlen=capacity)
        self._last = 0

    def append(
        self, eid: str, name: str, occurred_at: datetime, account_id: str, client_id: str, body: str
    ) -> Event:
        """Log one event and return it with its sequence number."""
        with self._lock:
            self._last += 1
            event = Event(
                self._last, eid, name, occurred_at.astimezone(UTC), account_id, client_id, body
            )
            self._events.append(event)
            return event

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest event, 0 when none was ever logged."""
        return self._last

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest event still kept."""
        with self._lock:
            return self._events[0].seq if self._events else self._last + 1

    def after(self, seq: int, limit: int) -> list[Event]:
        """Up to `limit` events with a sequence number above `seq`, oldest first."""
        with self._lock:
            if not self._events:
                return []
            start = max(seq + 1 - self._events[0].seq, 0)
            return [self._events[i] for i in range(start, min(start + limit, len(self._events)))]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def clear(self) -> None:
        """Forget every event; numbering goes on (offsets never repeat)."""
        with self._lock:
            self._events.clear()

    def all(self) -> list[Event]:
        """Every event kept, oldest first."""
        with self._lock:
            return list(self._events)


class EventSource:
    """Turns postings into events and publishes them to the log and the listeners.

    Args:
        seed: Seed for event ids and for replay shuffling.
        log: Where events go.
        nba_of: Client id -> its current ``_xsell.Next_Best_Action`` ("" when none).
        holder_of: Account -> its holder's client id.
    """

    def __init__(
        self,
        seed: int,
        log: EventLog,
        nba_of: Callable[[str], str],
        holder_of: Callable[[AccountSpec], str],
    ) -> None:
        self.seed = seed
        self.log = log
        self._nba_of = nba_of
        self._holder_of = holder_of
        self.listeners: list[Callable[[Event], None]] = []

    def eid(self, name: str, fact: str) -> str:
        """A stable UUID for one business fact."""
        digest = hashlib.blake2b(f"{self.seed}\x1f{name}\x1f{fact}".encode(), digest_size=16)
        return str(uuid.UUID(bytes=digest.digest(), version=4))

    def body(self, name: str, account_id: str, client_id: str) -> str:
        """The xsell template rendered for one event (project convention, reference §3)."""
        return dumps(
            {
                "source": "mambu",
                "event": name,
                "accountId": account_id,
                "clientId": client_id,
                "nba": self._nba_of(client_id),
            }
        ).decode()

    def publish(
        self, name: str, fact: str, occurred_at: datetime, account_id: str, client_id: str
    ) -> Event:
        """Log an event and hand it to every listener (the webhook emitter)."""
        event = self.log.append(
            self.eid(name, fact),
            name,
            occurred_at,
            account_id,
            client_id,
            self.body(name, account_id, client_id),
        )
        for listener in self.listeners:
            listener(event)
        return event

    def posting_event(
        self, posting: PostingSpec, account: AccountSpec, is_loan: bool
    ) -> tuple[str, str] | None:
        """(event name, fact) of a posting, None when Mambu raises no event for it."""
        name = EVENT_BY_TYPE.get(render_ledger.transaction_type(posting, is_loan))
        return None if name is None else (name, f"transaction:{posting.id}")

    def publish_posting(
        self, posting: PostingSpec, account: AccountSpec, is_loan: bool
    ) -> Event | None:
        """Publish the event a posting raises, if any."""
        found = self.posting_event(posting, account, is_loan)
        if found is None:
            return None
        name, fact = found
        return self.publish(name, fact, posting.booked_at, account.number, self._holder_of(account))

    def replay(
        self,
        postings: Iterable[tuple[PostingSpec, AccountSpec, bool]],
        *,
        duplicates: float = 0.0,
        shuffle: bool = False,
    ) -> list[Event]:
        """Publish the events of past postings, with duplicates and shuffling if asked.

        Args:
            postings: (posting, its account, whether the account is a loan), in order.
            duplicates: Share of events delivered twice (same eid), 0..1.
            shuffle: Deliver in a random (seeded) order instead of booking order.
        """
        rng = random.Random(self.seed)
        planned: list[tuple[str, str, datetime, str, str]] = []
        for posting, account, is_loan in postings:
            found = self.posting_event(posting, account, is_loan)
            if found is None:
                continue
            row = (*found, posting.booked_at, account.number, self._holder_of(account))
            planned.append(row)
            if duplicates and rng.random() < duplicates:
                planned.append(row)
        if shuffle:
            rng.shuffle(planned)
        return [self.publish(*row) for row in planned]
