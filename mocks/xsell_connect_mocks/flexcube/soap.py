"""SOAP 1.1 envelopes as the FCUBS gateway reads and writes them (reference flexcube.md §1, §5).

Requests are parsed with a hardened lxml parser (no entities, no network, no DTD loading)
and any DOCTYPE is refused before the body is looked at. Replies put the service
namespace as the default namespace under an ``S:`` envelope prefix, as the JAX-WS host does.
Records are ordered ``(name, value)`` pairs: a value is text, ``None`` (an element with no
text, like a FLDNAM-only UDF) or a list of pairs (a child block).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from lxml import etree

__all__ = [
    "SOAP_ENV",
    "Fields",
    "SoapFault",
    "SoapRequest",
    "build",
    "fault",
    "parse_request",
    "record",
    "reply",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
Value = Union[str, None, "Fields"]
Fields = list[tuple[str, Value]]

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class SoapFault(Exception):
    """A request the gateway answers with a SOAP Fault and HTTP 500."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code}: {reason}")


@dataclass(frozen=True)
class SoapRequest:
    """The body root of one request: its local name, namespace, header and body."""

    root: str
    namespace: str
    header: dict[str, str]
    body: etree._Element
    xref: str


def parse_request(data: bytes) -> SoapRequest:
    """The request in ``data``; SoapFault (``S:Client``) when it is not a usable envelope."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise SoapFault("S:Client", "DOCTYPE is not allowed in a request")
    try:
        envelope = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFault("S:Client", f"Couldn't parse the SOAP message: {exc.msg}") from None
    if envelope.getroottree().docinfo.doctype:
        raise SoapFault("S:Client", "DOCTYPE is not allowed in a request")
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("S:Client", "not a SOAP 1.1 envelope")
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    roots = [] if body is None else [e for e in body if isinstance(e.tag, str)]
    if len(roots) != 1:
        raise SoapFault("S:Client", "the SOAP Body must hold exactly one element")
    root = roots[0]
    qname = etree.QName(root)
    ns = qname.namespace or ""
    header_el = root.find(f"{{{ns}}}FCUBS_HEADER")
    header = (
        {}
        if header_el is None
        else {
            etree.QName(c).localname: (c.text or "")
            for c in header_el
            if isinstance(c.tag, str) and len(c) == 0
        }
    )
    xref = ""
    if header_el is not None:
        for param in header_el.iterfind(f"{{{ns}}}ADDL/{{{ns}}}PARAM"):
            if param.findtext(f"{{{ns}}}NAME") == "XREF":
                xref = param.findtext(f"{{{ns}}}VALUE") or ""
    fcubs_body = root.find(f"{{{ns}}}FCUBS_BODY")
    if fcubs_body is None:
        fcubs_body = etree.Element(f"{{{ns}}}FCUBS_BODY")
    return SoapRequest(qname.localname, ns, header, fcubs_body, xref)


def record(element: etree._Element | None) -> dict[str, object]:
    """A request block as a dict: leaves as text, repeated or nested children as lists."""
    result: dict[str, object] = {}
    if element is None:
        return result
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value: object = (child.text or "") if len(child) == 0 else record(child)
        if name in result:
            previous = result[name]
            result[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        elif name == "UDFDETAILS":
            result[name] = [value]
        else:
            result[name] = value
    return result


def build(parent: etree._Element, ns: str, fields: Sequence[tuple[str, Value]]) -> None:
    """Append ``fields`` under ``parent`` in the namespace ``ns``, in order."""
    for name, value in fields:
        child = etree.SubElement(parent, f"{{{ns}}}{name}")
        if isinstance(value, list):
            build(child, ns, value)
        elif value is not None:
            child.text = value


def reply(root: str, ns: str, header: Fields, body: Fields) -> bytes:
    """A reply envelope: ``S:`` prefix, the service namespace as the default namespace."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"S": SOAP_ENV})
    soap_body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    res = etree.SubElement(soap_body, f"{{{ns}}}{root}", nsmap={None: ns})
    build(res, ns, [("FCUBS_HEADER", header), ("FCUBS_BODY", body)])
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def fault(code: str, reason: str) -> bytes:
    """A SOAP 1.1 Fault envelope (the JAX-WS host answers it with HTTP 500)."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"S": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = code
    etree.SubElement(node, "faultstring").text = reason
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
