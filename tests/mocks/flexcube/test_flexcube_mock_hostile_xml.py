"""Hostile XML sent to the mock is refused with a SOAP Fault, and nothing is read."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock

URL = "http://flexcube.mock/FCUBSCustomerService/FCUBSCustomerService"
BODY = (
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    '<QUERYCUSTOMER_IOFS_REQ xmlns="http://fcubs.ofss.com/service/FCUBSCustomerService">'
    "<FCUBS_BODY><Customer-IO><CUSTNO>&x;</CUSTNO></Customer-IO></FCUBS_BODY>"
    "</QUERYCUSTOMER_IOFS_REQ></S:Body></S:Envelope>"
)
LAUGHS = (
    '<!DOCTYPE S:Envelope [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("bcdefgh", "cdefghx", strict=True)
    )
    + "]>"
)


@pytest.fixture
def listener() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    return server


def _hostile(kind: str, secret: Path, listener: socket.socket) -> bytes:
    port = listener.getsockname()[1]
    doctype = {
        "billion_laughs": LAUGHS,
        "external_entity": f'<!DOCTYPE S:Envelope [<!ENTITY x SYSTEM "file://{secret}">]>',
        "external_dtd": f'<!DOCTYPE S:Envelope SYSTEM "http://127.0.0.1:{port}/evil.dtd">',
    }[kind]
    return (doctype + BODY.replace("&x;", "&x;" if kind != "external_dtd" else "1")).encode()


@pytest.mark.parametrize("kind", ["billion_laughs", "external_entity", "external_dtd"])
async def test_hostile_requests_are_refused_and_nothing_is_read(
    kind: str, tmp_path: Path, listener: socket.socket
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    mock = FlexcubeMock(SyntheticBank(BankConfig(seed=5, customers=2)))
    async with httpx.AsyncClient(transport=mock.transport()) as client:
        response = await client.post(URL, content=_hostile(kind, secret, listener))
    assert response.status_code == 500
    assert b"DOCTYPE is not allowed" in response.content
    assert b"TOP-SECRET" not in response.content
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected to fetch the DTD
    listener.close()
