"""Detect: every signal of the catalogue fires on bank-shaped events, and only then."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from _brain_support import (
    CARD,
    CURRENT,
    LOAN,
    NOW,
    TD,
    TODAY,
    account,
    c360,
    entry,
    notice,
    posted,
    salaried,
)

from xsell_connect.models import CreditDebit, EventType, ProductFamily
from xsell_connect.pipeline.detect import Detector
from xsell_connect.pipeline.signals import APPLICATION_ABANDONED, PRODUCT_VIEWED, SignalCatalogue
from xsell_connect.policy import PolicyError

CUR = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "1200", limit="500")
DBIT, CRDT = CreditDebit.DBIT, CreditDebit.CRDT


def _ids(signals: tuple[object, ...]) -> set[str]:
    return {s.id for s in signals}  # type: ignore[attr-defined]


def test_salary_credit_fires_on_a_salary_posting() -> None:
    salary = salaried(months=1)[0]
    signals = Detector().detect([posted(salary)], c360((CUR,), (salary,)), now=NOW)
    assert _ids(signals) == {"salary_credit"}
    (signal,) = signals
    assert signal.version == "1"
    assert signal.products == ("SAVINGS", "CARD")
    assert signal.facts == {"amount": "2600", "min_amount": "1000"}
    assert "salary credit" in signal.reason


def test_a_small_credit_is_not_a_salary() -> None:
    small = entry(CURRENT, "300", CRDT, description="SALAIRE PART", balance_after="900")
    assert Detector().detect([posted(small)], c360((CUR,), (small,)), now=NOW) == ()


def test_large_deposit_with_no_savings_product() -> None:
    big = entry(CURRENT, "15000", CRDT, description="VIREMENT NOTAIRE", balance_after="16000")
    signals = Detector().detect([posted(big)], c360((CUR,), (big,)), now=NOW)
    assert _ids(signals) == {"large_deposit_no_savings"}


def test_large_deposit_is_no_signal_for_a_saver() -> None:
    big = entry(CURRENT, "15000", CRDT, balance_after="16000")
    saver = account("S1", ProductFamily.SAVINGS, "SAVINGS_PLUS", "100")
    assert Detector().detect([posted(big)], c360((CUR, saver), (big,)), now=NOW) == ()


def test_persistent_surplus_on_a_state_event() -> None:
    rich = tuple(
        entry(CURRENT, "50", DBIT, day=TODAY - timedelta(days=d), balance_after="8000")
        for d in range(0, 80, 10)
    )
    signals = Detector().detect([notice(EventType.BALANCE_CHANGED)], c360((CUR,), rich), now=NOW)
    assert _ids(signals) == {"persistent_surplus"}


def test_high_card_utilisation_with_good_repayment() -> None:
    card = account(CARD, ProductFamily.CARD, "CLASSIC_CARD", "-2400", limit="3000")
    repayments = tuple(
        entry(CARD, "800", CRDT, day=TODAY - timedelta(days=d), balance_after="-1500")
        for d in (20, 50)
    )
    spend = entry(CARD, "300", DBIT, balance_after="-2400", merchant_category_code="5411",
                  merchant_country="FR")  # fmt: skip
    signals = Detector().detect([posted(spend)], c360((CUR, card), (*repayments, spend)), now=NOW)
    assert _ids(signals) == {"high_card_utilisation"}
    assert signals[0].facts["utilisation"] == "0.80"


def test_repeated_overdraft() -> None:
    history = []
    for back in (60, 40, 20, 0):
        day = TODAY - timedelta(days=back)
        history.append(entry(CURRENT, "100", CRDT, day=day, balance_after="50"))
        history.append(entry(CURRENT, "200", DBIT, day=day, balance_after="-150"))
    signals = Detector().detect([posted(history[-1])], c360((CUR,), tuple(history)), now=NOW)
    assert _ids(signals) == {"repeated_overdraft"}
    assert signals[0].facts["episodes"] == "4"


def test_loan_repaid_by_the_last_instalment() -> None:
    loan = account(LOAN, ProductFamily.LOAN, "PERSONAL_LOAN", "0")
    last = entry(LOAN, "310", CRDT, balance_after="0", btc=("LDAS", "CSLN", "RPMT"))
    signals = Detector().detect([posted(last)], c360((CUR, loan), (last,)), now=NOW)
    assert _ids(signals) == {"loan_repaid"}


def test_loan_repaid_event_from_the_core() -> None:
    signals = Detector().detect([notice(EventType.LOAN_REPAID)], c360((CUR,)), now=NOW)
    assert "loan_repaid" in _ids(signals)


def test_term_deposit_maturing() -> None:
    td = account(TD, ProductFamily.TERM_DEPOSIT, "FIXED_DEPOSIT_12M", "20000",
                 matures_on=TODAY + timedelta(days=12))  # fmt: skip
    signals = Detector().detect([notice(EventType.DEPOSIT_MATURED)], c360((CUR, td)), now=NOW)
    assert _ids(signals) == {"term_deposit_maturing"}
    assert signals[0].facts == {"matures_in_days": "12"}


def test_large_home_improvement_purchase() -> None:
    buy = entry(CURRENT, "1450", DBIT, balance_after="300", merchant_category_code="5211",
                merchant_country="FR")  # fmt: skip
    signals = Detector().detect([posted(buy)], c360((CUR,), (buy,)), now=NOW)
    assert _ids(signals) == {"large_purchase"}
    assert signals[0].facts["category"] == "home improvement"


def test_first_international_transaction_only_the_first_time() -> None:
    abroad = entry(CURRENT, "60", DBIT, balance_after="900", merchant_country="ES")
    first = Detector().detect([posted(abroad)], c360((CUR,), (abroad,)), now=NOW)
    assert _ids(first) == {"first_international_transaction"}
    earlier = entry(CURRENT, "40", DBIT, day=TODAY - timedelta(days=100), merchant_country="IT",
                    balance_after="1000")  # fmt: skip
    again = Detector().detect([posted(abroad)], c360((CUR,), (earlier, abroad)), now=NOW)
    assert again == ()


def test_drift_toward_dormancy() -> None:
    busy = [
        entry(CURRENT, "20", DBIT, day=TODAY - timedelta(days=70 + 3 * i), balance_after="500")
        for i in range(40)
    ]
    quiet = [entry(CURRENT, "20", DBIT, day=TODAY - timedelta(days=5), balance_after="480")]
    view = c360((CUR,), (*busy, *quiet))
    assert _ids(Detector().scan(view, now=NOW, platform="mambu")) == {"dormancy_drift"}


def test_engagement_cloudevents_are_signals() -> None:
    viewed = notice(PRODUCT_VIEWED, {"product": "SAVINGS_PLUS", "views": 4})
    left = notice(APPLICATION_ABANDONED, {"product": "CLASSIC_CARD", "step": "income"})
    signals = Detector().detect([viewed, left], c360((CUR,)), now=NOW)
    by_id = {s.id: s for s in signals}
    assert set(by_id) == {"product_viewed", "application_abandoned"}
    assert by_id["product_viewed"].products == ("SAVINGS_PLUS",)
    assert by_id["application_abandoned"].products == ("CLASSIC_CARD",)


def test_too_few_views_is_no_signal() -> None:
    viewed = notice(PRODUCT_VIEWED, {"product": "SAVINGS_PLUS", "views": 2})
    assert Detector().detect([viewed], c360((CUR,)), now=NOW) == ()


def test_scan_ids_are_deterministic_per_party_and_day() -> None:
    td = account(TD, ProductFamily.TERM_DEPOSIT, "FIXED_DEPOSIT_12M", "20000",
                 matures_on=TODAY + timedelta(days=3))  # fmt: skip
    first = Detector().scan(c360((CUR, td)), now=NOW, platform="mambu")
    second = Detector().scan(c360((CUR, td)), now=NOW, platform="mambu")
    assert first[0].event_ids == second[0].event_ids


def test_thresholds_come_from_configuration(tmp_path: Path) -> None:
    path = tmp_path / "signals.toml"
    path.write_text('[salary_credit]\nmin_amount = "5000"\nversion = "2"\n')
    detector = Detector(SignalCatalogue.load(path))
    salary = salaried(months=1)[0]
    assert detector.detect([posted(salary)], c360((CUR,), (salary,)), now=NOW) == ()
    assert detector.catalogue.salary_credit.version == "2"


def test_a_disabled_rule_never_fires(tmp_path: Path) -> None:
    path = tmp_path / "signals.toml"
    path.write_text("[salary_credit]\nenabled = false\n")
    salary = salaried(months=1)[0]
    view = c360((CUR,), (salary,))
    assert Detector(SignalCatalogue.load(path)).detect([posted(salary)], view, now=NOW) == ()


def test_an_invalid_signals_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "signals.toml"
    path.write_text("[repeated_overdraft]\nmin_episodes = 0\n")
    with pytest.raises(PolicyError) as caught:
        SignalCatalogue.load(path)
    assert caught.value.field == "repeated_overdraft.min_episodes"
    assert "greater than or equal to 1" in caught.value.reason


def test_events_of_another_party_are_ignored() -> None:
    salary = salaried(months=1)[0]
    other = posted(salary).model_copy(update={"subject": "999"})
    assert Detector().detect([other], c360((CUR,), (salary,)), now=NOW) == ()
