"""Blocking a pod from /admin/pods: nothing is sent to it, asked of it or accepted from it; its
deliveries wait untouched and go out in order once it is unblocked. And the software and
version the pods page shows, read from another pod's NodeInfo."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.accounts.models import Person, User
from core.admin.jobs import read_pod_software
from core.federation import http
from core.federation.discovery import find_or_fetch_person
from core.federation.errors import DiscoveryError
from core.federation.jobs import check_down_pods, deliver_to_pod, sweep_deliveries
from core.federation.models import DONE, PENDING, POD_DOWN, REJECTED, Delivery, Pod
from core.posts.models import Comment, Post

from .delivery.conftest import pod_row, run_job
from .fake_peer import FakePeer
from .inbox import conftest as inbox_conftest
from .inbox.conftest import Inbox, public_post, Remote, element, relayable, store_remote

PAST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

local = inbox_conftest.local  # ``local("alice")``: a local user signed up through the site


@pytest.fixture
def peer():
    peer = FakePeer("zoe").start()
    yield peer
    peer.stop()


@pytest.fixture
def other_peer():
    peer = FakePeer("xena").start()
    yield peer
    peer.stop()


@pytest.fixture
def inbox(app, pod) -> Inbox:
    return Inbox(app, pod)


def person_id(pod, username: str) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                              .where(User.username == username))


def pod_id_of(pod, host: str) -> int:
    with pod.session_factory() as session:
        target = pod_row(session, host)
        session.commit()
        return target.id


def add_rows(pod, pod_id: int, sender: int, first: int, count: int) -> list[int]:
    with pod.session_factory() as session:
        rows = [Delivery(pod_id=pod_id, sender_person_id=sender, entity_type="status_message",
                         entity_guid=f"guid-{i:030d}", envelope=f"envelope-{i}".encode())
                for i in range(first, first + count)]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows]


def deliveries(pod, ids) -> list[Delivery]:
    with pod.session_factory() as session:
        return [session.get(Delivery, i) for i in ids]


def pod_state(pod, pod_id) -> Pod:
    with pod.session_factory() as session:
        return session.get(Pod, pod_id)


def pod_form(page, pod_id: int, action: str):
    return next(f for f in page.forms.values() if f.action.endswith(f"/admin/pods/{pod_id}/{action}"))


def token_of(browser) -> str:
    return next(f for f in browser.get("/stream").forms.values() if "csrf_token" in f.fields)["csrf_token"].value


def block(pod, host: str) -> int:
    from core.federation.moderation import block_pod

    with pod.session_factory() as session:
        target = block_pod(session, pod_row(session, host).id)
        session.commit()
        return target.id


def test_a_blocked_pod_gets_nothing_and_everything_goes_in_order_once_unblocked(pod, member, peer):
    admin = member("podmin", "admin")
    sender = person_id(pod, "podmin")
    target = pod_id_of(pod, peer.host)
    before = add_rows(pod, target, sender, 0, 2)
    page = admin.get("/admin/pods")
    answer = pod_form(page, target, "block").submit()
    assert answer.status_int == 303 and answer.location.endswith("/admin/pods")
    page = answer.follow()
    assert f"Blocked {peer.host}" in page.text
    row = page.html.find(attrs={"data-testid": f"pod-{target}"})
    assert "blocked since" in row.text and "Unblock" in row.text and "Retry now" not in row.text
    during = add_rows(pod, target, sender, 2, 2)  # planned while it is blocked: waits too

    # Neither a worker, nor the sweep, nor "retry now" sends anything; nothing is counted.
    run_job(pod, deliver_to_pod, target)
    run_job(pod, sweep_deliveries)
    answer = admin.post(f"/admin/pods/{target}/retry", {"csrf_token": token_of(admin)})
    assert f"{peer.host} is blocked: unblock it" in answer.follow().text
    pod.jobs.drain()
    assert peer.requests == []
    for row in deliveries(pod, before + during):
        assert (row.state, row.attempts, row.last_error, row.claimed_at) == (PENDING, 0, None, None)
    state = pod_state(pod, target)
    assert (state.status, state.failures, state.last_error, state.lease_until) == ("unknown", 0, None, None)
    assert sum(q.qsize() for q in pod.jobs.broker.queues.values()) == 0  # no job keeps waking it up

    answer = pod_form(admin.get("/admin/pods"), target, "unblock").submit()
    assert f"Unblocked {peer.host}" in answer.follow().text
    pod.jobs.drain()
    assert [item.body for item in peer.received] == [f"envelope-{i}".encode() for i in range(4)]
    assert all(row.state == DONE and row.attempts == 1 for row in deliveries(pod, before + during))
    assert pod_state(pod, target).blocked_at is None


def test_a_blocked_pod_is_neither_health_checked_nor_asked_anything(pod, peer):
    target = block(pod, peer.host)
    with pod.session_factory() as session:
        session.execute(sa.update(Pod).where(Pod.id == target).values(status=POD_DOWN, next_check_at=PAST))
        session.commit()
    run_job(pod, check_down_pods)
    run_job(pod, read_pod_software)
    with pytest.raises(http.Refused, match=f"the pod {peer.host} is blocked on this pod"):
        http.get(pod, f"{peer.url}/.well-known/nodeinfo", purpose="nodeinfo")
    with pytest.raises(http.Refused, match="blocked"):
        http.post(pod, f"{peer.url}/receive/public", b"x", "text/plain", purpose="deliver")
    with pod.session_factory() as session:
        with pytest.raises(DiscoveryError, match=f"the pod {peer.host} is blocked on this pod"):
            find_or_fetch_person(session, pod, peer.person.handle)
    assert peer.requests == []
    state = pod_state(pod, target)
    assert (state.status, state.software, state.failures) == (POD_DOWN, None, 0)


def test_everything_a_blocked_pod_sends_is_refused_and_nothing_kept(inbox, local, pod, peer):
    _alice_browser, alice = local("alice")
    zoe = store_remote(pod, peer.person, peer.host)
    block(pod, peer.host)
    reason = f"the pod {peer.host} is blocked on this pod"

    item = inbox.public(public_post(zoe, "b" * 32), zoe)
    assert (item.state, item.reason, item.sender) == (REJECTED, reason, zoe.diaspora_id)
    assert item.body == b""  # not even the raw payload is kept
    item = inbox.private(element("status_message", author=zoe.diaspora_id, guid="c" * 32,
                                 created_at="2026-11-01T10:00:00Z", public=False, text="psst"), zoe, alice)
    assert (item.state, item.reason) == (REJECTED, reason)
    # Someone of that pod we never met: refused without looking them up.
    newbie = peer.add_person("newbie")
    stranger = Remote(newbie.handle, newbie.guid, newbie.private_key_pem, newbie.public_key_pem, 0)
    item = inbox.public(public_post(stranger, "d" * 32), stranger)
    assert (item.state, item.reason) == (REJECTED, reason)
    assert inbox.count(Post) == 0
    assert inbox.count(Person, Person.diaspora_id == newbie.handle) == 0
    assert peer.requests == []

    with pod.session_factory() as session:
        from core.federation.moderation import unblock_pod

        unblock_pod(session, pod_row(session, peer.host).id, lambda *args: None)
        session.commit()
    item = inbox.public(public_post(zoe, "e" * 32), zoe)
    assert (item.state, item.reason) == (DONE, None)
    assert inbox.count(Post) == 1


def test_a_comment_from_a_blocked_pod_relayed_by_another_pod_is_refused(inbox, local, pod, peer, other_peer):
    local("alice")
    zoe = store_remote(pod, peer.person, peer.host)
    xena = store_remote(pod, other_peer.person, other_peer.host)
    post_guid = "f" * 32
    assert inbox.public(public_post(xena, post_guid), xena).state == DONE
    block(pod, peer.host)
    comment = relayable("comment", zoe.private_key_pem, author=zoe.diaspora_id, guid="9" * 32,
                        parent_guid=post_guid, text="from a blocked pod")
    item = inbox.public(comment, xena)
    assert (item.state, item.reason) == (REJECTED, f"the pod {peer.host} is blocked on this pod")
    assert inbox.count(Comment) == 0


def test_the_pods_page_shows_software_and_version_from_nodeinfo(pod, member, peer, other_peer):
    admin = member("podmin", "admin")
    down = pod_id_of(pod, peer.host)
    with pod.session_factory() as session:
        session.execute(sa.update(Pod).where(Pod.id == down).values(status=POD_DOWN, next_check_at=PAST))
        session.commit()
    up = pod_id_of(pod, other_peer.host)
    run_job(pod, check_down_pods)     # the health check reads it as the pod comes back
    run_job(pod, read_pod_software)   # the daily read covers pods that never went down
    page = admin.get("/admin/pods")
    for target in (down, up):
        cells = [td.text.strip() for td in page.html.find(attrs={"data-testid": f"pod-{target}"}).find_all("td")]
        assert cells[2:4] == ["fakepeer", "1.0"]
    assert (pod_state(pod, up).software, pod_state(pod, up).version) == ("fakepeer", "1.0")


def test_only_admins_block_and_see_the_pods_page(pod, member, peer):
    target = pod_id_of(pod, peer.host)
    assert member("podmin", "admin").get("/admin/pods").status_int == 200
    for name, roles in (("mod", ("moderator",)), ("alice", ())):
        browser = member(name, *roles)
        assert browser.get("/admin/pods", status="*").status_int == 403
        for action in ("block", "unblock", "retry"):
            assert browser.post(f"/admin/pods/{target}/{action}", {"csrf_token": token_of(browser)},
                                status="*").status_int == 403
    visitor = member(None)
    answer = visitor.get("/admin/pods", status="*")
    assert answer.status_int in (302, 303) and "/users/sign_in?next=" in answer.location
    answer = visitor.post(f"/admin/pods/{target}/block", status="*")
    assert answer.status_int in (302, 303) and "/users/sign_in" in answer.location
    assert pod_state(pod, target).blocked_at is None


def test_bad_pod_actions_change_nothing(pod, member, peer):
    admin = member("podmin", "admin")
    target = pod_id_of(pod, peer.host)
    token = token_of(admin)
    for path in (f"/admin/pods/{target}/explode", "/admin/pods/999999/block", "/admin/pods/zz/block",
                 f"/admin/pods/{'1' * 40}/unblock", "/admin/pods/999999/retry"):
        assert admin.post(path, {"csrf_token": token}, status="*").status_int == 404
    assert admin.post(f"/admin/pods/{target}/block", status="*").status_int == 400  # no CSRF token
    assert admin.get(f"/admin/pods/{target}/block", status="*").status_int == 404
    assert pod_state(pod, target).blocked_at is None
