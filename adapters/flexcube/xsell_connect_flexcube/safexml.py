"""The adapter's one hardened XML parser, for gateway replies and notification bodies.

No entity is resolved, no DTD is loaded, nothing is fetched, ``huge_tree`` stays off (a
10,000-row statement does not need it), and a document that declares a DOCTYPE is refused
after parsing (reference runtime.md §6): nothing in an FCUBS message needs one.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["PARSER", "RefusedXML", "parse"]

PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


class RefusedXML(ValueError):
    """The document declares a DOCTYPE or entities."""


def parse(body: bytes) -> etree._Element:
    """The root element of ``body``.

    Raises:
        RefusedXML: the document declares a DOCTYPE (and so maybe entities).
        lxml.etree.XMLSyntaxError: it is not well-formed (nothing is recovered).
    """
    root = etree.fromstring(body, parser=PARSER)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise RefusedXML("the XML declares a DOCTYPE or entities")
    return root
