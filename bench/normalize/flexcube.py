"""FLEXCUBE: raw ``QueryAccTxnsIO`` SOAP replies → ``CanonicalEvent``, SOAP parsing included.

The path is what the adapter does with each statement reply (zeep builds the request; the
reply is read from its bytes): the hardened lxml parser reads the envelope (DOCTYPE refused,
no entities, no network) into plain dicts, MSGSTAT and FCUBS_ERROR_RESP are checked, each
``Acc-Txn-Full`` row maps to ``LedgerEntry`` and is wrapped into a ``CanonicalEvent``.
The floor, in the same run: raw lxml parsing of the same bytes plus validating the same
events from canonical JSON. Target ≥ 0.3 (an XML core).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from lxml import etree
from xsell_connect_flexcube.client import outcome
from xsell_connect_flexcube.mapping import to_ledger_entry
from xsell_connect_flexcube.reply import read
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock

from xsell_connect.models import CanonicalEvent, EventType, LedgerEntry

TARGET = 0.3
__all__ = ["TARGET", "prepare"]
URL = "http://flexcube.mock/XSCStatementService/XSCStatementService"
NS = "urn:xsell-connect:fcubs:XSCStatementService"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _request(account: str) -> bytes:
    return (
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
        f'<QUERYACCTXNS_IOFS_REQ xmlns="{NS}"><FCUBS_HEADER><SOURCE>XSELL</SOURCE>'
        "<UBSCOMP>FCUBS</UBSCOMP><MSGID/><CORRELID/><USERID>XSELLUSR</USERID><BRANCH>000</BRANCH>"
        "<MODULEID/><SERVICE>XSCStatementService</SERVICE><OPERATION>QueryAccTxns</OPERATION>"
        "<SOURCE_OPERATION/><SOURCE_USERID/></FCUBS_HEADER><FCUBS_BODY><Acc-Txn-Query>"
        f"<ACC>{account}</ACC><MAXROWS>1000</MAXROWS></Acc-Txn-Query></FCUBS_BODY>"
        "</QUERYACCTXNS_IOFS_REQ></S:Body></S:Envelope>"
    ).encode()


async def _raw_pages(entries: int) -> list[bytes]:
    """Raw statement replies (bytes, as on the wire) holding about ``entries`` postings."""
    bank = SyntheticBank(BankConfig(seed=3, customers=max(10, entries // 300)))
    mock = FlexcubeMock(bank)
    pages: list[bytes] = []
    total = 0
    async with httpx.AsyncClient(transport=mock.transport()) as client:
        for customer in bank.customers():
            for account in bank.accounts_of(customer.index):
                response = await client.post(URL, content=_request(account.number))
                pages.append(response.content)
                total += response.content.count(b"<Acc-Txn-Full>")
                if total >= entries:
                    return pages
    return pages


def _event(entry: LedgerEntry) -> CanonicalEvent:
    return CanonicalEvent.wrap(
        type=EventType.LEDGER_ENTRY_POSTED,
        platform="flexcube",
        source="urn:xsell-connect:flexcube",
        key=f"{entry.account_id}:{entry.id}",
        time=entry.booked_at or NOW,
        subject=None,
        data=entry,
    )


def _path(pages: list[bytes]) -> Callable[[], int]:
    tz = ZoneInfo("Europe/Paris")
    message = f"{{{NS}}}QUERYACCTXNS_IOFS_RES"

    def run() -> int:
        n = 0
        for page in pages:
            reply = read(page, message, where="flexcube QueryAccTxnsIO")
            assert reply is not None, "the mock answered something else than a statement"
            body = outcome(reply, "QueryAccTxnsIO", kind="account", ident="")
            for row in body.get("Acc-Txn-Full") or []:
                _event(to_ledger_entry(row, tz))
                n += 1
        return n

    return run


def _floor(pages: list[bytes]) -> Callable[[], int]:
    canonical = [
        _event(entry).model_dump_json().encode() for page in pages for entry in _path_entries(page)
    ]

    def run() -> int:
        for page in pages:
            etree.fromstring(page, parser=_PARSER)
        for blob in canonical:
            event = CanonicalEvent.model_validate_json(blob)
            LedgerEntry.model_validate(event.data)
        return len(canonical)

    return run


def _path_entries(page: bytes) -> list[LedgerEntry]:
    root = etree.fromstring(page, parser=_PARSER)
    tz = ZoneInfo("Europe/Paris")
    rows = root.iter(f"{{{NS}}}Acc-Txn-Full")
    return [to_ledger_entry({etree.QName(c).localname: c.text for c in row}, tz) for row in rows]


def prepare(entries: int) -> tuple[Callable[[], int], Callable[[], int]]:
    """The path and the floor over the same raw FLEXCUBE statement replies."""
    pages = asyncio.run(_raw_pages(entries))
    return _path(pages), _floor(pages)
