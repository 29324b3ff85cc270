"""Photos through the API: the caller's list, one photo, uploads and deletes (API_V1.md §6.11)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from core.accounts.models import Person
from core.events.models import Event
from core.posts.models import Photo
from core.posts.photos import uploads_dir
from tests.api.conftest import error, links
from tests.api.views.test_posts import aspect_with, image_bytes, make_post, upload_photo

FULL = "openid public:read public:modify private:read private:modify contacts:read"
PUBLIC_WRITE = "openid public:read public:modify"
READ = "openid public:read private:read contacts:read"
RANDOM_TOKEN = "00112233445566778899aabbccddeeff" * 2
NOT_FOUND = "Photo with provided guid could not be found"
FAILED = "Failed to create the photo"


def photo_row(api, guid: str) -> Photo | None:
    with api.session() as session:
        photo = session.scalar(sa.select(Photo).where(Photo.guid == guid))
        if photo is not None:
            session.expunge(photo)
        return photo


def photo_count(api) -> int:
    with api.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Photo))


def attached_photo(api, owner, public: bool = True, aspect_ids=None) -> tuple[str, str]:
    """(photo guid, post guid) of a photo posted in a status message."""
    guid = upload_photo(api, owner)
    post = make_post(api, owner, "Post with photos", aspect_ids=aspect_ids if not public else None,
                     photo_guids=[guid])
    return guid, post


def files_in_uploads(api) -> set[str]:
    return {path.name for path in uploads_dir(api.pod).iterdir()}


# --- GET /photos/:guid ----------------------------------------------------------------------------

def test_show_own_pending_photo(api):
    alice = api.user("alice")
    guid = upload_photo(api, alice, size=(40, 30))
    shown = api.get(f"/photos/{guid}", alice.token(READ)).json
    row = photo_row(api, guid)
    assert shown["guid"] == guid and "post" not in shown
    assert shown["dimensions"] == {"height": 30, "width": 40}
    assert shown["created_at"].startswith(row.created_at.strftime("%Y-%m-%dT%H:%M:%S."))
    base = api.pod.url + "/uploads/images/"
    assert shown["sizes"] == {"small": f"{base}thumb_small_{row.file_name}",
                              "medium": f"{base}thumb_medium_{row.file_name}",
                              "large": f"{base}scaled_full_{row.file_name}", "raw": f"{base}{row.file_name}"}


def test_show_own_photo_attached_to_a_post(api):
    alice = api.user("alice")
    guid, post = attached_photo(api, alice)
    shown = api.get(f"/photos/{guid}", alice.token()).json
    assert shown["post"] == post and shown["guid"] == guid


def test_show_someone_elses_public_photo(api):
    alice, bob = api.users("alice", "bob")
    guid, post = attached_photo(api, alice)
    shown = api.get(f"/photos/{guid}", bob.token()).json
    assert shown["guid"] == guid and shown["post"] == post


def test_a_limited_photo_shared_with_the_caller_needs_private_read(api):
    alice, bob = api.users("alice", "bob")
    guid, post = attached_photo(api, alice, public=False, aspect_ids=[aspect_with(api, alice, "Circle", bob)])
    error(api.get(f"/photos/{guid}", bob.token()), 404, NOT_FOUND)
    assert api.get(f"/photos/{guid}", bob.token(READ)).json["post"] == post


def test_someone_elses_limited_or_pending_photo_is_not_found(api):
    alice, bob = api.users("alice", "bob")
    limited, _ = attached_photo(api, alice, public=False, aspect_ids=[aspect_with(api, alice, "Kin")])
    pending = upload_photo(api, alice)
    standalone = upload_photo(api, alice, pending=False)
    for guid in (limited, pending, standalone):
        error(api.get(f"/photos/{guid}", bob.token(READ)), 404, NOT_FOUND)
    # Without private:read even the owner reads only public photos.
    for guid in (limited, pending, standalone):
        error(api.get(f"/photos/{guid}", alice.token()), 404, NOT_FOUND)


@pytest.mark.parametrize("guid", ["999_999_999", "%00", "p" * 300])
def test_show_an_unknown_photo(api, guid):
    alice = api.user("alice")
    error(api.get(f"/photos/{guid}", alice.token(READ)), 404, NOT_FOUND)


def test_showing_needs_a_valid_token(api):
    alice = api.user("alice")
    guid = upload_photo(api, alice)
    response = api.get(f"/photos/{guid}", RANDOM_TOKEN)
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    error(api.get(f"/photos/{guid}"), 403, "Unauthorized user")


# --- GET /photos ------------------------------------------------------------------------------------

def test_list_own_photos(api):
    alice, bob = api.users("alice", "bob")
    pending = upload_photo(api, alice)
    public, post = attached_photo(api, alice)
    upload_photo(api, bob)
    attached_photo(api, bob)
    listed = api.get("/photos", alice.token(READ)).json
    # Newest first: the attached one was uploaded last.
    assert [p["guid"] for p in listed] == [public, pending]
    assert listed[0]["post"] == post and "post" not in listed[1]
    # Without private:read only what everyone may see.
    assert [p["guid"] for p in api.get("/photos", alice.token()).json] == [public]


def test_own_photos_page_by_time(api):
    alice = api.user("alice")
    guids = [upload_photo(api, alice) for _ in range(3)]
    first = api.get("/photos", alice.token(READ), params={"per_page": "2"})
    assert [p["guid"] for p in first.json] == [guids[2], guids[1]]
    assert set(links(first)) == {"next", "previous"}
    second = api.get(links(first)["next"], alice.token(READ))
    assert [p["guid"] for p in second.json] == [guids[0]]
    assert api.get(links(second)["next"], alice.token(READ)).json == []
    newer = api.get(links(second)["previous"], alice.token(READ))
    assert [p["guid"] for p in newer.json] == [guids[1], guids[2]]
    error(api.get("/photos", alice.token(READ), params={"before": "yesterday"}), 422,
          "before must be an ISO 8601 time, like 2024-01-31T12:00:00.000Z")
    error(api.get("/photos", alice.token(READ), params={"per_page": "1000"}), 422,
          "per_page must be a whole number from 1 to 100")


def test_listing_needs_a_valid_token(api):
    response = api.get("/photos", RANDOM_TOKEN)
    assert response.status_int == 401
    error(api.get("/photos"), 403, "Unauthorized user")


# --- POST /photos -----------------------------------------------------------------------------------

def upload(api, token, data: bytes | None = None, name: str = "button.png", **params):
    files = [("image", name, data if data is not None else image_bytes())]
    return api.post("/photos", token, params={k: str(v).lower() for k, v in params.items()}, upload_files=files)


def test_upload_a_photo(api):
    alice = api.user("alice")
    shown = upload(api, alice.token(FULL), image_bytes(64, 48)).json
    row = photo_row(api, shown["guid"])
    assert row.author_id == alice.person_id
    # Not pending unless asked, and never public by itself.
    assert row.pending is False and row.public is False and row.post_id is None
    assert shown["dimensions"] == {"height": 48, "width": 64} and "post" not in shown
    assert shown["sizes"]["raw"].endswith(row.file_name)
    assert row.file_name in files_in_uploads(api)
    assert api.get(f"/photos/{shown['guid']}", alice.token(READ)).json == shown


def test_upload_pending_or_not(api):
    alice = api.user("alice")
    token = alice.token(FULL)
    assert photo_row(api, upload(api, token, pending=False).json["guid"]).pending is False
    pending = upload(api, token, pending=True).json["guid"]
    assert photo_row(api, pending).pending is True
    # A pending upload is what a post takes.
    post = api.post("/posts", token, json_body={"body": "with it", "public": True, "photos": [pending]}).json
    assert api.get(f"/photos/{pending}", alice.token()).json["post"] == post["guid"]


def test_upload_a_jpeg_as_json_flags(api):
    alice = api.user("alice")
    response = api.post("/photos", alice.token(FULL), params={"pending": "1"},
                        upload_files=[("image", "me.jpg", image_bytes(30, 30, "JPEG"))])
    assert photo_row(api, response.json["guid"]).pending is True
    assert response.json["sizes"]["raw"].endswith(".jpg")


def test_upload_a_profile_photo(api):
    alice = api.user("alice")
    shown = upload(api, alice.token(FULL), set_profile_photo=True).json
    assert api.get("/user", alice.token("openid public:read profile")).json["avatar"]["small"] == \
        shown["sizes"]["small"]
    with api.session() as session:
        profile = session.get(Person, alice.person_id).profile
        assert profile.image_url_small == shown["sizes"]["small"]
        assert profile.image_url_medium == shown["sizes"]["medium"]
        assert session.scalars(sa.select(Event.name).where(Event.name == "profile_updated")).all()
    row = photo_row(api, shown["guid"])
    # An avatar is public, like every avatar.
    assert row.public is True and row.pending is False
    assert api.get(f"/photos/{shown['guid']}", api.user("bob").token()).json["guid"] == shown["guid"]


def test_aspect_ids_let_an_upload_skip_private_modify(api):
    alice = api.user("alice")
    error(upload(api, alice.token(PUBLIC_WRITE)), 422, FAILED)
    shown = upload(api, alice.token(PUBLIC_WRITE), aspect_ids="all").json
    # ...yet the photo stays the caller's own.
    assert photo_row(api, shown["guid"]).public is False


@pytest.mark.parametrize("data, name", [
    (b"# README\n\nThis is text, not a picture.\n", "README.md"),
    (b"# README\n\nThis is text, not a picture.\n", "button.png"),
    (image_bytes(40, 40)[:60], "broken.png"),
    (b"", "empty.png"),
    (b"GIF89a" + b"\x00" * 20, "fake.gif"),
])
def test_uploads_that_are_no_image_are_refused(api, data, name):
    alice = api.user("alice")
    before = (photo_count(api), files_in_uploads(api))
    error(upload(api, alice.token(FULL), data, name), 422, FAILED)
    assert (photo_count(api), files_in_uploads(api)) == before


def test_an_upload_needs_an_image(api):
    alice = api.user("alice")
    token = alice.token(FULL)
    error(api.post("/photos", token), 422, FAILED)
    error(api.post("/photos", token, params={"image": "not a file"}), 422, FAILED)
    error(api.post("/photos", token, json_body={"image": "aGVsbG8="}), 422, FAILED)
    error(upload(api, token, pending="maybe"), 422, FAILED)
    error(upload(api, token, set_profile_photo="perhaps"), 422, FAILED)
    assert photo_count(api) == 0


def test_an_oversized_upload_is_refused(make_app):
    from tests.api.conftest import Api

    app = make_app(photos__max_bytes=1000)
    api = Api(app, app.pod)
    alice = api.user("alice")
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 1000
    error(upload(api, alice.token(FULL), out.getvalue()), 422, FAILED)
    assert photo_count(api) == 0


def test_uploading_needs_public_modify(api):
    alice = api.user("alice")
    error(upload(api, alice.token(READ)), 403, "insufficient_scope")
    response = upload(api, RANDOM_TOKEN)
    assert response.status_int == 401 and response.json["error"] == "invalid_token"
    error(upload(api, None), 403, "Unauthorized user")
    assert photo_count(api) == 0


# --- DELETE /photos/:guid ---------------------------------------------------------------------------

def test_delete_own_photo(api):
    alice = api.user("alice")
    guid = upload_photo(api, alice)
    name = photo_row(api, guid).file_name
    assert api.delete(f"/photos/{guid}", alice.token(FULL), status=204).body == b""
    assert photo_row(api, guid) is None
    assert not {n for n in files_in_uploads(api) if n.endswith(name)}
    error(api.get(f"/photos/{guid}", alice.token(READ)), 404, NOT_FOUND)


def test_delete_own_public_photo_without_private_modify(api):
    alice = api.user("alice")
    guid, _ = attached_photo(api, alice)
    api.delete(f"/photos/{guid}", alice.token(PUBLIC_WRITE), status=204)
    assert photo_row(api, guid) is None


def test_deleting_a_limited_photo_needs_private_modify(api):
    alice = api.user("alice")
    pending = upload_photo(api, alice)
    limited, _ = attached_photo(api, alice, public=False, aspect_ids=[aspect_with(api, alice, "Kin")])
    for guid in (pending, limited):
        error(api.delete(f"/photos/{guid}", alice.token(PUBLIC_WRITE)), 404, NOT_FOUND)
        assert photo_row(api, guid) is not None


def test_delete_someone_elses_or_an_unknown_photo(api):
    alice, bob = api.users("alice", "bob")
    public, _ = attached_photo(api, bob)
    for guid in (public, "999_999_999", "%00", "d" * 300):
        error(api.delete(f"/photos/{guid}", alice.token(FULL)), 404, NOT_FOUND)
    assert photo_row(api, public) is not None


def test_deleting_needs_public_modify(api):
    alice = api.user("alice")
    guid = upload_photo(api, alice)
    error(api.delete(f"/photos/{guid}", alice.token(READ)), 403, "insufficient_scope")
    assert api.delete(f"/photos/{guid}", RANDOM_TOKEN).status_int == 401
    error(api.delete(f"/photos/{guid}"), 403, "Unauthorized user")
    assert photo_row(api, guid) is not None
