"""Discovery served at the host root (PROTOCOL.md §4, §5.1), through the whole app with WebTest."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa

from core.accounts.models import Person, User
from core.db import utcnow
from core.federation import documents
from core.testing import sign_up

SCHEMAS = Path(__file__).parents[1] / "vectors" / "diaspora"
SPEC = Path(__file__).parents[1] / "vectors" / "upstream" / "spec_templated"


@pytest.fixture
def alice(app, person_of):
    assert sign_up(app, "alice").status_int == 303
    return person_of("alice")


def lock(pod, username):
    with pod.session_factory() as session:
        session.execute(sa.update(User).where(User.username == username).values(locked_at=utcnow()))
        session.commit()


def test_the_front_page_answers_200(app):
    assert app.get("/").status_int == 200


# --- WebFinger -----------------------------------------------------------------------------

def test_webfinger_of_a_local_user(app, pod, alice):
    response = app.get("/.well-known/webfinger", params={"resource": f"acct:alice@{pod.host}"})
    assert response.headers["Content-Type"] == "application/jrd+json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    base = pod.url
    assert response.json == {
        "subject": f"acct:alice@{pod.host}",
        "aliases": [f"{base}/people/{alice.guid}"],
        "links": [
            {"rel": "http://microformats.org/profile/hcard", "type": "text/html",
             "href": f"{base}/hcard/users/{alice.guid}"},
            {"rel": "http://joindiaspora.com/seed_location", "type": "text/html", "href": f"{base}/"},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f"{base}/u/alice"},
            {"rel": "http://schemas.google.com/g/2010#updates-from", "type": "application/atom+xml",
             "href": f"{base}/public/alice.atom"},
            {"rel": "salmon", "href": f"{base}/receive/users/{alice.guid}"},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": f"{base}/search?q={{uri}}"},
        ]}
    # Laid out like dfed's, and readable by our own parser.
    assert response.text == documents.pretty_json(response.json)
    parsed = documents.parse_webfinger(response.body)
    assert parsed.diaspora_id == f"alice@{pod.host}"
    expected_rels = [link["rel"] for link in json.loads((SPEC / "webfinger_full.jrd.json").read_text())["links"]]
    assert [link["rel"] for link in response.json["links"]] == expected_rels


@pytest.mark.parametrize("resource", ["acct:alice@{host}", "alice@{host}", "  ACCT:ALICE@{HOST} ", "Alice@{host}"])
def test_webfinger_accepts_acct_and_bare_forms_in_any_case(app, pod, alice, resource):
    resource = resource.format(host=pod.host, HOST=pod.host.upper())
    assert app.get("/.well-known/webfinger", params={"resource": resource}).json["subject"] == \
        f"acct:alice@{pod.host}"


def test_webfinger_without_resource_is_a_400(app):
    assert app.get("/.well-known/webfinger", status=400).status_int == 400
    assert app.get("/.well-known/webfinger?resource=", status=400).status_int == 400


@pytest.mark.parametrize("resource", ["acct:nobody@{host}", "acct:alice@elsewhere.example", "alice",
                                      "https://{host}/u/alice", "acct:", "acct:alice@{host}/x", "\x00"])
def test_webfinger_of_unknown_users_is_a_404(app, pod, alice, resource):
    app.get("/.well-known/webfinger", params={"resource": resource.format(host=pod.host)}, status=404)


def test_webfinger_of_a_remote_person_is_a_404(app, pod, dbsession):
    dbsession.add(Person(guid="remote0123456789abcdef", diaspora_id="remote@pod.test", public_key_pem="x"))
    dbsession.commit()
    # Even one whose ID names our host: only users of this pod are served.
    app.get("/.well-known/webfinger", params={"resource": "acct:remote@pod.test"}, status=404)


def test_webfinger_and_hcard_of_locked_or_closed_users_are_404(app, pod, alice):
    lock(pod, "alice")
    app.get("/.well-known/webfinger", params={"resource": f"acct:alice@{pod.host}"}, status=404)
    app.get(f"/hcard/users/{alice.guid}", status=404)


def test_webfinger_of_a_closed_account_is_a_404(app, pod, alice):
    with pod.session_factory() as session:
        session.execute(sa.update(Person).where(Person.id == alice.id).values(closed_at=utcnow()))
        session.commit()
    app.get("/.well-known/webfinger", params={"resource": f"acct:alice@{pod.host}"}, status=404)
    app.get(f"/hcard/users/{alice.guid}", status=404)


def test_webfinger_needs_no_sign_in_and_no_csrf(new_browser, pod, alice):
    stranger = new_browser()
    assert stranger.get("/.well-known/webfinger", params={"resource": f"alice@{pod.host}"}).status_int == 200


# --- hCard ---------------------------------------------------------------------------------

def test_hcard_of_a_local_user(app, pod, alice):
    form = app.get("/profile/edit").forms["profile-form"]
    form["first_name"] = "Alice"
    form["last_name"] = "Liddell"
    assert form.submit().status_int == 303
    response = app.get(f"/hcard/users/{alice.guid}")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    card = documents.parse_hcard(response.body)
    assert (card.guid, card.nickname, card.full_name, card.first_name, card.last_name) == \
        (alice.guid, "alice", "Alice Liddell", "Alice", "Liddell")
    assert card.public_key == alice.public_key_pem
    assert card.photo_large == f"{pod.url}/static/default-avatar.png" == card.photo_small
    # Exactly dfed's layout, for the same data.
    assert response.text == documents.hcard_html(card)
    assert app.get("/static/default-avatar.png").content_type == "image/png"


def test_hcard_of_unknown_or_remote_people_is_a_404(app, dbsession):
    dbsession.add(Person(guid="remote0123456789abcdef", diaspora_id="remote@else.example", public_key_pem="x"))
    dbsession.commit()
    app.get("/hcard/users/remote0123456789abcdef", status=404)
    app.get("/hcard/users/0123456789abcdef0123456789abcdef", status=404)
    app.get("/hcard/users/%3Cscript%3E", status=404)


def test_host_meta_is_an_empty_xrd(app):
    response = app.get("/.well-known/host-meta")
    assert response.headers["Content-Type"] == "application/xrd+xml; charset=utf-8"
    assert response.text == documents.host_meta_xml()


# --- NodeInfo ------------------------------------------------------------------------------

def test_nodeinfo_links(app, pod):
    response = app.get("/.well-known/nodeinfo")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json == documents.nodeinfo_links(pod.url)
    for link in response.json["links"]:
        assert app.get(link["href"].replace(pod.url, "")).status_int == 200


@pytest.mark.parametrize("version", ["2.0", "2.1"])
@pytest.mark.parametrize("hide", ["false", "true"])
def test_nodeinfo_is_valid_and_counts_local_users(make_app, version, hide):
    app = make_app(pod__hide_statistics=hide, pod__name="Test pod")
    assert sign_up(app, "alice").status_int == 303
    app.reset()
    assert sign_up(app, "bob").status_int == 303
    with app.pod.session_factory() as session:
        session.execute(sa.update(User).where(User.username == "alice").values(last_sign_in_at=utcnow()))
        session.commit()
    response = app.get(f"/nodeinfo/{version}")
    assert response.headers["Content-Type"] == \
        f"application/json; profile=http://nodeinfo.diaspora.software/ns/schema/{version}#"
    document = response.json
    jsonschema.validate(document, json.loads((SCHEMAS / f"nodeinfo-{version}.schema.json").read_text()))
    assert document["software"]["name"] == "seedpod" and document["software"]["version"]
    assert document["protocols"] == ["diaspora"]
    assert document["openRegistrations"] is True
    assert document["metadata"]["nodeName"] == "Test pod"
    if hide == "true":
        assert document["usage"]["users"] == {}
    else:
        assert document["usage"]["users"] == {"total": 2, "activeHalfyear": 1, "activeMonth": 1}
    assert (document["usage"]["localPosts"], document["usage"]["localComments"]) == (0, 0)


def test_nodeinfo_tells_when_registrations_are_closed(make_app):
    app = make_app(settings__enable_registrations="false")
    for version in ("2.0", "2.1"):
        assert app.get(f"/nodeinfo/{version}").json["openRegistrations"] is False


def test_nodeinfo_counts_local_posts_and_comments_only(app, pod, alice, dbsession):
    from core.posts.models import Comment, Post

    remote = Person(guid="remote0123456789abcdef", diaspora_id="remote@else.example", public_key_pem="x")
    dbsession.add(remote)
    dbsession.flush()
    now = utcnow()
    local_post = Post(guid="p" * 32, author_id=alice.id, text="hello", public=True, created_at=now)
    remote_post = Post(guid="q" * 32, author_id=remote.id, text="hi", public=True, created_at=now)
    dbsession.add_all([local_post, remote_post])
    dbsession.flush()
    dbsession.add_all([Comment(guid="c" * 32, post_id=remote_post.id, author_id=alice.id, text="yes", created_at=now),
                       Comment(guid="d" * 32, post_id=local_post.id, author_id=remote.id, text="no", created_at=now)])
    dbsession.commit()
    usage = app.get("/nodeinfo/2.0").json["usage"]
    assert (usage["localPosts"], usage["localComments"]) == (1, 1)


@pytest.mark.parametrize("version", ["1.0", "3.0", "2.2", "x"])
def test_unknown_nodeinfo_version_is_a_404(app, version):
    app.get(f"/nodeinfo/{version}", status=404)


def test_active_counts_follow_sign_ins(make_app):
    app = make_app()
    assert sign_up(app, "alice").status_int == 303
    with app.pod.session_factory() as session:
        session.execute(sa.update(User).values(last_sign_in_at=utcnow() - dt.timedelta(days=90)))
        session.commit()
    assert app.get("/nodeinfo/2.1").json["usage"]["users"] == {"total": 1, "activeHalfyear": 1, "activeMonth": 0}
