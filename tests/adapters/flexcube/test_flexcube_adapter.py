"""The FLEXCUBE adapter against its mock and against hand-made replies (hostile, huge)."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from xsell_connect_flexcube import FlexcubeAdapter, FlexcubeSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock
from xsell_connect_mocks.flexcube.notify import Notifier

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import (
    FatalUpstreamError,
    MalformedEventError,
    RateLimitedError,
    RequestRejectedError,
    UpstreamUnavailableError,
)
from xsell_connect.models import CreditDebit, EventType, NextBestAction

BANK = BankConfig(seed=5, customers=4)
S = "http://schemas.xmlsoap.org/soap/envelope/"
STMT_NS = "urn:xsell-connect:fcubs:XSCStatementService"
CUST_NS = "http://fcubs.ofss.com/service/FCUBSCustomerService"


async def _no_sleep(_: float) -> None:
    return None


def _adapter(transport: httpx.AsyncBaseTransport) -> FlexcubeAdapter:
    settings = FlexcubeSettings(gateway_url="http://flexcube.mock", max_attempts=2)
    return FlexcubeAdapter.from_settings(settings, transport=transport, sleep=_no_sleep)


@pytest.mark.parametrize("modern", [False, True])
async def test_old_xsd_client_reads_both_reply_styles_alike(modern: bool) -> None:
    bank = SyntheticBank(BANK)
    async with _adapter(FlexcubeMock(bank, modern=modern).transport()) as adapter:
        party = await adapter.get_party("100000001")
    customer = bank.customer(1)
    assert (party.given_name, party.family_name) == (customer.first_name, customer.last_name)
    assert party.birth_date == customer.birth_date
    assert party.branch is not None
    assert len(party.branch) == 3
    assert party.customer_since == customer.customer_since


async def test_modify_customer_sends_empty_header_fields_and_skips_untouched_blocks() -> None:
    mock = FlexcubeMock(SyntheticBank(BANK))
    nba = NextBestAction(party_id="100000002", action_code="OFFER_TD_12M", score=Decimal("0.82"))
    async with _adapter(mock.transport()) as adapter:
        receipt = await adapter.set_next_best_action(nba, idempotency_key="evt-1:nba")
    (entry,) = mock.journal.entries(operation="ModifyCustomerIO")
    body = entry.body.decode()
    assert "<ns0:MSGID></ns0:MSGID>" in body or "<ns0:MSGID/>" in body
    assert "Custgrp" not in body
    assert "Bic" not in body
    assert "<ns0:NAME>XREF</ns0:NAME><ns0:VALUE>evt-1:nba</ns0:VALUE>" in body
    assert receipt.reference == "100000002"
    assert mock.store.get("customers", "100000002") == {
        # A FLDNAM sent without FLDVAL clears a stale expiry and offer reference.
        "udfs": {
            "NEXT_BEST_ACTION": "OFFER_TD_12M",
            "NBA_SCORE": "0.82",
            "NBA_EXPIRY": "",
            "NBA_OFFER_REF": "",
        },
        "mods": 1,
    }


def _statement(rows: int) -> bytes:
    row = (
        "<Acc-Txn-Full><AC_BRANCH>001</AC_BRANCH><AC_NO>10000000101</AC_NO><AC_CCY>EUR</AC_CCY>"
        "<DRCR_IND>{d}</DRCR_IND><LCY_AMOUNT>12.50</LCY_AMOUNT><TRN_REF_NO>T{n:08d}</TRN_REF_NO>"
        "<TRN_DT>2026-10-01</TRN_DT><VALUE_DT>2026-10-01</VALUE_DT>"
        "<TRN_DTTM>2026-10-01 10:00:00</TRN_DTTM></Acc-Txn-Full>"
    )
    body = "".join(row.format(n=n, d="CD"[n % 2]) for n in range(rows))
    return (
        f'<S:Envelope xmlns:S="{S}"><S:Body><QUERYACCTXNS_IOFS_RES xmlns="{STMT_NS}">'
        "<FCUBS_HEADER><SOURCE>XSELL</SOURCE><UBSCOMP>FCUBS</UBSCOMP><MSGSTAT>SUCCESS</MSGSTAT>"
        f"</FCUBS_HEADER><FCUBS_BODY>{body}<MORE>N</MORE></FCUBS_BODY>"
        "</QUERYACCTXNS_IOFS_RES></S:Body></S:Envelope>"
    ).encode()


async def test_a_statement_of_ten_thousand_entries_parses_without_huge_tree() -> None:
    reply = _statement(10_000)
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=reply))
    async with _adapter(transport) as adapter:
        assert adapter.client.zeep.xml_huge_tree is False
        page = await adapter.list_ledger_entries("10000000101", page=PageRequest(size=10_000))
    assert len(page.items) == 10_000
    assert page.next is None
    assert page.items[0].credit_debit is CreditDebit.CRDT
    assert page.items[1].credit_debit is CreditDebit.DBIT


@pytest.fixture
def listener() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    return server


_MESSAGES = {  # the party through zeep, the statement read from its bytes
    "party": (CUST_NS, "QUERYCUSTOMER_IOFS_RES", "Customer-Full", "CUSTNO", "NAME"),
    "statement": (STMT_NS, "QUERYACCTXNS_IOFS_RES", "Acc-Txn-Full", "AC_NO", "NARRATIVE"),
}
_READS: dict[str, Callable[[FlexcubeAdapter], Awaitable[object]]] = {
    "party": lambda adapter: adapter.get_party("10000000101"),
    "statement": lambda adapter: adapter.list_ledger_entries("10000000101"),
}


def _hostile_reply(kind: str, reading: str, secret: Path, port: int) -> bytes:
    doctype = {
        "billion_laughs": '<!DOCTYPE S:Envelope [<!ENTITY a "lol"><!ENTITY x "&a;&a;&a;&a;">]>',
        "external_entity": f'<!DOCTYPE S:Envelope [<!ENTITY x SYSTEM "file://{secret}">]>',
        "external_dtd": f'<!DOCTYPE S:Envelope SYSTEM "http://127.0.0.1:{port}/x.dtd">',
    }[kind]
    value = "1" if kind == "external_dtd" else "&x;"
    ns, message, record, key, text = _MESSAGES[reading]
    return (
        f'{doctype}<S:Envelope xmlns:S="{S}"><S:Body><{message} xmlns="{ns}">'
        f"<FCUBS_HEADER><MSGSTAT>SUCCESS</MSGSTAT></FCUBS_HEADER><FCUBS_BODY><{record}>"
        f"<{key}>10000000101</{key}><{text}>{value}</{text}></{record}></FCUBS_BODY>"
        f"</{message}></S:Body></S:Envelope>"
    ).encode()


@pytest.mark.parametrize("reading", ["party", "statement"])
@pytest.mark.parametrize("kind", ["billion_laughs", "external_entity", "external_dtd"])
async def test_hostile_replies_are_refused_naming_the_cause_and_nothing_is_read(
    kind: str, reading: str, tmp_path: Path, listener: socket.socket
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    reply = _hostile_reply(kind, reading, secret, listener.getsockname()[1])
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=reply))
    async with _adapter(transport) as adapter:
        with pytest.raises(FatalUpstreamError, match="DTD or entities") as caught:
            await _READS[reading](adapter)
    assert "TOP-SECRET" not in str(caught.value)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


def test_notifications_become_canonical_events_with_stable_ids() -> None:
    bank = SyntheticBank(BANK)
    account = bank.accounts_of(1)[0]
    posting = next(iter(bank.postings(account)))
    notifier = Notifier(bank)
    opened, entry, balance = notifier.new_account(account), *notifier.posting(posting, account)
    adapter = _adapter(httpx.MockTransport(lambda _: httpx.Response(500)))
    events = [e for body in (opened, entry, balance) for e in adapter.parse_message({}, body)]
    assert [e.type for e in events] == [
        EventType.ACCOUNT_OPENED,
        EventType.LEDGER_ENTRY_POSTED,
        EventType.BALANCE_CHANGED,
    ]
    assert events[0].subject == "100000001"
    assert events[1].data["identifier"]["TRN_REF_NO"] == posting.id
    assert events[2].data["account_id"] == account.number
    assert adapter.parse_message({}, entry)[0].id == events[1].id


def test_a_notification_with_a_doctype_is_refused() -> None:
    adapter = _adapter(httpx.MockTransport(lambda _: httpx.Response(500)))
    body = b'<!DOCTYPE x [<!ENTITY a "b">]><FCUBS_NOTIF_ENV/>'
    with pytest.raises(MalformedEventError, match="DOCTYPE") as caught:
        adapter.parse_message({}, body)
    assert caught.value.raw == body


@pytest.mark.parametrize(
    ("status", "content", "error"),
    [
        (503, b"<html><body>Service Unavailable</body></html>", UpstreamUnavailableError),
        (500, b"not xml at all", UpstreamUnavailableError),
        (502, b"", UpstreamUnavailableError),
        (429, b"", RateLimitedError),
        (404, b"<html>Not Found</html>", RequestRejectedError),
    ],
)
async def test_an_http_error_without_a_soap_fault_is_judged_by_its_status(
    status: int, content: bytes, error: type[Exception]
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, content=content))
    async with _adapter(transport) as adapter:
        with pytest.raises(error, match=f"flexcube QueryCustomerIO: HTTP {status}$"):
            await adapter.get_party("100000001")
