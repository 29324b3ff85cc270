"""Tumblr export zips for the tests, laid out as Tumblr writes them."""
from __future__ import annotations

import io
import json
import zipfile
from html import escape
from pathlib import Path



def post_page(body: str, when: str = "April 1st, 2023 2:05pm", tags: tuple[str, ...] = ()) -> str:
    """One post's page of Tumblr's export: the post's HTML, then a footer with its date and tags."""
    tag_spans = "".join(f'<span class="tag">{escape(t)}</span>' for t in tags)
    return ('<!DOCTYPE HTML>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>'
            '<link rel="stylesheet" type="text/css" href="../../style.css"/><title>Post</title></head><body>'
            f'{body}<div id="footer"><span id="timestamp"> {when} </span>{tag_spans}</div></body></html>')


def _zip_bytes(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data.encode() if isinstance(data, str) else data)
    return out.getvalue()


def tumblr_export(path: Path, pages: dict[str, str], media: dict[str, bytes], nested: bool = True) -> Path:
    """An export: ``posts/html/<id>.html`` and ``media/<name>`` files; with ``nested`` the posts
    sit in a ``posts.zip`` inside the download, as Tumblr ships them."""
    posts = {f"posts/html/{post_id}.html": html for post_id, html in pages.items()}
    posts["posts/posts_index.html"] = "<html><body>" + "".join(
        f'<a href="html/{i}.html">{i}</a>' for i in pages) + "</body></html>"
    files: dict[str, bytes | str] = {f"media/{name}": data for name, data in media.items()}
    if nested:
        files["posts.zip"] = _zip_bytes(posts)
    else:
        files.update(posts)
    files["conversations.json"] = json.dumps({"conversations": []})
    path.write_bytes(_zip_bytes(files))
    return path


def xml_export(path: Path, posts_xml: str, media: dict[str, bytes] | None = None) -> Path:
    files: dict[str, bytes | str] = {"posts.xml": posts_xml}
    files.update({f"media/{name}": data for name, data in (media or {}).items()})
    path.write_bytes(_zip_bytes(files))
    return path


def json_export(path: Path, posts: list[dict], media: dict[str, bytes] | None = None) -> Path:
    files: dict[str, bytes | str] = {f"blog/json/{p['id_string']}.json": json.dumps(p) for p in posts}
    files.update({f"blog/media/{name}": data for name, data in (media or {}).items()})
    path.write_bytes(_zip_bytes(files))
    return path


POSTS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<tumblr version="1.0">
  <tumblelog name="oldblog" timezone="US/Eastern" title="Old blog"/>
  <posts total="5">
    <post id="1001" url="https://oldblog.tumblr.com/post/1001" type="regular" date-gmt="2010-05-01 10:00:00 GMT"
          unix-timestamp="1272708000" format="html" slug="first">
      <regular-title>First post</regular-title>
      <regular-body>&lt;p&gt;Hello from &lt;i&gt;2010&lt;/i&gt;.&lt;/p&gt;</regular-body>
      <tag>old</tag><tag>hello</tag>
    </post>
    <post id="1002" url="https://oldblog.tumblr.com/post/1002" type="photo" unix-timestamp="1272794400">
      <photo-caption>&lt;p&gt;My cat&lt;/p&gt;</photo-caption>
      <photo-url max-width="1280">https://media.tumblr.example/1002_1280.jpg</photo-url>
      <photo-url max-width="500">https://media.tumblr.example/1002_500.jpg</photo-url>
    </post>
    <post id="1003" url="https://oldblog.tumblr.com/post/1003" type="conversation" unix-timestamp="1272880800">
      <conversation-title>Overheard</conversation-title>
      <conversation-text>A: Hi
B: Hello</conversation-text>
      <conversation><line name="A" label="A:">Hi</line><line name="B" label="B:">Hello</line></conversation>
    </post>
    <post id="1004" url="https://oldblog.tumblr.com/post/1004" type="video" unix-timestamp="1272967200">
      <video-caption>&lt;p&gt;A talk&lt;/p&gt;</video-caption>
      <video-source>https://www.youtube.com/watch?v=abcdefghijk</video-source>
    </post>
    <post id="1005" url="https://oldblog.tumblr.com/post/1005" type="regular">
      <regular-body>No date at all</regular-body>
    </post>
  </posts>
</tumblr>
"""
