import sqlalchemy as sa

from core.accounts.models import User
from core.admin.models import Report
from core.aspects.models import Block
from core.notifications.models import Notification
from core.posts.models import (Comment, HiddenPost, Like, Mention, MutedPost, Participation, PollParticipation,
                               Post, RESHARE)


def user_of(session, name):
    return session.scalar(sa.select(User).where(User.username == name))


def notes(pod, name):
    with pod.session_factory() as session:
        user = user_of(session, name)
        return sorted((n.kind, n.target_type) for n in session.scalars(
            sa.select(Notification).where(Notification.recipient_id == user.id)))


def comment_on(browser, guid, text, status="*"):
    form = browser.get(f"/posts/{guid}").forms["comment-form"]
    form["text"] = text
    return form.submit(status=status)


def test_comment_notifies_author_and_earlier_commenters(person, post_as, pod):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    guid = post_as(alice, "Discuss")
    assert comment_on(bob, guid, "First!").status_int == 303
    assert comment_on(carol, guid, "Second, @{alice@pod.test}").status_int == 303
    page = alice.get(f"/posts/{guid}")
    texts = [c.find(class_="comment-text").text.strip() for c in page.html.find_all(attrs={"data-testid": "comment"})]
    assert texts == ["First!", "Second, alice"]  # oldest first
    assert notes(pod, "alice") == [("comment_on_post", "Post"), ("mentioned_in_comment", "Comment")]
    assert notes(pod, "bob") == [("also_commented", "Post")]
    assert notes(pod, "carol") == []
    with pod.session_factory() as session:
        post = session.scalar(sa.select(Post))
        assert post.comments_count == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 3
        assert session.scalar(sa.select(Mention.comment_id)) is not None


def test_muted_post_brings_no_notifications(person, post_as, pod, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "Quiet please")
    form_for(alice.get(f"/posts/{guid}"), "/mute").submit(status=303)
    comment_on(bob, guid, "hello")
    assert notes(pod, "alice") == []
    assert "Unmute" in alice.get(f"/posts/{guid}").text
    form_for(alice.get(f"/posts/{guid}"), "/mute").submit(status=303)
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(MutedPost)) == 0


def test_comment_on_invisible_post_is_404_and_stores_nothing(person, share, post_as, pod, count):
    alice, carol = person("alice"), person("carol")
    person("bob")
    guid = post_as(alice, "secret", visibility="aspects", aspect_ids=[share("alice", "bob")])
    token = carol.get("/status_messages").forms["composer-form"]["csrf_token"].value
    carol.post(f"/posts/{guid}/comments", {"csrf_token": token, "text": "let me in"}, status=404)
    carol.post(f"/posts/{guid}/like", {"csrf_token": token}, status=404)
    assert count(pod, Comment) == 0 and count(pod, Like) == 0


def test_empty_and_too_long_comments_are_refused(make_app, new_browser, count, compose):
    from core.testing import sign_up

    app = make_app(posts__max_length=50)
    sign_up(app, "alice")
    compose(app, "post")
    with app.pod.session_factory() as session:
        guid = session.scalar(sa.select(Post.guid))
    response = comment_on(app, guid, "   ")
    assert response.status_int == 400 and "Write a comment first" in response.text
    response = comment_on(app, guid, "z" * 51)
    assert response.status_int == 400 and "at most 50 characters" in response.text
    assert "z" * 51 in response.text
    assert count(app.pod, Comment) == 0


def block(pod, blocker, blocked):
    with pod.session_factory() as session:
        session.add(Block(user_id=user_of(session, blocker).id, person_id=user_of(session, blocked).person.id))
        session.commit()


def test_blocked_people_cannot_comment_or_like(person, post_as, pod, count, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "not for bob")
    page = bob.get(f"/posts/{guid}")
    block(pod, "alice", "bob")
    form = page.forms["comment-form"]
    form["text"] = "hi"
    response = form.submit(status=403)
    assert "doesn't let you comment" in response.text
    form_for(page, "/like").submit(status=403)
    assert count(pod, Comment) == 0 and count(pod, Like) == 0


def test_comments_by_blocked_people_are_left_out(person, post_as, pod):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    guid = post_as(alice, "open")
    comment_on(bob, guid, "bob was here")
    block(pod, "carol", "bob")
    assert "bob was here" not in carol.get(f"/posts/{guid}").text
    assert "bob was here" in alice.get(f"/posts/{guid}").text


def test_delete_comment_by_its_author_or_the_post_author_only(person, post_as, pod, count, form_for):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    guid = post_as(alice, "hello")
    comment_on(bob, guid, "one")
    comment_on(bob, guid, "two")
    with pod.session_factory() as session:
        first, second = session.scalars(sa.select(Comment.guid).order_by(Comment.id)).all()
    token = carol.get(f"/posts/{guid}").forms["comment-form"]["csrf_token"].value
    carol.post(f"/comments/{first}/delete", {"csrf_token": token}, status=403)
    form_for(bob.get(f"/posts/{guid}"), f"/comments/{first}/delete").submit(status=303)
    form_for(alice.get(f"/posts/{guid}"), f"/comments/{second}/delete").submit(status=303)
    assert count(pod, Comment) == 0
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Post.comments_count)) == 0


def test_like_twice_is_refused_and_unlike(person, post_as, pod, count, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "like me")
    page = bob.get(f"/posts/{guid}")
    form_for(page, "/like").submit(status=303)
    response = form_for(page, "/like").submit(status=400)
    assert "You already like this" in response.text
    assert count(pod, Like) == 1
    page = bob.get(f"/posts/{guid}")
    assert "1 like" in page.text
    assert "bob" in page.html.find(attrs={"data-testid": "likers"}).text
    assert notes(pod, "alice") == [("liked", "Post")]
    form_for(page, "/unlike").submit(status=303)
    assert count(pod, Like) == 0
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Post.likes_count)) == 0


def test_like_a_comment(person, post_as, pod, count, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "post")
    comment_on(bob, guid, "a comment")
    with pod.session_factory() as session:
        comment_guid = session.scalar(sa.select(Comment.guid))
    page = alice.get(f"/posts/{guid}")
    form_for(page, f"/comments/{comment_guid}/like").submit(status=303)
    assert form_for(page, f"/comments/{comment_guid}/like").submit(status=400)
    assert count(pod, Like, Like.comment_id.is_not(None)) == 1
    assert notes(pod, "bob") == [("liked_comment", "Comment")]
    form_for(alice.get(f"/posts/{guid}"), f"/comments/{comment_guid}/unlike").submit(status=303)
    assert count(pod, Like) == 0


def test_reshare_public_posts_of_others_only(person, share, post_as, pod, count, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "share me")
    assert "/reshare" not in alice.get(f"/posts/{guid}").text  # no button on one's own post
    form_for(bob.get(f"/posts/{guid}"), "/reshare").submit(status=303)
    with pod.session_factory() as session:
        reshare = session.scalar(sa.select(Post).where(Post.type == RESHARE))
        root = session.scalar(sa.select(Post).where(Post.guid == guid))
        assert reshare.public and reshare.root_id == root.id
        assert root.reshares_count == 1
        reshare_guid = reshare.guid
    assert notes(pod, "alice") == [("reshared", "Post")]
    assert "share me" in bob.get(f"/posts/{reshare_guid}").text
    response = bob.post(f"/posts/{guid}/reshare", {"csrf_token": bob.get(f"/posts/{guid}").forms[
        "comment-form"]["csrf_token"].value}, status=400)
    assert "already reshared" in response.text
    token = alice.get(f"/posts/{guid}").forms["comment-form"]["csrf_token"].value
    assert "own post" in alice.post(f"/posts/{guid}/reshare", {"csrf_token": token}, status=400).text
    limited = post_as(alice, "private", visibility="aspects", aspect_ids=[share("alice", "bob")])
    token = bob.get(f"/posts/{limited}").forms["comment-form"]["csrf_token"].value
    assert "Only public posts" in bob.post(f"/posts/{limited}/reshare", {"csrf_token": token}, status=400).text
    assert count(pod, Post, Post.type == RESHARE) == 1
    # Deleting the root leaves the reshare, saying the original is gone.
    form_for(alice.get(f"/posts/{guid}"), "/delete").submit(status=303)
    assert "The original post was deleted" in bob.get(f"/posts/{reshare_guid}").text


def test_poll_vote_once(person, post_as, pod, count, new_browser):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "Vote!", poll_question="Tea or coffee?", poll_answers="Tea\nCoffee")
    page = bob.get(f"/posts/{guid}")
    form = page.forms[[k for k, f in page.forms.items() if "/vote" in f.action][0]]
    form["answer_id"] = form["answer_id"].options[1][0]
    form.submit(status=303)
    results = bob.get(f"/posts/{guid}").html.find(attrs={"data-testid": "poll"})
    assert "Coffee: 1 vote" in " ".join(results.text.split())
    assert "(your vote)" in results.text
    assert form.submit(status=400).text.count("already voted") == 1
    assert count(pod, PollParticipation) == 1
    # A visitor sees the results, never a vote form.
    visitor_page = new_browser().get(f"/posts/{guid}")
    assert "answer_id" not in visitor_page.text
    assert "Tea: 0 votes" in " ".join(visitor_page.html.find(attrs={"data-testid": "poll"}).text.split())


def test_hide_a_post(person, post_as, pod, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "hide me")
    response = form_for(bob.get(f"/posts/{guid}"), "/hide").submit(status=303)
    assert response.location.endswith("/stream")
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(HiddenPost)) == 1


def test_report_post_and_comment_once(person, post_as, pod, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "questionable")
    comment_on(alice, guid, "also questionable")
    with pod.session_factory() as session:
        comment_guid = session.scalar(sa.select(Comment.guid))
    for url in (f"/posts/{guid}/report", f"/comments/{comment_guid}/report"):
        form = form_for(bob.get(url), "/report")
        form["reason"] = ""
        response = form.submit(status=400)
        assert "Say why" in response.text
        form["reason"] = "Spam"
        form.submit(status=303)
        assert "already reported" in form.submit(status=400).text
    with pod.session_factory() as session:
        reports = session.scalars(sa.select(Report).order_by(Report.id)).all()
        assert [(r.item_type, r.reason) for r in reports] == [("Post", "Spam"), ("Comment", "Spam")]


def test_delete_own_post_only_and_it_cascades(person, post_as, pod, count, form_for):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "going away", poll_question="Q?", poll_answers="a\nb")
    comment_on(bob, guid, "bye")
    form_for(bob.get(f"/posts/{guid}"), "/like").submit(status=303)
    token = bob.get(f"/posts/{guid}").forms["comment-form"]["csrf_token"].value
    bob.post(f"/posts/{guid}/delete", {"csrf_token": token}, status=403)
    assert count(pod, Post) == 1
    form_for(alice.get(f"/posts/{guid}"), "/delete").submit(status=303)
    assert count(pod, Post) == 0 and count(pod, Comment) == 0 and count(pod, Like) == 0
    assert count(pod, Notification) == 0
    alice.get(f"/posts/{guid}", status=404)


def test_opening_a_post_reads_its_notifications(person, post_as, pod):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "Tell me")
    comment_on(bob, guid, "Told you")
    other = post_as(alice, "Another")
    comment_on(bob, other, "And here")
    assert alice.get("/stream").html.find(attrs={"data-testid": "unread-notifications"}).text.strip() == "2"
    alice.get(f"/posts/{guid}")
    assert alice.get("/stream").html.find(attrs={"data-testid": "unread-notifications"}).text.strip() == "1"
    with pod.session_factory() as session:
        unread = session.scalars(sa.select(Notification.target_id).where(Notification.unread.is_(True))).all()
        assert unread == [session.scalar(sa.select(Post.id).where(Post.guid == other))]


def test_likes_by_blocked_people_are_left_out(person, post_as, pod, form_for):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    guid = post_as(alice, "like me")
    form_for(bob.get(f"/posts/{guid}"), f"/posts/{guid}/like").submit(status=303)
    assert alice.get(f"/posts/{guid}").html.find(attrs={"data-testid": "likers"}).find("a").text == "bob"
    block(pod, "carol", "bob")
    assert carol.get(f"/posts/{guid}").html.find(attrs={"data-testid": "likers"}) is None
