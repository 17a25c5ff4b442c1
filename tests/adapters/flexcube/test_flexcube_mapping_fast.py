"""The statement hot path: the dict fast path maps as the RecordReader path does, or defers."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from xsell_connect_flexcube import _ledger_fast, mapping
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import render

from xsell_connect.errors import MappingError

PARIS = ZoneInfo("Europe/Paris")
GOOD: dict[str, Any] = {
    "AC_BRANCH": "001", "AC_NO": "10000000101", "AC_CCY": "EUR", "DRCR_IND": "D",
    "LCY_AMOUNT": "42.10", "TRN_REF_NO": "001TRF2630500001", "TRN_CODE": "POS", "EVENT": "INIT",
    "MODULE": "DE", "TRN_DT": "2026-10-31", "VALUE_DT": "2026-11-02",
    "TRN_DTTM": "2026-10-31 23:59:58", "NARRATIVE": "CARD PURCHASE", "MCC": "5411",
    "MERCHANT_COUNTRY": "FR", "CHANNEL": "POS", "REVERSAL": "N",
}  # fmt: skip


def _rows() -> list[dict[str, Any]]:
    bank = SyntheticBank(BankConfig(seed=5, customers=4))
    rows = []
    for customer in bank.customers():
        branch = render.BRANCH_CODES[customer.branch]
        for account in bank.accounts_of(customer.index):
            for posting in bank.postings(account):
                rows.append(dict(render.txn_row(posting, account, branch, "Europe/Paris")))
    return rows


def test_fast_path_maps_every_synthetic_posting_as_the_reader_does() -> None:
    rows = _rows()
    assert len(rows) > 100
    for raw in rows:
        fast = _ledger_fast.ledger_entry_fast(raw, PARIS)
        assert fast == mapping._ledger_entry(raw, PARIS)
        assert fast.model_dump(mode="json") == mapping._ledger_entry(raw, PARIS).model_dump(
            mode="json"
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("FCY_AMOUNT", "40.00"),
        ("FCY_AMOUNT", "0"),
        ("FCY_AMOUNT", ""),
        ("LCY_AMOUNT", " 42.10 "),
        ("TRN_DTTM", None),
        ("TRN_DTTM", ""),
        ("TRN_CODE", None),
        ("REVERSAL", "Y"),
        ("MCC", None),
        ("EVENT", None),
    ],
)
def test_fast_path_agrees_on_variants_of_a_good_row(field: str, value: Any) -> None:
    raw = {**GOOD, field: value}
    assert _ledger_fast.ledger_entry_fast(raw, PARIS) == mapping._ledger_entry(raw, PARIS)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("DRCR_IND", "X", "DRCR_IND must be C or D, not 'X'"),
        ("DRCR_IND", [{"C": "1"}], "expected a string, got list"),
        ("LCY_AMOUNT", "12,50", "not a number: '12,50'"),
        ("LCY_AMOUNT", None, "at LCY_AMOUNT: required field is missing"),
        ("TRN_DT", "2026-13-01", "not a date: '2026-13-01'"),
        ("AC_NO", " ", "required field is empty"),
        ("TRN_DTTM", "31/10/2026 10:00", "not a yyyy-mm-dd hh:mm:ss stamp"),
        ("MCC", "54", "merchant_category_code"),
        ("AC_CCY", "euro", "currency"),
    ],
)
def test_rows_off_the_happy_path_defer_to_the_reader_for_the_exact_error(
    field: str, value: Any, message: str
) -> None:
    raw = {**GOOD, field: value}
    with pytest.raises((_ledger_fast.Slow, ValueError)):  # pydantic's error is a ValueError
        _ledger_fast.ledger_entry_fast(raw, PARIS)
    with pytest.raises(MappingError, match=message) as caught:
        mapping.to_ledger_entry(raw, PARIS)
    assert caught.value.platform == "flexcube"


def test_a_date_time_where_a_date_is_expected_defers_and_keeps_the_date() -> None:
    raw = {**GOOD, "TRN_DT": "2026-10-31T10:00:00"}
    with pytest.raises(_ledger_fast.Slow):
        _ledger_fast.ledger_entry_fast(raw, PARIS)
    assert mapping.to_ledger_entry(raw, PARIS).booking_date.isoformat() == "2026-10-31"
