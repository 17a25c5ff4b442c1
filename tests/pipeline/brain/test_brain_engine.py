"""The DecisionEngine fills the decision file; ids, pseudonyms and holdout are deterministic."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from _brain_support import CURRENT, NOW, PARTY, account, c360, engine, policy, salaried

from xsell_connect.models import Offer, ProductFamily
from xsell_connect.pipeline.holdout import in_holdout
from xsell_connect.pipeline.state import MemoryGovernanceState
from xsell_connect.pipeline.types import DecisionOutcome, Signal

CUR = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "6000")


def _signal(pattern: str = "persistent_surplus", *products: str) -> Signal:
    return Signal(
        id=pattern,
        version="1",
        party_id=PARTY,
        reason="the balance stayed high",
        event_ids=("evt-1", "evt-2"),
        detected_at=NOW,
        context_weight=Decimal("1.2"),
        products=products or ("TERM_DEPOSIT", "SAVINGS"),
    )


_TRUSTED = {"tiers": {"persistent_surplus": "trusted"}, "holdout": {"share": "0"}}


async def test_the_decision_file_is_complete() -> None:
    view = c360((CUR,), salaried())
    decision = await engine(policy(**_TRUSTED)).decide(
        [_signal()], view, MemoryGovernanceState(), now=NOW
    )
    assert decision.outcome is DecisionOutcome.OFFERED
    assert decision.pattern == "persistent_surplus"
    assert decision.event_ids == ("evt-1", "evt-2")
    assert decision.candidates == ("FIXED_DEPOSIT_12M", "SAVINGS_PLUS")
    assert decision.catalog_version.startswith("cat-")
    assert len(decision.inputs_digest) == 64
    assert decision.chosen == "FIXED_DEPOSIT_12M"
    assert (decision.template_id, decision.template_version) == ("term-deposit-lock-in", "2")
    assert decision.terms_version == "2026-01"
    offer = decision.offer
    assert offer is not None
    assert offer.id == Offer.make_id(PARTY, "persistent_surplus", "evt-1")
    assert offer.template_id == "term-deposit-lock-in@2"
    assert offer.pricing.rate == Decimal("2.25")
    assert offer.pricing.amount == Decimal("1000")
    assert offer.nba_code == "FIXED_DEPOSIT_12M"
    assert decision.extra["message"]["subject"] == "Lock in 2.25% with Fixed Deposit 12M"
    assert decision.extra["age_band"] == "35-49"
    assert decision.extra["segment"] == "MASS"
    assert decision.extra["contacts"]["EMAIL"] == 0
    assert decision.timestamps == {"detected": NOW, "decided": NOW}
    key = hmac.new(b"test-pseudonym-key", PARTY.encode(), hashlib.sha256).hexdigest()[:32]
    assert decision.party_ref == "v1:" + key
    assert PARTY not in decision.party_ref


async def test_ids_are_deterministic_and_digest_follows_the_inputs() -> None:
    eng = engine(policy(**_TRUSTED))
    state = MemoryGovernanceState()
    first = await eng.decide([_signal()], c360((CUR,), salaried()), state, now=NOW)
    again = await eng.decide([_signal()], c360((CUR,), salaried()), state, now=NOW)
    assert (first.decision_id, first.idempotency_key) == (again.decision_id, again.idempotency_key)
    assert first.decision_id.startswith("DEC-")
    richer = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "7000")
    other = await eng.decide([_signal()], c360((richer,), salaried()), state, now=NOW)
    assert other.inputs_digest != first.inputs_digest
    assert other.decision_id == first.decision_id  # same party, pattern, triggering event


async def test_the_strongest_signal_is_the_pattern() -> None:
    weak = _signal("salary_credit", "SAVINGS").model_copy(update={"context_weight": Decimal(1)})
    strong = _signal("large_deposit_no_savings", "SAVINGS").model_copy(
        update={"context_weight": Decimal("1.4"), "event_ids": ("evt-9",)}
    )
    decision = await engine().decide(
        [weak, strong], c360((CUR,), salaried()), MemoryGovernanceState(), now=NOW
    )
    assert decision.pattern == "large_deposit_no_savings"
    assert decision.event_ids == ("evt-1", "evt-2", "evt-9")


async def test_a_product_missing_from_the_catalog_is_rejected_and_the_pipeline_goes_on() -> None:
    decision = await engine(policy(**_TRUSTED)).decide(
        [_signal("persistent_surplus", "GOLD_BAR", "SAVINGS")],
        c360((CUR,), salaried()),
        MemoryGovernanceState(),
        now=NOW,
    )
    rejected = [v for v in decision.verdicts if v.rule_id == "catalog.unknown_product"]
    assert [(v.product_code, v.passed) for v in rejected] == [("GOLD_BAR", False)]
    assert decision.chosen == "SAVINGS_PLUS"
    assert decision.outcome is DecisionOutcome.OFFERED


async def test_every_candidate_filtered_out_is_no_candidate() -> None:
    decision = await engine().decide(
        [_signal("persistent_surplus", "EVERYDAY_CURRENT_X")],
        c360((CUR,), salaried()),
        MemoryGovernanceState(),
        now=NOW,
    )
    assert decision.outcome is DecisionOutcome.NO_CANDIDATE
    assert decision.offer is None


async def test_holdout_party_gets_no_offer_but_the_choice_is_kept() -> None:
    pol = policy(tiers={"persistent_surplus": "trusted"}, holdout={"share": "1"})
    decision = await engine(pol).decide(
        [_signal()], c360((CUR,), salaried()), MemoryGovernanceState(), now=NOW
    )
    assert decision.outcome is DecisionOutcome.HOLDOUT
    assert decision.chosen == "FIXED_DEPOSIT_12M"
    assert decision.offer is None
    assert [c.rule_id for c in decision.policy if not c.passed] == ["holdout"]


async def test_holdout_follows_the_deterministic_assignment() -> None:
    pol = policy(tiers={"persistent_surplus": "trusted"},
                 holdout={"share": "0.5", "salt": "fixed-salt"})  # fmt: skip
    decision = await engine(pol).decide(
        [_signal()], c360((CUR,), salaried()), MemoryGovernanceState(), now=NOW
    )
    expected = in_holdout(PARTY, "persistent_surplus", share=Decimal("0.5"), salt="fixed-salt")
    assert (decision.outcome is DecisionOutcome.HOLDOUT) is expected
