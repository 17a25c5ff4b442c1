"""Decide: each filter rule removes exactly the candidate it should, and says so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from _brain_support import (
    CURRENT,
    NOW,
    PARTY,
    account,
    c360,
    catalog_products,
    party,
    policy,
    product,
    salaried,
)

from xsell_connect.models import (
    AmountBounds,
    Channel,
    EligibilityRules,
    KycStatus,
    PartyType,
    ProductFamily,
    ProductStatus,
)
from xsell_connect.pipeline.decide import Context, Filters, candidates
from xsell_connect.pipeline.profile import Profile
from xsell_connect.pipeline.state import Catalog, MemoryGovernanceState
from xsell_connect.pipeline.types import FilterStage, Signal
from xsell_connect.sync import Customer360

CUR = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "6000")
SAV = product("SAVINGS_PLUS", ProductFamily.SAVINGS)


def _run(
    products: tuple[Any, ...], view: Customer360, state: MemoryGovernanceState | None = None
) -> list[tuple[str, str]]:
    """(product, rule) of every removal."""
    ctx = Context(Profile.of(view, NOW), policy(), state or MemoryGovernanceState(), PARTY,
                  NOW.date())  # fmt: skip
    _, verdicts = Filters().run(products, ctx)
    return [(v.product_code, v.rule_id) for v in verdicts if not v.passed]


def _view(**changes: Any) -> Customer360:
    return c360((CUR,), salaried(), who=party(**changes))


# (case, product changes, party changes, rule expected to remove "X")
ELIGIBILITY = [
    ("inactive", {"status": ProductStatus.INACTIVE}, {}, "eligibility.product_active"),
    ("not yet on sale", {"active_from": date(2027, 1, 1)}, {}, "eligibility.product_active"),
    ("withdrawn", {"active_to": date(2026, 1, 1)}, {}, "eligibility.product_active"),
    ("organisation", {}, {"type": PartyType.ORGANISATION}, "eligibility.party_type"),
    ("kyc pending", {}, {"kyc_status": KycStatus.PENDING}, "eligibility.kyc_verified"),
    ("too young", {"eligibility": EligibilityRules(min_age=45)}, {}, "eligibility.age"),
    ("too old", {"eligibility": EligibilityRules(max_age=30)}, {}, "eligibility.age"),
    ("age unknown", {"eligibility": EligibilityRules(min_age=18)}, {"birth_date": None},
     "eligibility.age"),
    ("residency", {"eligibility": EligibilityRules(residency=("DE",))}, {},
     "eligibility.residency"),
    ("segment", {"eligibility": EligibilityRules(segments=("PRIVATE",))}, {},
     "eligibility.segment"),
    ("min balance", {"eligibility": EligibilityRules(min_balance=Decimal("10000"))}, {},
     "eligibility.min_balance"),
    ("requires", {"eligibility": EligibilityRules(requires_holdings=(ProductFamily.CARD,))}, {},
     "eligibility.requires_holdings"),
    ("excludes", {"eligibility": EligibilityRules(excludes_holdings=(ProductFamily.CURRENT,))},
     {}, "eligibility.excludes_holdings"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "who", "rule"), [c[1:] for c in ELIGIBILITY], ids=[c[0] for c in ELIGIBILITY]
)
def test_eligibility_rule_removes_only_its_candidate(
    changes: dict[str, Any], who: dict[str, Any], rule: str
) -> None:
    target = product("X", ProductFamily.SAVINGS, **changes)
    removed = _run((target, SAV), _view(**who))
    if who:  # a party-level rule may remove every candidate, by that rule only
        assert ("X", rule) in removed
        assert {r for _, r in removed} == {rule}
    else:
        assert removed == [("X", rule)]


def test_every_rule_in_the_table_is_exercised() -> None:
    assert {c[3] for c in ELIGIBILITY} == {rule for rule, _ in Filters.ELIGIBILITY}


def test_applicability_already_held() -> None:
    held = product("EVERYDAY_CURRENT", ProductFamily.CURRENT)
    assert _run((held, SAV), _view()) == [("EVERYDAY_CURRENT", "applicability.already_held")]


def test_applicability_open_offer() -> None:
    state = MemoryGovernanceState()
    state.record_contact(PARTY, Channel.EMAIL, "SAVINGS_PLUS", at=NOW)
    other = product("OTHER_SAVER", ProductFamily.SAVINGS)
    assert _run((SAV, other), _view(), state) == [("SAVINGS_PLUS", "applicability.open_offer")]


def _credit(view: Customer360) -> list[tuple[str, str]]:
    loan = product("PERSONAL_LOAN", ProductFamily.LOAN)
    return _run((loan, SAV), view)


def test_suitability_affordability() -> None:
    low_income = c360((CUR,), salaried(amount="500"))
    assert _credit(low_income) == [("PERSONAL_LOAN", "suitability.affordability")]


def test_suitability_indebtedness_by_credit_products() -> None:
    loans = (
        account("L1", ProductFamily.LOAN, "PERSONAL_LOAN_A", "-1000"),
        account("L2", ProductFamily.LOAN, "PERSONAL_LOAN_B", "-1000"),
    )
    view = c360((CUR, *loans), salaried())
    assert _credit(view) == [("PERSONAL_LOAN", "suitability.indebtedness")]


def test_suitability_liquidity_buffer() -> None:
    poor = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "900")
    td = product("FIXED_DEPOSIT_12M", ProductFamily.TERM_DEPOSIT,
                 amount=AmountBounds(min=Decimal("1000"), currency="EUR"))  # fmt: skip
    assert _run((td, SAV), c360((poor,), salaried())) == [
        ("FIXED_DEPOSIT_12M", "suitability.liquidity_buffer")
    ]


def test_survivors_get_one_pass_verdict_per_stage() -> None:
    ctx = Context(Profile.of(_view(), NOW), policy(), MemoryGovernanceState(), PARTY, NOW.date())
    alive, verdicts = Filters().run((SAV,), ctx)
    assert alive == [SAV]
    assert [(v.stage, v.rule_id, v.passed) for v in verdicts] == [
        (FilterStage.ELIGIBILITY, "eligibility.passed", True),
        (FilterStage.APPLICABILITY, "applicability.passed", True),
        (FilterStage.SUITABILITY, "suitability.passed", True),
    ]


def _signal(*products: str) -> Signal:
    return Signal(id="product_viewed", version="1", party_id=PARTY, reason="viewed",
                  event_ids=("e1",), detected_at=NOW, products=products)  # fmt: skip


def test_candidates_expand_families_and_reject_unknown_products() -> None:
    cat = Catalog.of(catalog_products())
    found, rejected = candidates(cat, [_signal("CARD", "NO_SUCH_PRODUCT")])
    assert [p.code for p in found] == ["CLASSIC_CARD"]
    assert [(v.product_code, v.rule_id, v.passed) for v in rejected] == [
        ("NO_SUCH_PRODUCT", "catalog.unknown_product", False)
    ]
    assert cat.version in rejected[0].reason
