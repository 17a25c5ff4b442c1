"""FIXML in and out: the hardened parser, request templates, replies and their status.

Parsing (reference finacle.md §1, runtime.md §6): lxml with ``resolve_entities=False``,
``no_network=True``, ``load_dtd=False`` and ``huge_tree=False``, and any DOCTYPE refused
outright, so billion-laughs, external entities and external DTDs never expand or fetch
anything. The SOAP transports parse twice: the envelope, then the text of its result
element (lxml has already un-escaped it) encoded back to bytes, since lxml refuses a
``str`` that carries an encoding declaration.

Status is read from all three places: ``HostTransaction/Status`` must be ``SUCCESS``,
there must be no ``Body/Error`` block (``FIBusinessException`` / ``FISystemException``)
and, for scripts, the ``_CustomData`` indicator must say success (``check_script``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from xsell_connect.errors import (
    MappingError,
    NotFoundError,
    RequestRejectedError,
    UpstreamUnavailableError,
    VendorError,
)

__all__ = [
    "NS",
    "FixmlReply",
    "XmlRefusedError",
    "build_request",
    "parse_xml",
    "read_reply",
    "soap_request",
    "unwrap_soap",
]

NS = "http://www.finacle.com/fixml"
Q = f"{{{NS}}}"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PLATFORM = "finacle"


class XmlRefusedError(MappingError):
    """The core sent XML the adapter refuses to read (DOCTYPE, entities, malformed)."""


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    collect_ids=False,
)


def parse_xml(body: bytes) -> etree._Element:
    """Parse XML from outside; DOCTYPE, entity declarations and external DTDs are refused.

    Raises:
        XmlRefusedError: not well-formed, or carrying a DOCTYPE; ``raw`` keeps the body.
    """
    head = body[:4096].lstrip().upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise XmlRefusedError(
            "DOCTYPE and entity declarations are refused", raw=body, platform=PLATFORM
        )
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlRefusedError(f"not well-formed XML: {exc}", raw=body, platform=PLATFORM) from None
    if root.getroottree().docinfo.doctype:
        raise XmlRefusedError("DOCTYPE declarations are refused", raw=body, platform=PLATFORM)
    return root


# -- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who the requests say they come from (``ChannelId``, ``BankId``, credentials)."""

    channel_id: str = "CRM"
    bank_id: str = ""
    user_id: str = ""
    password: str = ""
    version: str = "10.2"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, Q + tag)
    if text:
        element.text = text
    return element


def build_request(
    service: str, uuid: str, now: datetime, caller: Caller
) -> tuple[etree._Element, etree._Element]:
    """A FIXML request with its full header; returns ``(root, Body)`` for the caller to fill.

    Text goes in through lxml, so ``&`` and ``<`` in values are escaped, never concatenated.
    """
    root = etree.Element(Q + "FIXML", nsmap={None: NS})
    header = _sub(_sub(root, "Header"), "RequestHeader")
    key = _sub(header, "MessageKey")
    for tag, value in (
        ("RequestUUID", uuid),
        ("ServiceRequestId", service),
        ("ServiceRequestVersion", caller.version),
        ("ChannelId", caller.channel_id),
        ("LanguageId", ""),
    ):
        _sub(key, tag, value)
    info = _sub(header, "RequestMessageInfo")
    stamp = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}"
    for tag, value in (
        ("BankId", caller.bank_id),
        ("TimeZone", ""),
        ("EntityId", ""),
        ("EntityType", ""),
        ("ArmCorrelationId", ""),
        ("MessageDateTime", stamp),
    ):
        _sub(info, tag, value)
    security = _sub(header, "Security")
    token = _sub(_sub(security, "Token"), "PasswordToken")
    _sub(token, "UserId", caller.user_id)
    _sub(token, "Password", caller.password)
    for tag in (
        "FICertToken",
        "RealUserLoginSessionId",
        "RealUser",
        "RealUserPwd",
        "SSOTransferToken",
    ):
        _sub(security, tag)
    return root, _sub(root, "Body")


def fill(
    parent: etree._Element, path: str, pairs: Iterable[tuple[str, str]] = ()
) -> etree._Element:
    """Create the ``/``-separated chain under ``parent`` and add ``(tag, text)`` leaves."""
    node = parent
    for part in path.split("/"):
        node = _sub(node, part)
    for tag, value in pairs:
        _sub(node, tag, value)
    return node


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def soap_request(fixml: bytes, namespace: str, argument: str) -> bytes:
    """The ``executeService`` SOAP call carrying the FIXML request as CDATA."""
    envelope = etree.Element(
        f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "web": namespace}
    )
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    call = etree.SubElement(body, f"{{{namespace}}}executeService")
    etree.SubElement(call, argument).text = etree.CDATA(fixml.decode("utf-8"))
    return serialize(envelope)


def unwrap_soap(body: bytes, namespace: str, result: str) -> bytes:
    """The FIXML reply carried as an escaped string in ``executeServiceResponse/<result>``."""
    envelope = parse_xml(body)
    found = envelope.find(f"{{{SOAP_ENV}}}Body/{{{namespace}}}executeServiceResponse")
    node = None
    if found is not None:
        node = next((c for c in found if etree.QName(c).localname == result), None)
    if node is None or not (node.text or "").strip():
        raise XmlRefusedError(
            f"no executeServiceResponse/{result} in {namespace}", raw=body, platform=PLATFORM
        )
    return str(node.text).strip().encode("utf-8")


# -- replies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixmlReply:
    """A parsed reply: its root, ``Body`` and the header's transaction ids and statuses."""

    root: etree._Element
    body: etree._Element
    service: str
    request_uuid: str
    host_id: str
    host_status: str
    ubus_status: str

    def business(self, path: str) -> etree._Element | None:
        return self.body.find("/".join(Q + p for p in path.split("/")))


def text(parent: etree._Element | None, path: str) -> str:
    if parent is None:
        return ""
    found = parent.find("/".join(Q + p for p in path.split("/")))
    return "" if found is None or found.text is None else str(found.text)


def _errors(body: etree._Element) -> tuple[bool, tuple[VendorError, ...]]:
    error = body.find(Q + "Error")
    if error is None:
        return False, ()
    system = error.find(Q + "FISystemException") is not None
    details = tuple(
        VendorError(
            code=text(d, "ErrorCode").strip(),
            reason=text(d, "ErrorDesc").strip(),
            source=text(d, "ErrorSource").strip(),
        )
        for d in error.iter(Q + "ErrorDetail")
    )
    return system, details or (VendorError(code="", reason="Error block without details"),)


def read_reply(
    raw: bytes,
    *,
    operation: str,
    not_found: Mapping[str, str] | None = None,
    ident: str = "",
) -> FixmlReply:
    """Parse a FIXML reply and raise from the project's error tree when it is a failure.

    Args:
        raw: the reply bytes (after the SOAP unwrap, if any).
        operation: for messages.
        not_found: ``ErrorCode`` -> kind (``"party"``, ``"account"``) meaning "no such record".
        ident: the id asked for, put on ``NotFoundError``.

    Raises:
        NotFoundError: an error code listed in ``not_found``.
        UpstreamUnavailableError: an ``FISystemException`` (host-side trouble; retriable).
        RequestRejectedError: an ``FIBusinessException`` or a FAILURE status.
        XmlRefusedError / MappingError: not FIXML.
    """
    root = parse_xml(raw)
    if root.tag != Q + "FIXML":
        raise MappingError(f"{operation}: the reply is not FIXML", raw=raw, platform=PLATFORM)
    header = root.find(f"{Q}Header/{Q}ResponseHeader")
    body = root.find(Q + "Body")
    if header is None or body is None:
        raise MappingError(
            f"{operation}: reply without ResponseHeader or Body", raw=raw, platform=PLATFORM
        )
    reply = FixmlReply(
        root=root,
        body=body,
        service=text(header, "RequestMessageKey/ServiceRequestId"),
        request_uuid=text(header, "RequestMessageKey/RequestUUID"),
        host_id=text(header, "HostTransaction/Id").strip(),
        host_status=text(header, "HostTransaction/Status").strip().upper(),
        ubus_status=text(header, "UBUSTransaction/Status").strip().upper(),
    )
    system, errors = _errors(body)
    failed = reply.host_status != "SUCCESS" or reply.ubus_status in {"FAILED", "FAILURE"}
    if not errors and not failed:
        return reply
    for error in errors:
        kind = (not_found or {}).get(error.code)
        if kind is not None:
            raise NotFoundError(kind, ident)
    message = "; ".join(f"{e.code} {e.reason}".strip() for e in errors) or (
        f"HostTransaction/Status={reply.host_status or '<empty>'}"
    )
    if system:
        raise UpstreamUnavailableError(
            f"{operation}: FISystemException: {message}", vendor_errors=errors
        )
    raise RequestRejectedError(f"{operation}: {message}", vendor_errors=errors)
