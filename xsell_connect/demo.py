"""The embedded demo: the Mambu adapter end to end against the in-process mock core.

It needs the Mambu adapter and the mock cores (both part of the uv workspace). Until the
decision pipeline lands, the demo is: sync the synthetic bank into canonical events, then
write back an offer, a Next_Best_Action value and an AI_Interaction_Audit row for one
customer, and check in the mock core's journal that each landed exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

from .adapter import CoreBankingAdapter
from .models import (
    AuditOutcome,
    AuditRecord,
    Channel,
    EventType,
    NextBestAction,
    Offer,
    OfferPricing,
)
from .sync import sync_events

__all__ = ["run_demo"]


async def run_demo(*, customers: int, seed: int, output: Path, days: int = 90) -> str:
    """Run the demo and return its summary as text."""
    from xsell_connect_mambu import MambuAdapter, MambuSettings
    from xsell_connect_mocks.bank import BankConfig, SyntheticBank
    from xsell_connect_mocks.mambu import MambuMock

    bank = SyntheticBank(BankConfig(seed=seed, customers=customers))
    mock = MambuMock(bank)
    settings = MambuSettings(base_url=f"{mock.base_url}/api", api_key="test-api-key")
    until = datetime.combine(bank.config.as_of, dtime.max, tzinfo=UTC)
    since = until - timedelta(days=days)
    counts: Counter[str] = Counter()
    first_party: str | None = None
    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    async with MambuAdapter.from_settings(settings, transport=mock.transport()) as adapter:
        with output.open("w", encoding="utf-8") as out:
            async for event in sync_events(adapter, since=since, until=until):
                out.write(event.to_json() + "\n")
                counts[event.type] += 1
                if first_party is None and event.type == EventType.LEDGER_ENTRY_POSTED:
                    first_party = event.subject
        elapsed = time.perf_counter() - started
        if first_party is None:
            return "demo: the synthetic bank produced no postings in the window"
        writes = await _write_back(adapter, first_party)
    created = [e for e in mock.journal.entries() if e.created]
    total = sum(counts.values())
    lines = [
        f"xsell-connect demo: Mambu adapter against the in-process mock core "
        f"({customers} customers, seed {seed}, postings of the last {days} days)",
        f"  products        {counts[EventType.PRODUCT_SYNCED]:>8}",
        f"  parties         {counts[EventType.PARTY_SYNCED]:>8}",
        f"  accounts        {counts[EventType.ACCOUNT_SYNCED]:>8}",
        f"  ledger entries  {counts[EventType.LEDGER_ENTRY_POSTED]:>8}",
        f"  events          {total:>8}  in {elapsed:.2f} s ({total / elapsed:,.0f} events/s)",
        f"  written to      {output}",
        f"  write-back for party {first_party}: "
        + ", ".join(f"{op} -> {ref}" for op, ref in writes),
        f"  records created in the mock core's journal: {len(created)} "
        f"({', '.join(sorted({c for e in created for c in e.created}))})",
    ]
    return "\n".join(lines)


async def _write_back(adapter: CoreBankingAdapter, party_id: str) -> list[tuple[str, str]]:
    now = datetime.now(UTC)
    offer = Offer(
        id=Offer.make_id(party_id, "demo", "demo-event"),
        party_id=party_id,
        product_code="SAVINGS_PLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("3.1")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        reason_codes=("DEMO",),
        created_at=now,
        expires_at=now + timedelta(days=30),
    )
    key = f"demo:{offer.id}"
    receipts = [
        await adapter.write_offer(offer, idempotency_key=f"{key}:offer"),
        await adapter.set_next_best_action(
            NextBestAction(
                party_id=party_id,
                action_code=offer.nba_code,
                score=offer.score,
                expires_on=offer.expires_at.date(),
                offer_ref=offer.id,
            ),
            idempotency_key=f"{key}:nba",
        ),
        await adapter.write_audit_record(
            AuditRecord(
                audit_id=f"demo-{offer.id}",
                party_id=party_id,
                customer_ref="demo-pseudonym",
                nba_code=offer.nba_code,
                offer_ref=offer.id,
                score=offer.score,
                model_version="demo",
                reason_codes=offer.reason_codes,
                channel=offer.channel,
                decided_at=now,
                outcome=AuditOutcome.PRESENTED,
            ),
            idempotency_key=f"{key}:audit",
        ),
    ]
    return [(r.operation, r.reference) for r in receipts]
