"""The ledger hot path: the dict fast path yields what the RecordReader path yields, or defers."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from _support import fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xsell_connect_mambu import _ledger_fast, mapping
from xsell_connect_mambu._codes import Codes, jsonable, trim
from xsell_connect_mambu.mapping import AccountKind, to_ledger_entry

from xsell_connect.errors import MappingError
from xsell_connect.models import CreditDebit, LedgerEntry, ProductFamily

PARIS = ZoneInfo("Europe/Paris")
CASES: list[tuple[AccountKind, str, ProductFamily]] = [
    ("deposit", "search_deposit_transactions", ProductFamily.CURRENT),
    ("loan", "search_loan_transactions", ProductFamily.MORTGAGE),
]


def _both(raw: Any, kind: AccountKind, family: ProductFamily) -> tuple[Any, Any]:
    fast = _ledger_fast.ledger_entry_fast(raw, kind, "ACC-1", family, "EUR", "mambu", PARIS)
    slow = mapping._ledger_entry(raw, kind, "ACC-1", family, "EUR", "mambu", PARIS)
    _assert_as_validated(fast, slow)
    return fast, slow


def _assert_as_validated(fast: LedgerEntry, slow: LedgerEntry) -> None:
    """The fast path builds its entry without the validator: the validator accepts every
    value as it stands, and the entry is the reader path's, down to the fields set."""
    again = LedgerEntry.__pydantic_validator__.validate_python(dict(fast.__dict__))
    assert again == fast
    assert again.__dict__ == fast.__dict__
    assert list(fast.__dict__) == list(LedgerEntry.model_fields)  # the model's field order
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert repr(fast) == repr(slow)
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


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
        ("currencyCode", "eur"),  # the canonical model's patterns, held by the fast path
        ("currencyCode", "EUR\n"),
        ("_card", {"Merchant_Country": "ÉÉ"}),
        ("cardTransaction", {"cardAcceptor": {"country": "çç"}}),
    ],
)
def test_fast_path_defers_anything_off_the_happy_path(field: str, value: Any) -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw[field] = value
    with pytest.raises(_ledger_fast.Slow):
        _ledger_fast.ledger_entry_fast(
            raw, "deposit", "ACC-1", ProductFamily.CURRENT, None, "mambu", None
        )


@pytest.mark.parametrize(
    ("account_id", "currency", "platform"),
    [("", "EUR", "mambu"), ("ACC-1", "eur", "mambu"), ("ACC-1", "EUR", "Mambu"),
     ("ACC-1", "EUR", "mambu\n"), ("ACC-1", None, "mambu")],
)  # fmt: skip
def test_fast_path_defers_arguments_the_canonical_model_refuses(
    account_id: str, currency: str | None, platform: str
) -> None:
    raw = copy.deepcopy(fixture("search_deposit_transactions")[0])
    raw.pop("currencyCode")
    with pytest.raises(_ledger_fast.Slow):
        _ledger_fast.ledger_entry_fast(
            raw, "deposit", account_id, ProductFamily.CURRENT, currency, platform, None
        )
    with pytest.raises(MappingError):
        mapping._ledger_entry(
            raw, "deposit", account_id, ProductFamily.CURRENT, currency, platform, None
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


#: ``LedgerEntry``'s JSON Schema, digested. The fast path holds its values to the model's
#: constraints itself; when the model changes, this fails until those checks are looked at.
LEDGER_ENTRY_SCHEMA_SHA256 = "04560a72b459c1a3360d4040119c931563ba0dfe0358290cbd3eea1818914e9d"


def test_the_fast_paths_checks_were_written_for_this_ledger_entry_model() -> None:
    schema = json.dumps(LedgerEntry.model_json_schema(), sort_keys=True).encode()
    assert hashlib.sha256(schema).hexdigest() == LEDGER_ENTRY_SCHEMA_SHA256, (
        "LedgerEntry changed: re-check what xsell_connect_mambu/_ledger_fast.py guarantees "
        "of each field (types, patterns, lengths), then update the digest"
    )


async def _mock_transactions(customers: int) -> list[tuple[AccountKind, Any]]:
    """Every deposit and loan transaction the mock serves for a small bank, as read."""
    from xsell_connect_mambu.client import loads
    from xsell_connect_mocks.bank import BankConfig, SyntheticBank
    from xsell_connect_mocks.mambu import MambuMock

    mock = MambuMock(SyntheticBank(BankConfig(seed=11, customers=customers)))
    headers = {"Accept": "application/vnd.mambu.v2+json", "apiKey": "test-api-key"}
    rows: list[tuple[AccountKind, Any]] = []
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as client:
        for kind in ("deposit", "loan"):
            offset = 0
            while True:
                response = await client.post(
                    f"/api/{kind}s/transactions:search",
                    params={"offset": offset, "limit": 1000, "detailsLevel": "FULL"},
                    json={"filterCriteria": [], "sortingCriteria": {"field": "creationDate"}},
                    headers=headers,
                )
                response.raise_for_status()
                page = loads(response.content)
                rows += [(kind, raw) for raw in page]
                if len(page) < 1000:
                    break
                offset += 1000
    return rows


def test_fast_path_maps_every_mock_transaction_as_the_reader_does() -> None:
    rows = asyncio.run(_mock_transactions(40))
    kinds = {kind for kind, _ in rows}
    assert kinds == {"deposit", "loan"}
    assert len(rows) > 2000
    for kind, raw in rows:
        for family in (ProductFamily.CURRENT, ProductFamily.MORTGAGE):
            _both(raw, kind, family)


_ODD: st.SearchStrategy[Any] = st.sampled_from(
    [None, "", " ", "eur", "EUR", "GBP", "E", "EURO", "EUR\n", "ÉÉ", "Fr", "FR", "France",
     "fr\n", 5, 0, -1, True, 12.5, Decimal("NaN"), Decimal("-0"), Decimal("1E+3"),
     Decimal("-12.50"), "12.50", [], {}, ["x"], "2024-10-25T10:15:03Z",
     "2024-10-25T10:15:03", "2024-10-25T10:15:03+02:00", "25/10/2024", "DEPOSIT",
     "WITHDRAWAL_ADJUSTMENT", "INTEREST_APPLIED", "NOT_A_TYPE", "5411", " 742 ", "54111"]
)  # fmt: skip
_FIELDS = st.sampled_from(
    ["type", "amount", "currencyCode", "encodedKey", "id", "creationDate", "valueDate",
     "bookingDate", "notes", "transactionDetails", "cardTransaction", "_card",
     "affectedAmounts", "accountBalances", "paymentDetails", "externalId"]
)  # fmt: skip
_NESTED = st.sampled_from(
    [("_card", "MCC"), ("_card", "Merchant_Country"),
     ("transactionDetails", "transactionChannelId"), ("accountBalances", "totalBalance"),
     ("accountBalances", "principalBalance"), ("paymentDetails", "debtor"),
     ("affectedAmounts", "fundsAmount")]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=10_000),
    kind=st.sampled_from(["deposit", "loan"]),
    changes=st.lists(st.tuples(_FIELDS, _ODD), max_size=3),
    nested=st.lists(st.tuples(_NESTED, _ODD), max_size=2),
    account_id=st.sampled_from(["ACC-1", " ", ""]),
    currency=st.sampled_from(["EUR", None, "eur"]),
    platform=st.sampled_from(["mambu", "mambu_eu", "Mambu", "mambu\n", "m-b"]),
)
def test_fast_path_never_builds_an_entry_the_reader_would_not(
    index: int,
    kind: AccountKind,
    changes: list[tuple[str, Any]],
    nested: list[tuple[tuple[str, str], Any]],
    account_id: str,
    currency: str | None,
    platform: str,
) -> None:
    """Records off the happy path: the fast path defers (``Slow``), or builds exactly the
    reader's entry, which the validator accepts as it stands. Never an entry the reader
    (and so the canonical model) would refuse."""
    records = fixture(f"search_{kind}_transactions")
    raw = copy.deepcopy(records[index % len(records)])
    for field, value in changes:
        raw[field] = value
    for (outer, inner), value in nested:
        if type(raw.get(outer)) is not dict:
            raw[outer] = {}
        raw[outer][inner] = value
    family = ProductFamily.CURRENT if kind == "deposit" else ProductFamily.MORTGAGE
    args = (raw, kind, account_id, family, currency, platform, PARIS)
    try:
        slow = mapping._ledger_entry(*args)
    except MappingError:
        with pytest.raises(_ledger_fast.Slow):
            _ledger_fast.ledger_entry_fast(*args)
        return
    try:
        fast = _ledger_fast.ledger_entry_fast(*args)
    except _ledger_fast.Slow:
        return
    _assert_as_validated(fast, slow)
