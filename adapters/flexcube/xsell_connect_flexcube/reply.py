"""A plain success reply read straight from its bytes with the hardened lxml parser.

zeep builds a typed object graph for every element of a reply: for a statement of a few
hundred rows that costs far more than parsing, so the statement replies are read here into
the same plain dicts :func:`.client.plain` makes of zeep's answers (leaves as text, nested
blocks as lists of dicts: ``Acc-Txn-Full``, ``FCUBS_ERROR_RESP``/``ERROR``, …). Anything
that is not a plain success envelope of the expected operation (a SOAP Fault, an HTTP
error, an unexpected element) is left to zeep, so errors are raised exactly as elsewhere.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from xsell_connect.errors import FatalUpstreamError, UpstreamUnavailableError

from . import safexml

__all__ = ["is_fault", "read"]

_ENVELOPE = "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"


_NAMES: dict[str, str] = {}  # qualified tag -> local name: the few element names of replies


def _local(tag: str) -> str:
    name = tag.rpartition("}")[2]
    if len(_NAMES) < 4096:  # bounded: a hostile reply cannot grow it without limit
        _NAMES[tag] = name
    return name


def _block(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    names = _NAMES
    for child in element:
        tag = child.tag
        name = names.get(tag) or _local(tag)
        if len(child):
            out.setdefault(name, []).append(_block(child))
        else:
            out[name] = child.text
    return out


def read(content: bytes, message: str, *, where: str) -> dict[str, Any] | None:
    """``{"FCUBS_HEADER": {...}, "FCUBS_BODY": {...}}`` of a reply whose body element is
    ``message`` (a qualified name), or None when the reply is anything else.

    Raises:
        FatalUpstreamError: the reply declares a DTD or entities (never resolved).
        UpstreamUnavailableError: the reply is not well-formed XML (e.g. cut short).
    """
    try:
        root = safexml.parse(content)
    except safexml.RefusedXML as exc:
        raise FatalUpstreamError(f"{where}: reply refused, it declares a DTD or entities "
                                 f"({exc})") from None  # fmt: skip
    except etree.XMLSyntaxError as exc:
        raise UpstreamUnavailableError(f"{where}: reply is not well-formed XML ({exc})") from None
    body = root.find(_BODY) if root.tag == _ENVELOPE else None
    found = None if body is None else body.find(message)
    if found is None:
        return None
    return {_local(part.tag): _block(part) for part in found if len(part)}


def is_fault(content: bytes) -> bool:
    """Whether ``content`` is a SOAP envelope carrying a Fault (an HTTP error page is not)."""
    try:
        root = safexml.parse(content)
    except (safexml.RefusedXML, etree.XMLSyntaxError):
        return False
    body = root.find(_BODY) if root.tag == _ENVELOPE else None
    return body is not None and body.find(_FAULT) is not None
