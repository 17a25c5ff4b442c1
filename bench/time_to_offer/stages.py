"""Where the path's time goes: the store's own timestamps per stage, and CPU per process.

Stages of one event, medians and p99 over the run (ms):

- ``broker_to_inbox``: publish → the inbox row's ``received_at`` (AMQP delivery, parse,
  commit);
- ``inbox_to_worker``: ``received_at`` → the decision's ``decided_at`` (the worker's wait
  for the next claim, the claim itself);
- ``decide``: ``decided_at`` → the offer effect's ``created_at`` (Customer 360 read from
  the core, detect, decide, govern; the transaction);
- ``outbox_to_core``: ``created_at`` → the offer's create request in the core's journal
  (the drainer's wait, claim, the adapter's look-up and POST).

Read after the run, from the store (``psycopg``), so they cost the listener nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.report import percentile

if TYPE_CHECKING:
    from bench.time_to_offer import Phase

__all__ = ["cpu_seconds", "offers_done", "stage_times", "store_counts"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``; 0.0 elsewhere)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _dsn(store_url: str) -> str:
    return store_url.replace("postgresql+psycopg://", "postgresql://")


def offers_done(store_url: str) -> int:
    """How many offer write-backs the outbox has completed."""
    import psycopg

    with psycopg.connect(_dsn(store_url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'offer' AND status = 'done'"
        ).fetchone()
    return int(row[0]) if row else 0


def _at(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(samples, 0.5), 2),
        "p99": round(percentile(samples, 0.99), 2),
    }


def stage_times(store_url: str, phase: Phase, event_ids: Mapping[str, str]) -> dict[str, Any]:
    """Per stage, p50 and p99 in ms over the phase's events (``event id → party``)."""
    import psycopg

    with psycopg.connect(_dsn(store_url)) as connection:
        inbox = connection.execute("SELECT event_id, received_at FROM inbox").fetchall()
        offers = connection.execute(
            "SELECT o.payload, o.created_at, d.decided_at FROM outbox o "
            "JOIN decisions d ON d.decision_id = o.decision_id WHERE o.kind = 'offer'"
        ).fetchall()
    received = {event_ids[e]: _at(at) for e, at in inbox if e in event_ids}
    made: dict[str, tuple[float, float]] = {}
    for payload, created, decided in offers:
        made[str(payload["party_id"])] = (_at(decided), _at(created))
    stages: dict[str, list[float]] = {
        "broker_to_inbox": [],
        "inbox_to_worker": [],
        "decide": [],
        "outbox_to_core": [],
    }
    for party, published in phase.published.items():
        if party not in received or party not in made or party not in phase.landed:
            continue
        decided, created = made[party]
        stages["broker_to_inbox"].append((received[party] - published) * 1000)
        stages["inbox_to_worker"].append((decided - received[party]) * 1000)
        stages["decide"].append((created - decided) * 1000)
        stages["outbox_to_core"].append((phase.landed[party] - created) * 1000)
    return {name: _stats(samples) for name, samples in stages.items()}


def store_counts(store_url: str) -> dict[str, dict[str, int]]:
    """Inbox items, decisions and offer write-backs by status: where missing offers stopped."""
    import psycopg

    queries = {
        "inbox": "SELECT status, count(*) FROM inbox GROUP BY status",
        "decisions": "SELECT outcome, count(*) FROM decisions GROUP BY outcome",
        "offers": "SELECT status, count(*) FROM outbox WHERE kind = 'offer' GROUP BY status",
    }
    with psycopg.connect(_dsn(store_url)) as connection:
        return {
            name: {str(k): int(n) for k, n in connection.execute(sql).fetchall()}
            for name, sql in queries.items()
        }
