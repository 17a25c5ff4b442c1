"""The fairness monitor: offer rate by age band and by segment, with a disparate-impact alarm.

The disparate-impact ratio of a dimension is the lowest group's offer rate over the highest
group's (the "four-fifths rule" uses 0.8). Groups with fewer than ``min_decisions``
decisions in the window are left out, so a handful of decisions cannot sound the alarm.
An alarm is logged at WARNING (group names only, never a person) and kept in ``last`` for
the metrics endpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from xsell_connect.pipeline.state import FairnessDimension, GovernanceState, GroupTally

from .schema import Fairness

__all__ = ["FairnessMonitor", "FairnessReport", "disparate_impact"]

log = logging.getLogger(__name__)
DIMENSIONS: tuple[FairnessDimension, ...] = ("age_band", "segment")


@dataclass(frozen=True)
class FairnessReport:
    dimension: str
    ratio: Decimal | None  # None: fewer than two groups with enough decisions
    lowest: str | None
    highest: str | None
    alarm: bool
    message: str


def disparate_impact(
    dimension: str, tallies: tuple[GroupTally, ...], *, min_decisions: int, min_ratio: Decimal
) -> FairnessReport:
    """Compare the lowest and highest offer rates among groups with enough decisions."""
    groups = [t for t in tallies if t.decisions >= min_decisions]
    if len(groups) < 2:
        return FairnessReport(dimension, None, None, None, False, "not enough decisions")
    rates = {t.group: Decimal(t.offers) / Decimal(t.decisions) for t in groups}
    lowest = min(rates, key=lambda g: (rates[g], g))
    highest = max(rates, key=lambda g: (rates[g], g))
    if rates[highest] == 0:
        return FairnessReport(dimension, Decimal(1), lowest, highest, False, "no offers yet")
    ratio = (rates[lowest] / rates[highest]).quantize(Decimal("0.001"))
    alarm = ratio < min_ratio
    message = f"{dimension} offer rate of {lowest} is {ratio} of {highest}'s" + (
        f", below {min_ratio}" if alarm else ""
    )
    return FairnessReport(dimension, ratio, lowest, highest, alarm, message)


@dataclass
class FairnessMonitor:
    config: Fairness
    last: dict[str, FairnessReport] = field(default_factory=dict)

    def check(self, state: GovernanceState, now: datetime) -> list[FairnessReport]:
        since = now - timedelta(days=self.config.window_days)
        reports = []
        for dimension in DIMENSIONS:
            report = disparate_impact(
                dimension,
                state.fairness_tallies(dimension, since),
                min_decisions=self.config.min_decisions,
                min_ratio=self.config.min_ratio,
            )
            was = self.last.get(dimension)
            if report.alarm and (was is None or not was.alarm):
                log.warning("fairness alarm: %s", report.message)
            self.last[dimension] = report
            reports.append(report)
        return reports
