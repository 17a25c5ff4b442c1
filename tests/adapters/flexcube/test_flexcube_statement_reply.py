"""Statement replies are read from their bytes: same entries as zeep, same errors, no loss."""

from __future__ import annotations

from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pytest
import zeep
import zeep.helpers
from xsell_connect_flexcube import FlexcubeAdapter, FlexcubeSettings
from xsell_connect_flexcube.client import GW_NS, plain, zeep_settings
from xsell_connect_flexcube.mapping import to_ledger_entry
from xsell_connect_flexcube.settings import WSDL_DIR
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import (
    MappingError,
    NotFoundError,
    RequestRejectedError,
    UpstreamUnavailableError,
)
from xsell_connect.models import LedgerEntry

S = "http://schemas.xmlsoap.org/soap/envelope/"
STMT_NS = "urn:xsell-connect:fcubs:XSCStatementService"
ROW = (
    "<Acc-Txn-Full><AC_BRANCH>001</AC_BRANCH><AC_NO>10000000101</AC_NO><AC_CCY>EUR</AC_CCY>"
    "<DRCR_IND>C</DRCR_IND><LCY_AMOUNT>{amount}</LCY_AMOUNT><TRN_REF_NO>T{n:08d}</TRN_REF_NO>"
    "<TRN_DT>2026-10-01</TRN_DT><VALUE_DT>2026-10-01</VALUE_DT></Acc-Txn-Full>"
)


async def _no_sleep(_: float) -> None:
    return None


def _adapter(transport: httpx.AsyncBaseTransport) -> FlexcubeAdapter:
    settings = FlexcubeSettings(gateway_url="http://flexcube.mock", max_attempts=2)
    return FlexcubeAdapter.from_settings(settings, transport=transport, sleep=_no_sleep)


def _reply(body: str, status: str = "SUCCESS") -> bytes:
    return (
        f'<S:Envelope xmlns:S="{S}"><S:Body><QUERYACCTXNS_IOFS_RES xmlns="{STMT_NS}">'
        f"<FCUBS_HEADER><SOURCE>XSELL</SOURCE><UBSCOMP>FCUBS</UBSCOMP><MSGSTAT>{status}</MSGSTAT>"
        f"</FCUBS_HEADER><FCUBS_BODY>{body}</FCUBS_BODY>"
        "</QUERYACCTXNS_IOFS_RES></S:Body></S:Envelope>"
    ).encode()


def _answering(content: bytes, status: int = 200) -> httpx.MockTransport:
    def handle(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "text/xml"})

    return httpx.MockTransport(handle)


class _Recording(httpx.AsyncBaseTransport):
    """Keeps the bytes of every reply the mock sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.replies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.replies.append(await response.aread())
        return response


def _through_zeep(content: bytes) -> list[LedgerEntry]:
    """The entries zeep's own reply processing yields for ``content`` (the former path)."""
    client = zeep.Client(str(WSDL_DIR / "XSCStatementService.wsdl"), settings=zeep_settings())
    binding = client.wsdl.bindings[f"{{{GW_NS}}}XSCStatementServiceSEIBinding"]
    response = SimpleNamespace(status_code=200, content=content, headers={})
    result = binding.process_reply(client, binding.get("QueryAccTxnsIO"), response)
    body = plain(zeep.helpers.serialize_object(result, dict))["FCUBS_BODY"]
    return [to_ledger_entry(row, ZoneInfo("Europe/Paris")) for row in body["Acc-Txn-Full"]]


@pytest.mark.parametrize("modern", [False, True])
async def test_statement_entries_equal_what_zeep_reads_from_the_same_bytes(modern: bool) -> None:
    bank = SyntheticBank(BankConfig(seed=5, customers=4))
    account = bank.accounts_of(1)[0].number
    recording = _Recording(FlexcubeMock(bank, modern=modern).transport())
    async with _adapter(recording) as adapter:
        page = await adapter.list_ledger_entries(account, page=PageRequest(size=1000))
    (reply,) = recording.replies
    assert b"ST-SAVE-023" in reply  # a successful query carries a warning, and still reads
    assert len(page.items) > 10
    assert list(page.items) == _through_zeep(reply)


async def test_a_statement_cut_short_is_an_error_not_a_shorter_page() -> None:
    whole = _reply("".join(ROW.format(n=n, amount="12.50") for n in range(6)))
    cut = whole[: whole.index(b"<Acc-Txn-Full><AC_BRANCH>001</AC_BRANCH><AC_NO>", 1000)]
    async with _adapter(_answering(cut)) as adapter:
        with pytest.raises(UpstreamUnavailableError, match="not well-formed XML") as caught:
            await adapter.list_ledger_entries("10000000101")
    assert caught.value.attempts == 2


async def test_a_malformed_amount_is_a_mapping_error_naming_the_field() -> None:
    reply = _reply(ROW.format(n=1, amount="12,50"))
    async with _adapter(_answering(reply)) as adapter:
        with pytest.raises(MappingError, match="not a number: '12,50'") as caught:
            await adapter.list_ledger_entries("10000000101")
    assert "LCY_AMOUNT" in str(caught.value)


async def test_an_unknown_account_is_not_found_from_the_error_response() -> None:
    mock = FlexcubeMock(SyntheticBank(BankConfig(seed=5, customers=4)))
    async with _adapter(mock.transport()) as adapter:
        with pytest.raises(NotFoundError):
            await adapter.list_ledger_entries("99999999999")


async def test_a_failure_with_another_code_is_rejected_with_the_vendor_codes() -> None:
    errors = "<FCUBS_ERROR_RESP><ERROR><ECODE>ST-VALS-001</ECODE><EDESC>bad</EDESC></ERROR>"
    reply = _reply(f"{errors}</FCUBS_ERROR_RESP>", status="FAILURE")
    async with _adapter(_answering(reply)) as adapter:
        with pytest.raises(RequestRejectedError, match="ST-VALS-001") as caught:
            await adapter.list_ledger_entries("10000000101")
    assert caught.value.vendor_codes == ("ST-VALS-001",)


async def test_a_soap_fault_is_still_translated_by_zeep() -> None:
    fault = (
        f'<S:Envelope xmlns:S="{S}"><S:Body><S:Fault><faultcode>S:Server</faultcode>'
        "<faultstring>gateway down</faultstring></S:Fault></S:Body></S:Envelope>"
    ).encode()
    async with _adapter(_answering(fault, status=500)) as adapter:
        with pytest.raises(UpstreamUnavailableError, match=r"SOAP Fault .*gateway down"):
            await adapter.list_ledger_entries("10000000101")
