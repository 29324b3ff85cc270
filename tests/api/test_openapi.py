"""The API's OpenAPI description: valid, served without a token, and true to the views it
describes — every registered /api/v1 operation, nothing more, each with its view's scopes."""
from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate
from pyramid.interfaces import IRoutesMapper

from core.api.auth import ENDPOINT_SCOPES

DOCUMENT = Path(__file__).resolve().parents[2] / "core" / "api" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
# Routes of /api/v1 that are not the API's operations: the description itself, CORS preflights.
NOT_OPERATIONS = {"api.openapi", "api.preflight"}


def served(app) -> dict:
    response = app.get("/api/v1/openapi.json")
    assert response.content_type == "application/json"
    return response.json


def registered_operations(app) -> dict[tuple[str, str], str]:
    """(METHOD, path under /api/v1) -> route name, for every view Pyramid has on an API route."""
    registry = app.app.registry
    patterns = {route.name: route.pattern for route in registry.getUtility(IRoutesMapper).get_routes()}
    found = {}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        route = view["route_name"]
        if not route or not route.startswith("api.") or route in NOT_OPERATIONS:
            continue
        if not patterns[route].startswith("/api/v1/"):
            continue
        methods = view["request_methods"]
        assert methods, f"a view on {route} takes every method"
        for method in (methods,) if isinstance(methods, str) else methods:
            found[(method, patterns[route].removeprefix("/api/v1"))] = route
    return found


def documented_operations(document) -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): operation for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def test_it_is_served_without_a_token_and_is_valid_openapi_3(app):
    document = served(app)

    validate(document)
    assert document["openapi"].startswith("3.0.")
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document == json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_browser_apps_on_other_origins_may_read_it(app):
    response = app.get("/api/v1/openapi.json", headers={"Origin": "https://app.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_it_describes_every_registered_operation_and_nothing_else(app):
    registered = registered_operations(app)
    documented = documented_operations(served(app))

    assert set(documented) - set(registered) == set(), "described but not served"
    assert set(registered) - set(documented) == set(), "served but not described"


def test_each_operation_asks_for_its_views_scopes(app):
    registered = registered_operations(app)
    document = served(app)
    known_scopes = set(document["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]["scopes"])

    for (method, path), operation in documented_operations(document).items():
        route = registered.get((method, path))
        assert route is not None, (method, path)
        [requirement] = operation["security"]
        assert sorted(requirement["oauth2"]) == sorted(ENDPOINT_SCOPES[(route, method)]), (method, path)
        assert set(requirement["oauth2"]) <= known_scopes


def test_every_operation_documents_its_success_and_the_token_errors(app):
    for (method, path), operation in documented_operations(served(app)).items():
        codes = set(operation["responses"])
        assert len([code for code in codes if code.startswith("2")]) == 1, (method, path)
        assert {"400", "401", "403"} <= codes, (method, path)
        if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
            assert codes & {"404", "410", "422"}, (method, path)


def test_error_messages_keep_diasporas_apostrophes(app):
    text = json.dumps(served(app), ensure_ascii=False)

    assert "Like doesn\u2019t exist" in text
    assert "Couldn\u2019t accept or process the conversation" in text  # replying to a conversation
    assert "Couldn't accept or process the conversation" in text  # starting one
    assert "Couldn't update the conversation" in text
