"""The one way federation reads and writes XML.

Payloads come from anyone on the internet, so the parser is locked down: no DTD, no entity
expansion, no network, no huge trees. A document that even declares a DOCTYPE is refused before
lxml builds anything from it, which keeps "billion laughs" and external-entity tricks out without
relying on how the expansion would have gone.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import ProtocolError

# Federation payloads are small; anything far beyond this is not a diaspora* entity.
MAX_XML_BYTES = 10 * 1024 * 1024

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    remove_pis=False,
    strip_cdata=True,
)

# A DOCTYPE may only appear in the prolog: after an optional declaration, comments and PIs.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A parser object is not safe to share between threads, and building one is cheap.
    return etree.XMLParser(**_PARSER_OPTIONS)


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML and return its root element; ProtocolError on anything wrong."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)):
        raise ProtocolError(f"XML must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise ProtocolError("not XML: the document is empty")
    if len(data) > MAX_XML_BYTES:
        raise ProtocolError(f"XML document too large ({len(data)} bytes)")
    # Checked on the raw bytes so nothing of a DTD is ever processed. UTF-16 payloads would
    # hide it from this check, so only ASCII-compatible encodings get this far (see below).
    if _DOCTYPE.search(data) or _ENTITY_DECL.search(data):
        raise ProtocolError("XML with a DOCTYPE or entity declaration is not accepted")
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        raise ProtocolError("XML must be UTF-8")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(f"not XML: {exc}") from None
    except ValueError as exc:
        raise ProtocolError(f"not XML: {exc}") from None
    if root is None:
        raise ProtocolError("not XML: no root element")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ProtocolError("XML with a DOCTYPE or entity declaration is not accepted")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise ProtocolError("XML with entity references is not accepted")
    return root


def to_xml_bytes(element: etree._Element, declaration: bool = False, pretty: bool = False) -> bytes:
    """Serialise an element as UTF-8, with ``<?xml version="1.0" encoding="UTF-8"?>`` if asked.

    A carriage return in text must be written as a character reference, or the receiving
    parser turns CRLF into LF and relayable signatures over that text break (PROTOCOL.md §8.1).
    lxml writes ``&#13;``; we spell it ``&#xD;`` as diaspora* (libxml2 via Nokogiri) does. The
    swap is safe: a literal "&#13;" in text would have been written as ``&amp;#13;``.
    """
    body = etree.tostring(element, encoding="UTF-8", xml_declaration=False, pretty_print=pretty)
    body = body.replace(b"&#13;", b"&#xD;")
    if declaration:
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return body
