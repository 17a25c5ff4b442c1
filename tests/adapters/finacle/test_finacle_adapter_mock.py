"""The adapter against the in-process mock: transports, the XSD contract, writes, paging."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from _finacle_support import BANK, adapter_for, harness
from lxml import etree
from xsell_connect_finacle.fixml import XmlRefusedError, parse_xml, unwrap_soap
from xsell_connect_finacle.settings import TRANSPORTS
from xsell_connect_mocks.finacle.harness import FinacleHarness
from xsell_connect_mocks.finacle.wire import schema

from xsell_connect.adapter import PageRequest
from xsell_connect.errors import NotFoundError, RequestRejectedError
from xsell_connect.models import (
    Channel,
    NextBestAction,
    Offer,
    OfferPricing,
)

PARTY = "100000003"


def _fixml_of_request(body: bytes, transport: str) -> etree._Element:
    root = parse_xml(body)
    spec = TRANSPORTS[transport]
    if spec.soap_namespace is None:
        return root
    call = root.find(
        f"{{http://schemas.xmlsoap.org/soap/envelope/}}Body/{{{spec.soap_namespace}}}executeService"
    )
    assert call is not None
    return parse_xml(str(call[0].text).encode())


@pytest.mark.parametrize("transport", ["fiusb", "fip"])
async def test_soap_transports_read_exactly_what_raw_fixml_reads(transport: str) -> None:
    raw_h, soap_h = harness("fihttp"), harness(transport)
    async with adapter_for(raw_h) as raw, adapter_for(soap_h) as soap:
        assert await soap.get_party(PARTY) == await raw.get_party(PARTY)
        assert await soap.list_accounts(PARTY) == await raw.list_accounts(PARTY)
    assert {e.path for e in soap_h.mock.journal.entries()} == {TRANSPORTS[transport].path}


@pytest.mark.parametrize("transport", ["fihttp", "fiusb", "fip"])
async def test_every_request_the_adapter_sends_is_valid_against_the_project_xsd(
    transport: str,
) -> None:
    h = harness(transport)
    async with adapter_for(h) as adapter:
        accounts = await adapter.list_accounts(PARTY)
        await adapter.list_ledger_entries(accounts[0].id, page=PageRequest(size=5))
        await adapter.list_parties(PageRequest(size=3))
        await adapter.set_next_best_action(
            NextBestAction(party_id=PARTY, action_code="OFFER_TD", score=Decimal("0.4")),
            idempotency_key="k-xsd",
        )
    entries = h.mock.journal.entries()
    assert len(entries) >= 5
    for entry in entries:
        assert schema().validate(_fixml_of_request(entry.body, transport)), entry.operation


async def test_mock_replies_are_valid_against_the_project_xsd() -> None:
    h = harness()
    async with adapter_for(h) as adapter:
        accounts = await adapter.list_accounts(PARTY)
        pages = [await adapter.list_ledger_entries(a.id) for a in accounts]
    assert pages
    key = h.facts().account_id
    import httpx

    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        for entry in h.mock.journal.entries():
            reply = await c.post("/FISERVLET/fihttp", content=entry.body)
            assert schema().validate(parse_xml(reply.content)), entry.operation
    assert key


async def test_special_characters_are_escaped_not_concatenated() -> None:
    h = harness()
    async with adapter_for(h) as adapter:
        with pytest.raises(NotFoundError):
            await adapter.get_party("1</CustId><CustId>2 & <x>")
    body = h.mock.journal.entries()[-1].body
    assert b"1&lt;/CustId&gt;&lt;CustId&gt;2 &amp; &lt;x&gt;" in body


async def test_ledger_pages_grow_n_until_the_window_is_covered() -> None:
    h = harness()
    facts = h.facts()
    since, until = facts.window
    async with adapter_for(h) as adapter:
        first = await adapter.list_ledger_entries(
            facts.account_id, since=since, until=until, page=PageRequest(size=10)
        )
    operation = "getLastNTransactionsWithPagination"
    asked = [
        int(etree.fromstring(e.body).findtext(".//{*}lastNTransactions") or 0)
        for e in h.mock.journal.entries()
        if e.operation == operation
    ]
    assert asked == [50 * 2**i for i in range(len(asked))]
    assert len(asked) >= 2
    assert first.next is not None
    assert first.next.token == f"{asked[-1]}:10"
    assert [e.booked_at for e in first.items] == sorted(e.booked_at for e in first.items)


def _offer(key: str) -> Offer:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return Offer(
        id=Offer.make_id(PARTY, "p", key),
        party_id=PARTY,
        product_code="SAVINGS_PLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR"),
        channel=Channel.EMAIL,
        score=Decimal("0.7"),
        created_at=now,
        expires_at=now,
    )


async def test_offer_retries_reuse_the_request_uuid_and_the_record() -> None:
    h = harness()
    async with adapter_for(h) as adapter:
        first = await adapter.write_offer(_offer("a"), idempotency_key="key-a")
        again = await adapter.write_offer(_offer("a"), idempotency_key="key-a")
    assert first.reference == again.reference == "XOF0000001"
    uuids = {
        etree.fromstring(e.body).findtext(".//{*}RequestUUID") for e in h.mock.journal.entries()
    }
    assert len(uuids) == 1
    assert h.records_written("offer", PARTY) == 1


async def test_a_script_refusal_under_host_success_raises_and_writes_nothing() -> None:
    from xsell_connect_finacle import FinacleAdapter

    h = harness()
    settings = {**h.settings(), "not_found_party_codes": []}  # 55007 as a plain refusal
    adapter = FinacleAdapter.from_settings(settings, transport=h.mock.transport())
    nba = NextBestAction(party_id="999999999", action_code="X", score=Decimal("0.1"))
    async with adapter:
        with pytest.raises(RequestRejectedError) as caught:
            await adapter.set_next_best_action(nba, idempotency_key="k")
    assert caught.value.vendor_codes == ("55007",)
    reply = await _replay(h, h.mock.journal.entries()[-1].body)
    assert b"<Status>SUCCESS</Status>" in reply
    assert b"<SuccessOrFailure>N</SuccessOrFailure>" in reply
    assert h.mock.store.collection("nba") == {}


async def _replay(h: FinacleHarness, body: bytes) -> bytes:
    import httpx

    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        return (await c.post("/FISERVLET/fihttp", content=body)).content


async def test_writes_for_a_missing_party_are_not_found() -> None:
    nba = NextBestAction(party_id="999999999", action_code="X", score=Decimal("0.1"))
    async with adapter_for(harness()) as adapter:
        with pytest.raises(NotFoundError) as caught:
            await adapter.set_next_best_action(nba, idempotency_key="k")
    assert caught.value.ident == "999999999"


async def test_the_nba_reads_back_with_score_and_expiry() -> None:
    h = harness()
    nba = NextBestAction(
        party_id=PARTY,
        action_code="OFFER_GOLD_CARD",
        score=Decimal("0.82"),
        expires_on=date(2026, 12, 31),
    )
    async with adapter_for(h) as adapter:
        receipt = await adapter.set_next_best_action(nba, idempotency_key="nba-1")
        party = await adapter.get_party(PARTY)
    assert receipt.reference == f"NBA{PARTY}"
    assert party.extra["next_best_action"] == "OFFER_GOLD_CARD"
    assert h.mock.store.get("nba", PARTY) == {
        "code": "OFFER_GOLD_CARD",
        "score": "0.82",
        "expiry": "2026-12-31T00:00:00.000",
        "audit_id": "nba-1",
    }


async def test_unknown_account_is_not_found() -> None:
    async with adapter_for(harness()) as adapter:
        with pytest.raises(NotFoundError) as caught:
            await adapter.list_ledger_entries("399999999999")
    assert caught.value.ident == "399999999999"


async def test_the_walk_pages_through_the_customer_list_script() -> None:
    async with adapter_for(harness()) as adapter:
        page = await adapter.list_parties(PageRequest(size=5))
        last = await adapter.list_parties(page.next)
    assert [p.id for p in page.items] == [str(100000000 + i) for i in range(5)]
    assert [p.id for p in last.items] == [str(100000000 + i) for i in range(5, BANK.customers)]
    assert last.next is None


def test_unwrap_refuses_a_reply_without_the_result_element() -> None:
    with pytest.raises(XmlRefusedError, match="no executeServiceResponse"):
        unwrap_soap(b"<a/>", "http://endpoint.fip.infosys.com", "executeServiceReturn")
