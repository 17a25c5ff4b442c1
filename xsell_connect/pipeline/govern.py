"""Govern: the Supervisor applies the policy to the ranked candidates (DESIGN §6).

In order:

1. pattern rules — the kill switch (policy file or run-time switch) and the circuit
   breakers pause the pattern (outcome PAUSED);
2. party rules — the no-expose lists of parties and segments suppress the decision;
3. candidate rules, in priority order, until one candidate passes them all — no-expose
   products, suppression after a decline, price within catalog bounds, an approved
   template, consent on the chosen channel, the channel's contact limit; the channel is
   the CIF's preferred one unless the policy forces a channel (with disclosures) for the
   product. No candidate left: SUPPRESSED;
4. the fairness monitor (an alarm, or approval required, as the policy says);
5. the tier: observe → PENDING_APPROVAL; guarded → OFFERED below the approval thresholds
   (with a recall window), else PENDING_APPROVAL; trusted → OFFERED.

Every rule applied leaves a ``PolicyCheck`` naming it (and the candidate it concerned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from xsell_connect.models import Channel, Party, Product
from xsell_connect.policy import Policy
from xsell_connect.policy.breakers import CircuitBreakers
from xsell_connect.policy.fairness import FairnessMonitor
from xsell_connect.policy.schema import ForcedChannel

from .state import Catalog, GovernanceState
from .templates import Template, TemplateSet, pricing_of
from .types import DecisionOutcome, PolicyCheck, ScoredCandidate, Tier

__all__ = ["Supervisor", "Verdict"]


@dataclass
class Verdict:
    """What the Supervisor decided."""

    outcome: DecisionOutcome
    tier: Tier | None = None
    chosen: ScoredCandidate | None = None
    product: Product | None = None
    template: Template | None = None
    channel: Channel | None = None
    disclosures: tuple[str, ...] = ()
    checks: list[PolicyCheck] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    recall_until: datetime | None = None


class Supervisor:
    def __init__(self, policy: Policy, templates: TemplateSet) -> None:
        self.policy, self.templates = policy, templates
        self.breakers = CircuitBreakers(policy.breakers)
        self.fairness = FairnessMonitor(policy.fairness)

    def govern(
        self,
        ranked: Sequence[ScoredCandidate],
        *,
        catalog: Catalog,
        party: Party,
        pattern: str,
        state: GovernanceState,
        now: datetime,
    ) -> Verdict:
        verdict = Verdict(outcome=DecisionOutcome.SUPPRESSED, tier=self.policy.tier_of(pattern))
        checks = verdict.checks

        def check(rule_id: str, passed: bool, reason: str, product: str | None = None) -> bool:
            checks.append(PolicyCheck(rule_id=rule_id, passed=passed, reason=reason,
                                      product_code=product))  # fmt: skip
            return passed

        killed = self.policy.kill_switch or state.kill_switch_engaged(pattern)
        if not check("kill_switch", not killed, "kill switch engaged" if killed else "off"):
            verdict.outcome = DecisionOutcome.PAUSED
            return verdict
        breaker = self.breakers.check(pattern, state, now)
        if breaker.open:
            check(
                breaker.rule_id or "breaker", False, f"pattern {pattern} paused: {breaker.reason}"
            )
            verdict.outcome = DecisionOutcome.PAUSED
            return verdict
        check("breakers", True, "closed")

        no_expose = self.policy.no_expose
        if not check("no_expose.party", party.id not in no_expose.parties, "party listed"
                     if party.id in no_expose.parties else "not listed"):  # fmt: skip
            return verdict
        segment = party.segment or "UNKNOWN"
        if not check("no_expose.segment", segment not in no_expose.segments,
                     f"segment {segment} " + ("listed" if segment in no_expose.segments
                                              else "not listed")):  # fmt: skip
            return verdict

        for candidate in ranked:
            product = catalog.get(candidate.product_code)
            if product is None:
                check("catalog.product", False, "not in the catalog", candidate.product_code)
                continue
            if self._candidate(candidate, product, party, state, now, verdict, check):
                break
        if verdict.chosen is None:
            verdict.outcome = DecisionOutcome.SUPPRESSED if ranked else DecisionOutcome.NO_CANDIDATE
            return verdict

        needs_human = False
        for report in self.fairness.check(state, now):
            if report.alarm:
                verdict.alarms.append(report.message)
                needs_human = self.policy.fairness.action == "require_approval"
            check(f"fairness.{report.dimension}", not report.alarm or not needs_human,
                  report.message)  # fmt: skip
        self._tier(verdict, needs_human, now, check)
        return verdict

    def _candidate(
        self,
        candidate: ScoredCandidate,
        product: Product,
        party: Party,
        state: GovernanceState,
        now: datetime,
        verdict: Verdict,
        check: _Check,
    ) -> bool:
        code, p = product.code, self.policy
        hidden = code in p.no_expose.products or str(product.family) in p.no_expose.products
        if not check("no_expose.product", not hidden, "listed" if hidden else "not listed", code):
            return False
        declined = state.last_decline(party.id, code)
        recent = declined is not None and now - declined < timedelta(
            days=p.suppression.decline_days
        )
        if not check("suppression.decline", not recent,
                     f"declined {declined:%Y-%m-%d}, within {p.suppression.decline_days} days"
                     if recent and declined else "no recent decline", code):  # fmt: skip
            return False
        if p.pricing.within_catalog_bounds and not check(
            "pricing.catalog_bounds", *_within_bounds(product), code
        ):
            return False
        forced = self._forced(product)
        channel = forced.channel if forced else (party.preferred_channel or p.channels.fallback)
        template = self.templates.find(product, channel)
        if not check("template.approved", template is not None,
                     f"approved template {template.id}@{template.version}" if template
                     else f"no approved template for {code} on {channel}", code):  # fmt: skip
            return False
        consented = not p.consent.required or party.consents_to(channel, p.consent.purpose)
        if not check("consent.channel", consented,
                     f"{p.consent.purpose} consent on {channel} "
                     + ("granted" if consented else "not granted"), code):  # fmt: skip
            return False
        limit = p.contact_limits.get(channel)
        if limit is not None:
            used = state.contacts_since(party.id, channel, now - timedelta(days=limit.days))
            if not check(f"contact_limit.{channel}", used < limit.max,
                         f"{used} of {limit.max} contacts in {limit.days} days", code):  # fmt: skip
                return False
        if forced:
            check("channel.forced", True, f"policy forces {channel} for {forced.product}", code)
        verdict.chosen, verdict.product = candidate, product
        verdict.template, verdict.channel = template, channel
        verdict.disclosures = forced.disclosures if forced else ()
        return True

    def _forced(self, product: Product) -> ForcedChannel | None:
        rules = self.policy.channels.forced
        exact = [f for f in rules if f.product == product.code]
        family = [f for f in rules if f.product == str(product.family)]
        found = exact or family
        return found[0] if found else None

    def _tier(self, verdict: Verdict, needs_human: bool, now: datetime, check: _Check) -> None:
        tier, approval = verdict.tier, self.policy.approval
        chosen, product = verdict.chosen, verdict.product
        assert chosen is not None
        assert product is not None
        if tier is Tier.OBSERVE or needs_human:
            why = "tier observe: a human approves every offer" if not needs_human else (
                "fairness alarm: a human approves"
            )  # fmt: skip
            check("approval.tier", False, why, chosen.product_code)
            verdict.outcome = DecisionOutcome.PENDING_APPROVAL
            return
        if tier is Tier.TRUSTED:
            check("approval.tier", True, "tier trusted: automatic", chosen.product_code)
            verdict.outcome = DecisionOutcome.OFFERED
            return
        product_amount = pricing_of(product).amount or Decimal(0)
        score = next(f.value for f in chosen.factors if f.name == "propensity")
        over = approval.max_amount is not None and product_amount > approval.max_amount
        low = score < approval.min_score
        ok = not over and not low
        reason = (
            f"amount {product_amount} <= {approval.max_amount} and score {score} >= "
            f"{approval.min_score}" if ok else
            (f"amount {product_amount} above {approval.max_amount}" if over
             else f"score {score} below {approval.min_score}")
        )  # fmt: skip
        check("approval.threshold", ok, reason, chosen.product_code)
        if ok:
            verdict.outcome = DecisionOutcome.OFFERED
            verdict.recall_until = now + timedelta(hours=approval.recall_window_hours)
        else:
            verdict.outcome = DecisionOutcome.PENDING_APPROVAL


class _Check(Protocol):
    def __call__(
        self, rule_id: str, passed: bool, reason: str, product: str | None = None
    ) -> bool: ...


def _within_bounds(product: Product) -> tuple[bool, str]:
    pricing = pricing_of(product)
    if product.rate is not None and pricing.rate is not None:
        low, high = product.rate.min, product.rate.max
        if (low is not None and pricing.rate < low) or (high is not None and pricing.rate > high):
            return False, f"rate {pricing.rate} outside catalog bounds {low}..{high}"
    if product.amount is not None and pricing.amount is not None:
        low, high = product.amount.min, product.amount.max
        if (low is not None and pricing.amount < low) or (
            high is not None and pricing.amount > high
        ):
            return False, f"amount {pricing.amount} outside catalog bounds {low}..{high}"
    return True, "catalog terms within bounds"
