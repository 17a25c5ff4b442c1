"""Circuit breakers: pause a pattern when the core's error rate or the complaint / opt-out
rate crosses the policy's threshold.

A breaker opens when, in the window, there were enough attempts to judge (``min_writebacks``
write-backs, ``min_offers`` offers) and a rate is above its maximum; it closes by itself
once the window no longer shows it. Opening and closing are logged (WARNING / INFO) with
the pattern and the rate; ``snapshot()`` gives the state of every pattern seen, for metrics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from xsell_connect.pipeline.state import GovernanceState, PatternStats

from .schema import Breakers

__all__ = ["BreakerState", "CircuitBreakers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BreakerState:
    pattern: str
    open: bool
    rule_id: str | None  # "breaker.error_rate" | "breaker.complaint_rate" | "breaker.opt_out_rate"
    reason: str


def _rate(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")) if whole else Decimal(0)


@dataclass
class CircuitBreakers:
    config: Breakers
    states: dict[str, BreakerState] = field(default_factory=dict)

    def evaluate(self, pattern: str, stats: PatternStats) -> BreakerState:
        c = self.config
        trips = []
        if stats.writebacks >= c.min_writebacks:
            rate = _rate(stats.writeback_errors, stats.writebacks)
            if rate > c.max_error_rate:
                trips.append(("breaker.error_rate", f"core error rate {rate} > {c.max_error_rate}"))
        if stats.offers >= c.min_offers:
            rate = _rate(stats.complaints, stats.offers)
            if rate > c.max_complaint_rate:
                trips.append(
                    ("breaker.complaint_rate", f"complaint rate {rate} > {c.max_complaint_rate}")
                )
            rate = _rate(stats.opt_outs, stats.offers)
            if rate > c.max_opt_out_rate:
                trips.append(
                    ("breaker.opt_out_rate", f"opt-out rate {rate} > {c.max_opt_out_rate}")
                )
        if trips:
            rule_id, reason = trips[0]
            return BreakerState(pattern, True, rule_id, reason)
        return BreakerState(pattern, False, None, "closed")

    def check(self, pattern: str, state: GovernanceState, now: datetime) -> BreakerState:
        since = now - timedelta(hours=self.config.window_hours)
        current = self.evaluate(pattern, state.pattern_stats(pattern, since))
        was = self.states.get(pattern)
        if current.open and (was is None or not was.open):
            log.warning("circuit breaker open: pattern %s paused (%s)", pattern, current.reason)
        elif not current.open and was is not None and was.open:
            log.info("circuit breaker closed: pattern %s resumed", pattern)
        self.states[pattern] = current
        return current

    def snapshot(self) -> dict[str, BreakerState]:
        """Every pattern's breaker as last checked (for the metrics endpoint)."""
        return dict(self.states)
