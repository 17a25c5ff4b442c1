"""ODAcctInq / TDAcctInq / LoanAcctInq: the XSD contract both ways and the account terms."""

from __future__ import annotations

import httpx
from _finacle_support import adapter_for, harness
from xsell_connect_finacle.fixml import parse_xml
from xsell_connect_mocks.bank import AccountSpec, Family
from xsell_connect_mocks.finacle.harness import FinacleHarness
from xsell_connect_mocks.finacle.schemes import acid_of, scheme_of
from xsell_connect_mocks.finacle.wire import schema

from xsell_connect.models import Account

SERVICE_OF = {"CAA": "ODAcctInq", "ODA": "ODAcctInq", "TDA": "TDAcctInq", "LAA": "LoanAcctInq"}


def _holder_of_all(h: FinacleHarness) -> str:
    """A customer holding a current account, a deposit, a card or a loan (the most kinds)."""

    def kinds(index: int) -> int:
        types = {scheme_of(h.bank.product(a.product_code))[1] for a in h.bank.accounts_of(index)}
        return len(types & {"CAA", "ODA", "TDA", "LAA"})

    best = max((c.index for c in h.bank.customers()), key=kinds)
    return h.bank.customer(best).number


async def _accounts(h: FinacleHarness, party: str) -> dict[str, Account]:
    async with adapter_for(h) as adapter:
        return {a.id: a for a in await adapter.list_accounts(party)}


def _spec(h: FinacleHarness, acid: str) -> AccountSpec:
    spec = h.bank.account(acid[1:])
    assert spec is not None
    return spec


async def test_detail_inquiries_and_their_replies_are_valid_against_the_project_xsd() -> None:
    h = harness()
    party = _holder_of_all(h)
    accounts = await _accounts(h, party)
    wanted = {SERVICE_OF[str(a.extra["schm_type"])] for a in accounts.values()}
    asked = [e for e in h.mock.journal.entries() if e.operation in SERVICE_OF.values()]
    assert {e.operation for e in asked} == wanted
    assert len(wanted) >= 2
    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        for entry in asked:
            assert schema().validate(parse_xml(entry.body)), entry.operation
            reply = await c.post("/FISERVLET/fihttp", content=entry.body)
            root = parse_xml(reply.content)
            assert schema().validate(root), entry.operation
            assert root.find(f".//{{http://www.finacle.com/fixml}}{entry.operation}Rs") is not None


async def test_rates_principals_and_maturities_come_from_the_detail_replies() -> None:
    h = harness()
    accounts = await _accounts(h, _holder_of_all(h))
    checked = set()
    for acid, account in accounts.items():
        spec = _spec(h, acid)
        kind = scheme_of(h.bank.product(spec.product_code))[1]
        if kind not in SERVICE_OF:
            assert account.interest_rate is None  # savings: no detail inquiry
            continue
        checked.add(kind)
        assert account.interest_rate == spec.rate
        if kind == "TDA":
            assert account.principal == spec.principal
            assert account.matures_on == spec.matures_on
        if kind == "LAA":
            assert account.principal == spec.principal
            assert account.booked is not None
            assert account.booked < 0  # the outstanding, owed to the bank
        if kind in ("CAA", "ODA") and spec.limit:
            assert account.limit == spec.limit  # still BalInq SANLIM
    assert len(checked) >= 2


async def test_a_detail_inquiry_on_the_wrong_scheme_type_is_a_business_error() -> None:
    h = harness()
    account = next(
        a
        for c in h.bank.customers()
        for a in h.bank.accounts_of(c.index)
        if a.family is Family.SAVINGS
    )
    body = (
        '<FIXML xmlns="http://www.finacle.com/fixml"><Header><RequestHeader><MessageKey>'
        "<RequestUUID>SR_9</RequestUUID><ServiceRequestId>TDAcctInq</ServiceRequestId>"
        "<ServiceRequestVersion>10.2</ServiceRequestVersion><ChannelId>COR</ChannelId>"
        "</MessageKey><RequestMessageInfo><BankId>01</BankId><MessageDateTime>"
        "2024-11-04T09:30:00.123</MessageDateTime></RequestMessageInfo><Security><Token>"
        "<PasswordToken><UserId/><Password/></PasswordToken></Token></Security>"
        "</RequestHeader></Header><Body><TDAcctInqRequest><TDAcctInqRq><TDAcctId><AcctId>"
        f"{acid_of(account.number)}</AcctId></TDAcctId></TDAcctInqRq></TDAcctInqRequest>"
        "</Body></FIXML>"
    ).encode()
    async with httpx.AsyncClient(transport=h.mock.transport(), base_url=h.mock.base_url) as c:
        reply = await c.post("/FISERVLET/fihttp", content=body)
    root = parse_xml(reply.content)
    ns = {"f": "http://www.finacle.com/fixml"}
    assert root.xpath("//f:HostTransaction/f:Status/text()", namespaces=ns) == ["FAILURE"]
    assert root.xpath("//f:FIBusinessException//f:ErrorCode/text()", namespaces=ns) == ["E0012"]
    assert root.xpath("//f:TDAcctInq_CustomData", namespaces=ns)
    assert schema().validate(root)
