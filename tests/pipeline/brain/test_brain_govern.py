"""Govern: each policy rule removes exactly the candidate it should; tiers, recall, pauses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from _brain_support import CURRENT, NOW, PARTY, account, c360, engine, party, policy, salaried

from xsell_connect.models import Channel, Consent, ProductFamily, RateBounds
from xsell_connect.pipeline.state import Catalog, MemoryGovernanceState, PatternStats
from xsell_connect.pipeline.templates import TemplateSet
from xsell_connect.pipeline.types import Decision, DecisionOutcome, Signal, Tier
from xsell_connect.policy import Policy
from xsell_connect.policy.breakers import CircuitBreakers

from _brain_support import catalog_products, product  # isort: skip

PATTERN = "persistent_surplus"
TOP, NEXT = "FIXED_DEPOSIT_12M", "SAVINGS_PLUS"
CUR = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "6000")


def _signal(pattern: str = PATTERN) -> Signal:
    return Signal(id=pattern, version="1", party_id=PARTY, reason="balance stayed high",
                  event_ids=("evt-1",), detected_at=NOW, context_weight=Decimal("1.2"),
                  products=("TERM_DEPOSIT", "SAVINGS"))  # fmt: skip


def _policy(tier: Tier = Tier.TRUSTED, **changes: Any) -> Policy:
    sections: dict[str, Any] = {"tiers": {PATTERN: tier}, "holdout": {"share": "0"}}
    sections.update(changes)
    return policy(**sections)


async def _decide(
    pol: Policy | None = None,
    state: MemoryGovernanceState | None = None,
    who: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Decision:
    view = c360((CUR,), salaried(), who=party(**(who or {})))
    return await engine(pol or _policy(), **kwargs).decide(
        [_signal()], view, state or MemoryGovernanceState(), now=NOW
    )


def _failed(decision: Decision) -> list[tuple[str, str | None]]:
    return [(c.rule_id, c.product_code) for c in decision.policy if not c.passed]


async def test_baseline_offers_the_top_candidate() -> None:
    decision = await _decide()
    assert decision.outcome is DecisionOutcome.OFFERED
    assert decision.chosen == TOP
    assert _failed(decision) == []


def _declined() -> MemoryGovernanceState:
    state = MemoryGovernanceState()
    state.record_response(PARTY, TOP, "declined", pattern=PATTERN, at=NOW - timedelta(days=10))
    return state


def _limited() -> MemoryGovernanceState:
    state = MemoryGovernanceState()
    for days in (1, 2):
        state.record_contact(PARTY, Channel.SMS, "OTHER", at=NOW - timedelta(days=days))
    return state


_FORCE_SMS = {"forced": [{"product": TOP, "channel": "SMS"}]}
_NO_SMS = tuple(Consent(channel=c, granted=c is not Channel.SMS) for c in Channel)
_BAD_PRICE = product(
    TOP,
    ProductFamily.TERM_DEPOSIT,
    rate=RateBounds(min=Decimal("2"), max=Decimal("3"), default=Decimal("4")),
)
_NO_TD_TEMPLATES = TemplateSet(
    template=tuple(t for t in TemplateSet.load().template if "TERM_DEPOSIT" not in t.products)
)

# (case, policy changes, state, party changes, engine kwargs, rule that removes TOP)
CANDIDATE_RULES = [
    ("no-expose product", {"no_expose": {"products": [TOP]}}, None, {}, {}, "no_expose.product"),
    ("no-expose family", {"no_expose": {"products": ["TERM_DEPOSIT"]}}, None, {}, {},
     "no_expose.product"),
    ("declined recently", {}, _declined(), {}, {}, "suppression.decline"),
    ("price outside bounds", {}, None, {}, {"catalog": Catalog.of(
        (_BAD_PRICE, *(p for p in catalog_products() if p.code != TOP)))},
     "pricing.catalog_bounds"),
    ("no approved template", {}, None, {}, {"templates": _NO_TD_TEMPLATES}, "template.approved"),
    ("no consent on the channel", {"channels": _FORCE_SMS}, None, {"consents": _NO_SMS}, {},
     "consent.channel"),
    ("contact limit", {"channels": _FORCE_SMS}, _limited(), {}, {}, "contact_limit.SMS"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "state", "who", "kwargs", "rule"),
    [c[1:] for c in CANDIDATE_RULES],
    ids=[c[0] for c in CANDIDATE_RULES],
)
async def test_policy_rule_removes_exactly_its_candidate(
    changes: dict[str, Any],
    state: MemoryGovernanceState | None,
    who: dict[str, Any],
    kwargs: dict[str, Any],
    rule: str,
) -> None:
    decision = await _decide(_policy(**changes), state, who, **kwargs)
    assert _failed(decision) == [(rule, TOP)]
    assert decision.chosen == NEXT
    assert decision.outcome is DecisionOutcome.OFFERED


async def test_decline_outside_the_suppression_window_does_not_suppress() -> None:
    state = MemoryGovernanceState()
    state.record_response(PARTY, TOP, "declined", pattern=PATTERN, at=NOW - timedelta(days=91))
    assert (await _decide(state=state)).chosen == TOP


@pytest.mark.parametrize(
    ("changes", "who", "rule"),
    [
        ({"no_expose": {"parties": [PARTY]}}, {}, "no_expose.party"),
        ({"no_expose": {"segments": ["MASS"]}}, {}, "no_expose.segment"),
    ],
)
async def test_party_rules_suppress_the_decision(
    changes: dict[str, Any], who: dict[str, Any], rule: str
) -> None:
    decision = await _decide(_policy(**changes), who=who)
    assert decision.outcome is DecisionOutcome.SUPPRESSED
    assert decision.chosen is None
    assert _failed(decision) == [(rule, None)]


async def test_no_consent_anywhere_suppresses() -> None:
    decision = await _decide(who={"consents": ()})
    assert decision.outcome is DecisionOutcome.SUPPRESSED
    assert _failed(decision) == [("consent.channel", TOP), ("consent.channel", NEXT)]


async def test_kill_switch_in_the_policy_pauses() -> None:
    decision = await _decide(_policy(kill_switch=True))
    assert decision.outcome is DecisionOutcome.PAUSED
    assert _failed(decision) == [("kill_switch", None)]


async def test_kill_switch_at_run_time_pauses_only_its_pattern() -> None:
    state = MemoryGovernanceState()
    state.engage_kill_switch(PATTERN)
    assert (await _decide(state=state)).outcome is DecisionOutcome.PAUSED
    state.release_kill_switch(PATTERN)
    state.engage_kill_switch("other_pattern")
    assert (await _decide(state=state)).outcome is DecisionOutcome.OFFERED


def _stats_state(**kinds: int) -> MemoryGovernanceState:
    state = MemoryGovernanceState()
    for ok, count in ((True, kinds.get("ok", 0)), (False, kinds.get("errors", 0))):
        for _ in range(count):
            state.record_writeback(PATTERN, ok=ok, at=NOW - timedelta(hours=1))
    for _ in range(kinds.get("offers", 0)):
        state.record_offer(PATTERN, at=NOW - timedelta(hours=1))
    for kind in ("complained", "opted_out"):
        for i in range(kinds.get(kind, 0)):
            state.record_response(f"P{i}", "X", kind, pattern=PATTERN, at=NOW - timedelta(hours=1))
    return state


@pytest.mark.parametrize(
    ("kinds", "rule"),
    [
        ({"ok": 10, "errors": 11}, "breaker.error_rate"),
        ({"offers": 40, "complained": 3}, "breaker.complaint_rate"),
        ({"offers": 40, "opted_out": 3}, "breaker.opt_out_rate"),
    ],
)
async def test_circuit_breaker_pauses_the_pattern(
    kinds: dict[str, int], rule: str, caplog: pytest.LogCaptureFixture
) -> None:
    decision = await _decide(state=_stats_state(**kinds))
    assert decision.outcome is DecisionOutcome.PAUSED
    assert _failed(decision) == [(rule, None)]
    assert f"circuit breaker open: pattern {PATTERN} paused" in caplog.text


async def test_breaker_stays_closed_below_its_thresholds() -> None:
    decision = await _decide(state=_stats_state(ok=15, errors=4, offers=40, complained=1))
    assert decision.outcome is DecisionOutcome.OFFERED


def test_breaker_state_is_exposed_for_metrics() -> None:
    breakers = CircuitBreakers(policy().breakers)
    opened = breakers.evaluate(PATTERN, PatternStats(writebacks=30, writeback_errors=20))
    assert opened.open
    breakers.check(PATTERN, _stats_state(ok=10, errors=20), NOW)
    assert breakers.snapshot()[PATTERN].rule_id == "breaker.error_rate"


async def test_tier_observe_waits_for_a_human() -> None:
    decision = await _decide(_policy(Tier.OBSERVE))
    assert decision.outcome is DecisionOutcome.PENDING_APPROVAL
    assert decision.tier is Tier.OBSERVE
    assert decision.offer is not None
    assert decision.offer.status == "PENDING_APPROVAL"
    assert "recall_until" not in decision.timestamps


async def test_tier_trusted_is_automatic_without_recall() -> None:
    decision = await _decide(_policy(Tier.TRUSTED))
    assert decision.outcome is DecisionOutcome.OFFERED
    assert "recall_until" not in decision.timestamps


async def test_tier_guarded_below_thresholds_is_automatic_with_a_recall_window() -> None:
    decision = await _decide(
        _policy(Tier.GUARDED, approval={"max_amount": "5000", "recall_window_hours": 48})
    )
    assert decision.outcome is DecisionOutcome.OFFERED
    assert decision.timestamps["recall_until"] == NOW + timedelta(hours=48)
    assert decision.extra["recall_window_hours"] == 48


async def test_tier_guarded_above_the_amount_threshold_waits_for_a_human() -> None:
    decision = await _decide(_policy(Tier.GUARDED, approval={"max_amount": "500"}))
    assert decision.outcome is DecisionOutcome.PENDING_APPROVAL
    assert _failed(decision) == [("approval.threshold", TOP)]
    assert "recall_until" not in decision.timestamps


async def test_tier_guarded_below_the_score_threshold_waits_for_a_human() -> None:
    decision = await _decide(_policy(Tier.GUARDED, approval={"min_score": "0.9"}))
    assert decision.outcome is DecisionOutcome.PENDING_APPROVAL


async def test_channel_is_the_preferred_one_from_the_cif() -> None:
    decision = await _decide(who={"preferred_channel": Channel.PUSH})
    assert decision.channel is Channel.PUSH
    assert decision.disclosures == ()


async def test_policy_forces_a_channel_and_attaches_disclosures() -> None:
    forced = {"forced": [{"product": "TERM_DEPOSIT", "channel": "BRANCH",
                          "disclosures": ["TD_KID"]}]}  # fmt: skip
    decision = await _decide(_policy(channels=forced), who={"preferred_channel": Channel.PUSH})
    assert decision.channel is Channel.BRANCH
    assert decision.disclosures == ("TD_KID",)


def _fair_state(rates: dict[str, tuple[int, int]]) -> MemoryGovernanceState:
    state = MemoryGovernanceState()
    for band, (decisions, offers) in rates.items():
        for i in range(decisions):
            state.record_decision(age_band=band, segment="MASS", offered=i < offers,
                                  at=NOW - timedelta(days=1))  # fmt: skip
    return state


async def test_fairness_alarm_is_recorded_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    state = _fair_state({"25-34": (40, 30), "65+": (40, 10)})
    decision = await _decide(state=state)
    assert decision.outcome is DecisionOutcome.OFFERED  # action "alarm": logged, not blocked
    assert decision.extra["alarms"] == ["age_band offer rate of 65+ is 0.333 of 25-34's, below 0.8"]
    assert "fairness alarm" in caplog.text


async def test_fairness_alarm_can_require_approval() -> None:
    state = _fair_state({"25-34": (40, 30), "65+": (40, 10)})
    pol = _policy(fairness={"action": "require_approval"})
    decision = await _decide(pol, state=state)
    assert decision.outcome is DecisionOutcome.PENDING_APPROVAL
    assert ("fairness.age_band", None) in _failed(decision)


async def test_fairness_ignores_groups_with_few_decisions() -> None:
    decision = await _decide(state=_fair_state({"25-34": (40, 30), "65+": (5, 0)}))
    assert "alarms" not in decision.extra
