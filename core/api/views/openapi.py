"""The API's own description, OpenAPI 3.0 (core/api/openapi.json): public, no token needed, so
tools and browser apps can read it before anyone signs in."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from pyramid.response import Response
from pyramid.view import view_config

DOCUMENT = Path(__file__).resolve().parents[1] / "openapi.json"


@functools.lru_cache(maxsize=1)
def document_bytes() -> bytes:
    """The file as shipped, checked once to be JSON: a broken copy fails loudly, not clients."""
    raw = DOCUMENT.read_bytes()
    json.loads(raw)
    return raw


@view_config(route_name="api.openapi", request_method="GET", require_csrf=False)
def openapi_document(request):
    response = Response(body=document_bytes(), content_type="application/json", charset="utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
