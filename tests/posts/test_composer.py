import sqlalchemy as sa
from webtest import Upload

from core.posts.models import AspectVisibility, Participation, Photo, Poll, PollAnswer, Post, ShareVisibility


def test_public_post_is_shared_and_shown(person, pod, compose, new_browser):
    alice = person("alice")
    response = compose(alice, "Hello **world**", visibility="public")
    assert response.status_int == 303
    assert response.location.endswith("/stream")
    with pod.session_factory() as session:
        post = session.scalar(sa.select(Post))
        assert post.public and post.text == "Hello **world**"
        assert session.scalar(sa.select(sa.func.count()).select_from(ShareVisibility)) == 0
        assert session.scalar(sa.select(Participation.person_id).where(Participation.post_id == post.id)) \
            == post.author_id
        guid = post.guid
    page = alice.get(f"/posts/{guid}")
    assert "<strong>world</strong>" in page.text
    assert "Public" in page.text
    assert "<strong>world</strong>" in new_browser().get(f"/posts/{guid}").text  # visitors too


def test_came_from_brings_the_author_back(person):
    alice = person("alice")
    form = alice.get("/status_messages").forms["composer-form"]
    form["text"] = "back please"
    form["visibility"] = "public"
    form["came_from"] = "/tags/cats"
    assert form.submit().location.endswith("/tags/cats")
    form["came_from"] = "https://evil.example/"
    assert form.submit().location.endswith("/stream")


def test_empty_post_is_refused(person, pod, compose, count):
    alice = person("alice")
    response = compose(alice, "   ")
    assert response.status_int == 400
    assert "Write something or add a photo" in response.text
    assert count(pod, Post) == 0


def test_too_long_post_is_refused_and_kept_in_the_form(person, pod, compose, count):
    alice = person("alice")
    response = compose(alice, "x" * 100_000)
    assert response.status_int == 400
    assert "at most 65,535 characters" in response.text
    assert count(pod, Post) == 0
    assert compose(alice, "x" * 65_535).status_int == 303


def test_post_length_limit_is_a_setting(make_app, pod, compose):
    app = make_app(posts__max_length=100)
    from core.testing import sign_up

    sign_up(app, "alice")
    response = compose(app, "y" * 101)
    assert response.status_int == 400
    assert "at most 100 characters" in response.text
    assert "y" * 101 in response.text  # the text stays in the composer
    assert compose(app, "y" * 100).status_int == 303


def test_limited_post_goes_to_aspect_members_only(person, share, pod, post_as, new_browser):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    friends = share("alice", "bob", "Friends")
    guid = post_as(alice, "Just for friends", visibility="aspects", aspect_ids=[friends])
    assert "Just for friends" in bob.get(f"/posts/{guid}").text
    carol.get(f"/posts/{guid}", status=404)
    dave = person("dave")
    share("alice", "dave", "Friends")  # joins after the post: never sees it
    dave.get(f"/posts/{guid}", status=404)
    alice.get(f"/posts/{guid}")
    with pod.session_factory() as session:
        assert session.scalar(sa.select(AspectVisibility.aspect_id)) == friends
        assert session.scalar(sa.select(sa.func.count()).select_from(ShareVisibility)) == 1
    new_browser().get(f"/posts/{guid}", status=404)  # nor any visitor


def test_all_aspects_covers_every_aspect(person, share, post_as):
    alice, bob, carol, dave = person("alice"), person("bob"), person("carol"), person("dave")
    share("alice", "bob", "Family")
    share("alice", "carol", "Work")
    guid = post_as(alice, "To all my people", visibility="all_aspects")
    bob.get(f"/posts/{guid}")
    carol.get(f"/posts/{guid}")
    dave.get(f"/posts/{guid}", status=404)


def test_someone_elses_aspect_is_refused(person, aspect_id, pod, count):
    alice = person("alice")
    person("bob")
    form = alice.get("/status_messages").forms["composer-form"]
    response = alice.post("/status_messages", {
        "csrf_token": form["csrf_token"].value, "text": "sneaky", "visibility": "aspects",
        "aspect_ids": str(aspect_id("bob"))}, status=400)
    assert "not yours" in response.text
    assert count(pod, Post) == 0


def test_limited_post_needs_an_aspect(person, pod, compose, count):
    alice = person("alice")
    response = compose(alice, "nobody", visibility="aspects")
    assert response.status_int == 400
    assert "Choose at least one aspect" in response.text
    assert count(pod, Post) == 0


def test_poll_and_location(person, pod, post_as):
    alice = person("alice")
    guid = post_as(alice, "Lunch?", poll_question="Where?", poll_answers="Pizza\n\nSushi\n",
                   location="Berlin, Germany")
    with pod.session_factory() as session:
        poll = session.scalar(sa.select(Poll))
        assert poll.question == "Where?" and poll.guid
        assert [a.answer for a in poll.answers] == ["Pizza", "Sushi"]
        assert all(a.guid for a in poll.answers)
        assert session.scalar(sa.select(Post.location_address)) == "Berlin, Germany"
    page = alice.get(f"/posts/{guid}")
    assert "Where?" in page.text and "Berlin, Germany" in page.text


def test_bad_polls_are_refused(person, pod, compose, count):
    alice = person("alice")
    for question, answers, message in [
            ("Where?", "Only one", "at least two answers"),
            ("", "a\nb", "Write the poll's question"),
            ("q" * 256, "a\nb", "question is at most 255"),
            ("Where?", "a\n" + "b" * 256, "answer is at most 255")]:
        response = compose(alice, "poll", poll_question=question, poll_answers=answers)
        assert response.status_int == 400, question
        assert message in response.text, question
    assert count(pod, Post) == 0
    assert count(pod, PollAnswer) == 0


def test_too_long_location_is_refused(person, pod, compose, count):
    alice = person("alice")
    response = compose(alice, "here", location="l" * 256)
    assert response.status_int == 400
    assert count(pod, Post) == 0


def png_bytes():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_photo_only_post_with_alt_text(person, pod, post_as):
    alice = person("alice")
    guid = post_as(alice, "", photos=[(Upload("red.png", png_bytes(), "image/png"), "A red square")])
    with pod.session_factory() as session:
        photo = session.scalar(sa.select(Photo))
        post = session.scalar(sa.select(Post))
        assert photo.post_id == post.id and not photo.pending and photo.public
        assert photo.text == "A red square"
    page = alice.get(f"/posts/{guid}")
    assert 'alt="A red square"' in page.text
    assert "thumb_large_" in page.text


def test_a_bad_photo_stores_no_post(person, pod, compose, count):
    alice = person("alice")
    response = compose(alice, "look", photos=[(Upload("x.png", b"not an image", "image/png"), "")])
    assert response.status_int == 400
    assert "not an image" in response.text
    assert count(pod, Post) == 0
    assert count(pod, Photo) == 0
