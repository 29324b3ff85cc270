"""`seedpod admin-mail`: a text or HTML file to a group of accounts, in batches sent by jobs."""
from __future__ import annotations

import datetime as dt
import email
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.admin import mailings
from core.admin.models import AdminMailing

NOW = dt.datetime.now(dt.timezone.utc)


def days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


# username -> (days since the last sign-in or None, locked, closed)
ACCOUNTS = {
    "never": (None, False, False),
    "longago": (400, False, False),
    "lastyear": (300, False, False),
    "spring": (100, False, False),
    "lastweek": (10, False, False),
    "yesterday": (1, False, False),
    "locked": (1, True, False),
    "closed": (1, False, True),
}
EXPECTED = {
    "all": {"never", "longago", "lastyear", "spring", "lastweek", "yesterday"},
    "active_yearly": {"lastyear", "spring", "lastweek", "yesterday"},
    "active_halfyear": {"spring", "lastweek", "yesterday"},
    "active_monthly": {"lastweek", "yesterday"},
}


@pytest.fixture
def accounts(pods, ini):
    """The ACCOUNTS as rows (no keys or profiles: mail needs only the user row)."""
    pod = pods(ini)
    with pod.session_factory() as session:
        for name, (days, locked, closed) in ACCOUNTS.items():
            session.add(User(username=name, email=f"{name}@example.org", password_hash="-", private_key_pem="-",
                             created_at=days_ago(500), last_sign_in_at=days_ago(days) if days is not None else None,
                             locked_at=days_ago(2) if locked else None, closed_at=days_ago(2) if closed else None))
        session.commit()
    return pod


@pytest.fixture
def batches(monkeypatch):
    """A batch size of 2, and the list of batches run (each: the ids it mailed)."""
    ran = []
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)
    real = mailings.MailingService.next_batch

    def spy(self, mailing_id, expected):
        mailing, ids = real(self, mailing_id, expected)
        ran.append(list(ids))
        return mailing, ids

    monkeypatch.setattr(mailings.MailingService, "next_batch", spy)
    return ran


def sent_mails(ini: Path) -> list[email.message.Message]:
    folder = ini.parent / "var" / "mail"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*"))] if folder.exists() else []


def recipients(messages) -> list[str]:
    return sorted(message["To"].split("@")[0] for message in messages)


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_payload(decode=True).decode()
            for part in message.walk() if not part.is_multipart()}


def mailing_rows(accounts) -> list[AdminMailing]:
    with accounts.session_factory() as session:
        return list(session.scalars(sa.select(AdminMailing).order_by(AdminMailing.id)))


@pytest.mark.parametrize("audience", list(EXPECTED))
def test_each_audience_gets_it_exactly_once_in_batches(seedpod, ini, tmp_path, accounts, batches, audience):
    body = tmp_path / "news.txt"
    body.write_text("We are moving to a new server on Saturday.\nExpect an hour of downtime.\n")

    ran = seedpod("admin-mail", "--to", audience, "--subject", "Maintenance", str(body))

    assert ran.exit_code == 0, ran.output
    want = EXPECTED[audience]
    assert ran.lines[0].startswith(f"mailing 1: text mail to {len(want)} recipients (")
    assert "sent by the jobs" in ran.lines[1]
    messages = sent_mails(ini)
    assert recipients(messages) == sorted(want)  # each once, nobody locked or closed
    # Several jobs, two recipients each, the last one short (or empty) and closing the mailing.
    assert [len(ids) for ids in batches] == [2] * (len(want) // 2) + [len(want) % 2]
    [mailing] = mailing_rows(accounts)
    assert (mailing.audience, mailing.state, mailing.total, mailing.sent) == (audience, "done", len(want), len(want))
    assert mailing.finished_at is not None and mailing.is_html is False
    message = messages[0]
    assert message["Subject"] == "Maintenance"
    assert message.get_content_type() == "multipart/alternative"
    text = parts(message)["text/plain"]
    assert text.startswith("Seedpod\n")
    assert "We are moving to a new server on Saturday.\nExpect an hour of downtime." in text
    assert "You get this because you have an account on Seedpod.\nhttp://pod.test/" in text
    html = parts(message)["text/html"]
    assert "<p>We are moving to a new server on Saturday.<br>" in html
    assert "You get this because you have an account on Seedpod." in html


def test_an_html_file_is_sanitised_and_sent_as_html_and_text(seedpod, ini, tmp_path, accounts):
    body = tmp_path / "party.HTML"
    body.write_text('<h1>Party</h1><p onclick="steal()">Come to the <a href="https://example.org/party">party'
                    '</a> &amp; bring <b>cake</b>.</p><script>alert("x")</script><style>p{}</style>'
                    '<img src="javascript:alert(1)">', encoding="utf-8")

    ran = seedpod("admin-mail", "--to", "active_monthly", "--subject", "Party time", str(body))

    assert ran.exit_code == 0, ran.output
    assert ran.lines[0] == "mailing 1: HTML mail to 2 recipients (signed in during the last month)"
    messages = sent_mails(ini)
    assert recipients(messages) == ["lastweek", "yesterday"]
    html = parts(messages[0])["text/html"]
    assert "<h1>Party</h1>" in html and "<b>cake</b>" in html
    assert 'href="https://example.org/party"' in html
    for unsafe in ("<script", "alert", "onclick", "<style", "javascript:"):
        assert unsafe not in html
    text = parts(messages[0])["text/plain"]
    assert "Party\n\nCome to the party (https://example.org/party) & bring cake." in text
    assert "<b>" not in text and "<h1>" not in text
    [mailing] = mailing_rows(accounts)
    assert mailing.is_html is True and "<script" not in mailing.body


@pytest.mark.parametrize("content, subject, message", [
    (b"", "Hello", "is empty"),
    (b"  \n\n ", "Hello", "is empty"),
    (b"caf\xe9", "Hello", "is not UTF-8 text"),
    (b"one\x00two", "Hello", "contains NUL bytes"),
    (b"fine", "", "Give the mail a subject."),
    (b"fine", "   ", "Give the mail a subject."),
    (b"<script>alert(1)</script>", "Hello", "Nothing is left of the HTML"),
], ids=["empty", "blank", "latin-1", "nul", "no-subject", "blank-subject", "only-script"])
def test_bad_input_is_refused_and_nothing_is_created(seedpod, ini, tmp_path, accounts, content, subject, message):
    body = tmp_path / ("body.html" if b"script" in content else "body.txt")
    body.write_bytes(content)

    ran = seedpod("admin-mail", "--to", "all", "--subject", subject, str(body))

    assert ran.exit_code == 1
    assert ran.stderr.startswith("Error: ") and message in ran.stderr, ran.stderr
    assert mailing_rows(accounts) == []
    assert sent_mails(ini) == []


def test_a_missing_file_or_a_folder_is_refused(seedpod, ini, tmp_path, accounts):
    for path in (tmp_path / "nowhere.txt", tmp_path):
        ran = seedpod("admin-mail", "--to", "all", "--subject", "Hello", str(path))
        assert ran.exit_code in (1, 2)
        assert "Error:" in ran.stderr and str(path) in ran.stderr, ran.stderr
    assert mailing_rows(accounts) == []


def test_an_unknown_audience_is_a_usage_error(seedpod, ini, tmp_path, accounts):
    body = tmp_path / "body.txt"
    body.write_text("hi")

    ran = seedpod("admin-mail", "--to", "everyone", "--subject", "Hello", str(body))

    assert ran.exit_code == 2
    assert "'everyone' is not one of 'all', 'active_yearly', 'active_halfyear', 'active_monthly'" in ran.stderr
    assert mailing_rows(accounts) == []


def test_nobody_to_mail_finishes_at_once(seedpod, ini, tmp_path, pods):
    body = tmp_path / "body.txt"
    body.write_text("hi")

    ran = seedpod("admin-mail", "--to", "active_monthly", "--subject", "Hello", str(body))

    assert ran.exit_code == 0, ran.output
    assert ran.lines[0] == "mailing 1: text mail to 0 recipients (signed in during the last month)"
    with pods(ini).session_factory() as session:
        mailing = session.get(AdminMailing, 1)
        assert (mailing.state, mailing.total, mailing.sent) == ("done", 0, 0)
    assert sent_mails(ini) == []


def test_with_separate_workers_the_command_queues_the_first_batch(run_in, make_ini, database_url, redis_url,
                                                                  redis_namespace, tmp_path):
    import redis

    ini = make_ini(database__url=database_url, redis__url=redis_url, redis__namespace=redis_namespace)
    body = tmp_path / "body.txt"
    body.write_text("hi")

    ran = run_in(ini, "admin-mail", "--to", "all", "--subject", "Hello", str(body))

    assert ran.exit_code == 0, ran.output
    assert ran.lines == ["mailing 1: text mail to 0 recipients (every account)",
                         "the jobs send it in batches; progress: http://pod.test/admin/mail/1"]
    client = redis.Redis.from_url(redis_url)
    queued = [key.decode() for key in client.scan_iter(f"{redis_namespace}:mail*")]
    assert queued, "the first batch waits in Redis for a worker"
    assert b"send_mailing_batch" in b"".join(client.hvals(f"{redis_namespace}:mail.msgs"))
    assert sent_mails(ini) == []
