"""Reading a Tumblr export: the zip Tumblr mails after "Export blog", or a backup of one.

What is read, wherever it sits in the zip (Tumblr's own export nests it in a ``posts.zip``):

* ``posts/html/<id>.html``: one page per post, as Tumblr's export writes them; its photos
  are in the ``media`` folder, named after the post (``<id>.jpg``, ``<id>_1.png``...);
* ``posts.xml``: the older exports, in the XML of Tumblr's first API
  (``<tumblr><posts><post id type unix-timestamp>``);
* ``<id>.json`` files holding a post as the API v2 gives it, legacy or NPF (backups made
  with the API keep one per post), with photos found in ``media`` by file name.

A file that is not a zip, or a zip with none of these, is a :class:`SourceError`.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Iterator

import lxml.html
from lxml import etree

from core.importers import ImportedPost, SkippedItem, SourceError

from .mapping import map_post
from .markup import MAX_HTML_CHARS, convert_element, parser, web_url

MAX_ENTRIES = 200_000
MAX_POST_BYTES = 4 * 1024 * 1024      # one post's HTML or JSON
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_NESTED_BYTES = 1024 * 1024 * 1024  # the posts.zip inside Tumblr's download
# Core keeps four photos per post; more files named after one post are not even read.
MAX_PHOTOS_PER_POST = 4
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
COPY_CHUNK = 1024 * 1024

_POST_FILE = re.compile(r"^(\d{1,25})\.(html?|json)$", re.IGNORECASE)
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
_MEDIA_NAME = re.compile(r"^(\d{1,25})(?:[_-](\d{1,4}))?(?:[_-].*)?$")


@dataclass
class Entry:
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath(self.info.filename)

    def read(self, limit: int) -> bytes | None:
        """The entry's bytes, or None when it is larger than ``limit`` or unreadable."""
        if self.info.file_size > limit:
            return None
        try:
            with self.archive.open(self.info) as handle:
                data = handle.read(limit + 1)
        # zipfile raises NotImplementedError for a compression method it lacks, RuntimeError for
        # an encrypted entry: to the user, both are an unreadable file.
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError):
            return None
        return data if len(data) <= limit else None


class ExportReader:
    """The posts of one export zip; use as a context manager, then :meth:`items`."""

    def __init__(self, path):
        self.path = path
        self.stack = ExitStack()
        self.pages: list[Entry] = []
        self.json_posts: list[Entry] = []
        self.xml: list[Entry] = []
        self.media: dict[str, list[tuple[int, Entry]]] = {}
        self.media_by_name: dict[str, Entry] = {}

    def __enter__(self) -> "ExportReader":
        try:
            self._scan(self._open(self.path), depth=0)
        except BaseException:
            self.stack.close()
            raise
        if not (self.pages or self.json_posts or self.xml):
            self.stack.close()
            raise SourceError("This zip holds no Tumblr posts: a Tumblr export has a posts folder with "
                              "one HTML file per post (posts/html/<id>.html), or a posts.xml file.")
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def _open(self, source) -> zipfile.ZipFile:
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise SourceError("This file is not a zip archive: upload the .zip file Tumblr's export gave you, "
                              "as it is.") from None
        self.stack.callback(archive.close)
        if len(archive.infolist()) > MAX_ENTRIES:
            raise SourceError(f"This zip holds more than {MAX_ENTRIES} files: it is not a Tumblr export.")
        return archive

    def _scan(self, archive: zipfile.ZipFile, depth: int) -> None:
        for info in archive.infolist():
            if info.is_dir():
                continue
            entry = Entry(archive, info)
            path = entry.path
            name = path.name
            lowered = name.lower()
            folders = {p.lower() for p in path.parts[:-1]}
            if lowered == "posts.zip" and depth == 0:
                self._scan(self._nested(entry), depth=1)
            elif lowered == "posts.xml":
                self.xml.append(entry)
            elif "media" in folders and path.suffix.lower() in IMAGE_SUFFIXES:
                self._add_media(entry)
            elif (match := _POST_FILE.match(name)) and "media" not in folders:
                (self.json_posts if match.group(2).lower() == "json" else self.pages).append(entry)

    def _nested(self, entry: Entry) -> zipfile.ZipFile:
        if entry.info.file_size > MAX_NESTED_BYTES:
            raise SourceError("The posts.zip inside this export is too large to read.")
        spool = self.stack.enter_context(tempfile.TemporaryFile())
        try:
            with entry.archive.open(entry.info) as handle:
                shutil.copyfileobj(handle, spool, COPY_CHUNK)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError):
            raise SourceError("The posts.zip inside this export cannot be read: the export is damaged.") from None
        spool.seek(0)
        return self._open(spool)

    def _add_media(self, entry: Entry) -> None:
        self.media_by_name.setdefault(entry.path.name.lower(), entry)
        match = _MEDIA_NAME.match(entry.path.stem)
        if match:
            order = int(match.group(2) or 0)
            self.media.setdefault(match.group(1), []).append((order, entry))

    # --- reading -----------------------------------------------------------------------

    def count(self) -> int | None:
        """How many posts, when known without reading posts.xml (it is counted as it is read)."""
        return None if self.xml else len(self.pages) + len(self.json_posts)

    def items(self) -> Iterator[ImportedPost | SkippedItem]:
        for entry in sorted(self.pages, key=lambda e: e.info.filename):
            yield self._page(entry)
        for entry in sorted(self.json_posts, key=lambda e: e.info.filename):
            yield self._json(entry)
        for entry in self.xml:
            yield from self._xml(entry)

    def photos_of(self, post_id: str) -> list[bytes]:
        found = sorted(self.media.get(post_id, []), key=lambda pair: (pair[0], pair[1].info.filename))
        photos = []
        for _order, entry in found:
            data = entry.read(MAX_PHOTO_BYTES)
            if data:
                photos.append(data)
            if len(photos) == MAX_PHOTOS_PER_POST:
                break
        return photos

    def _page(self, entry: Entry) -> ImportedPost | SkippedItem:
        post_id = entry.path.stem
        data = entry.read(MAX_POST_BYTES)
        if data is None:
            return SkippedItem(post_id, "the post's file is too large or damaged")
        root = _document(data)
        if root is None:
            return SkippedItem(post_id, "the post's file is empty or not HTML")
        created_at = _page_time(root) or _entry_time(entry)
        tags = [t for t in (" ".join(e.text_content().split()).lstrip("#") for e in _by_class(root, "tag")) if t]
        for footer in root.xpath(".//*[@id='footer' or @id='timestamp']") + _by_class(root, "tag"):
            if footer.getparent() is not None:
                footer.drop_tree()
        converted = convert_element(root)
        photos, photo_urls = self._page_photos(post_id, converted.images)
        if not converted.text.strip() and not photos and not photo_urls:
            return SkippedItem(post_id, "the post has no text and no photo")
        return ImportedPost(external_id=post_id, text=converted.text, created_at=created_at, tags=tags,
                            photo_urls=photo_urls, photos=photos)

    def _page_photos(self, post_id: str, images: list[tuple[str, str]]):
        """Photos a page shows: its files in ``media`` as bytes (with the alt text the page
        gives them), any other http(s) image by URL."""
        own = self.photos_of(post_id)
        alts = [alt for src, alt in images if not web_url(src)]
        photos = [(data, alts[i] if i < len(alts) else "") for i, data in enumerate(own)]
        if not own:  # a page may name its photos differently from the post's id
            for src, alt in images:
                entry = None if web_url(src) else self.media_by_name.get(PurePosixPath(src).name.lower())
                data = entry.read(MAX_PHOTO_BYTES) if entry else None
                if data:
                    photos.append((data, alt))
        photo_urls = [(url, alt) for url, alt in ((web_url(src), alt) for src, alt in images) if url]
        return photos, photo_urls

    def _json(self, entry: Entry) -> ImportedPost | SkippedItem:
        post_id = entry.path.stem
        data = entry.read(MAX_POST_BYTES)
        try:
            post = json.loads(data.decode("utf-8")) if data is not None else None
        except (UnicodeDecodeError, ValueError):
            post = None
        if not isinstance(post, dict):
            return SkippedItem(post_id, "the post's JSON file cannot be read")
        return self._with_local_photos(map_post(post))

    def _with_local_photos(self, item):
        """Photos the zip holds replace the same photos' URLs (they may be gone from Tumblr): found
        by the URL's file name, else the files named after the post, in order."""
        if not isinstance(item, ImportedPost):
            return item
        remaining = []
        for url, alt in item.photo_urls:
            entry = self.media_by_name.get(PurePosixPath(url.split("?", 1)[0]).name.lower())
            data = entry.read(MAX_PHOTO_BYTES) if entry else None
            if data:
                item.photos.append((data, alt))
            else:
                remaining.append((url, alt))
        own = [] if item.photos else self.photos_of(item.external_id)
        if own and remaining:
            item.photos = [(data, remaining[i][1] if i < len(remaining) else "") for i, data in enumerate(own)]
            remaining = remaining[len(own):]
        item.photo_urls = remaining
        return item

    def _xml(self, entry: Entry) -> Iterator[ImportedPost | SkippedItem]:
        """posts.xml, read as a stream: an old blog's file can be large."""
        try:
            with entry.archive.open(entry.info) as handle:
                events = etree.iterparse(handle, events=("start", "end"), resolve_entities=False, no_network=True,
                                         load_dtd=False, huge_tree=False, remove_pis=True)
                for event, element in events:
                    if event == "start":
                        if element.getparent() is None and element.tag != "tumblr":
                            raise SourceError("The posts.xml of this export is not a list of Tumblr posts.")
                        continue
                    parent = element.getparent()
                    if element.tag == "post" and parent is not None and parent.tag == "posts":
                        yield self._with_local_photos(map_post(xml_post(element)))
                        element.clear(keep_tail=True)
                        while element.getprevious() is not None:
                            del parent[0]
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"The posts.xml of this export is not valid XML: {exc}") from None
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise SourceError(f"The posts.xml of this export cannot be read: {exc}") from None


def _document(data: bytes):
    """The ``body`` of an exported page, parsed like any untrusted HTML."""
    if not data.strip():
        return None
    try:
        root = lxml.html.document_fromstring(data[:MAX_HTML_CHARS * 4], parser=parser())
    except (etree.ParserError, ValueError):
        return None
    body = root.find("body")
    return body if body is not None else root


def _by_class(root, name: str) -> list:
    return root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def _page_time(root) -> datetime | None:
    """The date the page shows in ``#timestamp`` (``December 3rd, 2016 4:27pm``), as UTC."""
    found = root.xpath(".//*[@id='timestamp']")
    text = " ".join(found[0].text_content().split()) if found else ""
    if not text:
        times = root.xpath(".//time[@datetime]")
        text = times[0].get("datetime") if times else ""
    if not text:
        return None
    moment = parse_date(text)
    if moment is None:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# How export pages write a date ("December 3rd, 2016 4:27pm", ordinals removed first).
PAGE_DATE_FORMATS = ("%B %d, %Y %I:%M%p", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M%p", "%b %d, %Y %I:%M %p",
                     "%B %d, %Y", "%b %d, %Y")


def parse_date(text: str) -> datetime | None:
    text = _ORDINAL.sub(r"\1", " ".join(text.split()))
    for pattern in PAGE_DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _entry_time(entry: Entry) -> datetime:
    try:
        return datetime(*entry.info.date_time, tzinfo=timezone.utc)
    except ValueError:
        return datetime.now(timezone.utc)


# --- posts.xml: Tumblr's first API, read into the legacy v2 shape -------------------------

XML_TYPES = {"regular": "text", "conversation": "chat"}


def _child(element, name: str) -> str | None:
    found = element.find(name)
    return found.text if found is not None and found.text else None


def _largest_photo_url(element) -> str | None:
    best, best_width = None, -1
    for url in element.iterfind("photo-url"):
        try:
            width = int(url.get("max-width") or 0)
        except ValueError:
            width = 0
        if url.text and width > best_width:
            best, best_width = url.text.strip(), width
    return best


def xml_post(element) -> dict:
    """A ``<post>`` of posts.xml as the legacy API v2 would give it, for :func:`map_post`."""
    kind = (element.get("type") or "").lower()
    kind = XML_TYPES.get(kind, kind)
    post = {"id": element.get("id"), "type": kind, "tags": [t.text for t in element.iterfind("tag") if t.text],
            "post_url": element.get("url")}
    stamp = element.get("unix-timestamp")
    if stamp and stamp.isdigit():
        post["timestamp"] = int(stamp)
    fields = {
        "text": {"title": "regular-title", "body": "regular-body"},
        "photo": {"caption": "photo-caption"},
        "quote": {"text": "quote-text", "source": "quote-source"},
        "link": {"title": "link-text", "url": "link-url", "description": "link-description"},
        "chat": {"title": "conversation-title", "body": "conversation-text"},
        "audio": {"caption": "audio-caption", "artist": "id3-artist", "track_name": "id3-title"},
        "video": {"caption": "video-caption", "permalink_url": "video-source"},
        "answer": {"question": "question", "answer": "answer"},
    }.get(kind, {})
    for key, name in fields.items():
        value = _child(element, name)
        if value is not None:
            post[key] = value
    if kind == "photo":
        sets = list(element.iterfind("photoset/photo")) or [element]
        post["photos"] = [{"caption": photo.get("caption") or "", "original_size": {"url": _largest_photo_url(photo)}}
                          for photo in sets if _largest_photo_url(photo)]
    if kind == "chat":
        post["dialogue"] = [{"name": line.get("name") or line.get("label") or "", "phrase": line.text or ""}
                            for line in element.iterfind("conversation/line")]
    return post


def read_export(source) -> Iterator[ImportedPost | SkippedItem]:
    """What :class:`core.importers.Importer` reads for an uploaded export."""
    with ExportReader(source.path) as reader:
        total = reader.count()
        if total is not None:
            source.set_total(total)
        yield from reader.items()
