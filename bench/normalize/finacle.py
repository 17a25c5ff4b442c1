"""Finacle: raw ``getLastNTransactionsWithPagination`` replies → ``CanonicalEvent``.

The path does what the adapter does with the bytes the mock core serves: the hardened lxml
parse, the three-place status check, the rows mapped by the adapter's own
``ledger_entries`` (padding trimmed, Decimal amounts, oldest first) and the
``CanonicalEvent`` wrap; events are counted and dropped, as a sync hands them on. The
floor, in the same run, is raw lxml parsing of the same bytes plus validating the
already-canonical events. Target ≥ 0.3 (an XML core).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from zoneinfo import ZoneInfo

import httpx
from lxml import etree
from xsell_connect_finacle._ledger_fast import ledger_entries
from xsell_connect_finacle.fixml import read_reply
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.finacle import FinacleMock
from xsell_connect_mocks.finacle.schemes import acid_of

from xsell_connect.models import CanonicalEvent, EventType, LedgerEntry

TARGET = 0.3
__all__ = ["TARGET", "prepare"]
LAST_N = "getLastNTransactionsWithPagination"
REQUEST = (
    '<FIXML xmlns="http://www.finacle.com/fixml"><Header><RequestHeader><MessageKey>'
    "<RequestUUID>bench</RequestUUID><ServiceRequestId>" + LAST_N + "</ServiceRequestId>"
    "<ServiceRequestVersion>10.2</ServiceRequestVersion><ChannelId>CRM</ChannelId>"
    "</MessageKey><RequestMessageInfo><BankId>01</BankId><MessageDateTime>"
    "2026-11-01T00:00:00.000</MessageDateTime></RequestMessageInfo><Security><Token>"
    "<PasswordToken><UserId/><Password/></PasswordToken></Token></Security></RequestHeader>"
    "</Header><Body><" + LAST_N + "Request><PaginatedAccountTransactionList>"
    "<accountListElement><acid>{acid}</acid><branchId/></accountListElement>"
    "<lastNTransactions>5000</lastNTransactions></PaginatedAccountTransactionList></"
    + LAST_N
    + "Request></Body></FIXML>"
)


async def _raw_pages(entries: int) -> list[tuple[str, bytes]]:
    bank = SyntheticBank(BankConfig(seed=3, customers=max(10, entries // 300)))
    mock = FinacleMock(bank)
    pages: list[tuple[str, bytes]] = []
    total = 0
    async with httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url) as client:
        for customer in bank.customers():
            for account in bank.accounts_of(customer.index):
                acid = acid_of(account.number)
                reply = await client.post("/FISERVLET/fihttp", content=REQUEST.format(acid=acid))
                pages.append((acid, reply.content))
                total += reply.content.count(b"<transactionDetails>")
                if total >= entries:
                    return pages
    return pages


def _wrap(entry: LedgerEntry) -> CanonicalEvent:
    assert entry.booked_at is not None
    return CanonicalEvent.wrap(
        type=EventType.LEDGER_ENTRY_POSTED,
        platform="finacle",
        source="urn:xsell-connect:finacle",
        key=entry.id,
        time=entry.booked_at,
        subject=None,
        data=entry,
    )


def _entries(acid: str, page: bytes, tz: ZoneInfo) -> list[LedgerEntry]:
    """What ``list_ledger_entries`` does with one reply: status check, rows, oldest first."""
    reply = read_reply(page, operation="bench")
    statement = reply.business(f"{LAST_N}Response/PaginatedAccountStatement")
    return ledger_entries(statement, acid, "EUR", tz) if statement is not None else []


def _path(pages: list[tuple[str, bytes]]) -> Callable[[], int]:
    tz = ZoneInfo("Europe/Paris")

    def run() -> int:  # events are counted and dropped, as a sync hands them on
        n = 0
        for acid, page in pages:
            for entry in _entries(acid, page, tz):
                _wrap(entry)
                n += 1
        return n

    return run


def _floor(pages: list[tuple[str, bytes]]) -> Callable[[], int]:
    tz = ZoneInfo("Europe/Paris")
    canonical = [
        _wrap(entry).model_dump_json().encode()
        for acid, page in pages
        for entry in _entries(acid, page, tz)
    ]
    raw = [page for _, page in pages]

    def run() -> int:
        for page in raw:
            etree.fromstring(page)
        for blob in canonical:
            event = CanonicalEvent.model_validate_json(blob)
            LedgerEntry.model_validate(event.data)
        return len(canonical)

    return run


def prepare(entries: int) -> tuple[Callable[[], int], Callable[[], int]]:
    """The path and the floor over the same ``entries`` raw Finacle statement rows."""
    pages = asyncio.run(_raw_pages(entries))
    return _path(pages), _floor(pages)
