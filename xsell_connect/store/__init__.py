"""The store (DESIGN §7): SQLAlchemy Core over a SQLite file by default, PostgreSQL by URL.

    store = Store.open("postgresql://xsell@db/xsell")   # migrates to the newest schema
    store.inbox.put("mambu", event_id, body, headers)

Tables live in ``schema.py``; Alembic migrations, shipped in the package, create them
(``migrate.py``). Each concern has its own repository module (``inbox.py``, ...), all
sharing one engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from xsell_connect.store.engine import DEFAULT_URL, make_engine, normalise_url
from xsell_connect.store.inbox import Clock, Inbox, InboxItem, InboxStatus, NewItem
from xsell_connect.store.migrate import upgrade

__all__ = [
    "DEFAULT_URL",
    "Inbox",
    "InboxItem",
    "InboxStatus",
    "NewItem",
    "Store",
    "make_engine",
    "normalise_url",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Store:
    """One engine and the repositories over it."""

    engine: Engine
    clock: Clock = _utcnow
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.engine, clock=self.clock)

    @classmethod
    def open(
        cls, url: str | URL = DEFAULT_URL, *, migrate: bool = True, clock: Clock = _utcnow
    ) -> Store:
        """Connect to the store at ``url``; migrate it to the newest schema unless told not to."""
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, clock=clock)

    def close(self) -> None:
        self.engine.dispose()
