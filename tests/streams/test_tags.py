"""Tag pages for visitors and users, following and unfollowing tags, the followed-tags stream."""
from __future__ import annotations

import sqlalchemy as sa

from .conftest import form_to, person_id, post, shown, user_id

from core.posts.models import Tag, TagFollowing
from core.testing import sign_up


def followed(pod, username: str) -> list[str]:
    with pod.session_factory() as db:
        return list(db.scalars(sa.select(Tag.name).join(TagFollowing, TagFollowing.tag_id == Tag.id)
                               .where(TagFollowing.user_id == user_id(pod, username)).order_by(Tag.name)))


def tag_count(pod) -> int:
    with pod.session_factory() as db:
        return db.scalar(sa.select(sa.func.count()).select_from(Tag))


def test_visitors_read_the_public_posts_of_a_tag(app, new_browser):
    bob_browser = new_browser()
    sign_up(bob_browser, "bob")
    sign_up(new_browser(), "carol")
    pod = app.pod
    bob = person_id(pod, "bob")
    public = post(pod, bob, "#cats are great", public=True, tags=("cats",))
    limited = post(pod, bob, "#cats for carol", given_to=("carol",), tags=("cats",))
    other = post(pod, bob, "#dogs", public=True, tags=("dogs",))
    page = app.get("/tags/cats")
    assert page.html.select_one("h1").text == "#cats"
    assert shown(page) == [public]
    assert page.html.select_one("[data-testid=follow]") is None  # nothing to follow without an account
    assert page.html.select_one("[data-testid=composer]") is None
    carol = new_browser()
    sign_up(carol, "carol2")
    assert shown(carol.get("/tags/cats")) == [public]  # not given to this Carol
    assert other not in shown(app.get("/tags/cats"))
    assert limited in shown(bob_browser.get("/tags/cats"))  # the author's own


def test_signed_in_users_also_see_the_limited_posts_given_to_them(app, new_browser):
    sign_up(app, "alice")
    sign_up(new_browser(), "bob")
    pod = app.pod
    bob = person_id(pod, "bob")
    limited = post(pod, bob, "#cats for alice", given_to=("alice",), tags=("cats",))
    public = post(pod, bob, "#cats for all", public=True, tags=("cats",))
    page = app.get("/tags/Cats")  # tags are lower-case
    assert shown(page) == [public, limited]
    assert page.html.select_one("#composer-text").text == "#cats "


def test_following_and_unfollowing_a_tag(app, new_browser):
    sign_up(app, "alice")
    sign_up(new_browser(), "bob")
    pod = app.pod
    tagged = post(pod, person_id(pod, "bob"), "#knitting tips", public=True, tags=("knitting",))
    assert shown(app.get("/followed_tags")) == []
    page = app.get("/tags/knitting")
    followed_page = form_to(page, "/tags/knitting/follow").submit().follow()
    assert followed_page.request.path == "/tags/knitting"
    assert "You follow #knitting now." in followed_page.text
    assert followed_page.html.select_one("[data-testid=unfollow]") is not None
    assert followed(pod, "alice") == ["knitting"]
    assert shown(app.get("/followed_tags")) == [tagged]
    assert tagged in shown(app.get("/stream"))

    listing = app.get("/followed_tags")
    assert [li.a.text for li in listing.html.select("[data-testid=followed-tag]")] == ["#knitting"]
    back = form_to(listing, "/tags/knitting/unfollow").submit()
    assert back.location.endswith("/followed_tags")
    assert followed(pod, "alice") == []
    assert shown(app.get("/followed_tags")) == []
    assert tagged not in shown(app.get("/stream"))
    assert app.get("/tags/knitting").html.select_one("[data-testid=follow]") is not None


def test_following_a_new_tag_creates_it_once_in_lower_case(app):
    sign_up(app, "alice")
    page = app.get("/tags/NewThing")
    token = form_to(page, "/tags/newthing/follow")["csrf_token"].value
    app.post("/tags/NewThing/follow", {"csrf_token": token}, status=303)
    app.post("/tags/newthing/follow", {"csrf_token": token}, status=303)  # following twice is still once
    assert followed(app.pod, "alice") == ["newthing"]
    assert tag_count(app.pod) == 1


def test_bad_tag_names_are_a_400_and_change_nothing(app):
    sign_up(app, "alice")
    token = form_to(app.get("/tags/cats"), "/tags/cats/follow")["csrf_token"].value
    for name, message in (("bad%20name", "only contain letters"), ("a.b", "only contain letters"),
                          ("x" * 256, "at most 255")):
        page = app.get(f"/tags/{name}", status=400)
        assert message in page.html.select_one("[data-testid=stream-error]").text
        refused = app.post(f"/tags/{name}/follow", {"csrf_token": token}, status=400)
        assert message in refused.text
    assert tag_count(app.pod) == 0
    assert followed(app.pod, "alice") == []


def test_following_needs_an_account(app):
    page = app.get("/tags/cats")
    assert page.status_int == 200
    response = app.post("/tags/cats/follow", status="*")
    assert response.status_int in (302, 400, 403)
    assert tag_count(app.pod) == 0


def test_following_a_tag_by_name_from_the_followed_tags_page(app):
    sign_up(app, "alice")
    form = form_to(app.get("/followed_tags"), "/followed_tags")
    form["name"] = "#Gardening"
    page = form.submit().follow()
    assert "You follow #gardening now." in page.text
    assert [li.a.text for li in page.html.select("[data-testid=followed-tag]")] == ["#gardening"]

    form = form_to(page, "/followed_tags")
    form["name"] = "two words"
    refused = form.submit(status=400)
    assert "only contain letters" in refused.html.select_one("[data-testid=stream-error]").text
    assert refused.html.select_one("#follow-tag-name")["value"] == "two words"
    assert followed(app.pod, "alice") == ["gardening"]
