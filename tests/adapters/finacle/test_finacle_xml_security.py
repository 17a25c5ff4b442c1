"""Hostile XML is refused with a clear error, and nothing is read from disk or network.

Each attack is sent to the adapter's parser, through the adapter end to end (the mock's
reply replaced by the attack), and to the mock core's own parser.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _finacle_support import harness
from xsell_connect_finacle.fixml import XmlRefusedError, parse_xml
from xsell_connect_mocks.finacle import wire

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<FIXML xmlns="http://www.finacle.com/fixml"><Body>&lol3;</Body></FIXML>"""


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-SENTINEL")
    return path


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP port that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(b"connected")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(timeout=2)
    server.close()


def _attacks(secret: Path, port: int) -> dict[str, bytes]:
    return {
        "billion_laughs": BILLION_LAUGHS,
        "external_entity_file": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<FIXML xmlns="http://www.finacle.com/fixml"><Body>&x;</Body></FIXML>'
        ).encode(),
        "external_entity_network": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>'
            f'<FIXML xmlns="http://www.finacle.com/fixml"><Body>&x;</Body></FIXML>'
        ).encode(),
        "external_dtd": (
            f'<?xml version="1.0"?><!DOCTYPE FIXML SYSTEM "http://127.0.0.1:{port}/fixml.dtd">'
            f'<FIXML xmlns="http://www.finacle.com/fixml"><Body/></FIXML>'
        ).encode(),
        "parameter_entity": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}">%p;]>'
            f'<FIXML xmlns="http://www.finacle.com/fixml"/>'
        ).encode(),
    }


ATTACKS = [
    "billion_laughs",
    "external_entity_file",
    "external_entity_network",
    "external_dtd",
    "parameter_entity",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_adapter_parser_refuses_with_a_clear_error(
    attack: str, secret_file: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, hits = listener
    body = _attacks(secret_file, port)[attack]
    with pytest.raises(XmlRefusedError, match="DOCTYPE") as caught:
        parse_xml(body)
    assert caught.value.raw == body
    assert "TOP-SECRET-SENTINEL" not in str(caught.value)
    assert hits == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_mock_parser_refuses_with_a_clear_error(
    attack: str, secret_file: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, hits = listener
    with pytest.raises(wire.WireError, match=r"DOCTYPE|not well-formed"):
        wire.parse(_attacks(secret_file, port)[attack])
    assert hits == []


@pytest.mark.parametrize("attack", ATTACKS)
async def test_a_hostile_reply_never_reaches_the_mapping(
    attack: str, secret_file: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, hits = listener
    body = _attacks(secret_file, port)[attack]

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/xml"})

    h = harness()
    from xsell_connect_finacle import FinacleAdapter

    adapter = FinacleAdapter.from_settings(h.settings(), transport=httpx.MockTransport(reply))
    async with adapter:
        with pytest.raises(XmlRefusedError):
            await adapter.get_party("100000001")
    assert hits == []


async def test_the_mock_answers_a_hostile_request_with_a_system_exception(
    secret_file: Path,
) -> None:
    h = harness()
    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        response = await c.post(
            "/FISERVLET/fihttp", content=_attacks(secret_file, 9)["external_entity_file"]
        )
    assert response.status_code == 200
    assert b"<ErrorCode>SYS</ErrorCode>" in response.content
    assert b"DOCTYPE" in response.content
    assert b"TOP-SECRET-SENTINEL" not in response.content
