"""Enrich: the Customer 360 through the adapter, cached per decision, bounded concurrency.

``Enricher.customer_360(party_id, key=...)`` assembles holdings, recent postings and the
party's consents (``sync.customer_360``) at most ``concurrency`` customers at a time; a
second call with the same decision key returns the same object without touching the core,
and concurrent calls for the same key share one read. ``contact_history`` adds what the
store knows of past contacts, per channel, in the policy's windows.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.policy import Policy
from xsell_connect.sync import Customer360, customer_360

from .state import GovernanceState

__all__ = ["Enricher", "contact_history"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Enricher:
    """Reads Customer 360s for decisions; ``reads`` counts the assemblies done (not cached)."""

    def __init__(
        self,
        adapter: CoreBankingAdapter,
        *,
        concurrency: int = 8,
        lookback_days: int = 400,
        max_cached: int = 1024,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.adapter, self.lookback = adapter, timedelta(days=lookback_days)
        self.clock, self.max_cached = clock, max_cached
        self._gate = asyncio.Semaphore(concurrency)
        self._cache: OrderedDict[tuple[str, str], asyncio.Future[Customer360]] = OrderedDict()
        self.reads = 0

    async def customer_360(
        self, party_id: str, *, key: str, now: datetime | None = None
    ) -> Customer360:
        """The party's 360 for the decision ``key`` (its triggering event id, say)."""
        slot = (party_id, key)
        found = self._cache.get(slot)
        if found is not None:
            self._cache.move_to_end(slot)
            return await asyncio.shield(found)
        future: asyncio.Future[Customer360] = asyncio.get_running_loop().create_future()
        self._cache[slot] = future
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)
        try:
            async with self._gate:
                self.reads += 1
                until = now or self.clock()
                c360 = await customer_360(
                    self.adapter, party_id, since=until - self.lookback, until=until,
                    clock=lambda: until,
                )  # fmt: skip
        except BaseException as exc:
            self._cache.pop(slot, None)
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        future.set_result(c360)
        return c360

    def forget(self, party_id: str, key: str) -> None:
        """Drop a cached 360 (after the decision is stored)."""
        self._cache.pop((party_id, key), None)


def contact_history(
    state: GovernanceState, party_id: str, policy: Policy, now: datetime
) -> dict[str, int]:
    """Contacts per channel inside each channel's contact-limit window."""
    return {
        str(channel): state.contacts_since(party_id, channel, now - timedelta(days=limit.days))
        for channel, limit in sorted(policy.contact_limits.items())
    }
