"""A tiny importer plugin the framework's tests drive: a "feed" typed by name, and an
"archive" uploaded as a text file of ``id|text|tag,tag`` lines."""
from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from core.hookspecs import hookimpl
from core.importers import ImportedPost, Importer, SkippedItem, SourceError

WHEN = dt.datetime(2019, 5, 4, 12, 30)


def check_feed(value: str) -> str | None:
    if not value.isalnum():
        return "A feed name is letters and digits only."
    return None


class ExamplePlugin:
    """``items`` is what the feed yields, in order; an exception in it is raised once, where
    it stands (then dropped, as a network failure that passes)."""

    def __init__(self):
        self.items: list = []
        self.total: int | None = None
        self.seen: list = []

    @hookimpl
    def register_importers(self, pod):
        return [
            Importer("example.feed", "An example feed", "text", "Feed name", self.read_feed,
                     description="Every post of the feed.", check=check_feed),
            Importer("example.archive", "An example archive", "upload", "Your archive (.txt)", self.read_archive,
                     accept=".txt,text/plain"),
        ]

    def read_feed(self, source):
        self.seen.append((source.user_id, source.value, source.path))
        if self.total is not None:
            source.set_total(self.total)
        for entry in list(self.items):
            if isinstance(entry, BaseException):
                self.items.remove(entry)
                raise entry
            yield entry

    def read_archive(self, source):
        self.seen.append((source.user_id, source.value, source.path))
        lines = source.path.read_text().splitlines()
        if not lines or lines[0] != "example archive":
            raise SourceError("That file is not an example archive: its first line should say so.")
        source.set_total(len(lines) - 1)
        for line in lines[1:]:
            external_id, text, tags = (line.split("|") + ["", ""])[:3]
            if text == "-":
                yield SkippedItem(external_id, "a reply to someone else")
            else:
                yield ImportedPost(external_id, text, WHEN, tags=[t for t in tags.split(",") if t])


def post(external_id: str, text: str = "", **fields) -> ImportedPost:
    return ImportedPost(external_id, text or f"Post {external_id}", fields.pop("created_at", WHEN), **fields)


def png(colour=(200, 40, 40), size=(32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
