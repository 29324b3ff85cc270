"""/admin/pods (once /admin/federation): pods, waiting and given-up deliveries, refused inbox items,
retry now."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from core.federation.models import FAILED, PENDING, POD_DOWN, POD_UP, REJECTED, Delivery, InboxItem, Pod
from core.testing import sign_in

from .conftest import pod_row


def seed(pod, sender_id):
    with pod.session_factory() as session:
        down = pod_row(session, "down.example")
        down.status, down.failures, down.last_error = POD_DOWN, 7, "HTTP 503"
        up = pod_row(session, "up.example")
        up.status = POD_UP
        session.add_all([
            Delivery(pod_id=down.id, sender_person_id=sender_id, entity_type="status_message",
                     entity_guid="waitingwaitingwaiting01", envelope=b"x", state=PENDING, attempts=3,
                     last_error="HTTP 503"),
            Delivery(pod_id=up.id, sender_person_id=sender_id, entity_type="comment",
                     entity_guid="givenupgivenupgivenup01", envelope=b"x", state=FAILED, attempts=14,
                     last_error="HTTP 404"),
            InboxItem(route="public", body=b"junk", body_sha256=hashlib.sha256(b"junk").hexdigest(),
                      state=REJECTED, sender="mallory@evil.example", entity_type="status_message",
                      reason="the envelope signature does not verify"),
        ])
        session.commit()
        return down.id


def person_id(pod, username):
    from core.accounts.models import Person, User

    with pod.session_factory() as session:
        return session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                              .where(User.username == username))


def test_admins_see_pods_deliveries_and_refusals_and_can_retry(app, pod, local_user):
    local_user("podmin", admin=True)
    down_id = seed(pod, person_id(pod, "podmin"))
    sign_in(app, "podmin", "correct horse battery")
    page = app.get("/admin/pods")
    text = page.text
    for expected in ("down.example", "up.example", "HTTP 503", "waitingwaitingwaiting01", "givenupgivenupgivenup01",
                     "HTTP 404", "mallory@evil.example", "the envelope signature does not verify"):
        assert expected in text
    form = next(f for f in page.forms.values() if f.action.endswith(f"/admin/pods/{down_id}/retry"))
    answer = form.submit()
    assert answer.status_int == 303 and answer.location.endswith("/admin/pods")
    assert "Retrying down.example now." in answer.follow().text
    with pod.session_factory() as session:
        assert session.get(Pod, down_id).status == POD_UP


def test_retry_needs_the_csrf_token_and_a_real_pod(app, pod, local_user):
    local_user("podmin", admin=True)
    down_id = seed(pod, person_id(pod, "podmin"))
    sign_in(app, "podmin", "correct horse battery")
    assert app.post(f"/admin/pods/{down_id}/retry", status="*").status_int == 400
    with pod.session_factory() as session:
        assert session.get(Pod, down_id).status == POD_DOWN
    token = next(f for f in app.get("/admin/pods").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
    for junk in ("zz", "999999", "1" * 40):
        assert app.post(f"/admin/pods/{junk}/retry", {"csrf_token": token}, status="*").status_int == 404
    with pod.session_factory() as session:
        assert session.get(Pod, down_id).status == POD_DOWN


def test_the_old_address_still_retries(app, pod, local_user):
    local_user("podmin", admin=True)
    down_id = seed(pod, person_id(pod, "podmin"))
    sign_in(app, "podmin", "correct horse battery")
    token = next(f for f in app.get("/admin/pods").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
    answer = app.post(f"/admin/federation/pods/{down_id}/retry", {"csrf_token": token})
    assert answer.status_int == 303 and answer.location.endswith("/admin/pods")
    with pod.session_factory() as session:
        assert session.get(Pod, down_id).status == POD_UP


def test_the_federation_page_moved_to_pods(app, pod, local_user):
    moved = app.get("/admin/federation", {"pending_before": "7"}, status=301)
    assert moved.location.endswith("/admin/pods?pending_before=7")
    local_user("podmin", admin=True)
    sign_in(app, "podmin", "correct horse battery")
    assert "<h1>Pods</h1>" in app.get("/admin/federation").follow().text


def test_pages_of_deliveries_go_by_id(app, pod, local_user):
    local_user("podmin", admin=True)
    sender = person_id(pod, "podmin")
    with pod.session_factory() as session:
        target = pod_row(session, "many.example")
        session.add_all([Delivery(pod_id=target.id, sender_person_id=sender, entity_type="like",
                                  entity_guid=f"like{i:020d}", envelope=b"x") for i in range(60)])
        session.commit()
    sign_in(app, "podmin", "correct horse battery")
    first = app.get("/admin/pods")
    assert f"like{59:020d}" in first.text and f"like{0:020d}" not in first.text
    older = first.click(description="Older waiting deliveries")
    assert f"like{0:020d}" in older.text and f"like{59:020d}" not in older.text
    assert app.get("/admin/pods", {"pending_before": "junk"}).status_int == 200


def test_others_are_refused(app, new_browser, pod, local_user):
    local_user("podmin", admin=True)
    local_user("alice")
    assert app.get("/admin/pods", status="*").status_int in (302, 303)  # visitors: sign in first
    sign_in(app, "alice", "correct horse battery")
    assert app.get("/admin/pods", status="*").status_int == 403
    token = next(f for f in app.get("/stream").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
    down_id = seed(pod, person_id(pod, "podmin"))
    for path in (f"/admin/pods/{down_id}/retry", f"/admin/federation/pods/{down_id}/retry"):
        assert app.post(path, {"csrf_token": token}, status="*").status_int == 403
    with pod.session_factory() as session:
        assert session.get(Pod, down_id).status == POD_DOWN
