"""Crossposting public posts: the composer's box, the tweet, its photos and its deletion."""
import io

import sqlalchemy as sa
from PIL import Image
from webtest import Upload

from core.posts.models import Post
from core.testing import sign_up
from plugins.crosspost_twitter import services
from plugins.crosspost_twitter.text import weighted_length

from .conftest import compose, form_with_action, rows, settle


def latest_post(pod):
    with pod.session_factory() as session:
        return session.execute(sa.select(Post.id, Post.guid).order_by(Post.id.desc()).limit(1)).first()


def png(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_hook_composer_submitted(alice, fake_x):
    compose(alice, "Not for X", crosspost=False)
    assert rows(alice.pod) == []
    compose(alice, "Hello **X**, from my pod")
    post = latest_post(alice.pod)
    [row] = rows(alice.pod)
    assert (row.post_id, row.post_guid, row.state, row.attempts, row.tweet_id) == \
        (post.id, post.guid, "pending", 0, None)
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "sent" and row.attempts == 1 and row.last_error is None
    assert fake_x.tweets[row.tweet_id]["text"] == "Hello X, from my pod"
    [call] = fake_x.calls("POST", "/2/tweets")
    assert call.json == {"text": "Hello X, from my pod"}
    page = alice.get("/p/crosspost_twitter/")
    assert f"https://x.com/alice_on_x/status/{row.tweet_id}" in page.text


def test_the_box_is_offered_to_connected_users_only(x_app, fake_x, new_browser):
    sign_up(x_app, "alice")
    form = x_app.get("/status_messages").forms["composer-form"]
    assert "crosspost_twitter" not in form.fields
    from .conftest import connect

    connect(x_app, fake_x)
    page = x_app.get("/status_messages")
    assert "crosspost_twitter" in page.forms["composer-form"].fields
    assert "Also post to X (@alice_on_x)" in page.text
    assert "Only public posts are sent to X." in page.text  # the hint for browsers without the script
    assert "/p/crosspost_twitter/static/composer.js" in page.text
    assert x_app.get("/p/crosspost_twitter/static/composer.js").content_type.endswith("javascript")


def test_a_limited_post_is_never_crossposted_even_with_a_forged_field(alice, fake_x):
    compose(alice, "Only for my aspects", visibility="all_aspects", forge=True)
    settle(alice.pod)
    assert rows(alice.pod) == [] and fake_x.requests == []


def test_a_forged_field_from_a_user_without_an_account_does_nothing(x_app, fake_x):
    sign_up(x_app, "bob")
    compose(x_app, "I never connected", forge=True)
    settle(x_app.pod)
    assert rows(x_app.pod) == [] and fake_x.requests == []


def test_unconfigured_pod_ignores_a_forged_field(make_app, fake_x):
    app = make_app(plugins="crosspost_twitter")
    sign_up(app, "alice")
    compose(app, "Hello", forge=True)
    settle(app.pod)
    assert rows(app.pod) == []


def test_a_long_post_is_cut_on_a_word_and_links_back(alice, fake_x):
    text = " ".join(f"word{n}" for n in range(80))  # 469 characters
    compose(alice, text)
    settle(alice.pod)
    guid = latest_post(alice.pod).guid
    [tweet] = fake_x.tweets.values()
    assert tweet["text"].endswith(f"… http://pod.test/posts/{guid}")
    kept = tweet["text"].rsplit("… ", 1)[0]
    assert text.startswith(kept + " ") and weighted_length(tweet["text"]) <= 280
    assert weighted_length(kept) > 240  # nearly all the room is used


def test_photos_are_uploaded_then_attached(alice, fake_x):
    images = [png((200, 30, 30)), png((30, 200, 30))]
    compose(alice, "Two squares", photos=[Upload(f"{n}.png", data, "image/png") for n, data in enumerate(images)],
            alt_texts=["A red square", ""])
    settle(alice.pod)
    uploads = fake_x.calls("POST", "/upload-host/1.1/media/upload.json")
    assert len(uploads) == 2 and all(u.media.startswith(b"\x89PNG") for u in uploads)
    [tweet] = fake_x.tweets.values()
    assert tweet["text"] == "Two squares"
    assert tweet["media_ids"] == list(fake_x.media)
    assert fake_x.alt_texts == {tweet["media_ids"][0]: "A red square"}  # the second photo has none
    [call] = fake_x.calls("POST", "/2/tweets")
    assert call.json["media"] == {"media_ids": list(fake_x.media)}


def test_deleting_the_post_deletes_the_tweet(alice, fake_x):
    compose(alice, "Soon gone")
    settle(alice.pod)
    [row] = rows(alice.pod)
    guid = latest_post(alice.pod).guid
    form_with_action(alice.get(f"/posts/{guid}"), f"/posts/{guid}/delete").submit(status=303)
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "deleted" and row.post_deleted_at is not None
    assert [c.path for c in fake_x.calls("DELETE", "/2/tweets/")] == [f"/2/tweets/{row.tweet_id}"]
    assert fake_x.tweets == {}


def test_deleting_the_post_before_it_went_out_cancels_it(alice, fake_x):
    fake_x.fail_next("POST", "/2/tweets", 503, {"title": "Service Unavailable", "status": 503,
                                                 "detail": "Service Unavailable", "type": "about:blank"})
    compose(alice, "Never mind")
    settle(alice.pod)
    assert rows(alice.pod)[0].state == "pending"
    guid = latest_post(alice.pod).guid
    form_with_action(alice.get(f"/posts/{guid}"), f"/posts/{guid}/delete").submit(status=303)
    settle(alice.pod)
    [row] = rows(alice.pod)
    assert row.state == "cancelled"
    later = row.next_attempt_at + services.backoff(5)
    assert services.sweep(alice.pod, now=later) == ([], [])
    assert services.send(alice.pod, row.post_id, now=later) is None
    assert fake_x.tweets == {}


def test_deleting_a_tweet_x_already_lost_counts_as_deleted(alice, fake_x):
    compose(alice, "Gone on X already")
    settle(alice.pod)
    fake_x.tweets.clear()
    guid = latest_post(alice.pod).guid
    form_with_action(alice.get(f"/posts/{guid}"), f"/posts/{guid}/delete").submit(status=303)
    settle(alice.pod)
    assert rows(alice.pod)[0].state == "deleted"

