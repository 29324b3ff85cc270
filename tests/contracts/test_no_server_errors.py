"""Bad input never makes a 500: every route, asked with junk, answers with a 4xx or a page.

Each route of the pod is requested with GET and with a POST carrying a valid CSRF token and
junk fields, with its placeholders filled with junk, with a real guid of someone else's
limited post, and with values of the wrong type.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from pyramid.interfaces import IRoutesMapper

from core.accounts.keys import new_guid
from core.accounts.models import Person
from core.accounts.services import AccountService
from core.posts.models import Post
from core.testing import csrf

# Routes that end the session the rest of the run needs.
SIGNING_OUT = {"sign_out", "account_sign_out_everywhere"}
JUNK_FIELDS = {
    "text": "x" * 70_000, "visibility": "nowhere", "aspect_ids": ["abc", "-1", "99999999"], "name": "",
    "answer_id": "nope", "reason": "", "max": "not-a-cursor", "before": "zz_zz", "a": "x", "set": "weird",
    "type": "unknown", "subject": "s" * 300, "recipients": "nobody", "person": "zz", "position": "first",
    "move": "sideways", "order": "1,x", "q": "%_\\'\"", "birthday": "2020-02-31", "first_name": "a;b",
    "poll_question": "q", "poll_answers": "only one", "photo_alt": "a" * 2000, "kinds": "bogus", "next": "//evil.test",
    "came_from": "https://evil.test/", "tag": "no spaces please", "id": "x",
}


def placeholders(pattern: str, guids: tuple[str, ...]) -> list[str]:
    """The route pattern with its {placeholders} filled with junk and with real guids."""
    fills = ("zz", "999999", *guids)
    paths = []
    for fill in fills:
        path = re.sub(r"\{[^}]+\}", lambda m: "999999" if ":\\d+" in m.group(0) else fill, pattern)
        paths.append(path)
    return list(dict.fromkeys(paths))


def add_post(pod, username: str, public: bool) -> str:
    with pod.session_factory() as session:
        author = session.scalar(sa.select(Person.id).where(Person.diaspora_id == f"{username}@pod.test"))
        post = Post(guid=new_guid(), author_id=author, public=public, text=f"by {username}")
        session.add(post)
        session.commit()
        return post.guid


@pytest.mark.parametrize("role", [None, "admin"])
def test_junk_on_every_route_is_never_a_server_error(pod, people, role):
    """As a plain user most admin routes stop at 403; as an admin the junk reaches their views."""
    alice, carol = people("alice", "carol")
    if role:
        with pod.session_factory() as session:
            AccountService(session, pod).add_role(role, "alice")
            session.commit()
    # Someone else's limited post, and the user's own public post (for junk on a real target).
    guids = (add_post(pod, "carol", public=False), add_post(pod, "alice", public=True))
    mapper = alice.app.registry.getUtility(IRoutesMapper)
    token = csrf(alice)
    failures = []
    for route in mapper.get_routes():
        if route.name in SIGNING_OUT or route.name.startswith("__"):
            continue
        for path in placeholders(route.pattern, guids):
            if not path.startswith("/"):
                path = "/" + path
            for method in ("GET", "POST"):
                if method == "GET":
                    response = alice.get(path, params={"max": "junk", "q": "%", "a": "x"}, status="*",
                                         expect_errors=True)
                else:
                    response = alice.post(path, params={**JUNK_FIELDS, "csrf_token": token}, status="*",
                                          expect_errors=True)
                if response.status_int >= 500:
                    failures.append(f"{method} {path} ({route.name}): {response.status}")
    assert not failures, "\n".join(failures)
    assert alice.get("/stream").status_int == 200  # still signed in: the routes ran as a user
    assert alice.get("/admin", status="*").status_int == (200 if role else 403)
