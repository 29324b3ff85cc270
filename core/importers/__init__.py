"""Importing posts from elsewhere, through the importers plugins register.

A plugin's ``register_importers`` hook returns :class:`Importer` objects. Core offers each on
the user's "Import posts" page, keeps one row per run and one per item an importer yielded,
runs the run in a job, skips what an earlier run imported, and shows progress. An importer
only reads its source and says what each item is: it never writes to the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Literal


@dataclass
class ImportedPost:
    """One item of the source, as a status message to write."""

    # The item's id at the source: unique per importer and user, so a second run skips it.
    external_id: str
    # Markdown; core appends ``tags`` and checks the length like any post.
    text: str
    # When it was first published, in UTC (naive datetimes are taken as UTC).
    created_at: datetime
    # Tags without '#'; core turns each into a #hashtag (characters a tag can't hold are dropped).
    tags: list[str] = field(default_factory=list)
    # Photos to download through core.http and put through the photo pipeline: (url, alt text).
    photo_urls: list[tuple[str, str]] = field(default_factory=list)
    # Photos the importer already holds (read from an uploaded archive): (image bytes, alt text).
    photos: list[tuple[bytes, str]] = field(default_factory=list)


@dataclass
class SkippedItem:
    """An item the importer could read but not turn into a post; recorded with the reason."""

    external_id: str
    reason: str


class SourceError(Exception):
    """The source as a whole cannot be read (no such blog, a refused key, a file that isn't an
    export). The run stops with this message, shown to the user. A network failure is
    :class:`core.http.RequestFailed` instead, and the run is tried again later."""


@dataclass
class ImportSource:
    """What one run reads, as the job hands it to :attr:`Importer.read`."""

    pod: object
    user_id: int
    # What the user typed, for an importer of kind "text" (a blog name).
    value: str | None
    # The uploaded file, for an importer of kind "upload"; kept until the run ends.
    path: Path | None
    # Call with the number of items the source holds, once known, for the progress bar.
    set_total: Callable[[int], None] = lambda total: None


@dataclass(frozen=True)
class Importer:
    """An importer a plugin offers."""

    # Unique among every plugin's importers, prefixed with the plugin's name ("tumblr_import.api").
    name: str
    # What the user picks on the import page ("A Tumblr blog").
    label: str
    # "text": the user types something (a blog name); "upload": the user uploads a file.
    kind: Literal["text", "upload"]
    # The label of that field ("Blog name", "Your Tumblr export (.zip)").
    field_label: str
    # Reads the source: yields ImportedPost and SkippedItem, in any order, once each.
    read: Callable[[ImportSource], Iterable["ImportedPost | SkippedItem"]]
    # One or two sentences under the label: what is imported, where to find the file.
    description: str = ""
    # For uploads, the accept attribute of the file field (".zip,application/zip").
    accept: str = ""
    # Checks what the user typed before the run is created: an error message, or None.
    check: Callable[[str], "str | None"] | None = None


def includeme(config):
    from .services import importers_of

    # Two plugins offering importers of one name stop the pod at start, not on the page.
    importers_of(config.registry.pod)
    config.include(".views")
