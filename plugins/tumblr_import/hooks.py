"""tumblr_import: every hookimpl of the plugin.

Two importers: a blog read through Tumblr's API (offered once the podmin set an API key) and
an uploaded Tumblr export (always offered: it needs nothing from the podmin).
"""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.importers import Importer, SourceError
from core.settings import Setting, as_bool

from .api import blog_identifier, check_blog, read_posts
from .export import read_export
from .mapping import map_post

NAME = "tumblr_import"


@hookimpl
def register_settings(pod):
    return [
        Setting(f"{NAME}.api_key", "", "The OAuth consumer key of a Tumblr app (tumblr.com/oauth/apps); empty "
                                       "offers only the import of an uploaded Tumblr export.", secret=True),
        Setting(f"{NAME}.api_url", "https://api.tumblr.com", "Base URL of the Tumblr API."),
        Setting(f"{NAME}.npf", True, "Ask the API for posts in the Neue Post Format (false: the legacy format).",
                as_bool),
    ]


def read_blog(source):
    """The posts of the blog the user named, through the API."""
    blog = blog_identifier(source.value or "")
    if blog is None:
        raise SourceError(check_blog(source.value or ""))
    pod = source.pod
    for post in read_posts(pod, blog, source.set_total, npf=pod.settings[f"{NAME}.npf"]):
        yield map_post(post)


API_IMPORTER = Importer(
    name=f"{NAME}.api",
    label="A Tumblr blog",
    kind="text",
    field_label="Blog name or address",
    read=read_blog,
    description="The public posts of a Tumblr blog, with their photos, tags and dates: enter its name "
                "(\"staff\"), its address (\"staff.tumblr.com\" or its own domain) or a link to it.",
    check=check_blog,
)


def check_export_name(name: str) -> str | None:
    if not name.lower().endswith(".zip"):
        return "Upload the .zip file of your Tumblr export, as Tumblr gave it to you."
    return None


EXPORT_IMPORTER = Importer(
    name=f"{NAME}.export",
    label="A Tumblr export",
    kind="upload",
    field_label="Your Tumblr export (.zip)",
    read=read_export,
    description="On Tumblr, open your blog's settings and choose \"Export\"; upload the .zip file Tumblr "
                "gives you, as it is. Posts, tags, dates and photos are imported.",
    accept=".zip,application/zip",
    check=check_export_name,
)


@hookimpl
def register_importers(pod):
    if (pod.settings[f"{NAME}.api_key"] or "").strip():
        return [API_IMPORTER, EXPORT_IMPORTER]
    return [EXPORT_IMPORTER]


@hookimpl
def register_commands(cli):
    from .cli import tumblr

    cli.add_command(tumblr)
