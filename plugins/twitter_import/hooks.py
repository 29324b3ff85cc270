"""twitter_import: every hookimpl of the plugin.

One importer, of an uploaded X (Twitter) data export: it needs nothing from the podmin, so an
enabled plugin offers it at once, and an unused one costs nothing.
"""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.importers import Importer

NAME = "twitter_import"
NOT_AN_EXPORT_NAME = "Upload the .zip file of your X data export, or the tweets.js file from its data folder."


def check_export_name(name: str) -> str | None:
    if not name.lower().endswith((".zip", ".js")):
        return NOT_AN_EXPORT_NAME
    return None


def read_export(source):
    """Every tweet of the uploaded export, as a post or a skipped item."""
    from .archive import open_export
    from .mapping import map_tweet

    export = open_export(source.path)
    try:
        source.set_total(len(export.tweets))
        own_ids = {str(t.get("id_str") or t.get("id")) for t in export.tweets}
        max_photo_bytes = source.pod.settings["photos.max_bytes"]
        for tweet in export.tweets:
            yield map_tweet(tweet, export, own_ids, max_photo_bytes)
    finally:
        export.close()


ARCHIVE_IMPORTER = Importer(
    name=f"{NAME}.archive",
    label="An X (Twitter) archive",
    kind="upload",
    field_label="Your X data export (.zip, or its tweets.js)",
    read=read_export,
    description="On X, open Settings, \"Your account\", \"Download an archive of your data\"; upload the .zip "
                "file X sends you. Your tweets and threads are imported with their photos, links, hashtags and "
                "dates; retweets and replies to other people are left out.",
    accept=".zip,.js,application/zip,text/javascript",
    check=check_export_name,
)


@hookimpl
def register_importers(pod):
    return [ARCHIVE_IMPORTER]
