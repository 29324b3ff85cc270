"""The hardened parser: hostile XML is refused quickly and clearly, ordinary XML reads exactly."""
import time

import pytest
from lxml import etree

from core.federation.errors import ProtocolError
from core.federation.xml import parse_xml, to_xml_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<status_message><text>&lol9;</text></status_message>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<comment><text>&xxe;</text></comment>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE comment SYSTEM "http://127.0.0.1:1/evil.dtd">
<comment><text>hi</text></comment>"""

PARAMETER_ENTITY = b"""<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p"> %p;]><x/>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY,
                                      BILLION_LAUGHS.replace(b"DOCTYPE", b"doctype")])
def test_documents_with_a_dtd_are_refused_quickly(document):
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="DOCTYPE or entity declaration"):
        parse_xml(document)
    assert time.monotonic() - started < 0.5


def test_undeclared_entities_are_refused():
    with pytest.raises(ProtocolError, match="not XML: Entity 'xxe' not defined"):
        parse_xml(b"<comment><text>&xxe;</text></comment>")


@pytest.mark.parametrize("document, reason", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"hello world", "not XML"),
    (b'{"json": true}', "not XML"),
    (b"<a><b></a>", "not XML"),
    (b"<a/><b/>", "not XML"),
    ("<a>é</a>".encode("utf-16"), "UTF-8"),
    (b"<a>\xff\xfe</a>", "not XML"),
])
def test_non_xml_is_refused_with_a_reason(document, reason):
    with pytest.raises(ProtocolError, match=reason):
        parse_xml(document)


def test_text_reads_exactly():
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<t><x>  a&#xD;\nb &amp; c  </x><!-- c --><y/></t>')
    assert root.find("x").text == "  a\r\nb & c  "
    assert root.find("y").text is None


def test_single_quoted_declaration_is_fine():
    assert parse_xml(b"<?xml version='1.0' encoding='UTF-8'?>\n<a/>").tag == "a"


def test_carriage_returns_are_written_as_character_references():
    element = etree.Element("text")
    element.text = "a\r\nb"
    assert to_xml_bytes(element) == b"<text>a&#xD;\nb</text>"
    assert parse_xml(to_xml_bytes(element)).text == "a\r\nb"


def test_a_literal_ampersand_13_stays_literal():
    element = etree.Element("text")
    element.text = "&#13; and \r"
    written = to_xml_bytes(element)
    assert written == b"<text>&amp;#13; and &#xD;</text>"
    assert parse_xml(written).text == "&#13; and \r"


def test_declaration_on_request():
    assert to_xml_bytes(etree.Element("a"), declaration=True) == b'<?xml version="1.0" encoding="UTF-8"?>\n<a/>'


def test_absurdly_deep_documents_are_refused_quickly():
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="not XML: Excessive depth"):
        parse_xml(b"<a>" * 100_000 + b"</a>" * 100_000)
    assert time.monotonic() - started < 0.5


def test_oversized_documents_are_refused_before_parsing():
    with pytest.raises(ProtocolError, match="too large"):
        parse_xml(b"<a>" + b"x" * (10 * 1024 * 1024) + b"</a>")
