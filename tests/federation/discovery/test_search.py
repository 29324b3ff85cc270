"""People search finds someone on another pod by full diaspora ID (WebTest, fake remote pod)."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person
from core.testing import sign_up


def people_count(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Person))


def test_search_by_full_diaspora_id_finds_a_remote_person(app, pod, remote_pod):
    diaspora_id = remote_pod.person("alice")
    assert sign_up(app, "bob").status_int == 303
    page = app.get("/search", params={"q": f" acct:{diaspora_id.upper()} "})
    results = page.html.select("[data-testid=person-result]")
    assert len(results) == 1 and diaspora_id in results[0].text and "Alice Remote" in results[0].text
    with pod.session_factory() as session:
        person = session.scalar(sa.select(Person).where(Person.diaspora_id == diaspora_id))
        assert person.pod_id is not None and person.profile.first_name == "Alice"
    # The person page of the newly known person opens.
    assert app.get(results[0].a["href"].replace("http://localhost", "")).status_int == 200
    # Found again from the cache: the remote pod is not asked twice.
    asked = list(remote_pod.requests)
    assert diaspora_id in app.get("/search", params={"q": diaspora_id}).text
    assert remote_pod.requests == asked


def test_an_unknown_remote_id_finds_nobody(app, pod, remote_pod):
    assert sign_up(app, "bob").status_int == 303
    page = app.get("/search", params={"q": f"ghost@{remote_pod.host}"})
    assert page.status_int == 200 and not page.html.select("[data-testid=person-result]")
    assert people_count(pod) == 1


def test_visitors_do_not_make_the_pod_look_people_up(app, remote_pod):
    diaspora_id = remote_pod.person("alice")
    page = app.get("/search", params={"q": diaspora_id})
    assert not page.html.select("[data-testid=person-result]")
    assert remote_pod.requests == []


def test_names_do_not_make_the_pod_look_people_up(app, remote_pod):
    assert sign_up(app, "bob").status_int == 303
    app.get("/search", params={"q": "alice"})
    app.get("/search", params={"q": "not an @ id"})
    assert remote_pod.requests == []


def test_a_local_match_needs_no_lookup(app, pod, remote_pod):
    assert sign_up(app, "bob").status_int == 303
    page = app.get("/search", params={"q": f"bob@{pod.host}"})
    assert len(page.html.select("[data-testid=person-result]")) == 1
    assert remote_pod.requests == []


def test_a_blocked_remote_person_is_not_shown(app, pod, remote_pod):
    from core.aspects.models import Block
    from core.federation.discovery import find_or_fetch_person

    diaspora_id = remote_pod.person("alice")
    assert sign_up(app, "bob").status_int == 303
    with pod.session_factory() as session:
        alice = find_or_fetch_person(session, pod, diaspora_id)
        bob = session.scalar(sa.select(Person).where(Person.diaspora_id == f"bob@{pod.host}"))
        alice.profile.searchable = False  # so the local search can't find her either
        session.add(Block(user_id=bob.user_id, person_id=alice.id))
        session.commit()
    page = app.get("/search", params={"q": diaspora_id})
    assert not page.html.select("[data-testid=person-result]")


def test_an_unsearchable_remote_person_is_found_by_full_id(app, pod, remote_pod):
    from core.federation.discovery import find_or_fetch_person

    diaspora_id = remote_pod.person("alice")
    assert sign_up(app, "bob").status_int == 303
    with pod.session_factory() as session:
        find_or_fetch_person(session, pod, diaspora_id).profile.searchable = False
        session.commit()
    assert app.get("/search", params={"q": "alice"}).html.select("[data-testid=person-result]") == []
    assert len(app.get("/search", params={"q": diaspora_id}).html.select("[data-testid=person-result]")) == 1
