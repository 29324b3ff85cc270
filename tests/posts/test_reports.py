"""Reporting a post or a comment: the moderators and admins get a mail with a link to the report,
and a report that can't be taken is refused with a clear message, nothing stored."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.accounts.models import User
from core.admin.models import Report
from core.posts.models import Comment, Post
from core.posts.services import PostError
from tests.notifications.helpers import body, mails


def person_id(pod, username: str) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(User).where(User.username == username)).person.id


def write(pod, author: str, text: str = "Buy cheap watches", public: bool = True) -> tuple[str, str]:
    """A post by ``author`` with a comment of theirs on it: (post guid, comment guid)."""
    with pod.session_factory() as session:
        author_id = session.scalar(sa.select(User).where(User.username == author)).person.id
        post = Post(guid=new_guid(), author_id=author_id, public=public, text=text)
        session.add(post)
        session.flush()
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=author_id, text="and cheap bags")
        session.add(comment)
        session.commit()
        return post.guid, comment.guid


def report_form(browser, path: str):
    page = browser.get(path)
    return next(f for f in page.forms.values() if f.action.endswith(path))


def stored(pod) -> list[tuple]:
    with pod.session_factory() as session:
        return [(r.user_id, r.item_type, r.reason) for r in session.scalars(sa.select(Report).order_by(Report.id))]


def test_each_report_mails_every_moderator_and_admin_with_a_link(member, pod):
    member("mod", "moderator")
    member("boss", "admin")
    member("both", "admin", "moderator")
    member("star", "spotlight")
    bob = member("alice") and member("bob")
    post_guid, comment_guid = write(pod, "alice")
    form = report_form(bob, f"/posts/{post_guid}/report")
    form["reason"] = "Advertising, again"
    assert "moderators will look" in form.submit(status=303).follow().text
    pod.jobs.drain()
    with pod.session_factory() as session:
        report = session.scalar(sa.select(Report))
    sent = mails(pod)
    assert sorted(m["To"] for m in sent) == ["boss@example.org", "both@example.org", "mod@example.org"]
    text = body(sent[0])
    assert sent[0]["Subject"].endswith("bob reported a post")
    assert f"{pod.url}/admin/reports/{report.id}" in text
    assert "Advertising, again" in text and "Buy cheap watches" in text
    assert "bob" in text and f"alice@{pod.host}" in text and f"/posts/{post_guid}" in text

    # A comment's report too, and a moderator reporting is not mailed about their own report.
    moderator = member("mod2", "moderator")
    form = report_form(moderator, f"/comments/{comment_guid}/report")
    form["reason"] = "Same spam"
    form.submit(status=303)
    pod.jobs.drain()
    later = [m for m in mails(pod) if "mod2 reported a comment" in m["Subject"]]
    assert sorted(m["To"] for m in later) == ["boss@example.org", "both@example.org", "mod@example.org"]
    assert "and cheap bags" in body(later[0]) and "Same spam" in body(later[0])
    assert "alice@example.org" not in [m["To"] for m in mails(pod)]


def test_a_report_from_any_caller_mails_the_moderators_too(member, pod):
    from core.posts.interactions import InteractionService
    from tests.notifications.helpers import in_job

    member("mod", "moderator")
    member("alice"), member("bob")
    write(pod, "alice")
    with in_job(pod) as ctx:
        bob = ctx.dbsession.scalar(sa.select(User).where(User.username == "bob"))
        post = ctx.dbsession.scalar(sa.select(Post))
        service = InteractionService(ctx.dbsession, pod)
        # The service itself refuses what no column can store, whoever calls it.
        with pytest.raises(PostError, match="NUL characters"):
            service.report(bob, "Post", post.id, "spam\x00", enqueue=ctx.enqueue)
        with pytest.raises(PostError, match="can't report your own"):
            service.report(post.author.user, "Post", post.id, "Spam", enqueue=ctx.enqueue)
        service.report(bob, "Post", post.id, "Spam", enqueue=ctx.enqueue)
    pod.jobs.drain()
    assert [m["To"] for m in mails(pod)] == ["mod@example.org"]
    assert len(stored(pod)) == 1


def test_refused_reports_store_nothing_and_mail_nobody(member, pod):
    member("mod", "moderator")
    alice, bob = member("alice"), member("bob")
    post_guid, comment_guid = write(pod, "alice")
    for path in (f"/posts/{post_guid}/report", f"/comments/{comment_guid}/report"):
        # Your own post or comment: no form, and posting anyway is refused.
        page = alice.get(path)
        assert "can't report your own" in page.text and not [f for f in page.forms.values() if f.action.endswith(path)]
        token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
        assert "can't report your own" in alice.post(path, {"csrf_token": token, "reason": "x"}, status=400).text
        form = report_form(bob, path)
        for reason, message in (("", "Say why"), ("   ", "Say why"), ("x" * 1001, "at most 1000 characters")):
            form["reason"] = reason
            assert message in form.submit(status=400).text
        # The pod refuses a NUL in any form before a view sees it.
        form["reason"] = "spam\x00"
        form.submit(status=422)
        form["reason"] = "Spam"
        form.submit(status=303)
        assert "already reported" in form.submit(status=400).text
    assert stored(pod) == [(bob_id(pod), "Post", "Spam"), (bob_id(pod), "Comment", "Spam")]
    pod.jobs.drain()
    # One mail per stored report, none for the refused ones.
    assert len(mails(pod)) == 2


def bob_id(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(User.id).where(User.username == "bob"))


def test_the_same_report_sent_twice_at_once_is_stored_once(member, pod):
    """The second of two simultaneous reports waits for the first and is refused, not a 500."""
    import threading

    from core.posts.interactions import InteractionService

    member("alice")
    member("bob")
    post_guid, _ = write(pod, "alice")
    first, second = pod.session_factory(), pod.session_factory()
    try:
        def report(session):
            bob = session.scalar(sa.select(User).where(User.username == "bob"))
            post = session.scalar(sa.select(Post).where(Post.guid == post_guid))
            return InteractionService(session, pod).report(bob, "Post", post.id, "spam")

        report(first)  # written, not yet committed
        outcome = []

        def meanwhile():
            try:
                report(second)
                outcome.append("stored")
            except PostError as exc:
                outcome.append(exc.message)
            finally:
                second.rollback()

        racer = threading.Thread(target=meanwhile)
        racer.start()
        racer.join(0.5)  # on PostgreSQL it waits for the first transaction; SQLite waits for the write lock
        first.commit()
        racer.join(30)
        assert outcome == ["You already reported this; the moderators will look at it."]
        assert len(stored(pod)) == 1
    finally:
        first.close()
        second.close()
