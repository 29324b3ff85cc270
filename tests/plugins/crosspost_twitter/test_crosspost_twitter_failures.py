"""When X says no, or says nothing: retried when it makes sense, never lost, never twice."""
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from core.db import utcnow
from plugins.crosspost_twitter import services
from plugins.crosspost_twitter.models import Account, Tweet

from .conftest import compose, connect, rows, settle

UNAVAILABLE = {"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}


def needs_reconnect(pod) -> bool:
    with pod.session_factory() as session:
        return session.scalar(sa.select(Account.needs_reconnect))


def test_rate_limited_waits_for_the_reset(alice, fake_x):
    reset = int((utcnow() + dt.timedelta(minutes=15)).timestamp())
    fake_x.fail_next("POST", "/2/tweets", 429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                                 "type": "about:blank", "status": 429},
                     {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"})
    compose(alice, "Patience")
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "pending" and row.attempts == 0 and row.tweet_id is None
    assert row.next_attempt_at == dt.datetime.fromtimestamp(reset + 1, dt.timezone.utc)
    assert "X answered 429: Too Many Requests" in row.last_error
    # Not before the reset, whoever asks.
    assert services.sweep(alice.pod) == ([], [])
    assert services.send(alice.pod, row.post_id) is None
    after = row.next_attempt_at + dt.timedelta(seconds=1)
    assert services.sweep(alice.pod, now=after) == ([row.post_id], [])
    assert services.send(alice.pod, row.post_id, now=after) == "sent"
    assert [t["text"] for t in fake_x.tweets.values()] == ["Patience"]


def test_revoked_access_waits_for_the_user_to_connect_again(alice, fake_x):
    fake_x.revoke_all()  # the user removed the app on X
    compose(alice, "Still here?")
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "pending" and row.attempts == 0 and "X answered 401" in row.last_error
    assert needs_reconnect(alice.pod)
    page = alice.get("/p/crosspost_twitter/")
    assert "X no longer accepts this pod's access to @alice_on_x" in page.text
    # Nothing is tried while the account is broken, however late it gets.
    assert services.sweep(alice.pod, now=utcnow() + dt.timedelta(days=1)) == ([], [])
    calls = len(fake_x.requests)
    connect(alice, fake_x)
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "sent" and [t["text"] for t in fake_x.tweets.values()] == ["Still here?"]
    assert len(fake_x.calls("POST", "/2/tweets")) == 1 and len(fake_x.requests) > calls
    assert not needs_reconnect(alice.pod)


def test_x_trouble_is_retried_with_backoff_then_given_up(alice, fake_x):
    fake_x.fail_next("POST", "/2/tweets", 503, UNAVAILABLE)
    compose(alice, "Try, try again")
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "pending" and row.attempts == 1 and "X answered 503" in row.last_error
    assert dt.timedelta(seconds=50) < row.next_attempt_at - utcnow() <= dt.timedelta(seconds=60)
    fake_x.fail_next("POST", "/2/tweets", 502, UNAVAILABLE)
    later = row.next_attempt_at
    assert services.send(alice.pod, row.post_id, now=later) == "pending"
    [row] = rows(alice.pod)
    assert row.attempts == 2 and row.next_attempt_at == later + dt.timedelta(seconds=120)
    assert services.send(alice.pod, row.post_id, now=row.next_attempt_at) == "sent"

    # A post X keeps failing is given up after MAX_ATTEMPTS, with the reason.
    compose(alice, "Doomed")
    for _ in range(services.MAX_ATTEMPTS):
        fake_x.fail_next("POST", "/2/tweets", 500, {"title": "Internal Server Error", "status": 500})
    doomed = rows(alice.pod)[-1]
    now = utcnow()
    while True:
        state = services.send(alice.pod, doomed.post_id, now=now)
        now += dt.timedelta(days=1)
        if state != "pending":
            break
    doomed = rows(alice.pod)[-1]
    assert doomed.state == "failed" and doomed.attempts == services.MAX_ATTEMPTS
    assert doomed.last_error.startswith(f"Gave up after {services.MAX_ATTEMPTS} attempts: X answered 500")


def test_x_unreachable_is_retried(make_app, fake_x):
    from core.testing import sign_up

    from .conftest import x_settings

    app = make_app(**x_settings(fake_x))
    sign_up(app, "alice")
    connect(app, fake_x)
    good = app.pod.settings["crosspost_twitter.api_url"]
    app.pod.settings["crosspost_twitter.api_url"] = "http://127.0.0.1:9"  # nothing listens there
    compose(app, "Anyone?")
    settle(app.pod)
    [row] = rows(app.pod)
    assert row.state == "pending" and row.attempts == 1 and "X could not be reached" in row.last_error
    app.pod.settings["crosspost_twitter.api_url"] = good
    assert services.send(app.pod, row.post_id, now=row.next_attempt_at) == "sent"


def test_x_refusing_the_post_is_recorded_with_its_words(alice, fake_x):
    compose(alice, "Same words")
    compose(alice, "Same words")
    settle(alice.pod)
    first, second = rows(alice.pod)
    assert first.state == "sent"
    assert second.state == "failed"
    assert second.last_error == "X answered 403: You are not allowed to create a Tweet with duplicate content."
    assert "You are not allowed to create a Tweet with duplicate content." in alice.get("/p/crosspost_twitter/").text
    assert services.sweep(alice.pod, now=utcnow() + dt.timedelta(days=1)) == ([], [])


def test_a_job_that_runs_twice_posts_once(alice, fake_x):
    compose(alice, "Once only")
    post_id = rows(alice.pod)[0].post_id
    assert services.send(alice.pod, post_id) == "sent"
    assert services.send(alice.pod, post_id) is None
    settle(alice.pod)  # the event's own job comes later and finds nothing to do
    assert services.sweep(alice.pod, now=utcnow() + dt.timedelta(days=1)) == ([], [])
    assert len(fake_x.calls("POST", "/2/tweets")) == 1


def test_concurrent_jobs_post_once(alice, fake_x):
    compose(alice, "Racing")
    post_id = rows(alice.pod)[0].post_id
    results = []
    threads = [threading.Thread(target=lambda: results.append(services.send(alice.pod, post_id))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [None, None, None, "sent"]
    assert len(fake_x.calls("POST", "/2/tweets")) == 1


def test_a_crash_after_x_answered_never_posts_again(alice, fake_x, monkeypatch):
    compose(alice, "Crash right after")
    post_id = rows(alice.pod)[0].post_id
    real_record = services._record

    def crash(pod, claim, **values):
        if values.get("tweet_id"):
            raise RuntimeError("the worker died")
        return real_record(pod, claim, **values)

    monkeypatch.setattr(services, "_record", crash)
    with pytest.raises(RuntimeError):
        services.send(alice.pod, post_id)
    monkeypatch.setattr(services, "_record", real_record)
    assert len(fake_x.tweets) == 1  # X has it, the pod never heard
    [row] = rows(alice.pod)
    assert row.state == "sending"
    # A retry of the job, the event's job, the sweep: none sends it again.
    assert services.send(alice.pod, post_id, now=utcnow() + dt.timedelta(hours=1)) is None
    settle(alice.pod)
    assert services.sweep(alice.pod) == ([], [])
    assert rows(alice.pod)[0].state == "sending"
    # Past the lease the row is given up, for the user to see.
    assert services.sweep(alice.pod, now=utcnow() + services.LEASE + dt.timedelta(minutes=1)) == ([], [])
    [row] = rows(alice.pod)
    assert row.state == "failed" and "not sent again" in row.last_error
    assert len(fake_x.calls("POST", "/2/tweets")) == 1


def test_disconnecting_cancels_what_waits(alice, fake_x):
    fake_x.fail_next("POST", "/2/tweets", 503, UNAVAILABLE)
    compose(alice, "Waiting")
    settle(alice.pod)
    from .conftest import form_with_action

    form_with_action(alice.get("/p/crosspost_twitter/"), "/disconnect").submit(status=303)
    with alice.pod.session_factory() as session:
        assert session.scalar(sa.select(Tweet.state)) == "cancelled"
        assert session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


def test_the_periodic_sweep_sends_what_is_due(alice, fake_x):
    from plugins.crosspost_twitter import jobs

    assert [(p.job, p.every) for p in alice.pod.jobs.periodic if p.job is jobs.sweep_tweets] == \
        [(jobs.sweep_tweets, jobs.SWEEP_EVERY)]
    fake_x.fail_next("POST", "/2/tweets", 503, UNAVAILABLE)
    compose(alice, "Later")
    settle(alice.pod)
    with alice.pod.session_factory() as session:  # the backoff is over
        session.execute(sa.update(Tweet).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    alice.pod.jobs.send(jobs.sweep_tweets)
    settle(alice.pod)
    assert rows(alice.pod)[0].state == "sent" and len(fake_x.tweets) == 1


def test_deleting_a_tweet_waits_out_trouble_and_revoked_access(alice, fake_x):
    from .conftest import form_with_action

    compose(alice, "Delete me later")
    settle(alice.pod)
    [row] = rows(alice.pod)
    fake_x.fail_next("DELETE", "/2/tweets/", 503, UNAVAILABLE)
    guid = row.post_guid
    form_with_action(alice.get(f"/posts/{guid}"), f"/posts/{guid}/delete").submit(status=303)
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "deleting" and "X answered 503" in row.last_error and len(fake_x.tweets) == 1
    fake_x.revoke_all()
    assert services.sweep(alice.pod, now=row.next_attempt_at) == ([], [guid])
    assert services.delete(alice.pod, guid, now=row.next_attempt_at) == "deleting"
    assert needs_reconnect(alice.pod)
    assert services.sweep(alice.pod, now=utcnow() + dt.timedelta(days=1)) == ([], [])
    connect(alice, fake_x)  # connecting again sends the deletion that waited
    settle(alice.pod)
    assert rows(alice.pod)[0].state == "deleted" and fake_x.tweets == {}


def test_an_answer_without_a_tweet_id_is_never_retried(alice, fake_x):
    fake_x.fail_next("POST", "/2/tweets", 201, {"data": {}})  # X may have published it: no second try
    compose(alice, "Odd answer")
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "failed" and row.last_error.startswith("X's answer held no tweet id")
    assert services.sweep(alice.pod, now=utcnow() + dt.timedelta(days=1)) == ([], [])


def test_a_rate_limit_without_a_sensible_reset_waits_a_while(alice, fake_x):
    for reset in ("99999999999999999999", str(int(utcnow().timestamp()) + 10 * 86400)):
        fake_x.fail_next("POST", "/2/tweets", 429, {"title": "Too Many Requests", "status": 429},
                         {"x-rate-limit-reset": reset})
    compose(alice, "Soon")
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "pending" and dt.timedelta(seconds=30) < row.next_attempt_at - utcnow() <= dt.timedelta(minutes=2)
    asked_at = row.next_attempt_at
    assert services.send(alice.pod, row.post_id, now=asked_at) == "pending"
    [row] = rows(alice.pod)
    assert row.next_attempt_at - asked_at == dt.timedelta(hours=24, seconds=1)  # not ten days
    assert services.send(alice.pod, row.post_id, now=row.next_attempt_at) == "sent"
