"""Discovery documents against the protocol vectors (vectors/README.md, discovery and nodeinfo)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from core.federation import documents
from core.federation.documents import HCard, NodeStats, WebFinger
from core.federation.errors import DiscoveryError

VECTORS = Path(__file__).parents[1] / "vectors"
UPSTREAM = VECTORS / "upstream"
SPEC = UPSTREAM / "spec_templated"
SCHEMAS = Path(__file__).parents[1] / "vectors" / "diaspora"
ALICE_KEY = (UPSTREAM / "keys/alice_pod-a_rsa1024_public.pem").read_text()
GUID = "7dba7ca01d64013485eb3131731751e9"

FULL_WEBFINGER = WebFinger(
    subject="acct:alice@example.org", aliases=(f"https://example.org/people/{GUID}",),
    hcard_url=f"https://example.org/hcard/users/{GUID}", seed_url="https://example.org/",
    profile_url="https://example.org/u/alice", atom_url="https://example.org/public/alice.atom",
    salmon_url=f"https://example.org/receive/users/{GUID}", subscribe_template="https://example.org/people?q={uri}")

FULL_HCARD = HCard(guid=GUID, nickname="alice", full_name="Dummy User", first_name="Dummy", last_name="User",
                   searchable=True, public_key=ALICE_KEY, photo_large="https://example.org//upload/large.png",
                   photo_medium="https://example.org//upload/medium.png",
                   photo_small="https://example.org//upload/small.png")


# --- WebFinger -----------------------------------------------------------------------------

def test_webfinger_is_written_exactly_as_dfed_writes_a_full_person():
    written = documents.pretty_json(documents.webfinger_jrd(FULL_WEBFINGER))
    assert written == (SPEC / "webfinger_full.jrd.json").read_text()


def test_minimal_webfinger_has_only_the_two_mandatory_links():
    minimal = WebFinger(subject="acct:alice@example.org", hcard_url=FULL_WEBFINGER.hcard_url,
                        seed_url="https://example.org/")
    assert documents.pretty_json(documents.webfinger_jrd(minimal)) == (SPEC / "webfinger_minimal.jrd.json").read_text()


def test_our_own_webfinger_has_dfeds_structure():
    ours = documents.webfinger_jrd(documents.local_webfinger("https://example.org", "alice@example.org", GUID, "alice"))
    theirs = json.loads((SPEC / "webfinger_full.jrd.json").read_text())
    assert [(link["rel"], sorted(link)) for link in ours["links"]] == \
        [(link["rel"], sorted(link)) for link in theirs["links"]]
    assert ours["subject"] == theirs["subject"] and ours["aliases"] == theirs["aliases"]
    assert ours["links"][:5] == theirs["links"][:5]
    assert ours["links"][5]["template"] == "https://example.org/search?q={uri}"


@pytest.mark.parametrize("name, expected", [
    ("spec_templated/webfinger_full.jrd.json", FULL_WEBFINGER),
    ("spec_templated/webfinger_minimal.jrd.json",
     WebFinger("acct:alice@example.org", FULL_WEBFINGER.hcard_url, "https://example.org/")),
    ("docs_discovery/webfinger_alice.jrd.json",
     WebFinger("acct:alice@example.org", FULL_WEBFINGER.hcard_url, "https://example.org/")),
    ("spec_templated/webfinger_with_additional_data.jrd.json",
     WebFinger("acct:alice@example.org", FULL_WEBFINGER.hcard_url, "https://example.org/",
               aliases=(f"https://example.org/people/{GUID}", "https://example.org/u/alice"))),
    ("spec_templated/webfinger_friendica.jrd.json",
     WebFinger("acct:alice@example.org", "https://example.org/hcard/alice", "https://example.org/",
               aliases=("https://example.org/~alice", "https://example.org/profile/alice"),
               profile_url="https://example.org/profile/alice", atom_url="https://example.org/dfrn_poll/alice",
               salmon_url="https://example.org/salmon/alice", subscribe_template="https://example.org/follow?url={uri}")),
    ("spec_templated/webfinger_hubzilla.jrd.json",
     WebFinger("acct:alice@example.org", "https://example.org/hcard/alice", "https://example.org/",
               aliases=("https://example.org/channel/alice", "https://example.org/~alice", "https://example.org/@alice"),
               profile_url="https://example.org/profile/alice", atom_url="https://example.org/ofeed/alice",
               salmon_url=f"https://example.org/receive/users/{GUID}",
               subscribe_template="https://example.org/follow?f=&url={uri}")),
])
def test_every_vector_jrd_parses_to_the_expected_links(name, expected):
    parsed = documents.parse_webfinger((UPSTREAM / name).read_bytes())
    assert parsed == expected and parsed.diaspora_id == "alice@example.org"


def test_every_jrd_vector_is_covered():
    assert len(list(UPSTREAM.rglob("*.jrd.json"))) == 6


def test_the_first_link_of_a_rel_wins():
    document = {"subject": "acct:a@b.example", "links": [
        {"rel": documents.REL_HCARD, "href": "https://b.example/first"},
        {"rel": documents.REL_HCARD, "href": "https://b.example/second"},
        {"rel": documents.REL_SEED, "href": "https://b.example/"}]}
    assert documents.parse_webfinger(json.dumps(document).encode()).hcard_url == "https://b.example/first"


@pytest.mark.parametrize("document, reason", [
    (b"not json", "not JSON"),
    (b"[]", "lacks subject or links"),
    (b'{"subject": "acct:a@b.example"}', "lacks subject or links"),
    (b'{"subject": " ", "links": []}', "subject is empty"),
    (b'{"subject": "acct:a@b.example", "links": {}}', "not a list"),
    (b'{"subject": "acct:a@b.example", "links": []}', "no usable hCard link"),
    (b'{"subject": "acct:a@b.example", "links": [{"rel": "http://microformats.org/profile/hcard", '
     b'"href": "https://b.example"}]}', "no usable hCard link"),
    (b'{"subject": "acct:a@b.example", "links": [{"rel": "http://microformats.org/profile/hcard", '
     b'"href": "https://b.example/h"}]}', "no usable seed_location"),
    (b'{"subject": "acct:a@b.example", "links": [{"rel": "http://microformats.org/profile/hcard", '
     b'"href": "https://b.example/h"}, {"rel": "http://joindiaspora.com/seed_location", "href": "nope"}]}',
     "no usable seed_location"),
    (b'{"subject": "acct:a@b.example", "links": [{"rel": "http://microformats.org/profile/hcard", '
     b'"href": "https://b.example/h"}, {"rel": "http://joindiaspora.com/seed_location", "href": "https://b.example/"},'
     b' {"rel": "salmon", "href": "relative"}]}', "salmon link is not a URL"),
])
def test_bad_webfinger_is_rejected_with_a_reason(document, reason):
    with pytest.raises(DiscoveryError, match=reason):
        documents.parse_webfinger(document)


# --- hCard ---------------------------------------------------------------------------------

def test_hcard_is_written_exactly_as_dfed_writes_it():
    assert documents.hcard_html(FULL_HCARD) == (SPEC / "hcard_full.html").read_text()


def test_hcard_without_nickname_is_the_minimal_vector():
    assert documents.hcard_html(replace(FULL_HCARD, nickname=None)) == (SPEC / "hcard_minimal.html").read_text()


def test_hcard_full_parses_back():
    assert documents.parse_hcard((SPEC / "hcard_full.html").read_bytes()) == FULL_HCARD


def test_hcard_minimal_has_no_nickname():
    assert documents.parse_hcard((SPEC / "hcard_minimal.html").read_bytes()) == replace(FULL_HCARD, nickname=None)


def test_hcard_alice_from_the_docs():
    card = documents.parse_hcard((UPSTREAM / "docs_discovery/hcard_alice.html").read_bytes())
    assert (card.guid, card.full_name, card.first_name, card.last_name, card.searchable, card.nickname) == \
        (GUID, "Alice Smith", "Alice", "Smith", True, None)
    assert card.public_key == (UPSTREAM / "keys/docs_hcard_alice_example_org_rsa4096_public.pem").read_text()
    assert card.photo_small == "https://example.org/images/thumb_small_a795f872c93309597345.jpg"
    from cryptography.hazmat.primitives import serialization
    assert serialization.load_pem_public_key(card.public_key.encode()).key_size == 4096


def test_hcard_text_is_escaped_and_reads_back():
    card = replace(FULL_HCARD, full_name="<b>A & B</b>", first_name="Ä<", photo_small='https://x.example/"a.png')
    html = documents.hcard_html(card)
    assert "<b>" not in html and "&lt;b&gt;A &amp; B&lt;/b&gt;" in html
    assert documents.parse_hcard(html.encode()) == card


def test_hcard_searchable_is_true_only_for_exactly_true():
    html = documents.hcard_html(FULL_HCARD).replace('<span class="searchable">true</span>',
                                                   '<span class="searchable">True</span>')
    assert documents.parse_hcard(html.encode()).searchable is False
    assert documents.parse_hcard(documents.hcard_html(replace(FULL_HCARD, searchable=False)).encode()).searchable \
        is False


def test_hcard_accepts_a_pkcs1_key_and_relative_photo_paths():
    pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\nMIGJAoGBAL\n-----END RSA PUBLIC KEY-----\n"
    card = replace(FULL_HCARD, public_key=pkcs1, photo_large="/assets/user/default.png")
    assert documents.parse_hcard(documents.hcard_html(card).encode()) == card


def _without(html: str, fragment: str) -> bytes:
    assert fragment in html
    return html.replace(fragment, "").encode()


FULL = (SPEC / "hcard_full.html").read_text()


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (FULL.replace(GUID, "short").encode(), "uid is not a valid guid"),
    (_without(FULL, '<span class="fn">Dummy User</span>'), "lacks the .fn element"),
    (FULL.replace("-----END PUBLIC KEY-----", "").encode(), "not a PEM public key"),
    (FULL.replace('class="entity_photo_medium"', 'class="entity_other"').encode(), "lacks the .entity_photo_medium"),
    (FULL.replace('class="entity_photo_small"', 'class="entity_other"').encode(), "lacks the .entity_photo_small"),
    (FULL.replace('<dl class="entity_photo">', '<dl class="entity_nothing">').encode(), "lacks the .entity_photo "),
    (FULL.replace("https://example.org//upload/large.png", "https://example.org").encode(), "has no path"),
    (FULL.replace(">Dummy<", ">Dum;my<").encode(), "first name"),
    (FULL.replace(">User<", ">" + "U" * 33 + "<").encode(), "last name"),
    (FULL.replace('<span class="fn">Dummy User</span>', '<span class="fn">' + "x" * 71 + "</span>").encode(),
     "full name"),
])
def test_bad_hcard_is_rejected_with_a_reason(data, reason):
    with pytest.raises(DiscoveryError, match=reason):
        documents.parse_hcard(data)


def test_hcard_parser_loads_nothing_external(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    hostile = FULL.replace('<html>', f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]><html>', 1)
    hostile = hostile.replace(">alice<", ">&e;<", 1)
    card = documents.parse_hcard(hostile.encode())
    assert "TOP SECRET" not in repr(card) and card.nickname == "&e;"


# --- identifiers ---------------------------------------------------------------------------

RULES = json.loads((UPSTREAM / "validation_rules.json").read_text())


@pytest.mark.parametrize("value", RULES["diaspora_id"]["valid"] + ["jösé@example.org", "alice@exämple.org",
                                                                   "alice@example..org", "a@b"])
def test_valid_diaspora_ids(value):
    assert documents.valid_diaspora_id(value)


@pytest.mark.parametrize("value", RULES["diaspora_id"]["invalid"] + ["Jösé@example.org", "alice@ExÄmple.org"])
def test_invalid_diaspora_ids(value):
    assert not documents.valid_diaspora_id(value)


@pytest.mark.parametrize("value", RULES["guid"]["valid"])
def test_valid_guids(value):
    assert documents.valid_guid(value)


@pytest.mark.parametrize("value", RULES["guid"]["invalid"])
def test_invalid_guids(value):
    assert not documents.valid_guid(value)


def test_normalising_a_diaspora_id():
    assert documents.normalize_diaspora_id("  ACCT:Alice@Example.ORG ") == "alice@example.org"


# --- host-meta and NodeInfo ----------------------------------------------------------------

def test_host_meta_is_the_empty_xrd():
    from core.federation.xml import parse_xml

    root = parse_xml(documents.host_meta_xml().encode())
    assert root.tag == "{http://docs.oasis-open.org/ns/xri/xrd-1.0}XRD" and len(root) == 0


def test_nodeinfo_links_point_at_2_0_and_2_1():
    assert documents.nodeinfo_links("https://pod.example.org/") == {"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://pod.example.org/nodeinfo/2.0"},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://pod.example.org/nodeinfo/2.1"}]}


STATS = NodeStats(software_version="0.1.0", open_registrations=True, node_name="Example pod", local_posts=12,
                  local_comments=34, total_users=5, active_halfyear=4, active_month=3)


def schema(version: str, folder: Path) -> dict:
    return json.loads((folder / f"nodeinfo-{version}.schema.json").read_text())


@pytest.mark.parametrize("folder", [SCHEMAS, VECTORS / "nodeinfo"])
@pytest.mark.parametrize("version", ["2.0", "2.1"])
@pytest.mark.parametrize("hide", [False, True])
def test_nodeinfo_validates_against_its_schema(version, hide, folder):
    stats = replace(STATS, hide_users=hide, total_users=None, active_halfyear=None, active_month=None) \
        if hide else STATS
    document = documents.nodeinfo_document(version, stats)
    jsonschema.validate(document, schema(version, folder))
    assert document["version"] == version
    assert document["software"] == {"name": "seedpod", "version": "0.1.0"}
    assert document["protocols"] == ["diaspora"] and document["openRegistrations"] is True
    assert document["usage"]["users"] == ({} if hide else {"total": 5, "activeHalfyear": 4, "activeMonth": 3})
    assert (document["usage"]["localPosts"], document["usage"]["localComments"]) == (12, 34)
    assert document["metadata"]["nodeName"] == "Example pod"


def test_nodeinfo_2_1_names_the_repository_when_known():
    stats = replace(STATS, repository="https://git.example/seedpod", homepage="https://seedpod.example/")
    assert documents.nodeinfo_document("2.1", stats)["software"] == {
        "name": "seedpod", "version": "0.1.0", "repository": "https://git.example/seedpod",
        "homepage": "https://seedpod.example/"}
    assert "repository" not in documents.nodeinfo_document("2.0", stats)["software"]


def test_the_vector_examples_validate_too():
    for name, version in (("nodeinfo-2.0.example.json", "2.0"), ("nodeinfo-2.1.example.json", "2.1"),
                          ("nodeinfo-2.0.minimal-no-counts.example.json", "2.0")):
        jsonschema.validate(json.loads((VECTORS / "nodeinfo" / name).read_text()), schema(version, SCHEMAS))


def test_unknown_nodeinfo_version():
    with pytest.raises(ValueError):
        documents.nodeinfo_document("1.0", STATS)
