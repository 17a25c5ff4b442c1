"""The ledger hot path: the dict fast path yields what the RecordReader path yields, or defers."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _support import fixture
from xsell_connect_mambu import _ledger_fast, mapping
from xsell_connect_mambu._codes import Codes, jsonable, trim
from xsell_connect_mambu.mapping import AccountKind, to_ledger_entry

from xsell_connect.errors import MappingError
from xsell_connect.models import CreditDebit, ProductFamily

PARIS = ZoneInfo("Europe/Paris")
CASES: list[tuple[AccountKind, str, ProductFamily]] = [
    ("deposit", "search_deposit_transactions", ProductFamily.CURRENT),
    ("loan", "search_loan_transactions", ProductFamily.MORTGAGE),
]


def _both(raw: Any, kind: AccountKind, family: ProductFamily) -> tuple[Any, Any]:
    fast = _ledger_fast.ledger_entry_fast(raw, kind, "ACC-1", family, "EUR", "mambu", PARIS)
    slow = mapping._ledger_entry(raw, kind, "ACC-1", family, "EUR", "mambu", PARIS)
    return fast, slow


@pytest.mark.parametrize(("kind", "name", "family"), CASES)
def test_fast_path_maps_every_fixture_transaction_as_the_reader_does(
    kind: AccountKind, name: str, family: ProductFamily
) -> None:
    for raw in fixture(name):
        fast, slow = _both(raw, kind, family)
        assert fast == slow
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bookingDate", None),
        ("bookingDate", ""),
        ("valueDate", "2024-10-26T23:30:00+00:00"),
        ("amount", 1200),
        ("amount", Decimal("-5.10")),
        ("type", "NET_DIFF_INTEREST"),
        ("type", "DEPOSIT_ADJUSTMENT"),
        ("currencyCode", None),
        ("_card", {"MCC": " 742 ", "Merchant_Country": "France"}),
    ],
)
def test_fast_path_agrees_on_variants_of_a_good_record(field: str, value: Any) -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw[field] = value
    fast, slow = _both(raw, "deposit", ProductFamily.CURRENT)
    assert fast == slow


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "12.50"),  # text amounts: the reader's job
        ("amount", Decimal("NaN")),
        ("amount", None),
        ("type", "  "),
        ("id", 58211),
        ("encodedKey", ""),
        ("creationDate", "25/10/2024"),
        ("creationDate", "2024-10-25T10:15:03"),
        ("transactionDetails", ["SEPA"]),
        ("_card", {"MCC": 5411}),
        ("_card", {"MCC": "54111"}),
        ("notes", 7),
    ],
)
def test_fast_path_defers_anything_off_the_happy_path(field: str, value: Any) -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw[field] = value
    with pytest.raises(_ledger_fast.Slow):
        _ledger_fast.ledger_entry_fast(
            raw, "deposit", "ACC-1", ProductFamily.CURRENT, None, "mambu", None
        )


def test_a_record_the_fast_path_defers_still_fails_with_the_readers_error() -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw["amount"] = "abc"
    with pytest.raises(MappingError) as caught:
        to_ledger_entry(raw, "deposit", "ACC-1", tz=PARIS)
    assert caught.value.path == ("amount",)
    assert caught.value.raw is raw


def test_a_record_failing_canonical_validation_keeps_the_readers_error() -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw["currencyCode"] = "eur"
    with pytest.raises(MappingError, match=r"canonical LedgerEntry\.currency") as caught:
        to_ledger_entry(raw, "deposit", "ACC-1", tz=PARIS)
    assert caught.value.raw is raw


def test_transaction_codes_are_shared_instances() -> None:
    args = ("WITHDRAWAL", "WITHDRAWAL", "CARD", CreditDebit.DBIT, ProductFamily.CURRENT)
    assert Codes.transaction_code(*args) is Codes.transaction_code(*args)
    assert Codes.transaction_code(*args) == Codes._transaction_code(*args)


def _reference_trim(value: Decimal) -> Decimal:
    if value.is_zero():
        return Decimal(0)
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


@pytest.mark.parametrize(
    "text",
    ["0", "-0.00", "1E+3", "1.50", "2980.81", "-12.5", "0.0000001", "12.3E-2", "100",
     "1234567890123456789.1", "1.00000000000000000000000000001"],
)  # fmt: skip
def test_trim_hot_path_matches_the_full_rule(text: str) -> None:
    assert trim(Decimal(text)).as_tuple() == _reference_trim(Decimal(text)).as_tuple()


def test_jsonable_turns_nested_decimals_into_text_and_keeps_the_rest() -> None:
    value = {"a": Decimal("1.50"), "b": 0, "c": None, "d": [Decimal("2"), "x"], "e": {"f": True}}
    assert jsonable(value) == {"a": "1.5", "b": 0, "c": None, "d": ["2", "x"], "e": {"f": True}}


JSON_EDGES = [
    b'{"a": 1, "a": 2}',
    b"[1e5, 1.5E-3, -0.0, 0.10, 123456789012345678901234567890.123456789]",
    b'"\\ud83d\\ude00 \\u00e9"',
    b"[12345678901234567890123, -7, 0]",
    b'{"x": 1.0, "y": null, "z": [true, false]}',
    b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 BOM: only the standard parser takes it
    b"[NaN, Infinity, -Infinity]",  # refused by jiter here, read by the standard parser
    b'"\\ud800"',  # a lone surrogate
    b" [ 1 ] ",
]


@pytest.mark.parametrize("body", JSON_EDGES)
def test_loads_reads_exactly_what_the_standard_parser_with_decimals_reads(body: bytes) -> None:
    import json

    from xsell_connect_mambu.client import loads

    expected = json.loads(body, parse_float=Decimal)
    got = loads(body)
    assert repr(got) == repr(expected)  # repr: Decimal('0.10') and Decimal('0.1') differ


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": 1.}', b"[1,]", b"\xff"])
def test_loads_raises_the_standard_parsers_error_on_broken_json(body: bytes) -> None:
    import json

    from xsell_connect_mambu.client import loads

    with pytest.raises(ValueError, match=r".") as expected:
        json.loads(body, parse_float=Decimal)
    with pytest.raises(ValueError, match=r".") as got:
        loads(body)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)


def test_every_fixture_page_reads_as_the_standard_parser_reads_it() -> None:
    import json
    from pathlib import Path

    from xsell_connect_mambu.client import loads

    pages = sorted(Path(__file__).parent.joinpath("fixtures").glob("*.json"))
    assert pages
    for page in pages:
        body = page.read_bytes()
        assert repr(loads(body)) == repr(json.loads(body, parse_float=Decimal)), page.name
