"""The FCUBS gateway mock: WSDL serving, envelope rules, business errors, header and UDF checks."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock

S = "http://schemas.xmlsoap.org/soap/envelope/"
CUST_NS = "http://fcubs.ofss.com/service/FCUBSCustomerService"
URL = "http://flexcube.mock/FCUBSCustomerService/FCUBSCustomerService"


def _header(source: str = "XSELL", user: str = "XSELLUSR", operation: str = "QueryCustomer") -> str:
    return (
        f"<FCUBS_HEADER><SOURCE>{source}</SOURCE><UBSCOMP>FCUBS</UBSCOMP><MSGID></MSGID>"
        f"<CORRELID></CORRELID><USERID>{user}</USERID><BRANCH>000</BRANCH><MODULEID>ST</MODULEID>"
        f"<SERVICE>FCUBSCustomerService</SERVICE><OPERATION>{operation}</OPERATION>"
        f"<SOURCE_OPERATION>{operation}</SOURCE_OPERATION><SOURCE_USERID>{user}</SOURCE_USERID>"
        "</FCUBS_HEADER>"
    )


def _envelope(root: str, body: str, header: str | None = None) -> bytes:
    return (
        f'<S:Envelope xmlns:S="{S}"><S:Body><{root} xmlns="{CUST_NS}">{header or _header()}'
        f"<FCUBS_BODY>{body}</FCUBS_BODY></{root}></S:Body></S:Envelope>"
    ).encode()


@pytest.fixture
def mock() -> FlexcubeMock:
    return FlexcubeMock(SyntheticBank(BankConfig(seed=5, customers=4)))


async def _post(mock: FlexcubeMock, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(transport=mock.transport()) as client:
        return await client.post(URL, content=body, headers={"Content-Type": "text/xml"})


def _text(response: httpx.Response, name: str) -> list[str]:
    root = etree.fromstring(response.content)
    return [e.text or "" for e in root.iter(f"{{{CUST_NS}}}{name}")]


async def test_wsdl_is_served_with_the_address_asked_for(mock: FlexcubeMock) -> None:
    async with httpx.AsyncClient(transport=mock.transport()) as client:
        wsdl = await client.get(f"{URL}?WSDL")
        xsd = await client.get("http://flexcube.mock/FCUBSCustomerService/FCUBSCustomerService.xsd")
    assert wsdl.status_code == 200
    assert f'location="{URL}"' in wsdl.text
    assert 'targetNamespace="http://types.ws.gw.fcubs.ofss.com"' in wsdl.text
    assert f'targetNamespace="{CUST_NS}"' in xsd.text


async def test_query_answers_in_the_service_namespace_with_a_retrieved_warning(
    mock: FlexcubeMock,
) -> None:
    body = "<Customer-IO><CUSTNO>100000001</CUSTNO></Customer-IO>"
    response = await _post(mock, _envelope("QUERYCUSTOMER_IOFS_REQ", body))
    assert response.status_code == 200
    assert response.content.startswith(b"<?xml")
    assert (
        f'<S:Envelope xmlns:S="{S}"><S:Body><QUERYCUSTOMER_IOFS_RES xmlns="{CUST_NS}">'.encode()
        in (response.content)
    )
    assert _text(response, "MSGSTAT") == ["SUCCESS"]
    assert _text(response, "DESTINATION") == ["XSELL"]
    assert _text(response, "CORRELID") == ["null"]
    assert len(_text(response, "MSGID")[0]) == 16
    assert _text(response, "WCODE") == ["ST-SAVE-023"]


async def test_unknown_customer_is_a_failure_in_the_body_with_http_200(mock: FlexcubeMock) -> None:
    body = "<Customer-IO><CUSTNO>999999999</CUSTNO></Customer-IO>"
    response = await _post(mock, _envelope("QUERYCUSTOMER_IOFS_REQ", body))
    assert response.status_code == 200
    assert _text(response, "MSGSTAT") == ["FAILURE"]
    assert _text(response, "ECODE") == ["ST-VALS-002"]
    assert _text(response, "CUSTNO") == ["999999999"]  # the request IO block echoed


async def test_unknown_operation_is_a_soap_fault_with_http_500(mock: FlexcubeMock) -> None:
    response = await _post(mock, _envelope("DELETECUSTOMER_IOPK_REQ", ""))
    assert response.status_code == 500
    assert b"<faultcode>S:Client</faultcode>" in response.content


async def test_broken_envelope_is_a_soap_fault(mock: FlexcubeMock) -> None:
    response = await _post(mock, b"<S:Envelope xmlns:S='x'><unclosed>")
    assert response.status_code == 500
    assert b"Couldn't parse the SOAP message" in response.content


@pytest.mark.parametrize(
    ("source", "user", "code"),
    [("UNKNOWN", "XSELLUSR", "GW-AUTH-01"), ("XSELL", "INTRUDER", "GW-AUTH-02")],
)
async def test_source_and_userid_must_be_maintained(
    mock: FlexcubeMock, source: str, user: str, code: str
) -> None:
    body = "<Customer-IO><CUSTNO>100000001</CUSTNO></Customer-IO>"
    response = await _post(mock, _envelope("QUERYCUSTOMER_IOFS_REQ", body, _header(source, user)))
    assert response.status_code == 200
    assert _text(response, "ECODE") == [code]


async def test_unknown_udf_name_is_rejected_and_nothing_is_written(mock: FlexcubeMock) -> None:
    body = (
        "<Customer-IO><CUSTNO>100000001</CUSTNO><UDFDETAILS><FLDNAM>NOT_LINKED</FLDNAM>"
        "<FLDVAL>X</FLDVAL></UDFDETAILS></Customer-IO>"
    )
    header = _header(operation="ModifyCustomer")
    response = await _post(mock, _envelope("MODIFYCUSTOMER_IOPK_REQ", body, header))
    assert _text(response, "ECODE") == ["ST-UDF-005"]
    assert mock.store.get("customers", "100000001") is None


async def test_modern_mode_adds_entity_and_puts_custno_first() -> None:
    mock = FlexcubeMock(SyntheticBank(BankConfig(seed=5, customers=4)), modern=True)
    body = "<Customer-IO><CUSTNO>100000001</CUSTNO></Customer-IO>"
    response = await _post(mock, _envelope("QUERYCUSTOMER_IOFS_REQ", body))
    assert _text(response, "ENTITY") == ["null"]
    full = etree.fromstring(response.content).find(f".//{{{CUST_NS}}}Customer-Full")
    assert full is not None
    assert etree.QName(full[0]).localname == "CUSTNO"
    assert full.find(f"{{{CUST_NS}}}CIFCREATIONDT") is not None
