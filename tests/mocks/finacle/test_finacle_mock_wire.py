"""The Finacle mock speaks FIXML as the field does (reference finacle.md §5 checklist)."""

from __future__ import annotations

import pytest
from _finacle_mock_support import fixml, mock, post
from lxml import etree
from xsell_connect_mocks.finacle.envelope import wrap_soap
from xsell_connect_mocks.finacle.schemes import acid_of
from xsell_connect_mocks.finacle.wire import schema

NS = {"f": "http://www.finacle.com/fixml"}
CUST = "<RetCustInqRequest><RetCustInqRq><CustId>{}</CustId></RetCustInqRq></RetCustInqRequest>"


def _x(content: bytes, path: str) -> list[str]:
    return [t or "" for t in etree.fromstring(content).xpath(path + "/text()", namespaces=NS)]


async def test_success_echoes_the_message_key_and_says_success_in_the_header() -> None:
    reply = await post(mock(), fixml("RetCustInq", CUST.format("100000001"), uuid="SR_42"))
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    assert _x(reply.content, "//f:RequestMessageKey/*") == ["SR_42", "RetCustInq", "10.2", "COR"]
    assert _x(reply.content, "//f:HostTransaction/f:Status") == ["SUCCESS"]
    assert _x(reply.content, "//f:UBUSTransaction/f:Status") == []  # empty element
    assert schema().validate(etree.fromstring(reply.content))


async def test_an_unknown_cif_fails_in_all_header_places_with_http_200() -> None:
    reply = await post(mock(), fixml("RetCustInq", CUST.format("999999999")))
    assert reply.status_code == 200
    assert _x(reply.content, "//f:HostTransaction/*") == ["null", "FAILURE"]
    assert _x(reply.content, "//f:UBUSTransaction/*") == ["0000", "FAILED"]
    assert _x(reply.content, "//f:FIBusinessException/f:ErrorDetail/f:ErrorCode") == ["55007"]
    # the empty business block beside the Error block
    assert etree.fromstring(reply.content).xpath("//f:RetCustInq_CustomData", namespaces=NS)


async def test_an_unknown_service_is_a_system_exception() -> None:
    reply = await post(mock(), fixml("CorpCustInq", "<CorpCustInqRequest/>"))
    assert _x(reply.content, "//f:FISystemException//f:ErrorCode") == ["SYS"]
    assert _x(reply.content, "//f:FISystemException//f:ErrorType") == ["SOS"]


async def test_a_schema_invalid_request_is_refused() -> None:
    body = "<BalInqRequest><BalInqRq><AcctId><Wrong>1</Wrong></AcctId></BalInqRq></BalInqRequest>"
    reply = await post(mock(), fixml("BalInq", body))
    desc = _x(reply.content, "//f:ErrorDesc")[0]
    assert desc.startswith("not valid against the FIXML subset")


async def test_statements_are_newest_first_padded_and_page_with_has_more_data() -> None:
    m = mock()
    account = m.bank.accounts_of(1)[0]
    postings = list(m.bank.postings(account))
    body = (
        "<getLastNTransactionsWithPaginationRequest><PaginatedAccountTransactionList>"
        f"<accountListElement><acid>{acid_of(account.number)}</acid><branchId></branchId>"
        "</accountListElement><lastNTransactions>3</lastNTransactions>"
        "</PaginatedAccountTransactionList></getLastNTransactionsWithPaginationRequest>"
    )
    reply = await post(m, fixml("getLastNTransactionsWithPagination", body))
    assert _x(reply.content, "//f:hasMoreData") == ["Y"]
    ids = _x(reply.content, "//f:txnId")
    assert ids == [f"{'S' + str(int(p.id[-5:])):>9}" for p in reversed(postings[-3:])]
    assert all(len(d) == 50 for d in _x(reply.content, "//f:txnDesc"))
    assert _x(reply.content, "//f:txnSrlNo") == ["   1"] * 3
    amounts = _x(reply.content, "//f:txnAmt/f:amountValue")
    assert amounts == [f"{p.amount:.2f}" for p in reversed(postings[-3:])]
    everything = body.replace(">3<", f">{len(postings)}<")
    reply = await post(m, fixml("getLastNTransactionsWithPagination", everything))
    assert _x(reply.content, "//f:hasMoreData") == ["N"]


@pytest.mark.parametrize(
    ("variant", "path", "result"),
    [
        ("fiusb", "/fiusb/services/FIUSBWebService", "return"),
        ("fip", "/fip/services/FIPWebService", "executeServiceReturn"),
    ],
)
async def test_soap_wrappers_take_cdata_and_answer_an_escaped_string(
    variant: str, path: str, result: str
) -> None:
    namespace = {
        "fiusb": "http://webservice.fiusb.ci.infosys.com",
        "fip": "http://endpoint.fip.infosys.com",
    }[variant]
    request = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:web="{namespace}"><soapenv:Body><web:executeService><arg_0_0><![CDATA['
        + fixml("RetCustInq", CUST.format("100000002")).decode()
        + "]]></arg_0_0></web:executeService></soapenv:Body></soapenv:Envelope>"
    ).encode()
    reply = await post(mock(), request, path)
    assert reply.status_code == 200
    assert b"&lt;FIXML" in reply.content  # an escaped string, not nested XML
    envelope = etree.fromstring(reply.content)
    inner = envelope.find(f".//{{{namespace}}}executeServiceResponse/{result}")
    assert inner is not None
    assert _x(str(inner.text).encode(), "//f:CustId")[0] == "100000002"
    assert wrap_soap(b"<x/>", "fip").count(b"executeServiceReturn") == 2


async def test_a_script_refusal_says_success_in_the_header_and_n_in_custom_data() -> None:
    body = (
        "<executeFinacleScriptRequest><ExecuteFinacleScriptInputVO><requestId>"
        "XSELL_OFFER_ADD.scr</requestId></ExecuteFinacleScriptInputVO>"
        "<executeFinacleScript_CustomData><CustId>100000001</CustId></executeFinacleScript_CustomData>"
        "</executeFinacleScriptRequest>"
    )
    reply = await post(mock(), fixml("executeFinacleScript", body))
    assert _x(reply.content, "//f:HostTransaction/f:Status") == ["SUCCESS"]
    assert _x(reply.content, "//f:SuccessOrFailure") == ["N"]
    assert _x(reply.content, "//f:Error_Code") == ["XS001"]
    assert _x(reply.content, "//f:Error_Msg") == ["Mandatory parameter missing: OfferId"]


async def test_the_scheme_table_is_served_for_the_adapter() -> None:
    m = mock()
    import httpx

    async with httpx.AsyncClient(transport=m.transport(), base_url=m.base_url) as client:
        rows = (await client.get("/_mock/finacle/schemes")).json()
    assert [r["ProductCode"] for r in rows] == [p.code for p in m.bank.products]
    assert {r["SchmType"] for r in rows} <= {"CAA", "SBA", "TDA", "ODA", "LAA"}
