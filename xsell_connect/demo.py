"""The embedded demo: the whole pipeline on the in-process Mambu mock core.

1. start the Mambu mock core in process over the synthetic bank, and a fresh SQLite store;
2. read the catalog through the Mambu adapter and build the decision engine (embedded
   policy, signals and templates);
3. replay the last N days of the bank's postings as canonical events, day by day, one
   decision per customer and day, on a simulated clock (so recall windows pass);
4. drain the outbox into the mock core, let a few customers respond (Learn), sweep;
5. verify the audit chain and count the write-backs in the core's journal;
6. write a decision report (Markdown) and return the summary.

Customer 360s are read through the adapter once per customer and cut at each decision's
moment (``ReplayEnricher``), so a replay of months costs one read per customer.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import IO

from .adapter import CoreBankingAdapter
from .models import CanonicalEvent, EventType
from .pipeline.act import Drainer
from .pipeline.audit import verify
from .pipeline.engine import DecisionEngine
from .pipeline.enrich import Enricher
from .pipeline.learn import Learner
from .pipeline.progress import Progress
from .pipeline.report import DemoFacts, write_report
from .pipeline.runner import Runner
from .pipeline.types import OfferResponse, ResponseKind
from .store import Store
from .store.approvals import ApprovalStore
from .sync import Customer360, iter_parties, iter_products

__all__ = ["ReplayEnricher", "SimClock", "run_demo"]

#: Days of history read before the replayed window (signals look back this far).
HISTORY_DAYS = 90
DEMO_KEY = b"xsell-demo-pseudonym-key"  # the demo's own key; a bank sets XSELL_PSEUDONYM_KEY


@dataclass
class SimClock:
    """The replay's clock: moves day by day with the events, and on backoff sleeps."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ReplayEnricher(Enricher):
    """Reads each customer's 360 once through the adapter; decisions see it as of their moment."""

    def __init__(self, adapter: CoreBankingAdapter, *, until: datetime, history_days: int) -> None:
        super().__init__(adapter, concurrency=8, lookback_days=history_days)
        self._until = until
        self.full: dict[str, Customer360] = {}

    async def load(self, party_id: str) -> Customer360:
        full = await super().customer_360(party_id, key="full", now=self._until)
        super().forget(party_id, "full")
        self.full[party_id] = full
        return full

    async def customer_360(
        self, party_id: str, *, key: str, now: datetime | None = None
    ) -> Customer360:
        full = self.full.get(party_id) or await self.load(party_id)
        cut = (now or self._until).date()
        accounts = tuple(a for a in full.accounts if a.opened_on is None or a.opened_on <= cut)
        entries = {
            account: tuple(e for e in rows if e.booking_date <= cut)
            for account, rows in full.entries.items()
        }
        return replace(full, accounts=accounts, entries=entries, as_of=now or self._until)


def _postings(
    adapter: CoreBankingAdapter, c360: Customer360, since: datetime
) -> list[CanonicalEvent]:
    """The customer's postings since ``since`` as the events a sync would emit (same ids)."""
    events = []
    for account_id, rows in c360.entries.items():
        for entry in rows:
            when = entry.booked_at or datetime.combine(entry.booking_date, dtime(12), tzinfo=UTC)
            if when >= since:
                events.append(
                    CanonicalEvent.wrap(
                        type=EventType.LEDGER_ENTRY_POSTED,
                        platform=adapter.platform,
                        source=adapter.event_source,
                        key=f"{account_id}:{entry.id}",
                        time=when,
                        subject=c360.party.id,
                        data=entry,
                    )
                )
    return events


async def _read_bank(
    adapter: CoreBankingAdapter, enricher: ReplayEnricher, since: datetime, stream: IO[str]
) -> dict[date, dict[str, list[CanonicalEvent]]]:
    """Every customer's 360, read once (bounded concurrency), and the window's events by day."""
    parties = [p.id async for p in iter_parties(adapter)]
    progress = Progress(stream, total=len(parties), label="customers read")

    async def load(party_id: str) -> Customer360:
        c360 = await enricher.load(party_id)
        progress.advance()
        return c360

    loaded = await asyncio.gather(*(load(p) for p in parties))
    progress.close()
    days: dict[date, dict[str, list[CanonicalEvent]]] = defaultdict(lambda: defaultdict(list))
    for c360 in loaded:
        for event in _postings(adapter, c360, since):
            days[event.time.date()][event.subject or ""].append(event)
    return days


def _respond(learner: Learner, runner: Runner, at: datetime) -> Counter[str]:
    """Deterministic responses for the demo: every third offer accepted, every third declined."""
    kinds = Counter[str]()
    for i, decision_id in enumerate(runner.stats.decision_ids):
        decision = runner.log.get(decision_id)
        if decision is None or decision.offer is None or i % 3 == 2:
            continue
        kind = ResponseKind.ACCEPTED if i % 3 == 0 else ResponseKind.DECLINED
        response = OfferResponse(
            offer_id=decision.offer.id, party_id=decision.party_id, kind=kind, at=at
        )
        if learner.respond(response):
            kinds[kind.value] += 1
    return kinds


def run_demo(
    *,
    customers: int,
    seed: int,
    days: int,
    store_path: Path,
    report_path: Path,
    progress_stream: IO[str] | None = None,
) -> str:
    """Run the demo on a fresh store file and return its summary as text."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.unlink(missing_ok=True)
    return asyncio.run(
        _demo(
            customers=customers,
            seed=seed,
            days=days,
            store_path=store_path,
            report_path=report_path,
            progress_stream=progress_stream,
        )
    )


async def _demo(
    *,
    customers: int,
    seed: int,
    days: int,
    store_path: Path,
    report_path: Path,
    progress_stream: IO[str] | None = None,
) -> str:
    from xsell_connect_mambu import MambuAdapter, MambuSettings
    from xsell_connect_mocks.bank import BankConfig, SyntheticBank
    from xsell_connect_mocks.mambu import MambuMock

    bank = SyntheticBank(BankConfig(seed=seed, customers=customers))
    mock = MambuMock(bank)
    settings = MambuSettings(base_url=f"{mock.base_url}/api", api_key="test-api-key")
    until = datetime.combine(bank.config.as_of, dtime.max, tzinfo=UTC)
    since = until - timedelta(days=days)
    clock = SimClock(since)
    store = Store.open(f"sqlite:///{store_path}", clock=clock)
    try:
        async with MambuAdapter.from_settings(
            settings, transport=mock.transport(), sleep=clock.sleep
        ) as adapter:
            products = [p async for p in iter_products(adapter)]
            engine = DecisionEngine.from_config(products, platform="mambu", pseudonym_key=DEMO_KEY)
            enricher = ReplayEnricher(adapter, until=until, history_days=days + HISTORY_DAYS)
            runner = Runner(store.engine, engine, enricher, clock=clock)
            drainer = Drainer(
                runner.outbox, adapter, governance=runner.state, clock=clock, sleep=clock.sleep
            )
            days_events = await _read_bank(adapter, enricher, since, progress_stream or sys.stderr)
            total = sum(len(v) for day in days_events.values() for v in day.values())
            progress = Progress(progress_stream or sys.stderr, total=total, label="events")
            done: Counter[str] = Counter()
            dead = 0
            for day in sorted(days_events):
                clock.now = datetime.combine(day, dtime(18, 0), tzinfo=UTC)
                for party_events in days_events[day].values():
                    await runner.handle_events(party_events)
                    progress.advance(len(party_events))
                daily = await drainer.drain(horizon=timedelta(0))
                done.update(daily.done)
                dead += daily.dead
            progress.close()
            clock.now = until + timedelta(days=2)  # every recall window has closed
            drained = await drainer.drain(horizon=timedelta(0))
            learner = Learner(
                store.engine, decline_days=engine.policy.suppression.decline_days, clock=clock
            )
            responses = _respond(learner, runner, clock.now)
            sweep = learner.sweep(clock.now + timedelta(days=8))
            clock.now += timedelta(days=8)
            learned = await drainer.drain(horizon=timedelta(0))
        report = verify(runner.log)
        journal = mock.journal.entries()
        created = Counter(c.split(":")[0] for e in journal for c in e.created)
        facts = DemoFacts(
            customers=customers,
            seed=seed,
            days=days,
            stats=runner.stats,
            pending=len(ApprovalStore(store.engine).list()),
            writebacks=done + drained.done + learned.done,
            dead=dead + drained.dead + learned.dead,
            created=created,
            nba_patches=sum(1 for e in journal if e.method == "PATCH" and e.status < 400),
            responses=responses,
            follow_ups=sweep.follow_ups,
            chain=report,
            store=str(store_path),
            report=str(report_path),
        )
        write_report(report_path, facts, runner.log)
        return facts.summary()
    finally:
        store.close()
