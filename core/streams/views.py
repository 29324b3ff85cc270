from __future__ import annotations

from pyramid.view import view_config


@view_config(route_name="stream", permission="use", renderer="core:templates/streams/stream.pt")
def stream(request):
    return {"page_title": "Stream", "posts": []}
