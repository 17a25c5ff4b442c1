"""The ledger hot path: the dict fast path yields what the RecordReader path yields, or defers."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.temenos import render
from xsell_connect_temenos import _ledger_fast, mapping
from xsell_connect_temenos.mapping import to_ledger_entry

from xsell_connect.errors import MappingError

ROW: dict[str, Any] = {
    "entryReference": "ENT-1",
    "transactionReference": "FT2629900001",
    "accountId": "1000001",
    "amount": -42.1,
    "currencyId": "EUR",
    "balance": 1234.5,
    "bookingDate": "2026-10-26",
    "narrative": "CARD PAYMENT",
    "transactionType": "312",
    "companyId": "GB0010001",
}


def _mock_rows() -> list[dict[str, Any]]:
    bank = SyntheticBank(BankConfig(seed=5, customers=12))
    return [
        render.entry_row(p, a)
        for i in range(12)
        for a in bank.accounts_of(i)
        for p in bank.postings(a)
    ]


def _both(raw: dict[str, Any]) -> tuple[Any, Any]:
    fast = _ledger_fast.ledger_entry_fast(raw, "ACC-1", "temenos", mapping._BTC, {})
    slow = mapping._ledger_entry(raw, "ACC-1", "temenos")
    return fast, slow


def test_fast_path_maps_every_mock_row_as_the_reader_does() -> None:
    rows = _mock_rows()
    assert rows
    for raw in rows:
        fast, slow = _both(raw)
        assert fast == slow
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 1200),
        ("amount", Decimal("-5.10")),
        ("amount", 0.1),
        ("balance", None),
        ("balance", -3),
        ("valueDate", "2026-10-27"),
        ("valueDate", "  "),
        ("transactionReference", ""),
        ("transactionType", "999"),
        ("transactionType", None),
        ("transactionType", ""),
        ("narrative", None),
        ("accountId", None),
        ("companyId", ""),
    ],
)
def test_fast_path_agrees_on_variants_of_a_good_row(field: str, value: Any) -> None:
    raw = copy.deepcopy(ROW) | {field: value}
    fast, slow = _both(raw)
    assert fast == slow
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "12.50"),  # text amounts: the reader's job
        ("amount", True),
        ("amount", float("nan")),
        ("amount", None),
        ("balance", ""),
        ("balance", "12.00"),
        ("bookingDate", None),
        ("bookingDate", " "),
        ("bookingDate", "2026-10-26T10:00:00"),
        ("bookingDate", "26/10/2026"),
        ("entryReference", 58211),
        ("entryReference", " "),
        ("currencyId", None),
        ("currencyId", "euro"),
        ("narrative", 7),
    ],
)
def test_fast_path_defers_anything_off_the_happy_path(field: str, value: Any) -> None:
    raw = copy.deepcopy(ROW) | {field: value}
    with pytest.raises((_ledger_fast.Slow, ValueError)):
        _ledger_fast.ledger_entry_fast(raw, "ACC-1", "temenos", mapping._BTC, {})
    try:
        expected: Any = mapping._ledger_entry(raw, "ACC-1", "temenos")
    except MappingError as exc:
        expected = (type(exc), str(exc), exc.path)
    try:
        got: Any = to_ledger_entry(raw, "ACC-1")
    except MappingError as exc:
        got = (type(exc), str(exc), exc.path)
    assert got == expected


def test_known_codes_are_built_once_and_shared() -> None:
    known: dict[str, Any] = {}
    first = _ledger_fast.ledger_entry_fast(ROW, "ACC-1", "temenos", mapping._BTC, known)
    second = _ledger_fast.ledger_entry_fast(ROW, "ACC-1", "temenos", mapping._BTC, known)
    assert list(known) == ["312"]
    assert first.bank_transaction_code is second.bank_transaction_code
    assert first.bank_transaction_code.sub_family == "POSD"
