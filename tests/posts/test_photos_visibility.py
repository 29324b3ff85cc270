"""Who may see a photo: its files, its page and the person's photo list follow the post rule."""
from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from PIL import Image
from webtest import Upload

from core.accounts.keys import new_guid
from core.accounts.models import User
from core.aspects.models import Block
from core.posts.models import Photo, Post, ShareVisibility
from core.posts.photos import PhotoService
from core.testing import sign_up


def upload(app, alt: str = "") -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="PNG")
    page = app.get("/photos")
    form = next(f for f in page.forms.values() if f.action.endswith("/photos"))
    form["photo"], form["alt"] = Upload("p.png", out.getvalue()), alt
    assert form.submit().status_int == 303


def newest_photo(pod) -> Photo:
    with pod.session_factory() as session:
        return session.scalars(sa.select(Photo).order_by(Photo.id.desc())).first()


def user_id(session, username: str) -> int:
    return session.scalar(sa.select(User.id).where(User.username == username))


def post_photo(pod, photo: Photo, public: bool, recipients=()) -> str:
    """Attach ``photo`` to a new post of its author, given to ``recipients`` (usernames)."""
    with pod.session_factory() as session:
        post = Post(guid=new_guid(), author_id=photo.author_id, public=public, text="look")
        session.add(post)
        session.flush()
        for name in recipients:
            session.add(ShareVisibility(post_id=post.id, user_id=user_id(session, name)))
        PhotoService(session, pod).attach([session.get(Photo, photo.id)], post)
        session.commit()
        return post.guid


def browsers(app, new_browser):
    sign_up(app, "alice")
    bob, eve, visitor = new_browser(), new_browser(), new_browser()
    sign_up(bob, "bob")
    sign_up(eve, "eve")
    return bob, eve, visitor


def status(browser, url: str) -> int:
    return browser.get(url, status="*").status_int


def test_a_pending_photo_is_its_authors_alone(app, new_browser, pod):
    bob, eve, visitor = browsers(app, new_browser)
    upload(app, "mine")
    photo = newest_photo(pod)
    for url in [f"/uploads/images/{photo.file_name}", f"/uploads/images/thumb_medium_{photo.file_name}",
                f"/photos/{photo.guid}"]:
        assert status(app, url) == 200
        assert status(bob, url) == status(visitor, url) == 404


def test_a_limited_posts_photo_is_seen_by_its_recipients_only(app, new_browser, pod):
    bob, eve, visitor = browsers(app, new_browser)
    upload(app, "for bob")
    photo = newest_photo(pod)
    post_photo(pod, photo, public=False, recipients=["bob"])
    attached = newest_photo(pod)
    assert not attached.pending and not attached.public and attached.post_id
    url = f"/uploads/images/scaled_full_{photo.file_name}"
    served = bob.get(url)
    assert served.content_type == "image/png"
    assert served.headers["Cache-Control"].startswith("private")
    assert status(bob, f"/photos/{photo.guid}") == 200
    assert status(eve, url) == status(visitor, url) == 404
    assert status(eve, f"/photos/{photo.guid}") == 404


def test_a_public_posts_photo_is_cached_publicly_but_not_for_blockers(app, new_browser, pod):
    bob, eve, visitor = browsers(app, new_browser)
    upload(app)
    photo = newest_photo(pod)
    post_photo(pod, photo, public=True)
    served = visitor.get(f"/uploads/images/{photo.file_name}")
    assert served.headers["Cache-Control"].startswith("public")
    with pod.session_factory() as session:
        session.add(Block(user_id=user_id(session, "eve"), person_id=photo.author_id))
        session.commit()
    assert status(eve, f"/uploads/images/{photo.file_name}") == 404
    assert status(bob, f"/uploads/images/{photo.file_name}") == 200


def photos_on_page(page) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in page.html.select('[data-testid="person-photo"] a')]


def test_person_photos_lists_what_the_viewer_may_see_newest_first(app, new_browser, pod):
    bob, eve, visitor = browsers(app, new_browser)
    for alt in ("public", "limited", "pending"):
        upload(app, alt)
    public, limited, pending = (p for p in sorted(all_of(pod), key=lambda p: p.id))
    post_photo(pod, public, public=True)
    post_photo(pod, limited, public=False, recipients=["bob"])
    url = f"/people/{public.author.guid}/photos"
    assert photos_on_page(app.get(url)) == [pending.guid, limited.guid, public.guid]
    assert photos_on_page(bob.get(url)) == [limited.guid, public.guid]
    assert photos_on_page(eve.get(url)) == [public.guid]
    assert photos_on_page(visitor.get(url)) == [public.guid]
    img = visitor.get(url).html.select_one('[data-testid="person-photo"] img')
    assert img["alt"] == "public" and "/thumb_medium_" in img["src"]
    assert status(visitor, "/people/nobody/photos") == 404


def all_of(pod) -> list[Photo]:
    with pod.session_factory() as session:
        return list(session.scalars(sa.select(Photo)))


def test_person_photos_pages_with_an_older_link(app, new_browser, pod):
    bob, eve, visitor = browsers(app, new_browser)
    upload(app)
    first = newest_photo(pod)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with pod.session_factory() as session:
        post = Post(guid=new_guid(), author_id=first.author_id, public=True, text="album")
        session.add(post)
        session.flush()
        # Equal timestamps in pairs: the id breaks the tie, so nothing is skipped or repeated.
        for n in range(29):
            session.add(Photo(guid=f"photo{n:02d}" + "0" * 25, author_id=first.author_id, post_id=post.id,
                              pending=False, public=True, file_name=f"{n:02d}" + "a" * 30 + ".png",
                              created_at=start + dt.timedelta(minutes=n // 2)))
        session.commit()
        guids = [p.guid for p in session.scalars(sa.select(Photo).where(Photo.post_id == post.id)
                                                 .order_by(Photo.created_at.desc(), Photo.id.desc()))]
    url = f"/people/{first.author.guid}/photos"
    page = visitor.get(url)
    assert photos_on_page(page) == guids[:24]
    older = page.html.select_one('[data-testid="older"]')["href"]
    second = visitor.get(older)
    assert photos_on_page(second) == guids[24:]
    assert second.html.select_one('[data-testid="older"]') is None
    assert status(visitor, url + "?max=garbage") == 400
