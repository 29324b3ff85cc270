"""/admin: the pod's numbers, and /admin/chart.svg, the weekly chart the page shows."""
from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from ..dashboard import chart_svg, numbers, weekly_activity


@view_config(route_name="admin_dashboard", request_method=("GET", "HEAD"), permission="administer",
             renderer="core:templates/admin/dashboard.pt")
def dashboard(request):
    return {"page_title": "Admin", "numbers": numbers(request.dbsession),
            "weeks": weekly_activity(request.dbsession)}


@view_config(route_name="admin_chart", request_method=("GET", "HEAD"), permission="administer")
def chart(request):
    svg = chart_svg(weekly_activity(request.dbsession), request.registry.pod.name)
    response = Response(svg, content_type="image/svg+xml", charset="utf-8")
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response
