"""Sending delivery rows to a receiving pod: success, backoff, pods going down and coming back,
workers that die, private envelopes, and the podmin's "retry now"."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.accounts.models import Person, User
from core.federation import sending
from core.federation.jobs import check_down_pods, deliver_to_pod, sweep_deliveries
from core.federation.models import DONE, FAILED, PENDING, POD_DOWN, POD_UP, SENDING, Delivery, Pod

from .conftest import add_remote_person, pod_row, private_key_of_remote, run_job

PAST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def now():
    return dt.datetime.now(dt.timezone.utc)


def sender_id(pod, username="alice") -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                              .where(User.username == username))


def add_rows(pod, host: str, count: int, sender: int, recipient_id: int | None = None, **values) -> list[int]:
    """``count`` public rows (bodies b"envelope-<i>") for the pod at ``host``; their ids."""
    with pod.session_factory() as session:
        target = pod_row(session, host)
        rows = [Delivery(pod_id=target.id, sender_person_id=sender, recipient_person_id=recipient_id,
                         entity_type="status_message", entity_guid=f"guid-{i:030d}",
                         envelope=f"envelope-{i}".encode(), **values) for i in range(count)]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows], target.id


def rows(pod, ids):
    with pod.session_factory() as session:
        return [session.get(Delivery, i) for i in ids]


def pod_state(pod, pod_id) -> Pod:
    with pod.session_factory() as session:
        return session.get(Pod, pod_id)


def make_due(pod, pod_id):
    with pod.session_factory() as session:
        session.execute(sa.update(Delivery).where(Delivery.pod_id == pod_id, Delivery.state == PENDING)
                        .values(next_attempt_at=PAST))
        session.commit()


def test_a_2xx_answer_delivers_every_due_row_in_order(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    ids, pod_id = add_rows(pod, fake.host, 3, sender_id(pod))
    run_job(pod, deliver_to_pod, pod_id)
    assert [r.body for r in fake.posts] == [b"envelope-0", b"envelope-1", b"envelope-2"]
    assert {r.path for r in fake.posts} == {"/receive/public"}
    assert {r.content_type for r in fake.posts} == {"application/magic-envelope+xml"}
    assert all(r.state == DONE and r.attempts == 1 and r.delivered_at for r in rows(pod, ids))
    state = pod_state(pod, pod_id)
    assert state.status == POD_UP and state.failures == 0 and state.last_success_at is not None
    assert state.lease_until is None


def test_rows_go_out_in_the_order_the_user_acted_not_the_order_they_were_planned(pod, local_user, receiving_pod):
    """Two events dispatched at once can plan their rows in either order; each row carries the
    time of its event, and that is the order the pod receives them in."""
    local_user("alice")
    fake = receiving_pod()
    acted = now()
    ids, pod_id = add_rows(pod, fake.host, 3, sender_id(pod))
    with pod.session_factory() as session:  # planned 0, 1, 2; acted 2, 0, 1
        for row_id, seconds in zip(ids, (2, 3, 1)):
            session.get(Delivery, row_id).created_at = acted - dt.timedelta(seconds=10 - seconds)
        session.commit()
    run_job(pod, deliver_to_pod, pod_id)
    assert [r.body for r in fake.posts] == [b"envelope-2", b"envelope-0", b"envelope-1"]


def test_planned_rows_carry_the_time_of_the_event_being_dispatched(pod, local_user, receiving_pod):
    from core.events import EventData
    from core.events import services as events
    from core.federation import hooks

    from .conftest import add_contact, add_post

    alice_id = local_user("alice")
    fake = receiving_pod()
    with pod.session_factory() as session:
        add_contact(session, alice_id, add_remote_person(session, fake.host))
        post_id = add_post(session, session.get(User, alice_id).person.id, "to the world").id
        session.commit()
    acted = now() - dt.timedelta(minutes=5)
    published = EventData(1, "post_published", {"post_id": post_id}, acted)
    token = events._dispatched_event.set(published)
    try:
        hooks.on_post_published(published, pod)
    finally:
        events._dispatched_event.reset(token)
    with pod.session_factory() as session:
        [row] = session.scalars(sa.select(Delivery)).all()
        assert row.created_at == acted


def test_a_failure_backs_off_and_stops_the_walk(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    fake.status = 500
    ids, pod_id = add_rows(pod, fake.host, 2, sender_id(pod))
    before = now()
    run_job(pod, deliver_to_pod, pod_id)
    first, second = rows(pod, ids)
    assert len(fake.posts) == 1  # the second waits: nothing is tried out of order on a failing pod
    assert first.state == PENDING and first.attempts == 1 and "500" in first.last_error
    assert first.next_attempt_at >= before + dt.timedelta(seconds=(1 + 4) ** 4)
    assert second.attempts == 0
    state = pod_state(pod, pod_id)
    assert state.failures == 1 and "500" in state.last_error and state.status != POD_DOWN


def test_redirects_and_refused_connections_are_failures(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    fake.status = 302
    ids, pod_id = add_rows(pod, fake.host, 1, sender_id(pod))
    run_job(pod, deliver_to_pod, pod_id)
    assert rows(pod, ids)[0].state == PENDING
    fake.stop()
    make_due(pod, pod_id)
    run_job(pod, deliver_to_pod, pod_id)
    row = rows(pod, ids)[0]
    assert row.state == PENDING and row.attempts == 2 and pod_state(pod, pod_id).failures == 2


def test_the_last_attempt_gives_up(make_pod, receiving_pod):
    pod = make_pod(federation__delivery_attempts="3")
    from core.accounts.services import AccountService

    with pod.session_factory() as session:
        AccountService(session, pod).sign_up("alice", "alice@example.org", "correct horse battery")
        session.commit()
    fake = receiving_pod()
    fake.status = 503
    ids, pod_id = add_rows(pod, fake.host, 1, sender_id(pod), attempts=2)
    run_job(pod, deliver_to_pod, pod_id)
    assert rows(pod, ids)[0].state == FAILED


def test_contacts_get_ten_more_attempts(pod):
    assert sending.attempts_for(pod, "contact") == sending.attempts_for(pod, "status_message") + 10 == 24


def test_backoff_grows_and_covers_more_than_three_days():
    waits = [sending.backoff(n) for n in range(1, 14)]  # 14 attempts: 13 waits
    assert all(later > earlier for earlier, later in zip(waits, waits[1:]))
    assert sum(waits, dt.timedelta()) > dt.timedelta(days=3)


def test_a_pod_goes_down_and_the_health_check_brings_everything_back_in_order(make_pod, receiving_pod):
    pod = make_pod(federation__pod_down_after="3")
    from core.accounts.services import AccountService

    with pod.session_factory() as session:
        AccountService(session, pod).sign_up("alice", "alice@example.org", "correct horse battery")
        session.commit()
    fake = receiving_pod()
    fake.status = 500
    ids, pod_id = add_rows(pod, fake.host, 5, sender_id(pod))
    for _ in range(3):
        make_due(pod, pod_id)
        run_job(pod, deliver_to_pod, pod_id)
    state = pod_state(pod, pod_id)
    assert state.status == POD_DOWN and state.down_since is not None and state.next_check_at is not None
    assert len(fake.posts) == 3
    # Down: neither a worker nor the sweep contacts it, however due its rows are.
    make_due(pod, pod_id)
    run_job(pod, deliver_to_pod, pod_id)
    run_job(pod, sweep_deliveries)
    assert len(fake.posts) == 3
    # Not yet time for the health check: nothing asked.
    run_job(pod, check_down_pods)
    assert not [r for r in fake.requests if r.method == "GET"]
    # It answers again: the check finds it and everything goes, in creation order, once each.
    fake.status = 202
    fake.requests.clear()
    with pod.session_factory() as session:
        session.execute(sa.update(Pod).where(Pod.id == pod_id).values(next_check_at=PAST))
        session.commit()
    run_job(pod, check_down_pods)
    assert fake.requests[0].method == "GET" and fake.requests[0].path == "/.well-known/nodeinfo"
    assert [r.body for r in fake.posts] == [f"envelope-{i}".encode() for i in range(5)]
    assert all(r.state == DONE for r in rows(pod, ids))
    state = pod_state(pod, pod_id)
    assert state.status == POD_UP and (state.software, state.version) == ("diaspora", "0.9.0") and state.failures == 0


def test_a_failed_health_check_waits_longer(make_pod, receiving_pod):
    pod = make_pod(federation__pod_down_after="1")
    fake = receiving_pod()
    fake.status = 500
    with pod.session_factory() as session:
        target = pod_row(session, fake.host)
        target.status, target.failures, target.next_check_at = POD_DOWN, 1, PAST
        session.commit()
        pod_id = target.id
    run_job(pod, check_down_pods)
    state = pod_state(pod, pod_id)
    assert state.status == POD_DOWN and state.failures == 2
    assert state.next_check_at > now() + dt.timedelta(minutes=5)
    assert "health check" in state.last_error


def test_the_sweep_frees_rows_of_dead_workers_and_they_go_once(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    stale, pod_id = add_rows(pod, fake.host, 1, sender_id(pod), state=SENDING,
                             claimed_at=now() - dt.timedelta(minutes=30))
    run_job(pod, sweep_deliveries)
    assert [r.body for r in fake.posts] == [b"envelope-0"]
    assert rows(pod, stale)[0].state == DONE
    run_job(pod, sweep_deliveries)
    assert len(fake.posts) == 1


def test_the_sweep_leaves_rows_a_live_worker_holds(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    held, pod_id = add_rows(pod, fake.host, 1, sender_id(pod), state=SENDING, claimed_at=now())
    run_job(pod, sweep_deliveries)
    assert not fake.posts and rows(pod, held)[0].state == SENDING


def test_one_worker_per_pod(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    ids, pod_id = add_rows(pod, fake.host, 1, sender_id(pod))
    with pod.session_factory() as session:
        session.execute(sa.update(Pod).where(Pod.id == pod_id).values(lease_until=now() + dt.timedelta(minutes=5)))
        session.commit()
    run_job(pod, deliver_to_pod, pod_id)
    assert not fake.posts and rows(pod, ids)[0].state == PENDING


def test_private_rows_are_encrypted_to_the_recipient_at_send_time(pod, local_user, receiving_pod):
    from core.federation.envelope import build_envelope, decrypt, read_envelope, verify_envelope

    alice_id = local_user("alice")
    fake = receiving_pod()
    with pod.session_factory() as session:
        bob = add_remote_person(session, fake.host, "bob", key=1)
        alice = session.get(User, alice_id)
        envelope = build_envelope(b"<contact/>", alice.person.diaspora_id, alice.private_key_pem)
        session.commit()
        bob_id, bob_guid, alice_public = bob.id, bob.guid, alice.person.public_key_pem
    ids, pod_id = add_rows(pod, fake.host, 1, sender_id(pod), recipient_id=bob_id)
    with pod.session_factory() as session:
        session.execute(sa.update(Delivery).where(Delivery.id == ids[0]).values(envelope=envelope))
        session.commit()
    run_job(pod, deliver_to_pod, pod_id)
    [request] = fake.posts
    assert request.path == f"/receive/users/{bob_guid}" and request.content_type == "application/json"
    opened = decrypt(request.body, private_key_of_remote(1))
    assert opened == envelope
    verify_envelope(read_envelope(opened), alice_public)


def test_retry_now_makes_a_down_pod_up_and_sends(pod, local_user, receiving_pod):
    local_user("alice")
    fake = receiving_pod()
    later = now() + dt.timedelta(days=1)
    ids, pod_id = add_rows(pod, fake.host, 2, sender_id(pod), next_attempt_at=later, attempts=4)
    with pod.session_factory() as session:
        session.execute(sa.update(Pod).where(Pod.id == pod_id).values(status=POD_DOWN, failures=9))
        session.commit()
    sent = []
    with pod.session_factory() as session:
        assert sending.retry_pod_now(session, pod_id, lambda fn, *args: sent.append((fn, args)))
        session.commit()
        assert not sending.retry_pod_now(session, 999999, lambda *a: None)
    assert sent == [(deliver_to_pod, (pod_id,))]
    pod.jobs.send(deliver_to_pod, pod_id)
    pod.jobs.drain()
    assert [r.body for r in fake.posts] == [b"envelope-0", b"envelope-1"]
    assert pod_state(pod, pod_id).status == POD_UP
