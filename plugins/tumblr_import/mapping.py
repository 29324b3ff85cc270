"""One Tumblr post, as the API or an export gives it, turned into a status message.

Tumblr speaks two formats: the legacy one (a ``type`` and fields per type: ``body``,
``photos``, ``dialogue``...) and the Neue Post Format (a list of ``content`` blocks, a
``layout`` and a reblog ``trail`` of earlier blocks). :func:`map_post` reads either.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from urllib.parse import urlsplit

from core.importers import ImportedPost, SkippedItem

from .markup import Converted, escape_text, html_to_markdown, link, plain_text, quote_block, web_url

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"}


class Unmappable(Exception):
    """The post can be read but not turned into a status message; the message says why."""


def external_id(post) -> str:
    """The post's Tumblr id, or a stable stand-in for a post that lacks one."""
    if isinstance(post, dict):
        for key in ("id_string", "id"):
            value = post.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
    digest = hashlib.sha256(json.dumps(post, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"no-id-{digest}"


def map_post(post) -> ImportedPost | SkippedItem:
    """An :class:`ImportedPost` for a Tumblr post, or a :class:`SkippedItem` saying why not."""
    ident = external_id(post)
    try:
        if not isinstance(post, dict):
            raise Unmappable("the post is not a JSON object")
        if isinstance(post.get("content"), list):
            body, photos = _npf(post)
        else:
            body, photos = _legacy(post)
        created_at = _timestamp(post)
    except Unmappable as exc:
        return SkippedItem(ident, str(exc))
    note = _reblog_note(post)
    text = "\n\n".join(part for part in (note, body) if part)
    if not text.strip() and not photos:
        return SkippedItem(ident, "the post has no text and no photo")
    return ImportedPost(external_id=ident, text=text, created_at=created_at, tags=_tags(post), photo_urls=photos)


def _timestamp(post: dict) -> datetime:
    value = post.get("timestamp")
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        raise Unmappable("the post has no valid timestamp") from None


def _tags(post: dict) -> list[str]:
    tags = post.get("tags")
    if not isinstance(tags, list):
        return []
    return [t.strip().lstrip("#") for t in tags if isinstance(t, str) and t.strip().lstrip("#")]


def _reblog_note(post: dict) -> str:
    name = post.get("reblogged_from_name")
    if not isinstance(name, str) or not name.strip():
        trail = post.get("trail") if isinstance(post.get("content"), list) else None
        blog = trail[-1].get("blog") if isinstance(trail, list) and trail and isinstance(trail[-1], dict) else None
        name = blog.get("name") if isinstance(blog, dict) else None
    if not isinstance(name, str) or not name.strip():
        return ""
    url = web_url(post.get("reblogged_from_url"))
    label = escape_text(name.strip())
    return f"*Reblogged from {link(name.strip(), url) if url else label}*"


def _title(value) -> str:
    title = plain_text(value) if isinstance(value, str) else ""
    return f"## {escape_text(title)}" if title else ""


def _html(value) -> Converted:
    return html_to_markdown(value if isinstance(value, str) else "")


def _joined(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p and p.strip())


def _media_link(url: str | None, label: str) -> str:
    """A link to audio or video: a YouTube address stays bare so an embed can pick it up."""
    if not url:
        return ""
    host = (urlsplit(url).hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        return url
    return link(label, url)


def _inline_photos(converted: Converted) -> list[tuple[str, str]]:
    return [(url, alt) for url, alt in ((web_url(src), alt) for src, alt in converted.images) if url]


# --- the legacy format ----------------------------------------------------------------

def _legacy(post: dict) -> tuple[str, list[tuple[str, str]]]:
    kind = post.get("type")
    reader = LEGACY.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise Unmappable(f"Tumblr posts of type {str(kind)[:40]!r} cannot be imported")
    return reader(post)


def _legacy_text(post):
    body = _html(post.get("body"))
    return _joined(_title(post.get("title")), body.text), _inline_photos(body)


def _largest(photo: dict) -> str | None:
    original = photo.get("original_size")
    if isinstance(original, dict) and web_url(original.get("url")):
        return web_url(original["url"])
    sizes = [s for s in photo.get("alt_sizes") or [] if isinstance(s, dict) and web_url(s.get("url"))]
    sizes.sort(key=lambda s: s.get("width") if isinstance(s.get("width"), int) else 0, reverse=True)
    return web_url(sizes[0]["url"]) if sizes else None


def _legacy_photo(post):
    caption = _html(post.get("caption"))
    photos = []
    for photo in post.get("photos") or []:
        url = _largest(photo) if isinstance(photo, dict) else None
        if url:
            photos.append((url, plain_text(photo.get("caption")) or plain_text(photo.get("alt_text"))))
    return caption.text, photos + _inline_photos(caption)


def _legacy_quote(post):
    quoted = _html(post.get("text"))
    source = _html(post.get("source"))
    parts = [quote_block(quoted.text) if quoted.text else ""]
    if source.text:
        parts.append("— " + source.text.replace("\n\n", " "))
    return _joined(*parts), _inline_photos(quoted) + _inline_photos(source)


def _legacy_link(post):
    url = web_url(post.get("url"))
    title = plain_text(post.get("title")) or url or ""
    description = _html(post.get("description"))
    excerpt = plain_text(post.get("excerpt"))
    head = f"## {link(title, url)}" if url else _title(post.get("title"))
    return _joined(head, quote_block(escape_text(excerpt)) if excerpt else "", description.text), \
        _inline_photos(description)


def _chat_line(name: str, phrase: str) -> str:
    name = name.strip().rstrip(":").strip()
    phrase = escape_text(phrase.strip())
    return f"**{escape_text(name)}:** {phrase}" if name else phrase


def _legacy_chat(post):
    lines = []
    for entry in post.get("dialogue") or []:
        if isinstance(entry, dict):
            name = entry.get("name") or entry.get("label") or ""
            phrase = entry.get("phrase") or ""
            if isinstance(name, str) and isinstance(phrase, str) and (name.strip() or phrase.strip()):
                lines.append(_chat_line(name, phrase))
    if not lines and isinstance(post.get("body"), str):
        lines = [escape_text(line.strip()) for line in post["body"].splitlines() if line.strip()]
    return _joined(_title(post.get("title")), "  \n".join(lines)), []


def _legacy_audio(post):
    caption = _html(post.get("caption"))
    url = next(filter(None, (web_url(post.get(k)) for k in ("audio_source_url", "audio_url", "post_url"))), None)
    artist, track = plain_text(post.get("artist")), plain_text(post.get("track_name"))
    label = " – ".join(p for p in (artist, track) if p) or "Listen"
    return _joined(_media_link(url, label), caption.text), _inline_photos(caption)


def _legacy_video(post):
    caption = _html(post.get("caption"))
    url = next(filter(None, (web_url(post.get(k)) for k in ("permalink_url", "video_url", "post_url"))), None)
    return _joined(_media_link(url, "Watch the video"), caption.text), _inline_photos(caption)


def _legacy_answer(post):
    asker = plain_text(post.get("asking_name")) or "Anonymous"
    asker_url = web_url(post.get("asking_url"))
    who = link(asker, asker_url) if asker_url else escape_text(asker)
    question = _html(post.get("question"))
    answer = _html(post.get("answer"))
    asked = quote_block(f"**{who} asked:** {question.text}") if question.text else ""
    return _joined(asked, answer.text), _inline_photos(answer)


LEGACY = {
    "text": _legacy_text,
    "photo": _legacy_photo,
    "quote": _legacy_quote,
    "link": _legacy_link,
    "chat": _legacy_chat,
    "audio": _legacy_audio,
    "video": _legacy_video,
    "answer": _legacy_answer,
}


# --- the Neue Post Format ---------------------------------------------------------------

def _npf(post: dict) -> tuple[str, list[tuple[str, str]]]:
    parts, photos = [], []
    trail = post.get("trail") if isinstance(post.get("trail"), list) else []
    for item in trail:
        if not isinstance(item, dict) or not isinstance(item.get("content"), list):
            continue
        text, item_photos = _npf_blocks(item["content"], item.get("layout"))
        blog = item.get("blog") if isinstance(item.get("blog"), dict) else {}
        name = blog.get("name") if isinstance(blog.get("name"), str) else ""
        if not name and isinstance(item.get("broken_blog_name"), str):
            name = item["broken_blog_name"]
        if text:
            said = f"**{escape_text(name)}:**\n\n" if name else ""
            parts.append(quote_block(said + text))
        photos.extend(item_photos)
    text, own_photos = _npf_blocks(post["content"], post.get("layout"))
    title = _title(post.get("title")) if isinstance(post.get("title"), str) else ""
    if not (parts or text or own_photos or photos) and post["content"]:
        kinds = sorted({str(b.get("type"))[:20] for b in post["content"] if isinstance(b, dict)})
        raise Unmappable(f"none of the post's blocks can be imported ({', '.join(kinds) or 'unknown'})")
    return _joined(title, *parts, text), photos + own_photos


def _npf_blocks(blocks: list, layout) -> tuple[str, list[tuple[str, str]]]:
    ask = _ask_layout(layout, len(blocks))
    parts, photos, chat = [], [], []
    asked: list[str] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and block.get("subtype") == "chat" and isinstance(block.get("text"), str):
            name, _, said = block["text"].partition(":")
            chat.append(_chat_line(name, said) if said else escape_text(block["text"]))
            continue
        if chat:
            parts.append("  \n".join(chat))
            chat = []
        rendered, block_photos = _npf_block(block)
        photos.extend(block_photos)
        if rendered:
            (asked if ask and index in ask[0] else parts).append(rendered)
    if chat:
        parts.append("  \n".join(chat))
    if asked:
        who = ask[1]
        parts.insert(0, quote_block(f"**{who} asked:** " + "\n\n".join(asked)))
    return _joined(*parts), photos


def _ask_layout(layout, count: int):
    """(indexes of the question's blocks, who asked) from an NPF ``ask`` layout, or None."""
    if not isinstance(layout, list):
        return None
    for entry in layout:
        if isinstance(entry, dict) and entry.get("type") == "ask" and isinstance(entry.get("blocks"), list):
            indexes = {i for i in entry["blocks"] if isinstance(i, int) and 0 <= i < count}
            attribution = entry.get("attribution") if isinstance(entry.get("attribution"), dict) else {}
            blog = attribution.get("blog") if isinstance(attribution.get("blog"), dict) else {}
            name = blog.get("name") if isinstance(blog.get("name"), str) and blog.get("name").strip() else None
            url = web_url(blog.get("url"))
            who = (link(name, url) if url else escape_text(name)) if name else "Anonymous"
            return indexes, who
    return None


def _formatted(block: dict) -> str:
    """The text of an NPF text block with its links and emphasis as Markdown."""
    text = block.get("text")
    if not isinstance(text, str):
        return ""
    marks: dict[int, list[str]] = {}
    links: list[tuple[int, int, str]] = []
    for fmt in block.get("formatting") or []:
        if not isinstance(fmt, dict):
            continue
        start, end = fmt.get("start"), fmt.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        blog = fmt.get("blog") if isinstance(fmt.get("blog"), dict) else {}
        target = web_url(fmt.get("url")) if fmt.get("type") == "link" else \
            web_url(blog.get("url")) if fmt.get("type") == "mention" else None
        if target:
            links.append((start, end, target))
        elif fmt.get("type") in ("bold", "italic"):
            mark = "**" if fmt["type"] == "bold" else "*"
            marks.setdefault(start, []).append(mark)
            marks.setdefault(end, []).insert(0, mark)
    # Links first, non-overlapping, in order; emphasis only outside them (keeps the Markdown valid).
    links.sort()
    pieces, position = [], 0
    for start, end, url in links:
        if start < position:
            continue
        pieces.append(_emphasised(text, position, start, marks))
        pieces.append(link(text[start:end], url))
        position = end
    pieces.append(_emphasised(text, position, len(text), marks))
    return "".join(pieces).strip()


def _emphasised(text: str, start: int, end: int, marks: dict[int, list[str]]) -> str:
    out, cursor = [], start
    for offset in sorted(k for k in marks if start <= k <= end):
        out.append(escape_text(text[cursor:offset]))
        out.append("".join(marks[offset]))
        cursor = offset
    out.append(escape_text(text[cursor:end]))
    rendered = "".join(out)
    # A bold or italic run cut by a link would leave stray asterisks: keep the plain text then.
    bare = rendered.replace("\\*", "")
    if bare.count("**") % 2 or (bare.count("*") - 2 * bare.count("**")) % 2:
        return escape_text(text[start:end])
    return rendered


def _npf_text(block: dict) -> str:
    text = _formatted(block)
    if not text:
        return ""
    subtype = block.get("subtype")
    if subtype in ("heading1", "heading2"):
        return "### " + text.replace("\n", " ")
    if subtype in ("quote", "indented"):
        return quote_block(text)
    if subtype == "unordered-list-item":
        return "- " + text
    if subtype == "ordered-list-item":
        return "1. " + text
    return text


def _npf_media_url(block: dict) -> str | None:
    media = block.get("media")
    if isinstance(media, dict):
        media = [media]
    if isinstance(media, list):
        candidates = [m for m in media if isinstance(m, dict) and web_url(m.get("url"))]
        originals = [m for m in candidates if m.get("has_original_dimensions")]
        pool = originals or candidates
        if pool:
            best = max(pool, key=lambda m: m.get("width") if isinstance(m.get("width"), int) else 0)
            return web_url(best["url"])
    return None


def _npf_block(block: dict) -> tuple[str, list[tuple[str, str]]]:
    kind = block.get("type")
    if kind == "text":
        return _npf_text(block), []
    if kind == "image":
        url = _npf_media_url(block)
        alt = plain_text(block.get("alt_text")) or plain_text(block.get("caption"))
        return "", [(url, alt)] if url else []
    if kind == "link":
        url = web_url(block.get("url"))
        if not url:
            return "", []
        title = plain_text(block.get("title")) or url
        description = plain_text(block.get("description"))
        return _joined(link(title, url), escape_text(description)), []
    if kind in ("audio", "video"):
        url = web_url(block.get("url")) or _npf_media_url(block)
        if kind == "audio":
            label = " – ".join(p for p in (plain_text(block.get("artist")), plain_text(block.get("title"))) if p)
            return _media_link(url, label or "Listen"), []
        return _media_link(url, "Watch the video"), []
    return "", []
