import zipfile
from datetime import datetime, timezone

import pytest

from core.importers import ImportedPost, ImportSource, SkippedItem, SourceError
from plugins.tumblr_import.export import parse_date, read_export

from .exports import POSTS_XML, json_export, post_page, tumblr_export, xml_export
from .fake_tumblr import png
from .samples import HOSTILE_BODY, samples


def read(path):
    totals = []
    items = list(read_export(ImportSource(pod=None, user_id=1, value=None, path=path, set_total=totals.append)))
    return items, totals


def by_id(items):
    return {item.external_id: item for item in items}


@pytest.mark.parametrize("nested", [True, False], ids=["posts.zip inside", "flat"])
def test_the_export_pages_become_posts_with_their_photos(tmp_path, nested):
    pages = {
        "700001": post_page("<h2>Tomatoes</h2><p>Sowed <b>six</b> kinds.</p>", tags=("gardening", "spring")),
        "700002": post_page('<figure><img src="../../media/700002.png" alt="The greenhouse"></figure>'
                            '<figure><img src="../../media/700002_1.png"></figure><p>At dawn</p>',
                            when="December 3rd, 2016 4:27pm"),
        "700003": post_page('<p>Linked photo</p><img src="https://64.media.tumblr.example/x_1280.jpg" alt="x">'),
    }
    media = {"700002.png": png(1), "700002_1.png": png(2), "999.png": png(3)}
    items, totals = read(tumblr_export(tmp_path / "export.zip", pages, media, nested=nested))
    assert totals == [3]
    posts = by_id(items)
    assert posts["700001"].text == "### Tomatoes\n\nSowed **six** kinds."
    assert posts["700001"].tags == ["gardening", "spring"]
    assert posts["700001"].created_at == datetime(2023, 4, 1, 14, 5, tzinfo=timezone.utc)
    photo = posts["700002"]
    assert photo.text == "At dawn"
    assert photo.photos == [(png(1), "The greenhouse"), (png(2), "")]
    assert photo.created_at == datetime(2016, 12, 3, 16, 27, tzinfo=timezone.utc)
    assert photo.photo_urls == []
    assert posts["700003"].photo_urls == [("https://64.media.tumblr.example/x_1280.jpg", "x")]


def test_hostile_pages_and_pages_without_content(tmp_path):
    pages = {"1": post_page(HOSTILE_BODY), "2": post_page("<script>alert(1)</script>"), "3": ""}
    items, _ = read(tumblr_export(tmp_path / "export.zip", pages, {}))
    posts = by_id(items)
    assert "alert" not in posts["1"].text.replace("javascript:alert(4)", "")
    assert "[fine](https://ok.example/)" in posts["1"].text
    assert isinstance(posts["2"], SkippedItem) and posts["2"].reason == "the post has no text and no photo"
    assert isinstance(posts["3"], SkippedItem) and "empty" in posts["3"].reason


def test_a_page_without_a_readable_date_keeps_the_file_date(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("posts/html/5.html", date_time=(2014, 2, 3, 4, 5, 6))
        archive.writestr(info, post_page("<p>Undated</p>", when="sometime"))
    (item,), _ = read(path)
    assert item.created_at == datetime(2014, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


def test_the_older_posts_xml(tmp_path):
    items, totals = read(xml_export(tmp_path / "old.zip", POSTS_XML, {"1002.jpg": png(0)}))
    assert totals == []  # counted as it is read
    posts = by_id(items)
    assert posts["1001"].text == "## First post\n\nHello from *2010*."
    assert posts["1001"].tags == ["old", "hello"]
    assert posts["1001"].created_at == datetime(2010, 5, 1, 10, 0, tzinfo=timezone.utc)
    # The photo is in the zip: its bytes, not the URL that may be gone from Tumblr.
    assert posts["1002"].photos == [(png(0), "")] and posts["1002"].photo_urls == []
    assert posts["1002"].text == "My cat"
    assert posts["1003"].text == "## Overheard\n\n**A:** Hi  \n**B:** Hello"
    assert posts["1004"].text.startswith("https://www.youtube.com/watch?v=abcdefghijk\n\nA talk")
    assert isinstance(posts["1005"], SkippedItem) and "timestamp" in posts["1005"].reason


@pytest.mark.parametrize("post_format", ["legacy", "npf"])
def test_json_posts_of_a_backup_in_either_format(tmp_path, post_format):
    posts = [getattr(s, post_format) for s in samples("https://64.media.tumblr.example/abc")]
    media = {"greenhouse_1280.png": png(1)}
    items, totals = read(json_export(tmp_path / "backup.zip", posts, media))
    assert totals == [8]
    assert all(isinstance(i, ImportedPost) for i in items)
    photo = by_id(items)[posts[1]["id_string"]]
    assert photo.photos == [(png(1), "Glass and fog")]
    assert photo.photo_urls == [("https://64.media.tumblr.example/abc/seedlings_1280.png", "")]


@pytest.mark.parametrize("content, message", [
    (b"this is not a zip", "This file is not a zip archive"),
    (b"", "This file is not a zip archive"),
    (None, "This zip holds no Tumblr posts"),
])
def test_junk_files_are_refused(tmp_path, content, message):
    path = tmp_path / "upload.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("holiday/photo.txt", "not a post")
            archive.writestr("media/1.png", png(0))
    else:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read(path)


def test_a_damaged_posts_zip_or_xml_is_refused(tmp_path):
    path = tmp_path / "broken.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("posts.zip", b"PK\x03\x04 broken")
    with pytest.raises(SourceError, match="not a zip archive"):
        read(path)
    with pytest.raises(SourceError, match="posts.xml of this export is not valid XML"):
        read(xml_export(tmp_path / "bad.zip", "<tumblr><posts><post"))
    entity = ('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              '<tumblr><posts><post id="1" type="regular" unix-timestamp="1"><regular-body>&x;</regular-body>'
              '</post></posts></tumblr>')
    items, _ = read(xml_export(tmp_path / "xxe.zip", entity))
    assert all("root:" not in getattr(i, "text", "") for i in items)
    with pytest.raises(SourceError, match="not a list of Tumblr posts"):
        read(xml_export(tmp_path / "other.zip", "<rss><channel/></rss>"))


@pytest.mark.parametrize("text, expected", [
    ("April 1st, 2023 2:05pm", datetime(2023, 4, 1, 14, 5)),
    ("  December 22nd,   2016 11:59 AM ", datetime(2016, 12, 22, 11, 59)),
    ("Mar 3rd, 2012", datetime(2012, 3, 3)),
    ("2019-07-04T08:30:00Z", datetime(2019, 7, 4, 8, 30, tzinfo=timezone.utc)),
    ("the day after tomorrow", None),
    ("February 30th, 2020 1:00pm", None),
])
def test_page_dates(text, expected):
    assert parse_date(text) == expected
