"""/admin/mail: admins write a mail to a group of accounts; jobs send it in batches with progress."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import lxml.html
import pytest
import sqlalchemy as sa
import transaction

from core.accounts.models import User
from core.admin import mailings
from core.admin.jobs import resume_mailings, send_mailing_batch, send_mailing_to
from core.admin.models import AdminMailing
from core.db import tm_session
from core.jobs import JobContext
from tests.notifications.helpers import mails


def set_user(pod, username: str, **values) -> None:
    with pod.session_factory() as session:
        session.execute(sa.update(User).where(User.username == username).values(**values))
        session.commit()


def rows(pod) -> list[AdminMailing]:
    with pod.session_factory() as session:
        return list(session.scalars(sa.select(AdminMailing).order_by(AdminMailing.id)))


def recipients(pod) -> list[str]:
    return sorted(message["To"].split("@")[0] for message in mails(pod))


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_payload(decode=True).decode()
            for part in message.walk() if not part.is_multipart()}


def found(page, selector: str) -> str:
    """The text of the elements ``selector`` (CSS) picks on ``page``."""
    return " ".join(node.text_content().strip() for node in lxml.html.fromstring(page.text).cssselect(selector))


def send_form(browser, **fields):
    form = browser.get("/admin/mail").forms["mail-form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status="*")


@pytest.fixture
def admin(member):
    return member("root", "admin")


@pytest.fixture
def people(pod, member, admin):
    """root (admin, just signed in), and ann, ben, cat, dan, eve: ben signed in 200 days ago,
    dan is locked, eve is closed; everyone else signed in just now."""
    for name in ("ann", "ben", "cat", "dan", "eve"):
        member(name)
    set_user(pod, "ben", last_sign_in_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200))
    set_user(pod, "dan", locked_at=dt.datetime.now(dt.timezone.utc))
    set_user(pod, "eve", closed_at=dt.datetime.now(dt.timezone.utc))
    return admin


# --- who may use it ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/mail", "/admin/mail/1"])
def test_only_admins_reach_the_pages(pod, member, admin, path):
    admin.post("/admin/mail", {"csrf_token": admin.get("/admin/mail").forms["mail-form"]["csrf_token"].value,
                               "audience": "all", "subject": "Hi", "body": "Hello"}, status=303)

    page = admin.get(path, status=200)
    assert "Hi" in page.text
    assert member("mod", "moderator").get(path, status=403)
    assert member("bob").get(path, status=403)
    anonymous = member(None).get(path, status=302)
    assert anonymous.location.endswith("/users/sign_in?next=" + path.replace("/", "%2F"))


def test_moderators_and_users_cannot_send(pod, member, admin):
    for browser in (member("mod", "moderator"), member("bob")):
        token = browser.get("/stream").forms["composer-form"]["csrf_token"].value
        browser.post("/admin/mail", {"csrf_token": token, "audience": "all", "subject": "Hi", "body": "Hello"},
                     status=403)
    pod.jobs.drain()
    assert rows(pod) == [] and mails(pod) == []


# --- sending -----------------------------------------------------------------------------------

def test_a_text_mail_reaches_every_open_account_once_with_progress(pod, people, monkeypatch):
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)

    sent = send_form(people, audience="all", subject="Server move", body="We move on Saturday.\r\n\r\nBye!")

    assert sent.status_int == 303 and sent.location.endswith("/admin/mail/1")
    page = sent.follow()
    assert "Mailing “Server move” to 4 recipients is on its way." in page.text
    assert found(page, "[data-testid=progress]") == "0/4"
    assert found(page, "[data-testid=state]") == "pending"
    assert mails(pod) == []  # nothing before the jobs run

    pod.jobs.drain()

    assert recipients(pod) == ["ann", "ben", "cat", "root"]
    [mailing] = rows(pod)
    assert (mailing.state, mailing.sent, mailing.total, mailing.audience) == ("done", 4, 4, "all")
    assert mailing.created_by_id is not None and mailing.finished_at is not None
    page = people.get("/admin/mail/1")
    assert found(page, "[data-testid=progress]") == "4/4"
    assert found(page, "[data-testid=state]") == "done"
    listing = people.get("/admin/mail")
    assert found(listing, "[data-testid=mailing-1] [data-testid=progress]") == "4/4"
    message = mails(pod)[0]
    assert message["Subject"] == "Server move"
    assert message.get_content_type() == "multipart/alternative"
    text = parts(message)["text/plain"]
    assert "We move on Saturday.\n\nBye!" in text
    assert "You get this because you have an account on Seedpod." in text
    assert "<p>We move on Saturday.</p>" in parts(message)["text/html"]


def test_the_active_audiences_leave_out_people_who_did_not_sign_in_lately(pod, people):
    options = found(people.get("/admin/mail"), "#mail-audience option")
    assert options == ("Every account (4) Signed in during the last year (4) Signed in during the last six months (3) "
                       "Signed in during the last month (3)")

    send_form(people, audience="active_halfyear", subject="Hello actives", body="Hi")
    pod.jobs.drain()
    assert recipients(pod) == ["ann", "cat", "root"]
    assert (rows(pod)[0].total, rows(pod)[0].sent) == (3, 3)


def test_html_mail_is_sanitised_and_multipart(pod, people):
    send_form(people, audience="active_monthly", subject="Party", is_html=True,
              body='<p onmouseover="x()">Come <a href="https://example.org/p">here</a></p><script>evil()</script>')
    pod.jobs.drain()

    assert recipients(pod) == ["ann", "cat", "root"]
    html = parts(mails(pod)[0])["text/html"]
    assert '<a href="https://example.org/p"' in html and "Come" in html
    assert "<script" not in html and "evil" not in html and "onmouseover" not in html
    assert "Come here (https://example.org/p)" in parts(mails(pod)[0])["text/plain"]
    page = people.get("/admin/mail/1")
    assert found(page, "[data-testid=mailing-body]") == "Come here"
    assert "evil()" not in page.text and "onmouseover" not in page.text


def test_newest_mailing_is_listed_first(pod, people):
    send_form(people, audience="all", subject="First", body="one")
    send_form(people, audience="all", subject="Second", body="two")
    listing = people.get("/admin/mail")
    doc = lxml.html.fromstring(listing.text)
    subjects = [node.text_content() for node in doc.cssselect("[data-testid=mailings] tbody td a")]
    assert subjects == ["Second", "First"]


@pytest.mark.parametrize("fields, message", [
    ({"subject": "", "body": "Hello"}, "Give the mail a subject."),
    ({"subject": "   ", "body": "Hello"}, "Give the mail a subject."),
    ({"subject": "Hi", "body": "  \r\n "}, "The message is empty."),
    ({"subject": "x" * 256, "body": "Hello"}, "The subject is longer than 255 characters."),
    ({"subject": "Hi", "body": "<script>alert(1)</script>", "is_html": "1"}, "Nothing is left of the HTML"),
    ({"subject": "Hi", "body": "Hello", "audience": "everyone"}, "Choose who gets the mail"),
], ids=["no-subject", "blank-subject", "blank-body", "long-subject", "only-script", "bad-audience"])
def test_bad_input_is_refused_and_nothing_is_created(pod, people, fields, message):
    token = people.get("/admin/mail").forms["mail-form"]["csrf_token"].value
    data = {"csrf_token": token, "audience": "all", **fields}

    page = people.post("/admin/mail", data, status=400)

    assert message in found(page, "[data-testid=form-error]")
    assert page.forms["mail-form"]["body"].value.strip() == fields["body"].strip()  # kept for another try
    pod.jobs.drain()
    assert rows(pod) == [] and mails(pod) == []


@pytest.mark.parametrize("fields", [{"subject": "Hi", "body": "a\x00b"}, {"subject": "H\x00i", "body": "Hello"}],
                         ids=["body", "subject"])
def test_nul_characters_are_refused_and_nothing_is_created(pod, people, fields):
    token = people.get("/admin/mail").forms["mail-form"]["csrf_token"].value

    page = people.post("/admin/mail", {"csrf_token": token, "audience": "all", **fields}, status=422)

    assert "Text may not contain NUL characters" in page.text
    pod.jobs.drain()
    assert rows(pod) == [] and mails(pod) == []


@pytest.mark.parametrize("raw", ["abc", "0", "99999999999999999999", "12"])
def test_unknown_mailings_are_not_found(people, raw):
    people.get(f"/admin/mail/{raw}", status=404)


# --- batches that crash, repeat or overlap -------------------------------------------------

@contextmanager
def job(pod, drop=()):
    """A job's transaction; messages to the jobs in ``drop`` are lost (the process died)."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        ctx = JobContext(pod, tm_session(pod.session_factory, manager), manager)
        real = ctx.enqueue
        ctx.enqueue = lambda fn, *args: None if fn in drop else real(fn, *args)
        yield ctx


def test_a_mailing_stuck_after_a_crash_between_batches_is_resumed_by_the_sweep(pod, people, monkeypatch):
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)
    with job(pod) as ctx:
        mailing_id = mailings.MailingService(ctx.dbsession, pod).create("all", "Hello", "Hi", False).id

    with job(pod, drop=(send_mailing_batch,)) as ctx:  # the first batch; its successor never gets queued
        send_mailing_batch(ctx, mailing_id, 0)
    pod.jobs.drain()

    assert recipients(pod) == ["ann", "root"]  # the first two ids
    [mailing] = rows(pod)
    assert (mailing.state, mailing.sent, mailing.total) == ("sending", 2, 4)
    assert found(people.get("/admin/mail/1"), "[data-testid=progress]") == "2/4"

    pod.jobs.send(resume_mailings)
    pod.jobs.drain()

    assert recipients(pod) == ["ann", "ben", "cat", "root"]
    [mailing] = rows(pod)
    assert (mailing.state, mailing.sent) == ("done", 4)


def test_a_repeated_batch_and_an_overlapping_sweep_mail_nobody_twice(pod, people, monkeypatch):
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)
    send_form(people, audience="all", subject="Hello", body="Hi")
    pod.jobs.send(send_mailing_batch, 1, 0)  # the same first batch again
    pod.jobs.send(resume_mailings)  # and the sweep, while the chain is running

    pod.jobs.drain()

    assert recipients(pod) == ["ann", "ben", "cat", "root"]
    assert (rows(pod)[0].state, rows(pod)[0].sent) == ("done", 4)


def test_accounts_closed_or_locked_after_their_batch_ran_get_nothing(pod, people):
    send_form(people, audience="all", subject="Hello", body="Hi")
    set_user(pod, "ann", closed_at=dt.datetime.now(dt.timezone.utc))
    with pod.session_factory() as session:
        ids = list(session.scalars(sa.select(User.id).where(User.username.in_(("ann", "dan", "cat")))
                                   .order_by(User.username)))
    with job(pod) as ctx:
        for user_id in ids:  # ann (now closed), cat, dan (locked)
            send_mailing_to(ctx, 1, user_id)
    pod.jobs.drain()
    assert recipients(pod) == ["ben", "cat", "cat", "root"]  # cat by hand and by the batch; ann never
