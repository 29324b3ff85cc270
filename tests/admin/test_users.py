"""/admin/users: search, a user's page with their recent content, lock, unlock, roles, close."""
from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
import sqlalchemy as sa

from core.accounts.models import Role, User, UserSession
from core.db import utcnow
from core.events.models import Event
from core.posts.models import Comment, Post
from core.testing import csrf

from .test_dashboard import add_comment, add_post, add_remote, add_user


@pytest.fixture
def podmin(member):
    return member("podmin", "admin")


def listed(page) -> list[str]:
    doc = lxml.html.fromstring(page.text)
    return [row.get("data-testid")[len("user-"):] for row in doc.xpath('//table[@data-testid="users"]/tbody/tr')]


def user_row(pod, username) -> User:
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        session.expunge_all()
        return user


def roles_of(pod, username) -> set[str]:
    with pod.session_factory() as session:
        return set(session.scalars(sa.select(Role.name).join(User, User.id == Role.user_id)
                                   .where(User.username == username)))


def form_of(page, testid: str):
    doc = lxml.html.fromstring(page.text)
    (node,) = doc.xpath(f'//form[@data-testid="{testid}"]')
    return next(f for f in page.forms.values() if f.action == node.get("action"))


def error_of(page) -> str:
    doc = lxml.html.fromstring(page.text)
    return " ".join(n.text_content().strip() for n in doc.xpath('//*[@data-testid="form-error"]'))


# --- search and pages -------------------------------------------------------------------------


def test_search_by_username_or_email_prefix_in_any_case_or_by_exact_guid(podmin, pod):
    with pod.session_factory() as session:
        add_user(session, "alice")
        add_user(session, "alfred")
        bob = add_user(session, "bob")
        add_user(session, "al_x")
        bob.email = "robert@mail.example"
        session.commit()
        bob_guid = bob.person.guid

    assert listed(podmin.get("/admin/users", {"q": "AL"})) == ["al_x", "alfred", "alice"]
    assert listed(podmin.get("/admin/users", {"q": "Robert@MAIL"})) == ["bob"]
    assert listed(podmin.get("/admin/users", {"q": bob_guid})) == ["bob"]
    assert listed(podmin.get("/admin/users", {"q": f"  {bob_guid}  "})) == ["bob"]
    assert listed(podmin.get("/admin/users", {"q": bob_guid[:10]})) == []  # a guid only matches whole
    # LIKE wildcards in the search are plain characters.
    assert listed(podmin.get("/admin/users", {"q": "al_"})) == ["al_x"]
    assert listed(podmin.get("/admin/users", {"q": "%"})) == []
    empty = podmin.get("/admin/users", {"q": "zzz"})
    assert "No user matches “zzz”." in empty.text
    everyone = podmin.get("/admin/users")
    assert listed(everyone) == ["al_x", "bob", "alfred", "alice", "podmin"]  # newest first


def test_the_list_shows_email_dates_state_and_roles(podmin, pod):
    now = utcnow()
    with pod.session_factory() as session:
        add_user(session, "locky", locked_at=now, last_sign_in_at=dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.timezone.utc))
        add_user(session, "gone", closed_at=now, created_at=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
        session.commit()
    doc = lxml.html.fromstring(podmin.get("/admin/users").text)

    def cells(name):
        return [td.text_content().strip() for td in doc.xpath(f'//tr[@data-testid="user-{name}"]/td')]

    assert cells("locky")[1:] == ["locky@example.org", f"{now:%Y-%m-%d}", "2026-03-04 05:06", "locked", "-"]
    assert cells("gone")[2:] == ["2025-01-02", "never", "closed", "-"]
    assert cells("podmin")[4:] == ["active", "admin"]


def test_the_list_goes_fifty_at_a_time_by_id(podmin, pod):
    with pod.session_factory() as session:
        for n in range(120):
            add_user(session, f"u{n:03d}")
        session.commit()

    first = podmin.get("/admin/users", {"q": "u"})
    assert listed(first) == [f"u{n:03d}" for n in range(119, 69, -1)]
    second = first.click(linkid=None, href="before=", description="Older users")
    assert "q=u" in second.request.url
    assert listed(second) == [f"u{n:03d}" for n in range(69, 19, -1)]
    third = second.click(description="Older users")
    assert listed(third) == [f"u{n:03d}" for n in range(19, -1, -1)]
    assert "Older users" not in third.text
    # A junk cursor is the first page.
    for junk in ("x", "-1", "9" * 30, "1.5"):
        assert listed(podmin.get("/admin/users", {"q": "u", "before": junk})) == listed(first)


def test_junk_searches_are_refused_with_a_message(podmin):
    long = podmin.get("/admin/users", {"q": "a" * 300}, status=422)
    assert error_of(long) == "Search for at most 255 characters."
    nul = podmin.get("/admin/users?q=al%00ice", status=422)
    assert "NUL characters" in nul.text


def test_a_users_page_shows_details_and_their_latest_posts_and_comments_with_links(podmin, pod):
    start = utcnow() - dt.timedelta(days=1)
    with pod.session_factory() as session:
        carol = add_user(session, "carol", last_sign_in_at=dt.datetime(2026, 5, 6, 7, 8, tzinfo=dt.timezone.utc))
        other = add_remote(session, "far@elsewhere.example")
        posts = [add_post(session, carol.person, created_at=start + dt.timedelta(minutes=n), text=f"post number {n}",
                          public=n % 2 == 0) for n in range(22)]
        theirs = add_post(session, other, text="their post")
        comments = [add_comment(session, carol.person, theirs, text=f"comment number {n}") for n in range(21)]
        for n, comment in enumerate(comments):
            comment.created_at = start + dt.timedelta(minutes=n)
        add_post(session, other, text="not carol's")
        hidden = add_comment(session, carol.person, add_post(session, other, public=False), text="on a limited post")
        hidden.created_at = start + dt.timedelta(hours=1)
        session.add(Role(user_id=carol.id, name="spotlight"))
        session.commit()
        guid, post_guids, theirs_guid = carol.person.guid, [p.guid for p in posts], theirs.guid
        comment_guids, hidden_guid = [c.guid for c in comments], hidden.guid

    page = podmin.get("/admin/users/carol")

    doc = lxml.html.fromstring(page.text)
    details = {tr.xpath("th")[0].text_content(): tr.xpath("td")[0].text_content().strip()
               for tr in doc.xpath('//table[@data-testid="user-details"]//tr')}
    assert details["diaspora* ID"] == "carol@pod.test"
    assert details["Guid"] == guid
    assert details["Email"] == "carol@example.org"
    assert details["Last sign-in"] == "2026-05-06 07:08"
    assert details["State"] == "active"
    assert details["Roles"] == "spotlight"
    post_rows = doc.xpath('//table[@data-testid="recent-posts"]/tbody/tr')
    # The latest 20, newest first; a limited post's text is only for the people it was shared with.
    assert [row.xpath("td")[2].text_content() for row in post_rows] == [
        f"post number {n}" if n % 2 == 0 else post_guids[n] for n in range(21, 1, -1)]
    assert [row.xpath("td")[1].text_content() for row in post_rows[:2]] == ["limited", "public"]
    assert post_rows[0].xpath("td/a/@href") == []
    assert post_rows[1].xpath("td/a/@href") == [f"http://localhost/posts/{post_guids[20]}"]
    assert "post number 21" not in page.text
    comment_rows = doc.xpath('//table[@data-testid="recent-comments"]/tbody/tr')
    assert [row.xpath("td")[2].text_content() for row in comment_rows] == [
        hidden_guid] + [f"comment number {n}" for n in range(20, 1, -1)]
    assert comment_rows[0].xpath("td")[1].text_content() == "a limited post"
    assert comment_rows[1].xpath("td/a/@href") == [
        f"http://localhost/posts/{theirs_guid}#comment-{comment_guids[20]}"]
    assert "not carol's" not in page.text and "on a limited post" not in page.text
    assert {"lock-form", "roles-form", "close-form"} <= set(doc.xpath("//form/@data-testid"))


@pytest.mark.parametrize("path", ["/admin/users/nobody", "/admin/users/NOBODY", "/admin/users/" + "x" * 80,
                                  "/admin/users/al%00ice", "/admin/users/%25"])
def test_an_unknown_user_is_not_found(podmin, path):
    assert podmin.get(path, status=404).status_int == 404


def test_actions_on_an_unknown_user_are_not_found(podmin):
    token = csrf(podmin, "/admin/users")
    for action in ("lock", "unlock", "close", "roles"):
        response = podmin.post(f"/admin/users/nobody/{action}", {"csrf_token": token, "role": "admin",
                                                                 "action": "grant", "confirm": "nobody"}, status=404)
        assert response.status_int == 404


# --- lock and unlock --------------------------------------------------------------------------


def test_locking_ends_every_session_and_unlocking_lets_them_back_in(podmin, member, pod):
    carol = member("carol")
    assert carol.get("/stream").status_int == 200

    done = form_of(podmin.get("/admin/users/carol"), "lock-form").submit()

    assert done.status_int == 303 and done.location == "http://localhost/admin/users/carol"
    page = done.follow()
    assert "Locked carol: they are signed out everywhere and can't sign in." in page.text
    assert user_row(pod, "carol").locked_at is not None
    with pod.session_factory() as session:
        carol_id = session.scalar(sa.select(User.id).where(User.username == "carol"))
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                              .where(UserSession.user_id == carol_id)) == 0
    assert carol.get("/stream", status=302).location.startswith("http://localhost/users/sign_in")
    assert "locked since" in page.text and "unlock-form" in page.text and 'data-testid="lock-form"' not in page.text

    done = form_of(page, "unlock-form").submit()

    assert "Unlocked carol: they can sign in again." in done.follow().text
    assert user_row(pod, "carol").locked_at is None


def test_an_admin_cannot_lock_or_close_their_own_account(podmin, pod):
    page = podmin.get("/admin/users/podmin")
    assert "This is your own account" in page.text
    doc = lxml.html.fromstring(page.text)
    assert set(doc.xpath("//form/@data-testid")) & {"lock-form", "close-form"} == set()
    token = csrf(podmin, "/admin/users/podmin")

    refused = podmin.post("/admin/users/podmin/lock", {"csrf_token": token}, status=409)
    assert error_of(refused) == "You can't lock your own account."
    refused = podmin.post("/admin/users/podmin/close", {"csrf_token": token, "confirm": "podmin"}, status=409)
    assert error_of(refused).startswith("You can't close your own account from here")

    row = user_row(pod, "podmin")
    assert row.locked_at is None and row.closed_at is None
    assert podmin.get("/admin").status_int == 200  # still signed in


def test_every_action_needs_the_csrf_token(podmin, member, pod):
    member("carol")
    for action, values in (("lock", {}), ("close", {"confirm": "carol"}), ("roles", {"role": "admin", "action": "grant"})):
        assert podmin.post(f"/admin/users/carol/{action}", values, status=400).status_int == 400
    row = user_row(pod, "carol")
    assert row.locked_at is None and row.closed_at is None and roles_of(pod, "carol") == set()
    with pod.session_factory() as session:
        session.execute(sa.update(User).where(User.username == "carol").values(locked_at=utcnow()))
        session.commit()
    assert podmin.post("/admin/users/carol/unlock", {}, status=400).status_int == 400
    assert user_row(pod, "carol").locked_at is not None


# --- roles ------------------------------------------------------------------------------------


def test_granting_and_revoking_roles(podmin, member, pod):
    member("carol")
    page = podmin.get("/admin/users/carol")

    form = form_of(page, "roles-form")
    form["role"] = "moderator"
    done = form.submit("action", value="grant")
    assert "Granted the moderator role to carol." in done.follow().text
    assert roles_of(pod, "carol") == {"moderator"}

    form = form_of(done.follow(), "roles-form")
    form["role"] = "moderator"
    assert "carol already has the moderator role." in form.submit("action", value="grant").follow().text

    form = form_of(podmin.get("/admin/users/carol"), "roles-form")
    form["role"] = "spotlight"
    form.submit("action", value="grant")
    form = form_of(podmin.get("/admin/users/carol"), "roles-form")
    form["role"] = "moderator"
    page = form.submit("action", value="revoke").follow()
    assert "Revoked the moderator role from carol." in page.text
    assert roles_of(pod, "carol") == {"spotlight"}
    assert lxml.html.fromstring(page.text).xpath('//*[@data-testid="user-roles"]')[0].text_content() == "spotlight"

    form = form_of(page, "roles-form")
    form["role"] = "admin"
    assert "carol doesn't have the admin role." in form.submit("action", value="revoke").follow().text


def test_a_new_admin_can_use_the_panel_and_revoke_the_first_admins_role(podmin, member, pod):
    carol = member("carol")
    assert carol.get("/admin/users", status=403).status_int == 403
    token = csrf(podmin, "/admin/users/carol")
    podmin.post("/admin/users/carol/roles", {"csrf_token": token, "role": "admin", "action": "grant"}, status=303)

    token = csrf(carol, "/admin/users/podmin")
    done = carol.post("/admin/users/podmin/roles", {"csrf_token": token, "role": "admin", "action": "revoke"})
    assert done.status_int == 303
    assert roles_of(pod, "podmin") == set()
    assert podmin.get("/admin", status=403).status_int == 403


@pytest.mark.parametrize("values, message", [
    ({"role": "root", "action": "grant"}, "Choose a role: admin, moderator, spotlight."),
    ({"role": "", "action": "grant"}, "Choose a role: admin, moderator, spotlight."),
    ({"role": "Admin", "action": "grant"}, "Choose a role: admin, moderator, spotlight."),
    ({"role": "moderator", "action": "promote"}, "Choose whether to grant or revoke the role."),
    ({"role": "moderator"}, "Choose whether to grant or revoke the role."),
])
def test_bad_role_changes_are_refused_and_change_nothing(podmin, member, pod, values, message):
    member("carol", "spotlight")
    token = csrf(podmin, "/admin/users/carol")
    refused = podmin.post("/admin/users/carol/roles", {"csrf_token": token, **values}, status=422)
    assert error_of(refused) == message
    assert roles_of(pod, "carol") == {"spotlight"}


def test_an_admin_cannot_revoke_their_own_admin_role(podmin, pod):
    token = csrf(podmin, "/admin/users/podmin")
    refused = podmin.post("/admin/users/podmin/roles", {"csrf_token": token, "role": "admin", "action": "revoke"},
                          status=409)
    assert error_of(refused) == ("You can't revoke your own admin role; ask another admin to, "
                                 "so this pod always keeps one.")
    assert roles_of(pod, "podmin") == {"admin"}
    # Other roles of one's own are fine.
    podmin.post("/admin/users/podmin/roles", {"csrf_token": token, "role": "moderator", "action": "grant"}, status=303)
    assert roles_of(pod, "podmin") == {"admin", "moderator"}


# --- closing ----------------------------------------------------------------------------------


def test_closing_needs_the_username_typed_and_changes_nothing_otherwise(podmin, member, pod):
    member("carol")
    for typed in ("", "caro", "someone", "carol2"):
        form = form_of(podmin.get("/admin/users/carol"), "close-form")
        form["confirm"] = typed
        refused = form.submit(status=422)
        assert error_of(refused) == "Type the username carol to confirm closing the account."
        assert user_row(pod, "carol").closed_at is None


def test_closing_an_account_removes_its_content_and_keeps_the_username(podmin, member, pod):
    carol = member("carol", "moderator")
    with pod.session_factory() as session:
        person = session.scalar(sa.select(User).where(User.username == "carol")).person
        other = add_remote(session, "far@elsewhere.example")
        post = add_post(session, person, text="carol writes")
        add_comment(session, person, add_post(session, other, text="theirs"), text="carol comments")
        add_comment(session, other, post, text="they comment")
        session.commit()
        carol_id, person_id = person.user_id, person.id
    form = form_of(podmin.get("/admin/users/carol"), "close-form")
    form["confirm"] = " Carol "

    done = form.submit()

    assert done.status_int == 303 and done.location == "http://localhost/admin/users/carol"
    page = done.follow()
    assert ("Closed carol's account: their content is being removed and other pods are told. "
            "The username carol stays reserved.") in page.text
    assert 'data-testid="closed-notice"' in page.text
    assert lxml.html.fromstring(page.text).xpath("//form[@data-testid]") == []
    pod.jobs.drain()
    with pod.session_factory() as session:
        row = session.get(User, carol_id)
        assert row.closed_at is not None and row.username == "carol"
        assert row.email != "carol@example.org"
        assert session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.author_id == person_id)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Comment)
                              .where(Comment.author_id == person_id)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0  # theirs was on carol's post
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                              .where(UserSession.user_id == carol_id)) == 0
        assert session.scalar(sa.select(Event.name).where(Event.name == "account_closed")) == "account_closed"
    assert roles_of(pod, "carol") == set()
    assert carol.get("/stream", status=302).location.startswith("http://localhost/users/sign_in")
    listing = podmin.get("/admin/users", {"q": "carol"})
    assert listed(listing) == ["carol"] and "closed" in listing.text


def test_a_closed_account_shows_as_closed_with_no_actions(podmin, pod):
    with pod.session_factory() as session:
        add_user(session, "gone", closed_at=utcnow())
        session.commit()
    page = podmin.get("/admin/users/gone")
    doc = lxml.html.fromstring(page.text)
    assert doc.xpath('//*[@data-testid="user-state"]')[0].text_content().strip().startswith("closed on ")
    assert "its username stays reserved" in page.text
    assert doc.xpath("//form[@data-testid]") == []
    token = csrf(podmin, "/admin/users")
    for action, values in (("lock", {}), ("unlock", {}), ("close", {"confirm": "gone"}),
                           ("roles", {"role": "admin", "action": "grant"})):
        refused = podmin.post(f"/admin/users/gone/{action}", {"csrf_token": token, **values}, status=409)
        assert "gone's account is closed" in error_of(refused)
    row = user_row(pod, "gone")
    assert row.locked_at is None and roles_of(pod, "gone") == set()


def test_junk_on_the_user_pages_is_never_a_server_error(podmin, member, pod):
    member("carol")
    token = csrf(podmin, "/admin/users")
    junk = {"csrf_token": token, "role": ["admin", "root"], "action": ["grant", "revoke"], "confirm": "x" * 5000,
            "q": "%_\\'\"", "before": "zz"}
    for name in ("zz", "999999", "carol", "CAROL", "podmin", ".", "%25", "carol%20"):
        paths = [f"/admin/users/{name}"] + [f"/admin/users/{name}/{a}" for a in ("lock", "unlock", "close", "roles")]
        for path in paths:
            assert podmin.get(path, params={"q": "%", "before": "-5"}, status="*").status_int < 500
            assert podmin.post(path, junk, status="*").status_int < 500
    for params in ({"q": "%_\\'\""}, {"before": "99999999999999999999"}, {"q": "x", "before": ""}):
        assert podmin.get("/admin/users", params=params).status_int == 200
    row = user_row(pod, "carol")
    assert row.closed_at is None


# --- who may see these pages ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/root"])
def test_only_admins_manage_users(member, path):
    assert member("root", "admin").get(path).status_int == 200
    assert member("mod", "moderator").get(path, status=403).status_int == 403
    assert member("user").get(path, status=403).status_int == 403
    visitor = member(None).get(path, status=302)
    assert visitor.location == f"http://localhost/users/sign_in?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("action", ["lock", "unlock", "close", "roles"])
def test_only_admins_act_on_users(member, pod, action):
    member("root", "admin")
    for browser in (member("mod", "moderator"), member("user")):
        token = csrf(browser, "/stream")
        response = browser.post(f"/admin/users/root/{action}", {"csrf_token": token, "role": "admin",
                                                                "action": "revoke", "confirm": "root"}, status=403)
        assert response.status_int == 403
    row = user_row(pod, "root")
    assert row.locked_at is None and row.closed_at is None and roles_of(pod, "root") == {"admin"}
