import re

import sqlalchemy as sa

from core.accounts.keys import new_guid
from core.aspects.models import Block
from core.conversations.models import Conversation, ConversationParticipant
from core.notifications.models import Notification
from core.notifications.services import mark_read_for_target, notify
from core.posts.models import Comment, MutedPost, Post

from .helpers import comment, post, remote_person, tell, user


def sentences(page) -> list[str]:
    return [re.sub(r"\s+", " ", li.select_one(".sentence").get_text()).strip()
            for li in page.html.select('[data-testid="notification"]')]


def unread_badge(page) -> str | None:
    badge = page.html.select_one('[data-testid="unread-notifications"]')
    return badge.get_text().strip() if badge else None


def test_the_list_needs_sign_in(app):
    response = app.get("/notifications")
    assert response.status_int == 302
    assert "/users/sign_in" in response.location


def test_each_kind_reads_as_a_sentence_with_links(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "Bob's thoughts")
    alices_post = post(pod, alice.id, "Hello @bob")
    bobs_comment = comment(pod, alices_post, bob.person_id, "nice")
    with pod.session_factory() as session:
        chat = Conversation(guid=new_guid(), subject="Lunch?", author_id=alice.id)
        chat.participants = [ConversationParticipant(person_id=alice.id), ConversationParticipant(person_id=bob.person_id)]
        session.add(chat)
        session.commit()
    told = [("started_sharing", "Person", alice.id), ("mentioned", "Post", alices_post.id),
            ("mentioned_in_comment", "Comment", bobs_comment.id), ("comment_on_post", "Post", bobs_post.id),
            ("also_commented", "Post", alices_post.id), ("liked", "Post", bobs_post.id),
            ("liked_comment", "Comment", bobs_comment.id), ("reshared", "Post", bobs_post.id),
            ("private_message", "Conversation", chat.id)]
    for kind, target_type, target_id in told:
        tell(pod, kind=kind, recipient_id=bob.user_id, actor_id=alice.id, target_type=target_type, target_id=target_id)

    page = bob.get("/notifications")
    assert sentences(page) == [  # newest first
        "Alice sent you a private message.",
        "Alice reshared your post.",
        "Alice liked your comment.",
        "Alice liked your post.",
        "Alice also commented on Alice's post.",
        "Alice commented on your post.",
        "Alice mentioned you in a comment.",
        "Alice mentioned you in a post.",
        "Alice started sharing with you.",
    ]
    links = {a.get_text(): a["href"] for a in page.html.select('[data-testid="notification"] .sentence a')}
    assert links["Alice"] == f"/people/{alice.guid}"
    assert links["a private message"] == f"/conversations/{chat.guid}"
    assert links["your comment"] == f"/posts/{alices_post.guid}#comment-{bobs_comment.guid}"
    assert links["a post"] == f"/posts/{alices_post.guid}"
    assert links["your post"] == f"/posts/{bobs_post.guid}"
    assert len(page.html.select('[data-testid="unread-mark"]')) == 9
    assert unread_badge(page) == "9"


def test_actors_are_grouped_newest_first(new_browser, pod):
    bob = user(new_browser, "bob")
    bobs_post = post(pod, bob.person_id, "hi")
    names = ["Anna", "Ben", "Cleo", "Dana", "Eric"]
    fans = [remote_person(pod, name) for name in names]
    shown = []
    for fan in fans:
        tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=fan.id, target_type="Post", target_id=bobs_post.id)
        shown.append(sentences(bob.get("/notifications"))[0])
    assert shown == ["Anna liked your post.", "Ben and Anna liked your post.", "Cleo, Ben and Anna liked your post.",
                     "Dana, Cleo and 2 others liked your post.", "Eric, Dana and 3 others liked your post."]
    page = bob.get("/notifications")
    links = [a["href"] for a in page.html.select('[data-testid="notification"] .sentence a')]
    assert links == [f"/people/{fans[4].guid}", f"/people/{fans[3].guid}", f"/posts/{bobs_post.guid}"]
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_mark_one_then_all_read(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    posts = [post(pod, bob.person_id, f"post {n}") for n in range(3)]
    first, *_ = [tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post",
                      target_id=p.id) for p in posts]
    page = bob.get("/notifications")
    assert unread_badge(page) == "3"
    form = next(f for f in page.forms.values() if f.action.endswith(f"/notifications/{first}/read"))
    after = form.submit().follow()
    assert unread_badge(after) == "2"
    assert len(after.html.select('[data-testid="unread-mark"]')) == 2
    assert f"/notifications/{first}/read" not in after.text

    after = bob.get("/notifications").forms["mark-all-read"].submit().follow()
    assert "Marked 2 notifications as read." in after.text
    assert unread_badge(after) is None
    assert len(after.html.select('[data-testid="notification"]')) == 3


def test_someone_elses_notification_is_not_found(new_browser, pod):
    bob = user(new_browser, "bob")
    carol = user(new_browser, "carol")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "mine")
    ident = tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post",
                 target_id=bobs_post.id)
    token = carol.get("/notifications").forms["mark-all-read"]["csrf_token"].value
    carol.post(f"/notifications/{ident}/read", {"csrf_token": token}, status=404)
    assert unread_badge(bob.get("/notifications")) == "1"


def test_filters_by_kind_and_unread(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "mine")
    tell(pod, kind="started_sharing", recipient_id=bob.user_id, actor_id=alice.id, target_type="Person",
         target_id=alice.id)
    liked = tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post",
                 target_id=bobs_post.id)
    tell(pod, kind="reshared", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)

    assert sentences(bob.get("/notifications", {"type": "liked"})) == ["Alice liked your post."]
    token = bob.get("/notifications").forms["mark-all-read"]["csrf_token"].value
    bob.post(f"/notifications/{liked}/read", {"csrf_token": token})
    assert sentences(bob.get("/notifications", {"show": "unread"})) == ["Alice reshared your post.",
                                                                        "Alice started sharing with you."]
    assert sentences(bob.get("/notifications", {"show": "unread", "type": "liked"})) == []

    # Marking the filtered kind read leaves the other kinds unread.
    form = bob.get("/notifications", {"type": "reshared"}).forms["mark-all-read"]
    assert form["type"].value == "reshared"
    form.submit()
    assert sentences(bob.get("/notifications", {"show": "unread"})) == ["Alice started sharing with you."]
    assert len(sentences(bob.get("/notifications"))) == 3

    bad = bob.get("/notifications", {"type": "gossip"}, status=400)
    assert "There is no kind of notification called 'gossip'." in bad.text
    bad = bob.post("/notifications/read", {"csrf_token": token, "type": "gossip"}, status=400)
    assert "There is no kind of notification called 'gossip'." in bad.text
    assert len(sentences(bob.get("/notifications", {"show": "unread"}))) == 1


def test_older_notifications_are_on_the_next_page(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    for n in range(17):
        target = post(pod, bob.person_id, f"post {n}")
        tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=target.id)
    first = bob.get("/notifications")
    assert len(sentences(first)) == 15
    second = bob.get(first.html.select_one('[data-testid="older"]')["href"])
    assert len(sentences(second)) == 2
    assert second.html.select_one('[data-testid="older"]') is None
    ids = [li["id"] for li in first.html.select('[data-testid="notification"]')] + \
          [li["id"] for li in second.html.select('[data-testid="notification"]')]
    assert len(set(ids)) == 17
    assert "broken" in bob.get("/notifications", {"before": "yesterday"}, status=400).text


def test_deleted_and_unseen_targets_do_not_break_the_list(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post = post(pod, bob.person_id, "soon gone")
    other = post(pod, bob.person_id, "has a comment")
    bobs_comment = comment(pod, other, bob.person_id, "soon gone too")
    secret = post(pod, alice.id, "not for bob", public=False)
    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    tell(pod, kind="liked_comment", recipient_id=bob.user_id, actor_id=alice.id, target_type="Comment",
         target_id=bobs_comment.id)
    tell(pod, kind="mentioned", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=secret.id)
    with pod.session_factory() as session:
        session.execute(sa.delete(Comment).where(Comment.id == bobs_comment.id))
        session.execute(sa.delete(Post).where(Post.id == bobs_post.id))
        session.commit()
    page = bob.get("/notifications")
    assert sentences(page) == ["Alice mentioned you in a deleted post.", "Alice liked a deleted comment.",
                               "Alice liked a deleted post."]
    assert f"/posts/{secret.guid}" not in page.text
    assert "not for bob" not in page.text


def test_nothing_for_own_actions_blocked_people_or_muted_posts(new_browser, pod):
    bob = user(new_browser, "bob")
    alice, mallory = remote_person(pod, "Alice"), remote_person(pod, "Mallory")
    bobs_post, muted = post(pod, bob.person_id, "mine"), post(pod, bob.person_id, "muted")
    with pod.session_factory() as session:
        session.add(Block(user_id=bob.user_id, person_id=mallory.id))
        session.add(MutedPost(user_id=bob.user_id, post_id=muted.id))
        session.commit()
    muted_comment = comment(pod, muted, bob.person_id, "in a muted thread")
    for actor, target_type, target in ((bob.person_id, "Post", bobs_post.id), (mallory.id, "Post", bobs_post.id),
                                       (alice.id, "Post", muted.id), (alice.id, "Comment", muted_comment.id)):
        assert tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=actor, target_type=target_type,
                    target_id=target) is None
    page = bob.get("/notifications")
    assert sentences(page) == []
    assert unread_badge(page) is None

    # Someone blocked after the fact disappears from the sentence.
    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    with pod.session_factory() as session:
        notification = session.scalar(sa.select(Notification))
        notify(session, kind="liked", recipient_id=bob.user_id, actor_id=remote_person(pod, "Zed").id,
               target_type="Post", target_id=bobs_post.id)
        session.add(Block(user_id=bob.user_id, person_id=alice.id))
        session.commit()
        assert len(session.get(Notification, notification.id).actors) == 2
    assert sentences(bob.get("/notifications")) == ["Zed liked your post."]


def test_opening_a_post_can_mark_its_notifications_read(new_browser, pod):
    bob = user(new_browser, "bob")
    alice = remote_person(pod, "Alice")
    bobs_post, other = post(pod, bob.person_id, "one"), post(pod, bob.person_id, "two")
    bobs_comment = comment(pod, bobs_post, bob.person_id, "a comment")
    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=bobs_post.id)
    tell(pod, kind="liked_comment", recipient_id=bob.user_id, actor_id=alice.id, target_type="Comment",
         target_id=bobs_comment.id)
    tell(pod, kind="liked", recipient_id=bob.user_id, actor_id=alice.id, target_type="Post", target_id=other.id)
    with pod.session_factory() as session:
        assert mark_read_for_target(session, bob.user_id, "Post", bobs_post.id) == 2
        session.commit()
    assert unread_badge(bob.get("/notifications")) == "1"
