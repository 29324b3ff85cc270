from datetime import datetime, timezone

import pytest

from core.importers import ImportedPost, SkippedItem
from core.text import render_markdown
from plugins.tumblr_import.mapping import map_post
from plugins.tumblr_import.markup import escape_text, html_to_markdown

from .samples import BASE_TIME, HOSTILE_BODY, reblog_legacy, reblog_npf, samples

MEDIA = "https://64.media.tumblr.example/abc"
KINDS = [s.kind for s in samples(MEDIA)]


@pytest.mark.parametrize("post_format", ["legacy", "npf"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_post_type_maps_in_both_formats(kind, post_format):
    sample = next(s for s in samples(MEDIA) if s.kind == kind)
    post = getattr(sample, post_format)
    item = map_post(post)
    assert isinstance(item, ImportedPost)
    assert item.external_id == post["id_string"]
    for expected in sample.expected:
        assert expected in item.text
    assert [url for url, _alt in item.photo_urls] == sample.photo_urls
    assert item.tags == sample.tags
    assert item.created_at == datetime.fromtimestamp(post["timestamp"], tz=timezone.utc)
    assert item.created_at > datetime.fromtimestamp(BASE_TIME, tz=timezone.utc)


@pytest.mark.parametrize("post_format", ["legacy", "npf"])
def test_both_formats_of_a_post_say_the_same(post_format):
    photo = next(s for s in samples(MEDIA) if s.kind == "photo")
    item = map_post(getattr(photo, post_format))
    # The largest size of each photo, its caption as the alt text.
    assert item.photo_urls == [(f"{MEDIA}/greenhouse_1280.png", "Glass and fog"), (f"{MEDIA}/seedlings_1280.png", "")]


def test_titles_are_headings_and_answers_quote_the_question():
    text = next(s for s in samples(MEDIA) if s.kind == "text")
    assert map_post(text.legacy).text.startswith("## Tomatoes in April\n\n")
    answer = map_post(next(s for s in samples(MEDIA) if s.kind == "answer").legacy).text
    assert answer.startswith("> **[curiousbee](https://curiousbee.tumblr.com/) asked:** When do you plant garlic?")
    assert answer.endswith("\n\nIn October, before the frost.")


def test_a_youtube_video_stays_a_bare_link_for_the_embed():
    video = next(s for s in samples(MEDIA) if s.kind == "video")
    for post in (video.legacy, video.npf):
        first_line = map_post(post).text.split("\n")[0]
        assert first_line == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    vimeo = dict(video.legacy, permalink_url="https://vimeo.example/123")
    assert map_post(vimeo).text.startswith("[Watch the video](https://vimeo.example/123)")


@pytest.mark.parametrize("make", [reblog_legacy, reblog_npf], ids=["legacy", "npf"])
def test_reblogs_keep_the_reblogged_content_with_a_note(make):
    item = map_post(make(MEDIA))
    assert item.text.startswith("*Reblogged from [plantlady](https://plantlady.tumblr.com/post/42)*")
    assert "> Compost is alive." in item.text
    assert item.text.endswith("So true.")


def test_hostile_html_becomes_harmless_text():
    item = map_post({"id": 5, "type": "text", "timestamp": BASE_TIME, "body": HOSTILE_BODY})
    text = item.text
    for gone in ("alert", "<script", "<iframe", "evil.example", "display:none", "onclick", "onerror", "x.swf"):
        assert gone not in text.replace("javascript:alert(4)", "")
    assert "[fine](https://ok.example/)" in text
    assert "click" in text  # the text of a javascript: link stays, without its link
    # What looked like Markdown, a mention or emphasis in the text stays text once rendered.
    html = render_markdown(text)
    assert 'href="javascript' not in html and "<em>" not in html
    assert "@\\{Someone" in text
    assert item.photo_urls == []  # a javascript: image is no photo


def test_deeply_nested_html_keeps_its_text():
    converted = html_to_markdown("<p>a</p>" + "<div>" * 120 + "deep" + "</div>" * 120 + "<p>b</p>")
    assert converted.text == "a\n\ndeep\n\nb"


def test_inline_images_of_a_text_post_become_photos():
    body = '<p>Look:</p><figure><img src="https://64.media.tumblr.example/x.jpg" alt="a bee"></figure>'
    item = map_post({"id": 6, "type": "text", "timestamp": BASE_TIME, "body": body})
    assert item.photo_urls == [("https://64.media.tumblr.example/x.jpg", "a bee")]
    assert item.text == "Look:"


@pytest.mark.parametrize("post, reason", [
    ({"id": 10, "type": "poll", "timestamp": BASE_TIME}, "type 'poll' cannot be imported"),
    ({"id": 11, "type": "text", "timestamp": "yesterday", "body": "<p>x</p>"}, "no valid timestamp"),
    ({"id": 12, "type": "text", "timestamp": BASE_TIME, "body": "<script>x()</script>"}, "no text and no photo"),
    ({"id": 13, "type": "blocks", "timestamp": BASE_TIME, "content": [{"type": "poll", "question": "?"}]},
     "none of the post's blocks can be imported (poll)"),
    ({"id_string": "14", "type": "photo", "timestamp": BASE_TIME, "photos": [{"original_size": {"url": "ftp://x"}}]},
     "no text and no photo"),
])
def test_posts_that_cannot_be_mapped_are_skipped_with_a_reason(post, reason):
    item = map_post(post)
    assert isinstance(item, SkippedItem)
    assert item.external_id == str(post.get("id", post.get("id_string")))
    assert reason in item.reason


def test_a_post_without_an_id_gets_a_stable_one():
    first = map_post({"type": "poll"})
    assert isinstance(first, SkippedItem)
    assert first.external_id.startswith("no-id-") and first.external_id == map_post({"type": "poll"}).external_id
    assert isinstance(map_post(["not", "a", "post"]), SkippedItem)


def test_tags_lose_their_hash_and_junk():
    post = {"id": 20, "type": "text", "timestamp": BASE_TIME, "body": "<p>x</p>",
            "tags": ["#herbs", " basil ", "", None, 7, "two words"]}
    assert map_post(post).tags == ["herbs", "basil", "two words"]


def test_npf_mentions_and_overlapping_formatting():
    post = {"id": 30, "type": "blocks", "timestamp": BASE_TIME, "content": [
        {"type": "text", "text": "Thanks plantlady for the tip",
         "formatting": [{"start": 7, "end": 16, "type": "mention",
                         "blog": {"name": "plantlady", "url": "https://plantlady.tumblr.com/"}},
                        {"start": 0, "end": 20, "type": "bold"}]},
        {"type": "text", "subtype": "unordered-list-item", "text": "water *daily*"},
    ]}
    text = map_post(post).text
    # A bold run cut by a link is dropped rather than leaving stray asterisks.
    assert text == "Thanks [plantlady](https://plantlady.tumblr.com/) for the tip\n\n- water \\*daily\\*"


@pytest.mark.parametrize("text", ["> not a quote", "- not a list", "1. not a list", "12) nor this", "# not a heading",
                                  "*not em*", "_nor this_", "[not](a link)", "`not code`", "back\\slash"])
def test_text_that_looks_like_markdown_stays_text(text):
    html = render_markdown(escape_text(text))
    assert html == f"<p>{text.replace('>', '&gt;')}</p>\n"
