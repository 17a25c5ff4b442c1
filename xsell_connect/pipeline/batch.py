"""Batch mode: the pipeline over every customer of the core, resumable after a crash.

``run_batch`` lists the customers (``iter_parties``), skips those the job finished before
(``batch_items``, written in the same transaction as each customer's decision, so a crash
between two customers loses nothing and repeats nothing), and scans the rest with
``concurrency`` workers. ``batch_checkpoints`` holds the job's status and count.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select, update

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.pipeline.progress import Progress
from xsell_connect.pipeline.runner import Runner
from xsell_connect.store._sql import insert_ignore
from xsell_connect.store.schema import batch_checkpoints, batch_items
from xsell_connect.sync import iter_parties

__all__ = ["BatchReport", "run_batch"]


@dataclass(frozen=True)
class BatchReport:
    job: str
    parties: int
    skipped: int  # finished by an earlier run of the job
    processed: int  # scanned by this run
    decisions: int


async def run_batch(
    adapter: CoreBankingAdapter,
    runner: Runner,
    *,
    job: str,
    now: datetime,
    concurrency: int = 8,
    stream: IO[str] | None = None,
) -> BatchReport:
    """Scan every customer not yet done by ``job``; see the module docstring."""
    db = runner.db
    with db.begin() as connection:
        insert_ignore(
            connection,
            batch_checkpoints,
            {"job": job, "platform": adapter.platform, "status": "running", "processed": 0,
             "started_at": now, "updated_at": now},
            ["job"],
        )  # fmt: skip
        done = set(
            connection.execute(select(batch_items.c.party_id).where(batch_items.c.job == job))
            .scalars()
            .all()
        )
    parties = [p.id async for p in iter_parties(adapter)]
    todo = [p for p in parties if p not in done]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for party_id in todo:
        queue.put_nowait(party_id)
    progress = Progress(stream, total=len(todo), label="customers") if stream else None
    decided = 0

    async def worker() -> None:
        nonlocal decided
        while not queue.empty():
            party_id = queue.get_nowait()
            if await runner.handle_party(party_id, now=now, job=job) is not None:
                decided += 1
            with db.begin() as connection:
                connection.execute(
                    update(batch_checkpoints)
                    .where(batch_checkpoints.c.job == job)
                    .values(processed=batch_checkpoints.c.processed + 1, updated_at=now)
                )
            if progress is not None:
                progress.advance()

    await asyncio.gather(*(worker() for _ in range(max(concurrency, 1))))
    if progress is not None:
        progress.close()
    with db.begin() as connection:
        connection.execute(
            update(batch_checkpoints).where(batch_checkpoints.c.job == job).values(status="done")
        )
    return BatchReport(job, len(parties), len(parties) - len(todo), len(todo), decided)
