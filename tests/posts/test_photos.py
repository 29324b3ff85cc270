"""The photo pipeline through the upload form: formats, limits, metadata, sizes, clean-up."""
from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin
from webtest import Upload

from core.posts.jobs import clean_up_photos
from core.posts.models import Photo
from core.testing import sign_up

NOT_AN_IMAGE = "That file is not an image we can read (JPEG, PNG, GIF or WebP)"


def image_bytes(fmt: str = "JPEG", size=(1600, 1200), color="red", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()


def upload(app, data: bytes, alt: str = "", filename: str = "photo.jpg", json: bool = False, status="*"):
    page = app.get("/photos")
    form = next(f for f in page.forms.values() if f.action.endswith("/photos"))
    form["photo"] = Upload(filename, data)
    form["alt"] = alt
    return form.submit(status=status, headers={"Accept": "application/json"} if json else {})


def uploads(pod) -> Path:
    return Path(pod.data_dir) / "uploads" / "images"


def stored_files(pod) -> list[str]:
    folder = uploads(pod)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def all_photos(pod) -> list[Photo]:
    with pod.session_factory() as session:
        return list(session.scalars(sa.select(Photo).order_by(Photo.id)))


def stored(pod, name: str) -> Image.Image:
    image = Image.open(uploads(pod) / name)
    image.load()
    return image


@pytest.mark.parametrize("fmt, ext", [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")])
def test_each_format_is_accepted_and_kept(app, pod, fmt, ext):
    sign_up(app, "alice")
    # The name lies on purpose: the content decides.
    response = upload(app, image_bytes(fmt, (400, 300)), alt="A red square", filename="photo.txt", json=True)
    assert response.status_int == 200
    [photo] = all_photos(pod)
    assert response.json == {"guid": photo.guid, "url": f"http://pod.test/uploads/images/scaled_full_{photo.file_name}"}
    assert photo.file_name.endswith("." + ext) and photo.pending and not photo.public
    assert (photo.width, photo.height, photo.text) == (400, 300, "A red square")
    assert stored(pod, photo.file_name).format == fmt
    served = app.get(f"/uploads/images/thumb_small_{photo.file_name}")
    assert served.content_type == f"image/{'jpeg' if fmt == 'JPEG' else ext}"
    assert served.headers["Cache-Control"].startswith("private")


def test_a_non_image_is_refused_and_nothing_is_kept(app, pod):
    sign_up(app, "alice")
    response = upload(app, b"%PDF-1.4 definitely not a picture", filename="cat.jpg")
    assert response.status_int == 400
    assert NOT_AN_IMAGE in response.text
    assert all_photos(pod) == [] and stored_files(pod) == []
    response = upload(app, b"GIF89a truncated", json=True)
    assert response.status_int == 400 and response.json == {"error": NOT_AN_IMAGE}


def test_a_bmp_is_refused_even_though_pillow_reads_it(app, pod):
    sign_up(app, "alice")
    response = upload(app, image_bytes("BMP", (10, 10)), filename="x.png")
    assert response.status_int == 400 and NOT_AN_IMAGE in response.text
    assert all_photos(pod) == []


def test_a_huge_image_is_refused_from_its_header(app, pod):
    sign_up(app, "alice")
    bomb = image_bytes("PNG", (20000, 20000), color=0, mode="1")
    assert len(bomb) < 100_000  # tiny on the wire, 400 million pixels decoded
    started = time.monotonic()
    response = upload(app, bomb, filename="bomb.png")
    assert response.status_int == 400
    assert "That image is too large: at most 50 million pixels" in response.text
    assert time.monotonic() - started < 5
    assert all_photos(pod) == [] and stored_files(pod) == []


def test_the_pixel_limit_is_a_setting(make_app):
    app = make_app(photos__max_pixels="10000")
    sign_up(app, "alice")
    response = upload(app, image_bytes("PNG", (200, 100)))
    assert response.status_int == 400
    assert "at most 0.01 million pixels, this one has 200 x 100" in response.text
    assert upload(app, image_bytes("PNG", (100, 100))).status_int == 303


def test_the_byte_limit_refuses_bigger_files(make_app):
    app = make_app(photos__max_bytes="2000")
    sign_up(app, "alice")
    big = os.urandom(1500) + image_bytes("PNG", (10, 10))
    response = upload(app, image_bytes("JPEG", (300, 300), color=None, mode="RGB") + big)
    assert response.status_int == 400
    assert "That file is too large: photos are at most" in response.text
    assert all_photos(app.pod) == []
    assert upload(app, image_bytes("PNG", (10, 10))).status_int == 303


def test_alt_text_has_a_limit(app, pod):
    sign_up(app, "alice")
    response = upload(app, image_bytes("PNG", (10, 10)), alt="x" * 1001)
    assert response.status_int == 400 and "Alt text is at most 1000 characters long." in response.text
    assert all_photos(pod) == []


def test_exif_is_stripped_and_orientation_applied(app, pod):
    sign_up(app, "alice")
    source = Image.new("RGB", (200, 100), "blue")
    source.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    exif[0x010F] = "SpyCam"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    out = io.BytesIO()
    source.save(out, format="JPEG", exif=exif, quality=95)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)  # the source does carry GPS
    assert upload(app, out.getvalue()).status_int == 303
    [photo] = all_photos(pod)
    assert (photo.width, photo.height) == (100, 200)
    for name in [photo.file_name] + [f"{size}_{photo.file_name}" for size in ("thumb_large", "scaled_full")]:
        raw = (uploads(pod) / name).read_bytes()
        image = stored(pod, name)
        assert not image.getexif() and "exif" not in image.info
        assert b"Exif" not in raw and b"SpyCam" not in raw
    upright = stored(pod, photo.file_name).convert("RGB")
    assert upright.size == (100, 200)
    red, blue = upright.getpixel((50, 20)), upright.getpixel((50, 180))
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60


def test_png_text_and_icc_profile_are_dropped(app, pod):
    sign_up(app, "alice")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 1 Secret Lane")
    data = image_bytes("PNG", (50, 50), pnginfo=info, icc_profile=b"\0" * 128)
    assert upload(app, data).status_int == 303
    [photo] = all_photos(pod)
    raw = (uploads(pod) / photo.file_name).read_bytes()
    assert b"Secret Lane" not in raw and b"iCCP" not in raw


def test_every_size_is_stored_with_diaspora_dimensions(app, pod):
    sign_up(app, "alice")
    assert upload(app, image_bytes("JPEG", (1600, 1200))).status_int == 303
    [photo] = all_photos(pod)
    expected = {"": (1600, 1200), "thumb_small_": (50, 50), "thumb_medium_": (100, 75),
                "thumb_large_": (300, 225), "scaled_full_": (700, 525)}
    assert stored_files(pod) == sorted(prefix + photo.file_name for prefix in expected)
    for prefix, size in expected.items():
        assert stored(pod, prefix + photo.file_name).size == size
    name, ext = photo.file_name.split(".")
    assert len(name) == 32 and ext == "jpg"


def test_small_and_tall_images_are_never_upscaled(app, pod):
    sign_up(app, "alice")
    assert upload(app, image_bytes("PNG", (200, 100))).status_int == 303
    assert upload(app, image_bytes("PNG", (400, 3000))).status_int == 303
    small, tall = all_photos(pod)
    assert stored(pod, "scaled_full_" + small.file_name).size == (200, 100)
    assert stored(pod, "thumb_large_" + small.file_name).size == (200, 100)
    assert stored(pod, "thumb_large_" + tall.file_name).size == (200, 1500)
    assert stored(pod, "scaled_full_" + tall.file_name).size == (400, 3000)


def test_an_uploaded_photo_page_shows_the_alt_text(app, pod):
    sign_up(app, "alice")
    page = upload(app, image_bytes("PNG", (20, 20)), alt='A "cat" <asleep>').follow()
    [photo] = all_photos(pod)
    assert page.request.path == f"/photos/{photo.guid}"
    img = page.html.select_one('[data-testid="photo"] img')
    assert img["alt"] == 'A "cat" <asleep>'
    assert img["src"].endswith(f"/uploads/images/scaled_full_{photo.file_name}")


def test_upload_needs_a_file_and_a_sign_in(app, pod):
    assert app.get("/photos").status_int == 302
    sign_up(app, "alice")
    page = app.get("/photos")
    form = next(f for f in page.forms.values() if f.action.endswith("/photos"))
    response = form.submit(status="*")
    assert response.status_int == 400 and "Choose a photo to upload." in response.text


def test_deleting_a_photo_removes_its_files(app, new_browser, pod):
    sign_up(app, "alice")
    upload(app, image_bytes("PNG", (20, 20)))
    [photo] = all_photos(pod)
    bob = new_browser()
    sign_up(bob, "bob")
    page = app.get(f"/photos/{photo.guid}")
    form = next(f for f in page.forms.values() if f.action.endswith("/delete"))
    # Someone else's photo is not found, not forbidden.
    bob_page = bob.get("/stream")
    token = bob_page.html.select_one('input[name="csrf_token"]')["value"]
    assert bob.post(f"/photos/{photo.guid}/delete", {"csrf_token": token}, status="*").status_int == 404
    assert all_photos(pod) and len(stored_files(pod)) == 5
    assert form.submit().status_int == 303
    assert all_photos(pod) == [] and stored_files(pod) == []
    assert app.get(f"/photos/{photo.guid}", status="*").status_int == 404


def test_path_tricks_are_not_found(app, pod):
    sign_up(app, "alice")
    upload(app, image_bytes("PNG", (20, 20)))
    (Path(pod.data_dir) / "secret.txt").write_text("nope")
    for name in ["..%2Fsecret.txt", "..%2F..%2Fsecret.txt", "%2E%2E", "thumb_huge_" + all_photos(pod)[0].file_name,
                 all_photos(pod)[0].file_name.replace(".png", ".jpg")]:
        assert app.get(f"/uploads/images/{name}", status="*").status_int == 404


def age(pod, paths, days=2):
    then = time.time() - days * 86400
    for path in paths:
        os.utime(path, (then, then))


def test_the_clean_up_job_removes_stale_pending_photos_and_orphan_files(app, pod):
    sign_up(app, "alice")
    for _ in range(2):
        upload(app, image_bytes("PNG", (20, 20)))
    stale, fresh = all_photos(pod)
    with pod.session_factory() as session:
        session.execute(sa.update(Photo).where(Photo.id == stale.id).values(
            created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)))
        session.commit()
    folder = uploads(pod)
    old_orphans = ["ab" * 16 + ".jpg", "thumb_small_" + "ab" * 16 + ".jpg"]
    new_orphan, stranger = "cd" * 16 + ".png", "notes.txt"
    for name in old_orphans + [new_orphan, stranger]:
        (folder / name).write_bytes(b"x")
    age(pod, [folder / name for name in old_orphans + [stranger]])
    age(pod, folder.glob(f"*{fresh.file_name}"))  # old files of a live photo stay

    pod.jobs.actor(clean_up_photos).fn()

    assert [p.id for p in all_photos(pod)] == [fresh.id]
    left = stored_files(pod)
    assert not any(stale.file_name in name for name in left)
    assert sum(fresh.file_name in name for name in left) == 5
    assert new_orphan in left and stranger in left
    assert not set(old_orphans) & set(left)
