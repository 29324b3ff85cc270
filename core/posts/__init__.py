"""Posts: the composer, single-post pages, photos, polls, comments, likes, reshares."""
from pyramid.events import BeforeRender


def includeme(config):
    config.add_route("post_create", "/status_messages")
    config.add_route("post", "/posts/{guid}")
    config.add_route("post_delete", "/posts/{guid}/delete")
    config.add_route("post_like", "/posts/{guid}/like")
    config.add_route("post_unlike", "/posts/{guid}/unlike")
    config.add_route("post_reshare", "/posts/{guid}/reshare")
    config.add_route("post_comment", "/posts/{guid}/comments")
    config.add_route("post_vote", "/posts/{guid}/vote")
    config.add_route("post_hide", "/posts/{guid}/hide")
    config.add_route("post_mute", "/posts/{guid}/mute")
    config.add_route("post_report", "/posts/{guid}/report")
    config.add_route("comment_delete", "/comments/{guid}/delete")
    config.add_route("comment_like", "/comments/{guid}/like")
    config.add_route("comment_unlike", "/comments/{guid}/unlike")
    config.add_route("comment_report", "/comments/{guid}/report")
    config.add_route("photo_create", "/photos")
    config.add_route("photo", "/photos/{guid}")
    config.add_route("photo_delete", "/photos/{guid}/delete")
    # Where the files of local photos are served, after a visibility check (PROTOCOL.md §9.13).
    config.add_route("photo_file", "/uploads/images/{file_name}")
    config.add_subscriber(add_post_helpers, BeforeRender)
    config.scan(".views")
    config.scan(".photo_views")


def add_post_helpers(event) -> None:
    """Templates render post text with ``render_post_text(post)`` (comments with
    ``render_comment_text(comment)``), plugins' filters and embeds included (.page_html),
    and ask ``post_viewer(request, post)`` for the viewer's side."""
    from .page_html import page_html
    from .viewer import post_viewer

    request = event.get("request")
    if request is None:  # rendered outside a request (mail): core's HTML alone
        from .rendering import render_comment_text, render_post_text
    else:
        def render_post_text(post):
            return page_html(request, post)
        render_comment_text = render_post_text
    event.setdefault("render_post_text", render_post_text)
    event.setdefault("render_comment_text", render_comment_text)
    event.setdefault("post_viewer", post_viewer)
