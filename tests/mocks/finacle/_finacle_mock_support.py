"""Requests for the Finacle mock tests, written by hand as a bank's client would."""

from __future__ import annotations

import httpx
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.finacle import FinacleMock

HEADER = (
    "<Header><RequestHeader><MessageKey><RequestUUID>{uuid}</RequestUUID>"
    "<ServiceRequestId>{svc}</ServiceRequestId><ServiceRequestVersion>10.2"
    "</ServiceRequestVersion><ChannelId>COR</ChannelId><LanguageId></LanguageId></MessageKey>"
    "<RequestMessageInfo><BankId>01</BankId><TimeZone></TimeZone><EntityId></EntityId>"
    "<EntityType></EntityType><ArmCorrelationId></ArmCorrelationId><MessageDateTime>"
    "2024-11-04T09:30:00.123</MessageDateTime></RequestMessageInfo><Security><Token>"
    "<PasswordToken><UserId></UserId><Password></Password></PasswordToken></Token>"
    "<FICertToken></FICertToken><RealUserLoginSessionId></RealUserLoginSessionId><RealUser>"
    "</RealUser><RealUserPwd></RealUserPwd><SSOTransferToken></SSOTransferToken></Security>"
    "</RequestHeader></Header>"
)


def fixml(svc: str, body: str, uuid: str = "Req_1730712600123") -> bytes:
    return (
        '<FIXML xmlns="http://www.finacle.com/fixml">'
        + HEADER.format(uuid=uuid, svc=svc)
        + f"<Body>{body}</Body></FIXML>"
    ).encode()


def mock(customers: int = 6) -> FinacleMock:
    return FinacleMock(SyntheticBank(BankConfig(seed=5, customers=customers)))


async def post(m: FinacleMock, content: bytes, path: str = "/FISERVLET/fihttp") -> httpx.Response:
    async with httpx.AsyncClient(transport=m.transport(), base_url=m.base_url) as client:
        return await client.post(path, content=content)
