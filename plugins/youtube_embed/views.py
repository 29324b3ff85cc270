"""The pod's copy of each video's thumbnail, so that readers' browsers never ask YouTube."""
from __future__ import annotations

import hashlib
import hmac

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from .cards import thumbnail_token
from .services import thumbnail_of
from .urls import VIDEO_ID

# A video's thumbnail hardly ever changes; a week in caches spares the pod the requests.
MAX_AGE = 7 * 24 * 3600


def thumbnail(request):
    video_id = request.matchdict["video_id"]
    token = request.matchdict["token"]
    if not VIDEO_ID.fullmatch(video_id) or not hmac.compare_digest(
            token.encode(), thumbnail_token(request.registry.pod, video_id).encode()):
        raise HTTPNotFound("No such thumbnail.")
    jpeg = thumbnail_of(request.dbsession, video_id)
    if not jpeg:
        raise HTTPNotFound("No such thumbnail.")
    response = Response(body=jpeg, content_type="image/jpeg", conditional_response=True)
    response.etag = hashlib.sha256(jpeg).hexdigest()[:32]
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response
