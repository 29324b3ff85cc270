"""Protections every request gets: NUL characters in submitted text are refused up front."""
from __future__ import annotations

import sqlalchemy as sa
from webtest import Upload

from core.accounts.models import Profile
from core.posts.models import Post
from core.testing import csrf


def post_count(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Post))


def test_a_post_with_a_nul_character_is_refused_and_nothing_is_written(member, pod):
    alice = member("alice")
    form = alice.get("/status_messages").forms["composer-form"]
    form["text"] = "hello\x00world"
    form["visibility"] = "public"
    answer = form.submit(status=422)
    assert "Text may not contain NUL characters" in answer.text
    assert post_count(pod) == 0
    form["text"] = "hello world"
    assert form.submit().status_int == 303
    assert post_count(pod) == 1


def test_nul_in_a_field_name_in_the_query_or_a_multipart_form_is_refused(member, pod):
    alice = member("alice")
    token = csrf(alice)
    assert alice.get("/search", params={"q": "a\x00b"}, status=422)
    alice.post("/profile/edit", params={"csrf_token": token, "first\x00name": "x"}, status=422)
    alice.post("/profile/edit", params={"csrf_token": token, "first_name": "Al\x00ice"},
               upload_files=[], content_type="multipart/form-data", status=422)
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Profile.first_name)) == ""


def test_binary_uploads_may_contain_nul_bytes(member, pod):
    alice = member("alice")
    form = alice.get("/status_messages").forms["composer-form"]
    form["text"] = "a file of zeros is judged as an image, not refused as text"
    form["visibility"] = "public"
    form.set("photo", Upload("zeros.png", b"\x00" * 64, "image/png"), index=0)
    answer = form.submit(status=400)
    assert "NUL" not in answer.text
