"""Tumblr posts of every type, each in the legacy format and in the Neue Post Format, shaped
as the API v2 returns them; and what the status message made of each must contain."""
from __future__ import annotations

from dataclasses import dataclass, field

BLOG = "gardenfan"
BASE_TIME = 1680350400  # 2023-04-01 12:00:00 UTC
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@dataclass
class Sample:
    kind: str
    legacy: dict
    npf: dict
    # Every string must appear in the post's text.
    expected: list[str]
    # The photo URLs (not alt texts) the post must carry, in order.
    photo_urls: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _common(number: int, kind: str, tags: list[str]) -> dict:
    post_id = 7000000000000000000 + number
    return {
        "blog_name": BLOG,
        "id": post_id,
        "id_string": str(post_id),
        "post_url": f"https://{BLOG}.tumblr.com/post/{post_id}/a-post",
        "slug": "a-post",
        "type": kind,
        "date": "2023-04-01 12:00:00 GMT",
        "timestamp": BASE_TIME + number * 3600,
        "state": "published",
        "format": "html",
        "reblog_key": "k3yk3y",
        "tags": tags,
        "short_url": f"https://tmblr.co/Z{number}",
        "summary": "",
        "note_count": number,
    }


def _legacy(number: int, kind: str, tags: list[str], **fields) -> dict:
    return {**_common(number, kind, tags), **fields}


def _npf(number: int, original_type: str, tags: list[str], content: list, layout=None, trail=None, **extra) -> dict:
    post = _common(number, "blocks", tags)
    post.update({"object_type": "post", "original_type": original_type, "content": content,
                 "layout": layout or [], "trail": trail or [], "is_blocks_post_format": True}, **extra)
    post.pop("format")
    return post


def _photo(media: str, name: str, caption: str = "") -> dict:
    return {
        "caption": caption,
        "original_size": {"url": f"{media}/{name}_1280.png", "width": 1280, "height": 960},
        "alt_sizes": [{"url": f"{media}/{name}_1280.png", "width": 1280, "height": 960},
                      {"url": f"{media}/{name}_400.png", "width": 400, "height": 300}],
    }


def _image_block(media: str, name: str, alt: str = "") -> dict:
    return {"type": "image", "alt_text": alt, "media": [
        {"url": f"{media}/{name}_400.png", "type": "image/png", "width": 400, "height": 300},
        {"url": f"{media}/{name}_1280.png", "type": "image/png", "width": 1280, "height": 960,
         "has_original_dimensions": True},
    ]}


def samples(media: str) -> list[Sample]:
    """``media`` is the base URL the fake server serves photos from."""
    return [
        Sample(
            "text",
            _legacy(1, "text", ["gardening", "spring"], title="Tomatoes in April",
                    body='<p>Sowed <b>six</b> kinds. See <a href="https://seeds.example/list">the list</a>.</p>'),
            _npf(1, "regular", ["gardening", "spring"], [
                {"type": "text", "subtype": "heading1", "text": "Tomatoes in April"},
                {"type": "text", "text": "Sowed six kinds. See the list.",
                 "formatting": [{"start": 6, "end": 9, "type": "bold"},
                                {"start": 21, "end": 29, "type": "link", "url": "https://seeds.example/list"}]},
            ]),
            ["Tomatoes in April", "Sowed **six** kinds", "[the list](https://seeds.example/list)"],
            tags=["gardening", "spring"],
        ),
        Sample(
            "photo",
            _legacy(2, "photo", ["photos"], caption="<p>The greenhouse at dawn</p>",
                    photos=[_photo(media, "greenhouse", "Glass and fog"), _photo(media, "seedlings")]),
            _npf(2, "photo", ["photos"], [
                _image_block(media, "greenhouse", "Glass and fog"),
                _image_block(media, "seedlings"),
                {"type": "text", "text": "The greenhouse at dawn"},
            ]),
            ["The greenhouse at dawn"],
            photo_urls=[f"{media}/greenhouse_1280.png", f"{media}/seedlings_1280.png"],
            tags=["photos"],
        ),
        Sample(
            "quote",
            _legacy(3, "quote", [], text="To plant a garden is to believe in tomorrow.",
                    source='<a href="https://quotes.example/hepburn">Audrey Hepburn</a>'),
            _npf(3, "quote", [], [
                {"type": "text", "subtype": "quote", "text": "To plant a garden is to believe in tomorrow."},
                {"type": "text", "text": "— Audrey Hepburn",
                 "formatting": [{"start": 2, "end": 16, "type": "link", "url": "https://quotes.example/hepburn"}]},
            ]),
            ["> To plant a garden is to believe in tomorrow.", "[Audrey Hepburn](https://quotes.example/hepburn)"],
        ),
        Sample(
            "link",
            _legacy(4, "link", ["tools"], title="The best trowels of 2023", url="https://tools.example/trowels",
                    description="<p>Worth reading before you buy.</p>"),
            _npf(4, "link", ["tools"], [
                {"type": "link", "url": "https://tools.example/trowels", "title": "The best trowels of 2023",
                 "description": "Six trowels compared.", "site_name": "tools.example"},
                {"type": "text", "text": "Worth reading before you buy."},
            ]),
            ["[The best trowels of 2023](https://tools.example/trowels)", "Worth reading before you buy."],
            tags=["tools"],
        ),
        Sample(
            "chat",
            _legacy(5, "chat", [], title="At the allotment", body="Ann: Rain again.\nBen: Good for the beans.",
                    dialogue=[{"name": "Ann", "label": "Ann:", "phrase": "Rain again."},
                              {"name": "Ben", "label": "Ben:", "phrase": "Good for the beans."}]),
            _npf(5, "chat", [], [
                {"type": "text", "subtype": "heading1", "text": "At the allotment"},
                {"type": "text", "subtype": "chat", "text": "Ann: Rain again.",
                 "formatting": [{"start": 0, "end": 4, "type": "bold"}]},
                {"type": "text", "subtype": "chat", "text": "Ben: Good for the beans.",
                 "formatting": [{"start": 0, "end": 4, "type": "bold"}]},
            ]),
            ["At the allotment", "**Ann:** Rain again.", "**Ben:** Good for the beans."],
        ),
        Sample(
            "audio",
            _legacy(6, "audio", ["music"], caption="<p>Music to weed by</p>", artist="The Weeders",
                    track_name="Dig", audio_source_url="https://music.example/dig",
                    audio_url="https://a.tumblr.example/dig.mp3", player="<embed src='x'>"),
            _npf(6, "audio", ["music"], [
                {"type": "audio", "provider": "music.example", "url": "https://music.example/dig",
                 "title": "Dig", "artist": "The Weeders"},
                {"type": "text", "text": "Music to weed by"},
            ]),
            ["[The Weeders – Dig](https://music.example/dig)", "Music to weed by"],
            tags=["music"],
        ),
        Sample(
            "video",
            _legacy(7, "video", [], caption="<p>How to prune</p>", video_type="youtube",
                    permalink_url=YOUTUBE, player=[{"width": 250, "embed_code": "<iframe src='x'></iframe>"}]),
            _npf(7, "video", [], [
                {"type": "video", "provider": "youtube", "url": YOUTUBE,
                 "embed_html": "<iframe src='https://www.youtube.com/embed/dQw4w9WgXcQ'></iframe>"},
                {"type": "text", "text": "How to prune"},
            ]),
            [YOUTUBE, "How to prune"],
        ),
        Sample(
            "answer",
            _legacy(8, "answer", ["asks"], asking_name="curiousbee", asking_url="https://curiousbee.tumblr.com/",
                    question="When do you plant garlic?", answer="<p>In October, before the frost.</p>"),
            _npf(8, "note", ["asks"], [
                {"type": "text", "text": "When do you plant garlic?"},
                {"type": "text", "text": "In October, before the frost."},
            ], layout=[{"type": "ask", "blocks": [0], "attribution": {
                "type": "blog", "blog": {"name": "curiousbee", "url": "https://curiousbee.tumblr.com/"}}}]),
            ["[curiousbee](https://curiousbee.tumblr.com/) asked:** When do you plant garlic?",
             "In October, before the frost."],
            tags=["asks"],
        ),
    ]


def reblog_legacy(media: str) -> dict:
    return _legacy(9, "text", ["reblog"], reblogged_from_name="plantlady",
                   reblogged_from_url="https://plantlady.tumblr.com/post/42",
                   body='<p><a class="tumblr_blog" href="https://plantlady.tumblr.com/post/42">plantlady</a>:</p>'
                        '<blockquote><p>Compost is alive.</p></blockquote><p>So true.</p>')


def reblog_npf(media: str) -> dict:
    return _npf(9, "regular", ["reblog"], [{"type": "text", "text": "So true."}], trail=[
        {"post": {"id": "42"}, "blog": {"name": "plantlady"}, "content": [{"type": "text", "text": "Compost is alive."}],
         "layout": []},
    ], reblogged_from_name="plantlady", reblogged_from_url="https://plantlady.tumblr.com/post/42")


HOSTILE_BODY = (
    '<p>Hello<script>alert("x")</script> <img src="javascript:alert(1)" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click</a> <a href="https://ok.example/" onclick="x()">fine</a></p>'
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>'
    '<p>[fake](javascript:alert(4)) @{Someone; someone@pod.example} *loud*</p>'
    '<svg><script>alert(5)</script></svg><object data="x.swf"></object>'
    + "<div>" * 500 + "deep" + "</div>" * 500
)
