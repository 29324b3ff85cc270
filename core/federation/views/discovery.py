"""Discovery, served at the host root (PROTOCOL.md §4): WebFinger, host-meta, hCard, NodeInfo.

Thin: the documents are written by :mod:`core.federation.documents`, the people and numbers
looked up by :mod:`core.federation.discovery`. Everything here is public and read-only.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ..discovery import local_person_by_guid, local_person_for_resource, node_stats
from ..documents import (HOST_META_CONTENT_TYPE, JRD_CONTENT_TYPE, NODEINFO_CONTENT_TYPE, NODEINFO_VERSIONS,
                         hcard_html, host_meta_xml, local_hcard, local_webfinger, nodeinfo_content_type,
                         nodeinfo_document, nodeinfo_links, pretty_json, webfinger_jrd)


def _pod(request):
    return request.registry.pod


def _json(document, content_type: str) -> Response:
    """JSON with exactly this Content-Type (WebOb would drop or quote parts of some)."""
    response = Response(body=pretty_json(document).encode("utf-8"))
    response.headers["Content-Type"] = content_type
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@view_config(route_name="webfinger", request_method="GET")
def webfinger(request):
    resource = request.params.get("resource", "")
    if not resource.strip():
        raise HTTPBadRequest("the resource parameter is required, e.g. acct:alice@" + _pod(request).host)
    person = local_person_for_resource(request.dbsession, _pod(request), resource)
    if person is None:
        raise HTTPNotFound()
    document = local_webfinger(_pod(request).url, person.diaspora_id, person.guid, person.username)
    return _json(webfinger_jrd(document), f"{JRD_CONTENT_TYPE}; charset=utf-8")


@view_config(route_name="host_meta", request_method="GET")
def host_meta(request):
    return Response(host_meta_xml(), content_type=HOST_META_CONTENT_TYPE, charset="utf-8")


@view_config(route_name="hcard", request_method="GET")
def hcard(request):
    person = local_person_by_guid(request.dbsession, request.matchdict["guid"])
    if person is None:
        raise HTTPNotFound()
    profile = person.profile
    card = local_hcard(
        _pod(request).url, guid=person.guid, username=person.username, full_name=person.name,
        first_name=profile.first_name if profile else None, last_name=profile.last_name if profile else None,
        searchable=profile.searchable if profile else True, public_key=person.public_key_pem,
        photo_large=profile.image_url if profile else None,
        photo_medium=profile.image_url_medium if profile else None,
        photo_small=profile.image_url_small if profile else None)
    return Response(hcard_html(card), content_type="text/html", charset="utf-8")


@view_config(route_name="nodeinfo_links", request_method="GET")
def nodeinfo_well_known(request):
    return _json(nodeinfo_links(_pod(request).url), f"{NODEINFO_CONTENT_TYPE}; charset=utf-8")


@view_config(route_name="nodeinfo", request_method="GET")
def nodeinfo(request):
    version = request.matchdict["version"]
    if version not in NODEINFO_VERSIONS:
        raise HTTPNotFound()
    document = nodeinfo_document(version, node_stats(request.dbsession, _pod(request)))
    return _json(document, nodeinfo_content_type(version))
