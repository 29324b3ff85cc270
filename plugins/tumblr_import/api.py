"""Reading a blog's posts through the Tumblr API v2, through core's outbound HTTP client.

``GET {api_url}/v2/blog/{blog}/posts?api_key=...&offset=...&limit=20`` answers
``{"meta": {...}, "response": {"blog": {...}, "posts": [...], "total_posts": N,
"_links": {"next": {"query_params": {...}}}}}``; errors keep the same envelope with an
``errors`` list. A refused key or an unknown blog stops the run (:class:`SourceError`); a
rate limit, a server error or no answer is a :class:`core.http.RequestFailed` so the run is
tried again later.
"""
from __future__ import annotations

import json
import re
from typing import Iterator
from urllib.parse import quote, urlsplit

from core import http
from core.importers import SourceError

PAGE_SIZE = 20  # Tumblr's maximum for /posts
# A page of 20 posts with their reblog trails can pass core's default 1 MiB limit.
MAX_PAGE_BYTES = 8 * 1024 * 1024
# However the pages link, never ask for more than this many (a blog of a million posts).
MAX_PAGES = 50_000

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class TumblrUnavailable(http.HTTPError):
    """Tumblr answered with a rate limit or a server error: try again later."""


def blog_identifier(value: str) -> str | None:
    """What the API calls the blog, from a name, ``name.tumblr.com``, a custom domain or a URL
    of the blog (``https://name.tumblr.com/post/1``, ``https://www.tumblr.com/name``); None
    when ``value`` is none of these."""
    value = (value or "").strip()
    if not value or len(value) > 300 or any(c.isspace() for c in value):
        return None
    if "://" not in value and "/" in value:
        value = "https://" + value
    if "://" in value:
        try:
            parts = urlsplit(value)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None
        if host in ("tumblr.com", "www.tumblr.com"):
            segments = [s for s in parts.path.split("/") if s]
            if segments[:2] == ["blog", "view"]:
                segments = segments[2:]
            return _name(segments[0]) if segments else None
        value = host
    value = value.lower().rstrip(".")
    if value.endswith(".tumblr.com"):
        return _name(value[: -len(".tumblr.com")])
    if "." in value:
        labels = value.split(".")
        if len(value) <= 253 and len(labels) >= 2 and all(_LABEL.match(lbl) for lbl in labels) \
                and not labels[-1].isdigit():
            return value
        return None
    return _name(value)


def _name(value: str) -> str | None:
    value = value.lower()
    return value if _NAME.match(value) else None


def check_blog(value: str) -> str | None:
    """The import form's check: a message when ``value`` can't name a Tumblr blog."""
    if blog_identifier(value) is None:
        return ("Enter a Tumblr blog: its name (\"staff\"), its address (\"staff.tumblr.com\" or a custom "
                "domain) or a link to it.")
    return None


def _error_detail(body: dict) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        detail = errors[0].get("detail") or errors[0].get("title")
        if isinstance(detail, str) and detail.strip():
            return detail.strip()[:200]
    meta = body.get("meta") if isinstance(body, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("msg"), str):
        return meta["msg"][:200]
    return ""


def _read_json(answer: http.Response) -> dict:
    try:
        body = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    return body if isinstance(body, dict) else {}


def fetch_page(pod, blog: str, params: dict) -> dict:
    """One page of ``/posts``: the ``response`` object. Raises SourceError or RequestFailed."""
    settings = pod.settings
    key = (settings["tumblr_import.api_key"] or "").strip()
    if not key:
        raise SourceError("Importing from Tumblr's API needs an API key: the podmin has not set "
                          "tumblr_import.api_key.")
    base = settings["tumblr_import.api_url"].rstrip("/")
    url = f"{base}/v2/blog/{quote(blog, safe='.-')}/posts"
    query = {**params, "api_key": key}
    answer = http.request(pod, "GET", url, purpose="tumblr_import", params=query,
                          headers={"Accept": "application/json"}, max_bytes=MAX_PAGE_BYTES)
    body = _read_json(answer)
    detail = _error_detail(body)
    if answer.status in (401, 403):
        raise SourceError(f"Tumblr refused the pod's API key ({detail or answer.status}); "
                          "the podmin should check tumblr_import.api_key.")
    if answer.status == 404:
        raise SourceError(f"Tumblr has no blog called {blog!r} ({detail or 'Not Found'}).")
    if answer.status == 429 or answer.status >= 500:
        raise TumblrUnavailable(f"Tumblr answered {answer.status} ({detail or 'try again later'})", answer.status)
    if not 200 <= answer.status < 300:
        raise SourceError(f"Tumblr could not list the posts of {blog!r}: {detail or answer.status}.")
    response = body.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("posts"), list):
        raise TumblrUnavailable(f"Tumblr answered {url} with something that is not a list of posts", answer.status)
    return response


def _next_params(response: dict, offset: int) -> dict:
    links = response.get("_links")
    following = links.get("next") if isinstance(links, dict) else None
    query = following.get("query_params") if isinstance(following, dict) else None
    if isinstance(query, dict) and query:
        kept = {str(k): str(v) for k, v in query.items()
                if isinstance(v, (str, int)) and str(k) not in ("api_key",)}
        kept.setdefault("limit", str(PAGE_SIZE))
        return kept
    return {"offset": str(offset), "limit": str(PAGE_SIZE)}


def read_posts(pod, blog: str, set_total=lambda total: None, npf: bool = True) -> Iterator[dict]:
    """Every post of the blog, newest first, page by page."""
    params = {"offset": "0", "limit": str(PAGE_SIZE)}
    seen_params = set()
    offset = 0
    for _page in range(MAX_PAGES):
        if npf:
            params["npf"] = "true"
        response = fetch_page(pod, blog, params)
        total = response.get("total_posts")
        if _page == 0 and isinstance(total, int) and total >= 0:
            set_total(total)
        posts = response["posts"]
        yield from posts
        offset += len(posts)
        if not posts or (isinstance(total, int) and offset >= total):
            return
        params = _next_params(response, offset)
        signature = tuple(sorted(params.items()))
        if signature in seen_params:  # a loop in the pages' links
            return
        seen_params.add(signature)
