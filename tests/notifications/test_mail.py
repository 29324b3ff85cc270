import sqlalchemy as sa

from core.notifications.models import KINDS, EmailOptOut

from .helpers import body, comment, mails, post, remote_person, tell, user


def test_a_new_comment_is_mailed_with_a_link_and_a_quote(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "What do you think of sourdough?")
    alices_comment = comment(pod, bobs_post, alice.id, "Love it")
    tell(pod, kind="comment_on_post", recipient_id=bob.user_id, actor_id=alice.id, target_type="Comment",
         target_id=alices_comment.id)
    assert mails(pod) == []  # a job sends it
    pod.jobs.drain()
    (message,) = mails(pod)
    assert message["To"] == "bob@example.org"
    assert message["Subject"] == "Alice commented on your post"
    text = body(message)
    assert f"http://pod.test/posts/{bobs_post.guid}#comment-{alices_comment.guid}" in text
    assert "> Love it" in text
    assert "http://pod.test/user/notifications" in text


def test_limited_content_stays_out_of_the_mail(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    secret = post(pod, alice.id, "The surprise party is on Friday", public=False, given_to=[bob.user_id])
    tell(pod, kind="mentioned", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=secret.id)
    pod.jobs.drain()
    (message,) = mails(pod)
    assert message["Subject"] == "Alice mentioned you in a post"
    assert f"http://pod.test/posts/{secret.guid}" in body(message)
    assert "surprise" not in body(message)


def test_one_mail_per_actor(new_browser, pod):
    bob = user(new_browser, "bob")
    alice, carol = remote_person(pod, "Alice"), remote_person(pod, "Carol")
    bobs_post = post(pod, bob.person_id, "hello")
    for actor in (alice, alice, carol, alice):
        tell(pod, kind="reshared", recipient_id=bob.user_id, actor_id=actor.id, target_type="Post",
             target_id=bobs_post.id)
    pod.jobs.drain()
    assert sorted(m["Subject"] for m in mails(pod)) == ["Alice reshared your post", "Carol reshared your post"]


def test_a_notification_read_before_the_mail_goes_out_is_not_mailed(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "hello")
    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    bob.get("/notifications").forms["mark-all-read"].submit()
    pod.jobs.drain()
    assert mails(pod) == []


def test_the_settings_page_switches_mail_per_kind(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "hello")
    account = bob.get("/user/edit")
    page = bob.get(next(a["href"] for a in account.html.select(".settings-menu a") if a.get_text() == "Notifications"))
    assert page.request.path == "/user/notifications"
    form = page.forms["email-settings"]
    boxes = form.fields["email"]
    assert [box._value for box in boxes] == list(KINDS)
    assert all(box.checked for box in boxes)  # everything is mailed by default
    assert "someone likes my post" in page.text
    for box in boxes:
        box.checked = box._value != "liked"
    saved = form.submit().follow()
    assert "Your email settings were saved." in saved.text
    unchecked = [box._value for box in saved.forms["email-settings"].fields["email"] if not box.checked]
    assert unchecked == ["liked"]
    with pod.session_factory() as session:
        assert session.scalars(sa.select(EmailOptOut.kind).where(EmailOptOut.user_id == bob.user_id)).all() == ["liked"]

    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    tell(pod, kind="reshared", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    pod.jobs.drain()
    assert [m["Subject"] for m in mails(pod)] == ["Alice reshared your post"]
    assert len(bob.get("/notifications").html.select('[data-testid="notification"]')) == 2  # still listed


def test_unknown_kinds_in_the_settings_form_change_nothing(new_browser, pod):
    bob = user(new_browser, "bob")
    token = bob.get("/user/notifications").forms["email-settings"]["csrf_token"].value
    response = bob.post("/user/notifications", {"csrf_token": token, "email": ["liked", "gossip"]}, status=400)
    assert "There is no kind of notification called 'gossip'." in response.text
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EmailOptOut)) == 0
