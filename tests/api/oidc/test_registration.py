"""Dynamic client registration and clients/find (API_V1.md §8.2)."""
from __future__ import annotations

import re

import sqlalchemy as sa
from joserfc.jwk import RSAKey

from core.api.models import OAuthClient

from .conftest import PREFIX, REDIRECT_URI, register

INTERNAL = {"id", "user_id", "created_at", "updated_at", "client_metadata", "client_secret_hash"}


def stored(app, client_id: str) -> OAuthClient:
    with app.pod.session_factory() as session:
        client = session.scalar(sa.select(OAuthClient).where(OAuthClient.client_id == client_id))
        session.expunge_all()
        return client


def test_registration_answers_the_client_record(app):
    body = register(app, logo_uri="https://app.example/logo.png", client_uri="https://app.example/",
                    policy_uri="https://app.example/privacy", tos_uri="https://app.example/terms",
                    contacts=["dev@app.example"], response_types=["code", "id_token token"],
                    grant_types=["authorization_code", "refresh_token"], application_type="web")
    assert re.fullmatch(r"[0-9a-f]{32}", body["client_id"])
    assert re.fullmatch(r"[0-9a-f]{64}", body["client_secret"])
    assert body["client_secret_expires_at"] == 0
    assert body["token_endpoint_auth_method"] == "client_secret_post"
    assert body["ppid"] is False
    assert body["client_name"] == "Diaspora Test App"
    assert body["redirect_uris"] == [REDIRECT_URI]
    assert body["logo_uri"] == "https://app.example/logo.png"
    assert body["contacts"] == ["dev@app.example"]
    assert body["response_types"] == ["code", "id_token token"]
    assert not INTERNAL & set(body)
    # Only the secret's digest is kept.
    assert stored(app, body["client_id"]).client_secret != body["client_secret"]


def test_pairwise_clients_get_ppid_and_a_chosen_auth_method_is_kept(app):
    body = register(app, subject_type="pairwise", token_endpoint_auth_method="client_secret_basic")
    assert body["ppid"] is True
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert stored(app, body["client_id"]).ppid is True


def test_a_form_encoded_registration_works_too(app):
    response = app.post(f"{PREFIX}/clients", {"client_name": "Form App", "redirect_uris[]": REDIRECT_URI})
    assert response.json["redirect_uris"] == [REDIRECT_URI]


def test_redirect_uris_are_required(app):
    for given in ({"redirect_uris": None}, {"redirect_uris": []}, {"redirect_uris": "https://app.example/cb"},
                  {"redirect_uris": [3]}):
        body = register(app, status=400, **given)
        assert body["error"] == "invalid_client_metadata", given
    assert app.post_json(f"{PREFIX}/clients", {"client_name": "No URIs"}, status=400).json["error"] == \
        "invalid_client_metadata"


def test_a_redirect_uri_with_a_fragment_is_refused(app):
    body = register(app, status=400, redirect_uris=["https://app.example/cb#here"])
    assert body == {"error": "invalid_redirect_uri", "error_description": "Redirect uri contains fragment"}


def test_invalid_metadata_is_refused(app):
    for given in ({"redirect_uris": ["not a uri"]}, {"response_types": ["token"]}, {"subject_type": "secret"},
                  {"token_endpoint_auth_method": "none"}, {"logo_uri": "nope"}, {"client_name": ["A"]},
                  {"client_name": "x" * 256}, {"scope": "openid everything"},
                  {"jwks": {"keys": [RSAKey.generate_key(2048, private=True).as_dict(private=True)]}}):
        body = register(app, status=400, **given)
        assert body["error"] == "invalid_client_metadata", given
    with app.pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OAuthClient)) == 0


def test_an_empty_or_unreadable_body_is_a_bad_request(app):
    assert app.post(f"{PREFIX}/clients", "{", content_type="application/json", status=400).json["error"] == \
        "invalid_request"
    assert app.post_json(f"{PREFIX}/clients", ["a"], status=400).json["error"] == "invalid_request"


def test_a_name_is_unique_per_set_of_redirect_uris(app):
    register(app)
    assert register(app, status=400)["error"] == "invalid_client_metadata"
    assert register(app, redirect_uris=["https://other.example/cb"])["client_name"] == "Diaspora Test App"


def test_sector_identifier_uri_must_list_every_redirect_uri(app, documents):
    good = documents.serve("/sector.json", [REDIRECT_URI, "https://app.example/other"])
    body = register(app, subject_type="pairwise", sector_identifier_uri=good)
    assert body["sector_identifier_uri"] == good and body["ppid"] is True
    partial = documents.serve("/partial.json", ["https://app.example/other"])
    not_json = documents.serve("/junk.json", b"<html>")
    for uri in (partial, not_json):
        assert register(app, status=400, client_name=uri, sector_identifier_uri=uri) == {
            "error": "invalid_client_metadata", "error_description": "Invalid sector identifier uri"}
    missing = documents.serve("/gone.json", b"{}", status=404)
    assert register(app, status=400, client_name="gone", sector_identifier_uri=missing)["error"] == "invalid_request"


def test_private_addresses_are_never_fetched(make_app, documents):
    app = make_app(federation__allow_private_addresses="false")
    sector = documents.serve("/sector.json", [REDIRECT_URI])
    keys = documents.serve("/jwks.json", {"keys": [RSAKey.generate_key(2048).as_dict(private=False)]})
    assert register(app, status=400, sector_identifier_uri=sector) == {
        "error": "invalid_client_metadata", "error_description": "Invalid sector identifier uri"}
    assert register(app, status=400, jwks_uri=keys)["error"] == "invalid_client_metadata"


def test_jwks_uri_is_fetched_and_kept(app, documents):
    public = RSAKey.generate_key(2048).as_dict(private=False, kid="k1")
    uri = documents.serve("/jwks.json", {"keys": [public]})
    body = register(app, jwks_uri=uri, token_endpoint_auth_method="private_key_jwt")
    assert body["jwks_uri"] == uri and "jwks" not in body
    assert stored(app, body["client_id"]).client_metadata["jwks"] == {"keys": [public]}
    junk = documents.serve("/junk-keys.json", {"keys": "none"})
    assert register(app, status=400, client_name="junk", jwks_uri=junk)["error"] == "invalid_client_metadata"


def test_find_a_client_by_name(app):
    client_id = register(app)["client_id"]
    assert app.get(f"{PREFIX}/clients/find", {"client_name": "Diaspora Test App"}).json == {"client_id": client_id}
    assert app.get(f"{PREFIX}/clients/find", {"client_name": "Nobody"}, status=200).json == {
        "error": "Client with name Nobody does not exist"}


def test_fetch_failures(app, documents):
    from core.testing import free_port

    documents.serve("/sector.json", [REDIRECT_URI])
    no_tls = f"https://127.0.0.1:{documents.port}/sector.json"  # plain http behind an https URL
    assert register(app, status=400, sector_identifier_uri=no_tls) == {
        "error": "invalid_client_metadata", "error_description": "Invalid sector identifier uri"}
    closed = f"http://127.0.0.1:{free_port()}/sector.json"
    assert register(app, status=400, sector_identifier_uri=closed)["error"] == "invalid_request"
