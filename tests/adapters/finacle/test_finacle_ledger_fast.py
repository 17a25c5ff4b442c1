"""The statement fast path gives exactly what the reader path gives, entry or error.

Each case edits the first row of a field-shaped statement the way a bank's reply may
differ from the mock's; the fast path must then either map it identically or fall back
so that the reader raises its own error (same message, same path).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from _finacle_support import fixture
from xsell_connect_finacle._ledger_fast import ledger_entries, ledger_entry_from_element
from xsell_connect_finacle.fixml import Q, parse_xml
from xsell_connect_finacle.mapping import record, to_ledger_entry

from xsell_connect.errors import MappingError
from xsell_connect.models import LedgerEntry

IST = ZoneInfo("Asia/Kolkata")
ACID = "1007710010000223"
AMOUNT = b"<txnAmt><amountValue>5500.00</amountValue><currencyCode>INR</currencyCode></txnAmt>"
BALANCE = (
    b"<txnBalance><amountValue>53750.00</amountValue><currencyCode>INR</currencyCode></txnBalance>"
)
EDITS: dict[str, tuple[bytes, bytes]] = {
    "as served": (b"", b""),
    "date-time with a space": (b"2024-10-25T00:00:00.000</txnDate>", b"2024-10-25 10:00</txnDate>"),
    "date alone": (b"2024-10-25T00:00:00.000</txnDate>", b"2024-10-25</txnDate>"),
    "value date alone": (b"2024-10-25T00:00:00.000</valueDate>", b"2024-10-25</valueDate>"),
    "empty value date": (b"<valueDate>2024-10-25T00:00:00.000</valueDate>", b"<valueDate/>"),
    "empty posting time": (b"<pstdDate>2024-10-25T18:48:32.000</pstdDate>", b"<pstdDate/>"),
    "blank currency": (AMOUNT, AMOUNT.replace(b">INR<", b">   <")),
    "no currency": (AMOUNT, AMOUNT.replace(b"<currencyCode>INR</currencyCode>", b"")),
    "currency first": (
        AMOUNT,
        b"<txnAmt><currencyCode>INR</currencyCode><amountValue>5500.00</amountValue></txnAmt>",
    ),
    "empty balance": (BALANCE, b"<txnBalance/>"),
    "no balance": (BALANCE, b""),
    "lower-case type": (b"<txnType>C</txnType>", b"<txnType>c</txnType>"),
    "unknown type": (b"<txnType>C</txnType>", b"<txnType>X</txnType>"),
    "no amount": (AMOUNT, b""),
    "amount NaN": (b">5500.00<", b">NaN<"),
    "amount with a comma": (b">5500.00<", b">5,500.00<"),
    "padded amount": (b">5500.00<", b"> 5500.00 <"),
    "empty tran id": (b"<txnId>  S531564</txnId>", b"<txnId/>"),
    "no serial": (b"<txnSrlNo>   6</txnSrlNo>", b""),
    "a comment in the row": (b"<pstdDate>2024-10-25T18", b"<!-- audit --><pstdDate>2024-10-25T18"),
    "no summary": (b"transactionSummary>", b"transactionSumary>"),
}


def _outcome(read: object) -> tuple[object, ...]:
    try:
        assert callable(read)
        entry = read()
    except MappingError as exc:
        return ("error", str(exc), exc.path)
    assert isinstance(entry, LedgerEntry)
    return ("entry", entry)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_the_fast_path_equals_the_reader_on_field_variations(edit: str) -> None:
    old, new = EDITS[edit]
    body = fixture("statement_padded.xml")
    if old:
        assert old in body
        body = body.replace(old, new)
    row = next(parse_xml(body).iter(f"{Q}transactionDetails"))
    fast = _outcome(lambda: ledger_entry_from_element(row, ACID, "INR", IST))
    slow = _outcome(lambda: to_ledger_entry(record(row), ACID, "INR", IST))
    assert fast == slow


def test_a_statement_maps_oldest_first_as_the_reader_does() -> None:
    statement = parse_xml(fixture("statement_padded.xml")).find(
        f"{Q}Body/{Q}getLastNTransactionsWithPaginationResponse/{Q}PaginatedAccountStatement"
    )
    assert statement is not None
    entries = ledger_entries(statement, ACID, "INR", IST)
    rows = statement.findall(f"{Q}transactionDetails")
    assert entries == [to_ledger_entry(record(r), ACID, "INR", IST) for r in reversed(rows)]
    assert [e.id for e in entries] == [
        "1007710010000223:20241024:M5397:1",
        "1007710010000223:20241025:S531564:6",
    ]
