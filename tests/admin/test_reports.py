"""The moderation queue at /admin/reports: reported content in context, and what moderators do
about it (delete, dismiss, lock, close a remote author, block their pod)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.accounts.models import Person, Profile, User, UserSession
from core.admin import moderation
from core.admin.models import Report
from core.events.models import Event
from core.federation.models import DONE, Delivery, Pod, RelayableXml
from core.posts.models import Comment, Post
from core.testing import free_port

REMOTE_HOST = "remote.example"


# --- rows ---------------------------------------------------------------------------------------

def person_id_of(session, username: str) -> int:
    return session.scalar(sa.select(User).where(User.username == username)).person.id


def user_id_of(session, username: str) -> int:
    return session.scalar(sa.select(User.id).where(User.username == username))


def remote_person(session, username: str = "rita", host: str = REMOTE_HOST) -> Person:
    """A remote person as discovery leaves it, on the Pod row of ``host``."""
    pod_row = session.scalar(sa.select(Pod).where(Pod.host == host))
    if pod_row is None:
        pod_row = Pod(host=host, https=False)
        session.add(pod_row)
        session.flush()
    person = Person(guid=new_guid(), diaspora_id=f"{username}@{host}", public_key_pem="-", pod_id=pod_row.id,
                    profile=Profile(first_name=username.capitalize()))
    session.add(person)
    session.flush()
    return person


def add_post(session, author_id: int, text: str, public: bool = True, **values) -> Post:
    post = Post(guid=new_guid(), author_id=author_id, public=public, text=text, **values)
    session.add(post)
    session.flush()
    return post


def add_comment(session, post: Post, author_id: int, text: str, at=None) -> Comment:
    comment = Comment(guid=new_guid(), post_id=post.id, author_id=author_id, text=text,
                      created_at=at or dt.datetime.now(dt.timezone.utc))
    session.add(comment)
    post.comments_count = (post.comments_count or 0) + 1
    session.flush()
    return comment


def add_report(session, reporter: str, item, reason: str = "Spam", at=None) -> int:
    report = Report(user_id=user_id_of(session, reporter), item_type=type(item).__name__, item_id=item.id,
                    reason=reason, created_at=at or dt.datetime.now(dt.timezone.utc))
    session.add(report)
    session.flush()
    return report.id


def reports(pod) -> dict[int, tuple]:
    with pod.session_factory() as session:
        return {r.id: (r.reviewed, r.resolution, r.reviewed_by_id, r.reviewed_at is not None)
                for r in session.scalars(sa.select(Report))}


def snapshot(pod) -> dict:
    """Everything an action may change, to prove a refused one changed nothing."""
    with pod.session_factory() as session:
        def rows(model, *columns):
            return sorted(tuple(row) for row in session.execute(sa.select(*columns)))
        return {"reports": reports(pod),
                "posts": rows(Post, Post.id), "comments": rows(Comment, Comment.id),
                "users": rows(User, User.id, User.locked_at), "people": rows(Person, Person.id, Person.closed_locally),
                "pods": rows(Pod, Pod.id, Pod.blocked_at), "events": rows(Event, Event.id),
                "sessions": rows(UserSession, UserSession.id)}


def act(browser, report_id: int, action: str, status=303):
    """Press the action's button on the report's page (so the CSRF token is real)."""
    page = browser.get(f"/admin/reports/{report_id}")
    form = next(f for f in page.forms.values() if f.action.endswith(f"/admin/reports/{report_id}/{action}"))
    return form.submit(status=status)


def post_action(browser, report_id, action, status="*"):
    """POST an action directly, with a valid CSRF token taken from a form of the pod."""
    return browser.post(f"/admin/reports/{report_id}/{action}", {"csrf_token": csrf(browser)}, status=status)


def csrf(browser) -> str:
    """The browser's CSRF token, from the sign-out form every page has."""
    return browser.get("/stream").html.find("input", attrs={"name": "csrf_token"})["value"]


@pytest.fixture
def people(member, pod):
    """A moderator, an admin, two plain users (alice writes, bob and carol report), signed in."""
    return {"mod": member("mod", "moderator"), "boss": member("boss", "admin"),
            "alice": member("alice"), "bob": member("bob"), "carol": member("carol")}


# --- who may see the queue ------------------------------------------------------------------------

def test_the_queue_is_for_moderators_and_admins(people, member):
    assert people["mod"].get("/admin/reports", status=200).html.find("h1").text == "Reports"
    assert people["boss"].get("/admin/reports", status=200)
    people["alice"].get("/admin/reports", status=403)
    people["alice"].get("/admin/reports/1", status=403)
    assert people["alice"].post("/admin/reports/1/dismiss", {"csrf_token": csrf(people["alice"])}, status=403)
    visitor = member(None)
    response = visitor.get("/admin/reports", status=302)
    assert "/users/sign_in?next=" in response.location and "admin%2Freports" in response.location
    assert "/users/sign_in" in visitor.get("/admin/reports/1", status=302).location


# --- the queue -------------------------------------------------------------------------------------

def test_open_reports_oldest_first_a_page_at_a_time(people, pod, monkeypatch):
    monkeypatch.setattr(moderation, "PAGE_SIZE", 2)
    now = dt.datetime.now(dt.timezone.utc)
    with pod.session_factory() as session:
        alice = person_id_of(session, "alice")
        ids = [add_report(session, "bob", add_post(session, alice, f"post {n}"), f"reason {n}",
                          at=now - dt.timedelta(minutes=10 - n)) for n in range(5)]
        # The newest report is already reviewed: it is not in the open queue.
        session.get(Report, ids[4]).reviewed = True
        session.get(Report, ids[4]).resolution = "dismissed"
        session.get(Report, ids[4]).reviewed_at = now
        session.commit()
    mod = people["mod"]
    seen, page = [], mod.get("/admin/reports")
    assert "Open (4)" in page.text
    while True:
        seen += [int(row["data-testid"].split("-")[1]) for row in page.html.select("tr[data-testid^=report-]")]
        following = page.html.find(attrs={"data-testid": "next-page"})
        if following is None:
            break
        page = mod.get(following["href"])
    assert seen == ids[:4]
    first = mod.get("/admin/reports").html.select("tr[data-testid^=report-]")[0].text
    assert "post 0" in first and "reason 0" in first and "bob" in first and "alice@" in first
    # A junk cursor is the first page, never an error.
    for junk in ("abc", "9" * 30, "-1", "1e3"):
        assert mod.get("/admin/reports", {"after": junk}, status=200)


def test_the_reviewed_tab_says_what_was_done_by_whom_and_when(people, pod):
    with pod.session_factory() as session:
        post = add_post(session, person_id_of(session, "alice"), "meh")
        report_id = add_report(session, "bob", post, "Boring")
        session.commit()
    assert "No report was reviewed yet" in people["mod"].get("/admin/reports?show=reviewed").text
    act(people["mod"], report_id, "dismiss").follow()
    open_page = people["mod"].get("/admin/reports")
    assert open_page.html.find(attrs={"data-testid": "no-reports"}) is not None
    row = people["mod"].get("/admin/reports?show=reviewed").html.find(attrs={"data-testid": f"report-{report_id}"})
    done = row.find(attrs={"data-testid": "done"}).text
    assert "dismissed" in done and "by mod" in done
    assert dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d") in done
    assert "Boring" in row.text


# --- one report in context ------------------------------------------------------------------------

def test_a_local_post_in_context(people, pod):
    with pod.session_factory() as session:
        alice = person_id_of(session, "alice")
        post = add_post(session, alice, "Buy **cheap** stuff at #spam", public=False)
        report_id = add_report(session, "bob", post, "Advertising")
        add_report(session, "carol", post, "Spam")
        other = add_post(session, alice, "more")
        add_report(session, "carol", other, "Also spam")
        session.commit()
        guid = post.guid
    page = people["mod"].get(f"/admin/reports/{report_id}", status=200)
    shown = page.html.find(attrs={"data-testid": "reported-post"})
    assert shown.find("strong").text == "cheap"  # rendered as on the post page
    assert shown.find(attrs={"data-testid": "visibility"}).text == "Limited"
    assert shown.find("a", href=lambda h: h and h.endswith(f"/posts/{guid}"))
    author = page.html.find(attrs={"data-testid": "author"}).text
    assert "alice@" in author and "a user of this pod" in author
    assert page.html.find(attrs={"data-testid": "reason"}).text == "Advertising"
    assert "bob" in page.html.find(attrs={"data-testid": "report"}).text
    counts = " ".join(page.html.find(attrs={"data-testid": "counts"}).text.split())
    assert "this post: 1 (1 open)" in counts and "posts and comments: 2 (2 open)" in counts
    buttons = {b["data-testid"] for b in page.html.select("[data-testid^=action-]")}
    assert buttons == {"action-delete", "action-dismiss", "action-lock"}
    # An admin also sees the admin-only actions, but not those for remote authors.
    boss_buttons = {b["data-testid"] for b in people["boss"].get(f"/admin/reports/{report_id}").html.select(
        "[data-testid^=action-]")}
    assert boss_buttons == {"action-delete", "action-dismiss", "action-lock"}


def test_a_remote_comment_in_context_with_the_comments_around_it(people, pod):
    now = dt.datetime.now(dt.timezone.utc)
    with pod.session_factory() as session:
        rita = remote_person(session, "rita")
        post = add_post(session, rita.id, "A _remote_ post", public=True)
        add_comment(session, post, person_id_of(session, "alice"), "before it", at=now - dt.timedelta(minutes=2))
        comment = add_comment(session, post, rita.id, "You are all **wrong**", at=now - dt.timedelta(minutes=1))
        add_comment(session, post, person_id_of(session, "carol"), "after it", at=now)
        report_id = add_report(session, "bob", comment, "Rude")
        session.commit()
    page = people["boss"].get(f"/admin/reports/{report_id}", status=200)
    assert "Report about a comment" in page.text
    author = page.html.find(attrs={"data-testid": "author"})
    assert f"rita@{REMOTE_HOST}" in author.text
    assert author.find(attrs={"data-testid": "author-pod"}).text == REMOTE_HOST
    post_card = page.html.find(attrs={"data-testid": "reported-post"})
    assert post_card.find("em").text == "remote" and "Public" in post_card.text
    reported = page.html.find(attrs={"data-testid": "reported-comment"})
    assert reported.find("mark").find("strong").text == "wrong"
    texts = [a.find(class_="comment-text").text.strip() for a in page.html.select("article.comment")]
    assert texts == ["before it", "You are all wrong", "after it"]
    buttons = {b["data-testid"] for b in page.html.select("[data-testid^=action-]")}
    assert buttons == {"action-delete", "action-dismiss", "action-close_remote", "action-block_pod"}
    mod_buttons = {b["data-testid"] for b in people["mod"].get(f"/admin/reports/{report_id}").html.select(
        "[data-testid^=action-]")}
    assert mod_buttons == {"action-delete", "action-dismiss"}


def test_gone_content_is_said_and_can_only_be_dismissed(people, pod):
    with pod.session_factory() as session:
        post = add_post(session, person_id_of(session, "alice"), "soon gone")
        report_id = add_report(session, "bob", post)
        session.delete(post)
        session.commit()
    page = people["mod"].get(f"/admin/reports/{report_id}", status=200)
    assert page.html.find(attrs={"data-testid": "gone"}) is not None
    assert {b["data-testid"] for b in page.html.select("[data-testid^=action-]")} == {"action-dismiss"}
    before = snapshot(pod)
    response = post_action(people["mod"], report_id, "delete", status=303)
    assert response.location.endswith(f"/admin/reports/{report_id}")
    assert "gone already" in response.follow().text
    assert snapshot(pod) == before
    act(people["mod"], report_id, "dismiss")
    assert reports(pod)[report_id][:2] == (True, "dismissed")


# --- actions ---------------------------------------------------------------------------------------

def test_delete_a_local_post_federates_its_retraction_and_resolves_every_report_on_it(people, pod):
    far = f"127.0.0.1:{free_port()}"  # nothing listens there: the retraction is planned, never delivered
    with pod.session_factory() as session:
        alice = person_id_of(session, "alice")
        ron = remote_person(session, "ron", host=far)
        post = add_post(session, alice, "spam spam")
        comment = add_comment(session, post, person_id_of(session, "carol"), "on it")
        # The post went to ron's pod when it was published.
        session.add(Delivery(pod_id=ron.pod_id, sender_person_id=alice, entity_type="status_message",
                             entity_guid=post.guid, envelope=b"-", state=DONE))
        first = add_report(session, "bob", post)
        second = add_report(session, "carol", post, "Me too")
        on_comment = add_report(session, "bob", comment, "And this")
        elsewhere = add_report(session, "bob", add_post(session, alice, "fine"))
        session.commit()
        guid, pod_id = post.guid, ron.pod_id
    response = act(people["mod"], first, "delete")
    assert response.location.endswith("/admin/reports")
    assert "The post is deleted" in response.follow().text
    pod.jobs.drain()
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Post).where(Post.guid == guid)) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
        [event] = session.scalars(sa.select(Event).where(Event.name == "post_deleted")).all()
        assert event.payload["guid"] == guid and event.payload["author_id"] == alice
        retraction = session.scalar(sa.select(Delivery).where(Delivery.entity_type == "retraction"))
        assert retraction is not None and retraction.pod_id == pod_id and retraction.entity_guid == guid
        mod = user_id_of(session, "mod")
    state = reports(pod)
    for report_id in (first, second, on_comment):
        assert state[report_id] == (True, "deleted", mod, True)
    assert state[elsewhere] == (False, None, None, False)


def test_delete_a_remote_post_removes_it_here_only(people, pod):
    with pod.session_factory() as session:
        rita = remote_person(session, "rita")
        post = add_post(session, rita.id, "remote spam")
        report_id = add_report(session, "bob", post)
        session.commit()
        post_id = post.id
    act(people["mod"], report_id, "delete")
    pod.jobs.drain()
    with pod.session_factory() as session:
        assert session.get(Post, post_id) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
        assert session.get(Person, rita.id).closed_locally is False
    assert reports(pod)[report_id][:2] == (True, "deleted")


def test_delete_a_local_comment_as_its_author_would(people, pod):
    with pod.session_factory() as session:
        post = add_post(session, person_id_of(session, "carol"), "a post")
        comment = add_comment(session, post, person_id_of(session, "alice"), "rude words")
        report_id = add_report(session, "bob", comment, "Rude")
        session.commit()
        comment_id, guid, post_id = comment.id, comment.guid, post.id
        alice = person_id_of(session, "alice")
    act(people["mod"], report_id, "delete")
    with pod.session_factory() as session:
        assert session.get(Comment, comment_id) is None
        assert session.get(Post, post_id).comments_count == 0
        [event] = session.scalars(sa.select(Event).where(Event.name == "comment_deleted")).all()
        assert event.payload["guid"] == guid and event.payload["deleted_by_id"] == alice
    assert reports(pod)[report_id][:2] == (True, "deleted")


def test_delete_a_remote_comment_on_a_local_post_as_the_post_author_would(people, pod):
    far = f"127.0.0.1:{free_port()}"
    with pod.session_factory() as session:
        alice = person_id_of(session, "alice")
        post = add_post(session, alice, "my post")
        rita = remote_person(session, "rita")
        ron = remote_person(session, "ron", host=far)
        comment = add_comment(session, post, rita.id, "remote rudeness")
        session.add(RelayableXml(entity_type="comment", guid=comment.guid, xml="<comment/>"))
        # Alice's pod relayed the comment to ron's pod.
        session.add(Delivery(pod_id=ron.pod_id, sender_person_id=alice, entity_type="comment",
                             entity_guid=comment.guid, envelope=b"-", state=DONE))
        report_id = add_report(session, "bob", comment, "Rude")
        session.commit()
        comment_id, guid, far_pod = comment.id, comment.guid, ron.pod_id
    act(people["boss"], report_id, "delete")
    pod.jobs.drain()
    with pod.session_factory() as session:
        assert session.get(Comment, comment_id) is None
        [event] = session.scalars(sa.select(Event).where(Event.name == "comment_deleted")).all()
        assert event.payload["guid"] == guid and event.payload["deleted_by_id"] == alice
        assert session.scalar(sa.select(RelayableXml).where(RelayableXml.guid == guid)) is None
        # Alice's pod relays the retraction to where it relayed the comment, signed by alice.
        retraction = session.scalar(sa.select(Delivery).where(Delivery.entity_type == "retraction"))
        assert (retraction.pod_id, retraction.entity_guid, retraction.sender_person_id) == (far_pod, guid, alice)
    assert reports(pod)[report_id][:2] == (True, "deleted")


def test_delete_a_remote_comment_on_a_remote_post_here_only(people, pod):
    with pod.session_factory() as session:
        rita = remote_person(session, "rita")
        post = add_post(session, rita.id, "their post")
        comment = add_comment(session, post, remote_person(session, "rob").id, "their comment")
        report_id = add_report(session, "bob", comment)
        session.commit()
        comment_id, post_id = comment.id, post.id
    act(people["mod"], report_id, "delete")
    with pod.session_factory() as session:
        assert session.get(Comment, comment_id) is None
        assert session.get(Post, post_id).comments_count == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
            Event.name == "comment_deleted")) == 0


def test_lock_the_local_author_signs_them_out(people, pod):
    alice_browser = people["alice"]
    alice_browser.get("/stream", status=200)
    with pod.session_factory() as session:
        post = add_post(session, person_id_of(session, "alice"), "troll")
        report_id = add_report(session, "bob", post)
        session.commit()
        post_id = post.id
    response = act(people["mod"], report_id, "lock")
    assert "alice is locked" in response.follow().text
    with pod.session_factory() as session:
        alice = session.scalar(sa.select(User).where(User.username == "alice"))
        assert alice.locked_at is not None
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.user_id == alice.id)) == 0
        assert session.get(Post, post_id) is not None  # locking keeps the content
    assert "/users/sign_in" in alice_browser.get("/stream", status=302).location
    assert reports(pod)[report_id][:2] == (True, "author_locked")


def test_close_a_remote_author_as_an_admin(people, pod):
    with pod.session_factory() as session:
        rita = remote_person(session, "rita")
        post = add_post(session, rita.id, "remote troll")
        other = add_post(session, rita.id, "another")
        report_id = add_report(session, "bob", post)
        other_report = add_report(session, "carol", other)
        session.commit()
        rita_id = rita.id
    before = snapshot(pod)
    people["mod"].post(f"/admin/reports/{report_id}/close_remote", {"csrf_token": csrf(people["mod"])}, status=403)
    assert snapshot(pod) == before
    response = act(people["boss"], report_id, "close_remote")
    assert f"rita@{REMOTE_HOST} is closed" in response.follow().text
    with pod.session_factory() as session:
        rita = session.get(Person, rita_id)
        assert rita.closed_locally and rita.closed_at is not None
        assert session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.author_id == rita_id)) == 0
        boss = user_id_of(session, "boss")
    state = reports(pod)
    assert state[report_id] == (True, "author_closed", boss, True)
    # Their other content went with them, and so did the reports about it.
    assert state[other_report] == (True, "author_closed", boss, True)


def test_block_the_remote_authors_pod_as_an_admin(people, pod):
    with pod.session_factory() as session:
        rita = remote_person(session, "rita")
        comment = add_comment(session, add_post(session, person_id_of(session, "alice"), "mine"), rita.id, "spam")
        report_id = add_report(session, "bob", comment)
        session.commit()
        pod_id, comment_id = rita.pod_id, comment.id
    before = snapshot(pod)
    people["mod"].post(f"/admin/reports/{report_id}/block_pod", {"csrf_token": csrf(people["mod"])}, status=403)
    assert snapshot(pod) == before
    response = act(people["boss"], report_id, "block_pod")
    assert f"{REMOTE_HOST} is blocked" in response.follow().text
    with pod.session_factory() as session:
        assert session.get(Pod, pod_id).blocked_at is not None
        assert session.get(Comment, comment_id) is not None
    assert reports(pod)[report_id][:2] == (True, "pod_blocked")


# --- refusals change nothing ----------------------------------------------------------------------

def test_wrong_action_for_the_author_kind_changes_nothing(people, pod):
    with pod.session_factory() as session:
        local = add_report(session, "bob", add_post(session, person_id_of(session, "alice"), "local"))
        rita = remote_person(session, "rita")
        remote = add_report(session, "bob", add_post(session, rita.id, "remote"))
        session.commit()
    before = snapshot(pod)
    cases = ((remote, "lock", "has no account on this pod"), (local, "close_remote", "lock it instead"),
             (local, "block_pod", "no other pod to block"))
    for report_id, action, message in cases:
        response = post_action(people["boss"], report_id, action, status=303)
        assert response.location.endswith(f"/admin/reports/{report_id}")
        page = response.follow()
        assert message in page.text and "Nothing was changed" in page.text
    assert snapshot(pod) == before


def test_already_reviewed_unknown_and_junk_change_nothing(people, pod):
    with pod.session_factory() as session:
        report_id = add_report(session, "bob", add_post(session, person_id_of(session, "alice"), "x"))
        session.commit()
    act(people["mod"], report_id, "dismiss")
    before = snapshot(pod)
    for action in ("delete", "lock", "dismiss"):
        page = post_action(people["mod"], report_id, action, status=303).follow()
        assert "already reviewed (dismissed)" in page.text
    page = people["mod"].get(f"/admin/reports/{report_id}")
    assert not page.html.select("[data-testid^=action-]")
    assert "Reviewed: dismissed by mod" in " ".join(page.html.find(attrs={"data-testid": "reviewed"}).text.split())
    for junk in ("999999", "abc", "9" * 30, "0", "-3", "%00"):
        assert "no such report" in people["mod"].get(f"/admin/reports/{junk}", status=404).text
        page = post_action(people["mod"], junk, "dismiss", status=303).follow()
        assert "There is no such report. Nothing was changed." in page.text
    assert "no such moderation action" in post_action(people["boss"], report_id, "explode", status=404).text
    # A form without its CSRF token is refused.
    people["mod"].post(f"/admin/reports/{report_id}/dismiss", status=400)
    assert snapshot(pod) == before


def test_a_moderator_cannot_lock_an_admin_or_themself(people, pod):
    with pod.session_factory() as session:
        boss_post = add_report(session, "bob", add_post(session, person_id_of(session, "boss"), "admin's"))
        own_post = add_report(session, "bob", add_post(session, person_id_of(session, "mod"), "mod's"))
        session.commit()
    before = snapshot(pod)
    page = post_action(people["mod"], boss_post, "lock", status=303).follow()
    assert "Only an admin can lock an admin" in page.text
    page = post_action(people["mod"], own_post, "lock", status=303).follow()
    assert "You can't lock yourself" in page.text
    assert snapshot(pod) == before
