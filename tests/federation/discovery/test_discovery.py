"""Discovering people on other pods against a fake remote pod on loopback (PROTOCOL.md §4)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter

from core.accounts.models import Person, Profile
from core.db import utcnow
from core.federation import discovery
from core.federation.errors import DiscoveryError
from core.federation.models import Pod
from core.hookspecs import hookimpl


def people_count(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Person))


def pods_count(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Pod))


def other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_a_remote_person_is_discovered_with_key_profile_and_pod(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    person = discovery.find_or_fetch_person(dbsession, pod, f"  ACCT:{diaspora_id.upper()} ")
    dbsession.commit()
    card = remote_pod.cards[person.guid]
    assert person.diaspora_id == diaspora_id and not person.local
    assert person.public_key_pem == card.public_key
    assert person.fetched_at is not None
    home = dbsession.get(Pod, person.pod_id)
    assert (home.host, home.https) == (remote_pod.host, False)
    assert discovery.person_base_url(person) == remote_pod.url
    profile = dbsession.get(Profile, person.id)
    assert (profile.first_name, profile.last_name, profile.searchable) == ("Alice", "Remote", True)
    # A relative avatar path is made absolute on the person's pod.
    assert profile.image_url == f"{remote_pod.url}/images/large.png"
    assert profile.image_url_medium == f"{remote_pod.url}/images/medium.png"
    assert profile.image_url_small == f"{remote_pod.url}/images/small.png"
    assert discovery.known_person(dbsession, diaspora_id.upper()).id == person.id
    assert remote_pod.requests[-2:] == [remote_pod.webfinger_path(diaspora_id), f"/hcard/users/{person.guid}"]


def test_a_pkcs1_key_is_stored_as_spki(pod, dbsession, remote_pod):
    spki = other_key()
    pkcs1 = serialization.load_pem_public_key(spki.encode()).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    person = discovery.find_or_fetch_person(dbsession, pod, remote_pod.person("alice", public_key=pkcs1))
    assert person.public_key_pem == spki


def test_a_cached_person_is_not_asked_for_again(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    first = discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    dbsession.commit()
    asked = list(remote_pod.requests)
    assert discovery.find_or_fetch_person(dbsession, pod, diaspora_id).id == first.id
    assert remote_pod.requests == asked


def test_a_stale_profile_is_read_again_and_the_key_kept(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    person = discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    key = person.public_key_pem
    person.fetched_at = utcnow() - dt.timedelta(days=8)
    dbsession.commit()
    card = remote_pod.cards[person.guid]
    remote_pod.publish_card(replace(card, first_name="Alicia", searchable=False, public_key=other_key()))
    refreshed = discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    dbsession.commit()
    assert refreshed.id == person.id
    assert (refreshed.profile.first_name, refreshed.profile.searchable) == ("Alicia", False)
    assert refreshed.public_key_pem == key  # keys never change (PROTOCOL.md §3)
    assert utcnow() - refreshed.fetched_at < dt.timedelta(minutes=1)


def test_refresh_failure_keeps_the_cached_person(pod, dbsession, remote_pod, caplog):
    diaspora_id = remote_pod.person("alice")
    person = discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    dbsession.commit()
    fetched_at = person.fetched_at
    remote_pod.routes.clear()
    with caplog.at_level(logging.WARNING, "core.federation.discovery"):
        again = discovery.find_or_fetch_person(dbsession, pod, diaspora_id, refresh=True)
    assert again.id == person.id and again.fetched_at == fetched_at
    assert again.profile.first_name == "Alice"
    assert f"kept the cached profile of {diaspora_id}" in caplog.text


def test_a_refresh_claiming_another_guid_is_ignored(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    person = discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    dbsession.commit()
    remote_pod.person("alice", guid="ffffffffffffffffffffffffffffffff", first_name="Mallory")
    again = discovery.find_or_fetch_person(dbsession, pod, diaspora_id, refresh=True)
    assert again.guid == person.guid and again.profile.first_name == "Alice"


def test_a_local_person_is_found_without_the_network(app, pod, dbsession, remote_pod, person_of):
    from core.testing import sign_up

    sign_up(app, "bob")
    found = discovery.find_or_fetch_person(dbsession, pod, f"BOB@{pod.host}", refresh=True)
    assert found.id == person_of("bob").id and found.local
    with pytest.raises(DiscoveryError, match="not a user of this pod"):
        discovery.find_or_fetch_person(dbsession, pod, f"nobody@{pod.host}")


@pytest.mark.parametrize("bad", ["", "alice", "alice@", "al ice@example.org", "alice@exa_mple.org",
                                 "a" * 250 + "@example.org", "alice@example.org/friendica"])
def test_not_a_diaspora_id(pod, dbsession, bad):
    with pytest.raises(DiscoveryError, match="is not a diaspora\\* ID"):
        discovery.find_or_fetch_person(dbsession, pod, bad)


def test_a_webfinger_for_someone_else_is_rejected(pod, dbsession, remote_pod, caplog):
    diaspora_id = remote_pod.person("alice", subject=f"acct:mallory@{remote_pod.host}")
    with caplog.at_level(logging.WARNING, "core.federation.discovery"):
        with pytest.raises(DiscoveryError, match="answered for"):
            discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    assert people_count(dbsession) == 0
    assert f"discovery of {diaspora_id} failed" in caplog.text


def test_an_unknown_person_is_rejected(pod, dbsession, remote_pod):
    with pytest.raises(DiscoveryError, match="answered 404"):
        discovery.find_or_fetch_person(dbsession, pod, f"ghost@{remote_pod.host}")
    assert people_count(dbsession) == 0 and pods_count(dbsession) == 0


def test_a_missing_hcard_is_rejected(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    del remote_pod.routes["/hcard/users/alice0123456789abcdef0123456789"]
    with pytest.raises(DiscoveryError, match="hCard of .* failed: GET .* answered 404"):
        discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    assert people_count(dbsession) == 0


def test_a_broken_hcard_is_rejected(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    remote_pod.route("/hcard/users/alice0123456789abcdef0123456789", body="<html><p>nothing here</p></html>")
    with pytest.raises(DiscoveryError, match="uid"):
        discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    assert people_count(dbsession) == 0


def test_a_hcard_with_a_bad_key_is_rejected(pod, dbsession, remote_pod):
    key = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"
    with pytest.raises(DiscoveryError, match="hCard public key is not a usable PEM"):
        discovery.find_or_fetch_person(dbsession, pod, remote_pod.person("alice", public_key=key))
    assert people_count(dbsession) == 0


def test_a_guid_belonging_to_someone_else_is_rejected(pod, dbsession, remote_pod):
    first = discovery.find_or_fetch_person(dbsession, pod, remote_pod.person("alice"))
    dbsession.commit()
    impostor = remote_pod.person("mallory", guid=first.guid)
    with pytest.raises(DiscoveryError, match=f"claims guid {first.guid}, which belongs to {first.diaspora_id}"):
        discovery.find_or_fetch_person(dbsession, pod, impostor)
    assert people_count(dbsession) == 1


class WebFingerOnly:
    """Lets the WebFinger request reach the fake pod on loopback (as a plugin transport may),
    so that only the hCard URL it names meets core's address rule."""

    @hookimpl
    def http_transport_for(self, url, purpose, pod):
        return HTTPAdapter(max_retries=0) if purpose == "webfinger" else None


@pytest.mark.parametrize("hcard_url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/hcard",
                                       "http://[::1]/hcard", "http://10.0.0.1/hcard/users/x"])
def test_a_webfinger_pointing_at_a_private_address_is_refused(make_pod, remote_pod, hcard_url, caplog):
    pod = make_pod(federation__allow_private_addresses="false", extra_plugins={"webfinger": WebFingerOnly()})
    diaspora_id = remote_pod.person("alice", hcard_url=hcard_url)
    with pod.session_factory() as dbsession:
        with caplog.at_level(logging.WARNING, "core.federation"):
            with pytest.raises(DiscoveryError, match="refused address"):
                discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
        dbsession.commit()
        assert people_count(dbsession) == 0 and pods_count(dbsession) == 0
    assert "refused outbound request for hcard" in caplog.text
    assert "resolves to a refused address" in caplog.text


def test_without_allow_http_only_https_is_tried(make_pod, remote_pod, caplog):
    pod = make_pod(federation__allow_http="false", federation__timeout="3")
    diaspora_id = remote_pod.person("alice")
    with pod.session_factory() as dbsession:
        with pytest.raises(DiscoveryError, match="WebFinger for .* failed"):
            discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
        assert people_count(dbsession) == 0
        assert discovery.webfinger_urls(dbsession, pod, diaspora_id) == [
            f"https://{remote_pod.host}/.well-known/webfinger?resource=acct:{diaspora_id}"]
    # The TLS handshake reached the plain-http fake, which never saw a WebFinger request.
    assert remote_pod.webfinger_path(diaspora_id) not in remote_pod.requests


def test_with_allow_http_the_likelier_scheme_is_asked_first(make_pod, dbsession):
    """A TLS handshake sent to a plain-http server hangs until the timeout instead of failing."""
    https_pod, http_pod = make_pod(url="https://pod.test"), make_pod(url="http://pod.test")
    path = "/.well-known/webfinger?resource=acct:alice@else.example"
    assert discovery.webfinger_urls(dbsession, https_pod, "alice@else.example") == \
        ["https://else.example" + path, "http://else.example" + path]
    assert discovery.webfinger_urls(dbsession, http_pod, "alice@else.example") == \
        ["http://else.example" + path, "https://else.example" + path]
    discovery.pod_row(dbsession, "else.example", https=True)
    assert discovery.webfinger_urls(dbsession, http_pod, "alice@else.example")[0] == "https://else.example" + path


def test_an_http_hcard_is_refused_without_allow_http(make_pod, remote_pod):
    class HttpsWebFinger:
        """Answers the https WebFinger URL from the fake pod's plain-http server, as if it were https."""

        @hookimpl
        def http_transport_for(self, url, purpose, pod):
            if purpose != "webfinger":
                return None
            import requests

            class Carrier:
                def request(self, method, url, **kwargs):
                    return requests.Session().request(method, url.replace("https://", "http://", 1), **kwargs)
            return Carrier()

    pod = make_pod(federation__allow_http="false", extra_plugins={"https": HttpsWebFinger()})
    diaspora_id = remote_pod.person("alice")
    with pod.session_factory() as dbsession:
        with pytest.raises(DiscoveryError, match="plain http is not allowed"):
            discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
        assert people_count(dbsession) == 0


def test_an_oversize_hcard_is_refused(make_pod, remote_pod):
    pod = make_pod(federation__max_payload_bytes="2000")
    diaspora_id = remote_pod.person("alice")
    remote_pod.route("/hcard/users/alice0123456789abcdef0123456789", body=b"<html>" + b" " * 5000,
                     headers={"X-No-Length": "1"})
    with pod.session_factory() as dbsession:
        with pytest.raises(DiscoveryError, match="larger than 2000 bytes"):
            discovery.find_or_fetch_person(dbsession, pod, diaspora_id)


def test_too_many_redirects_is_refused(pod, dbsession, remote_pod):
    diaspora_id = remote_pod.person("alice")
    hcard = "/hcard/users/alice0123456789abcdef0123456789"
    remote_pod.route("/r0", status=302, headers={"Location": hcard})
    for n in range(1, 5):
        remote_pod.route(f"/r{n}", status=302, headers={"Location": f"/r{n - 1}"})
    remote_pod.person("alice", hcard_url=f"{remote_pod.url}/r4")
    with pytest.raises(DiscoveryError, match="more than 4 redirects"):
        discovery.find_or_fetch_person(dbsession, pod, diaspora_id)
    remote_pod.person("alice", hcard_url=f"{remote_pod.url}/r3")
    assert discovery.find_or_fetch_person(dbsession, pod, diaspora_id).diaspora_id == diaspora_id


def test_pod_row_is_keyed_by_lower_case_host_and_keeps_https(dbsession):
    first = discovery.pod_row(dbsession, "Pod.Example:8443", https=False)
    assert (first.host, first.https) == ("pod.example:8443", False)
    assert discovery.pod_row(dbsession, "pod.example:8443", https=True).id == first.id
    assert first.https is True
    assert discovery.pod_row(dbsession, "POD.example:8443", https=False).https is True


class Directory:
    def __init__(self, person_id):
        self.person_id = person_id
        self.asked = []

    @hookimpl
    def remote_person_for(self, diaspora_id, dbsession, pod):
        self.asked.append(diaspora_id)
        return dbsession.get(Person, self.person_id) if diaspora_id == "moved@old.example" else None


def test_hook_remote_person_for(make_pod, remote_pod):
    """Core's implementation discovers over the network and answers None on failure; a plugin
    answering first wins."""
    pod = make_pod()
    diaspora_id = remote_pod.person("alice")
    with pod.session_factory() as dbsession:
        found = pod.pm.hook.remote_person_for(diaspora_id=diaspora_id, dbsession=dbsession, pod=pod)
        assert found.diaspora_id == diaspora_id
        assert pod.pm.hook.remote_person_for(diaspora_id=f"ghost@{remote_pod.host}", dbsession=dbsession,
                                             pod=pod) is None
        dbsession.commit()
        person_id = found.id
    directory = Directory(person_id)
    pod = make_pod(extra_plugins={"directory": directory})
    with pod.session_factory() as dbsession:
        assert pod.pm.hook.remote_person_for(diaspora_id="moved@old.example", dbsession=dbsession,
                                             pod=pod).id == person_id
    assert directory.asked == ["moved@old.example"]


def test_person_base_url_needs_a_pod(dbsession):
    person = Person(guid="nopod0123456789abcdef", diaspora_id="nopod@else.example", public_key_pem="x")
    dbsession.add(person)
    dbsession.flush()
    with pytest.raises(DiscoveryError, match="nopod@else.example has no known pod"):
        discovery.person_base_url(person)
    person.pod_id = discovery.pod_row(dbsession, "Else.Example:8443", https=True).id
    assert discovery.person_base_url(person) == "https://else.example:8443"
