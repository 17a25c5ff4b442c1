"""The reply envelope, the error blocks and the SOAP ``executeService`` wrappers.

Status lives in three places (reference §1): ``HostTransaction/Status`` (``SUCCESS`` /
``FAILURE``, the status of record), ``UBUSTransaction/Status`` (empty on success,
``FAILED`` with Ids ``0000`` / ``null`` on failure) and, for scripts, the script's own
``_CustomData``. HTTP is always 200.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from lxml import etree

from xsell_connect_mocks.finacle.wire import (
    RequestKey,
    WireError,
    child,
    element,
    fdatetime,
    leaf,
    parse,
    serialize,
)

__all__ = [
    "SOAP_ENV",
    "SOAP_VARIANTS",
    "ErrorDetail",
    "SoapVariant",
    "failure",
    "success",
    "unwrap_soap",
    "wrap_soap",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BodyFiller = Callable[[etree._Element], None]


@dataclass(frozen=True)
class ErrorDetail:
    code: str
    desc: str
    source: str = ""
    type: str = "BE"


def _header(root: etree._Element, key: RequestKey, bank_id: str, now: datetime) -> None:
    header = child(child(root, "Header"), "ResponseHeader")
    echo = child(header, "RequestMessageKey")
    leaf(echo, "RequestUUID", key.uuid)
    leaf(echo, "ServiceRequestId", key.service)
    leaf(echo, "ServiceRequestVersion", key.version)
    leaf(echo, "ChannelId", key.channel)
    info = child(header, "ResponseMessageInfo")
    leaf(info, "BankId", bank_id)
    leaf(info, "TimeZone", "")
    leaf(info, "MessageDateTime", fdatetime(now))


def _transactions(root: etree._Element, ubus: tuple[str, str], host: tuple[str, str]) -> None:
    header = root[0][0]
    for tag, (ident, status) in (("UBUSTransaction", ubus), ("HostTransaction", host)):
        block = child(header, tag)
        leaf(block, "Id", ident)
        leaf(block, "Status", status)
    parent = child(header, "HostParentTransaction")
    leaf(parent, "Id", "")
    leaf(parent, "Status", "")
    child(header, "CustomInfo")


def success(
    key: RequestKey, fill: BodyFiller, *, bank_id: str, now: datetime, host_id: str
) -> bytes:
    """A SUCCESS reply whose ``Body`` is filled by ``fill``."""
    root = element("FIXML")
    _header(root, key, bank_id, now)
    _transactions(root, ubus=(host_id, ""), host=(host_id, "SUCCESS"))
    fill(child(root, "Body"))
    return serialize(root)


def failure(
    key: RequestKey,
    details: Sequence[ErrorDetail],
    *,
    system: bool = False,
    bank_id: str,
    now: datetime,
    partial: BodyFiller | None = None,
) -> bytes:
    """A FAILURE reply with an ``FIBusinessException`` (or ``FISystemException``) block.

    ``partial`` fills an (empty) business block beside the ``Error`` block, as aggregate
    services answer.
    """
    root = element("FIXML")
    _header(root, key, bank_id, now)
    _transactions(root, ubus=("0000", "FAILED"), host=("null", "FAILURE"))
    body = child(root, "Body")
    if partial is not None:
        partial(body)
    block = child(child(body, "Error"), "FISystemException" if system else "FIBusinessException")
    for detail in details:
        row = child(block, "ErrorDetail")
        leaf(row, "ErrorCode", detail.code)
        leaf(row, "ErrorDesc", detail.desc)
        leaf(row, "ErrorSource", detail.source)
        leaf(row, "ErrorType", detail.type)
    return serialize(root)


# -- SOAP executeService wrappers (reference §1, transports B and C) ---------------------

SoapVariant = Literal["fiusb", "fip"]


@dataclass(frozen=True)
class _Variant:
    namespace: str
    argument: str
    result: str


#: FIUSB: FIXML in ``arg_0_0`` (CDATA), reply in ``return``; FIP: reply in
#: ``executeServiceReturn`` (its argument name comes from the bank's WSDL; the mock
#: accepts any single child of ``executeService``).
SOAP_VARIANTS: dict[SoapVariant, _Variant] = {
    "fiusb": _Variant("http://webservice.fiusb.ci.infosys.com", "arg_0_0", "return"),
    "fip": _Variant("http://endpoint.fip.infosys.com", "arg_0_0", "executeServiceReturn"),
}


def unwrap_soap(body: bytes, variant: SoapVariant) -> bytes:
    """The FIXML request carried as text inside ``executeService``."""
    spec = SOAP_VARIANTS[variant]
    envelope = parse(body)
    call = envelope.find(f"{{{SOAP_ENV}}}Body/{{{spec.namespace}}}executeService")
    if call is None or len(call) != 1 or not (call[0].text or "").strip():
        raise WireError(f"not an executeService call in {spec.namespace}")
    return str(call[0].text).encode("utf-8")


def wrap_soap(fixml: bytes, variant: SoapVariant) -> bytes:
    """The FIXML reply as an escaped string in ``executeServiceResponse``."""
    spec = SOAP_VARIANTS[variant]
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = etree.SubElement(
        body, f"{{{spec.namespace}}}executeServiceResponse", nsmap={"ns1": spec.namespace}
    )
    result = etree.SubElement(response, spec.result)
    result.text = fixml.decode("utf-8")
    return serialize(envelope)
