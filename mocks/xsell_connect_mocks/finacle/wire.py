"""FIXML on the wire, as the mock core reads and writes it (reference finacle.md §1).

Requests are parsed with a hardened lxml parser (no DTD, no entities, no network; any
DOCTYPE refused) and validated against the project's XSD subset in
``openapi/finacle/fixml-subset.xsd``. Replies are built as lxml trees in the FIXML
namespace with Finacle's habits: every element present even when empty, amounts as
``{amountValue, currencyCode}`` with two decimals, dates ``yyyy-MM-ddT00:00:00.000`` and
date-times with milliseconds and no zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

__all__ = [
    "NS",
    "SCHEMA_PATH",
    "RequestKey",
    "WireError",
    "amount",
    "child",
    "fdate",
    "fdatetime",
    "leaf",
    "leaves",
    "parse",
    "schema",
    "serialize",
    "text_of",
]

NS = "http://www.finacle.com/fixml"
_Q = f"{{{NS}}}"
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "openapi" / "finacle" / "fixml-subset.xsd"


class WireError(ValueError):
    """The request is not FIXML the mock accepts (malformed, DOCTYPE, schema-invalid)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(body: bytes) -> etree._Element:
    """A hardened parse of an XML document from outside; a DOCTYPE is refused outright."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise WireError(f"not well-formed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise WireError("DOCTYPE declarations are not accepted")
    return root


@cache
def schema() -> etree.XMLSchema:
    """The project's FIXML XSD subset (loaded from the repository's own file, no network)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def validate(root: etree._Element) -> None:
    contract = schema()
    if not contract.validate(root):
        error = contract.error_log.last_error
        raise WireError(f"not valid against the FIXML subset: line {error.line}: {error.message}")


@dataclass(frozen=True)
class RequestKey:
    """``Header/RequestHeader/MessageKey`` of a request, echoed in ``RequestMessageKey``."""

    uuid: str
    service: str
    version: str
    channel: str

    @classmethod
    def of(cls, root: etree._Element) -> RequestKey:
        key = root.find(f"{_Q}Header/{_Q}RequestHeader/{_Q}MessageKey")
        if key is None:
            raise WireError("Header/RequestHeader/MessageKey is missing")
        return cls(
            uuid=text_of(key, "RequestUUID"),
            service=text_of(key, "ServiceRequestId"),
            version=text_of(key, "ServiceRequestVersion"),
            channel=text_of(key, "ChannelId"),
        )


def text_of(parent: etree._Element | None, path: str) -> str:
    """Text at a ``/``-separated path of FIXML elements ("" when absent or empty)."""
    if parent is None:
        return ""
    found = parent.find("/".join(_Q + part for part in path.split("/")))
    return "" if found is None or found.text is None else str(found.text)


def child(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, _Q + tag)


def leaf(parent: etree._Element, tag: str, value: object = "") -> etree._Element:
    """An element with text; an empty element (Finacle's habit) for "" or None."""
    element = etree.SubElement(parent, _Q + tag)
    if value is not None and value != "":
        element.text = str(value)
    return element


def leaves(parent: etree._Element, pairs: Iterable[tuple[str, object]]) -> None:
    for tag, value in pairs:
        leaf(parent, tag, value)


def amount(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    block = child(parent, tag)
    leaf(block, "amountValue", f"{value:.2f}")
    leaf(block, "currencyCode", currency)


def fdate(day: date | None) -> str:
    return "" if day is None else f"{day:%Y-%m-%d}T00:00:00.000"


def fdatetime(moment: datetime) -> str:
    """Wall-clock time with milliseconds and no zone, as Finacle writes it."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def element(tag: str) -> etree._Element:
    return etree.Element(_Q + tag, nsmap={None: NS})


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
