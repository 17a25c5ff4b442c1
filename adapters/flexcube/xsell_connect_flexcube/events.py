"""Gateway notifications (``FCUBS_NOTIF_HEADER`` + ``FCUBS_NOTIF_IDENTIFIER``) → canonical events.

FCUBS pushes notifications as JMS TextMessages; a bridge forwards them unchanged to AMQP
(project convention, reference §3). A notification carries keys only, so each becomes an
id-only event whose ``data`` holds the hints (NOTIF_CODE, branch, account, customer): the
listener re-reads the record through the gateway. The event id derives from NOTIF_REF_NO
(or MSGID), so a redelivered notification gets the same id. Bodies are parsed with
entities, DTDs and network access off; a DOCTYPE is refused outright.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from xsell_connect.errors import MalformedEventError
from xsell_connect.models import CanonicalEvent

from . import safexml

__all__ = ["parse_notification", "parse_xml"]


def parse_xml(body: bytes) -> etree._Element:
    """The root element of ``body``; MalformedEventError naming the cause otherwise."""
    try:
        return safexml.parse(body)
    except safexml.RefusedXML as exc:
        raise MalformedEventError(f"refused: {exc}", raw=body) from None
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedEventError(f"not well-formed XML: {exc}", raw=body) from None


def _leaves(element: etree._Element | None) -> dict[str, str]:
    if element is None:
        return {}
    return {etree.QName(c).localname: (c.text or "").strip() for c in element
            if isinstance(c.tag, str) and len(c) == 0}  # fmt: skip


def _child(root: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == name),
                None)  # fmt: skip


def parse_notification(
    body: bytes,
    *,
    codes: Mapping[str, str],
    source: str,
    now: Callable[[], datetime],
) -> list[CanonicalEvent]:
    """One notification message → one canonical event (type from ``codes`` by NOTIF_CODE)."""
    root = parse_xml(body)
    header = _leaves(_child(root, "FCUBS_NOTIF_HEADER"))
    if not header:
        raise MalformedEventError("no FCUBS_NOTIF_HEADER in the message", raw=body)
    code = header.get("NOTIF_CODE", "")
    event_type = codes.get(code)
    if event_type is None:
        raise MalformedEventError(f"NOTIF_CODE {code!r} is not configured", raw=body,
                                  attribute="NOTIF_CODE")  # fmt: skip
    key = header.get("NOTIF_REF_NO") or header.get("MSGID")
    if not key:
        raise MalformedEventError("the header has neither NOTIF_REF_NO nor MSGID", raw=body)
    ids = _leaves(_child(root, "FCUBS_NOTIF_IDENTIFIER"))
    party = ids.get("CUSTNO") or ids.get("CUST_NO") or None
    data: dict[str, Any] = {"notif_code": code, "notif_ref_no": header.get("NOTIF_REF_NO"),
                            "msgid": header.get("MSGID"), "branch": header.get("BRANCH"),
                            "account_id": ids.get("ACC") or ids.get("CUST_AC_NO"),
                            "party_id": party, "identifier": ids}  # fmt: skip
    return [CanonicalEvent.wrap(type=event_type, platform="flexcube", source=source, key=key,
                                time=now(), subject=party, data=data)]  # fmt: skip
