"""Dynamic client registration (RFC 7591, API_V1.md §8.2) on Authlib's endpoint.

Anyone may register an app. URIs the pod must read (``sector_identifier_uri``, ``jwks_uri``)
are fetched only through core/federation/http.py, which refuses private addresses.
"""
from __future__ import annotations

import json
import secrets
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7591 import ClientMetadataClaims, ClientRegistrationEndpoint
from authlib.oauth2.rfc7591.errors import InvalidClientMetadataError, InvalidRedirectURIError
from authlib.oidc.registration import ClientMetadataClaims as OpenIDClientMetadataClaims
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ...federation import http
from .metadata import provider_metadata

NAME_MAX = 255
URI_MAX = 1024


def _fetch_json(pod, uri: str, purpose: str, refused: str):
    """The JSON document at ``uri``; a refused address is bad metadata, a failed fetch a bad request."""
    try:
        answer = http.get(pod, uri, purpose=purpose, accept="application/json")
    except http.Refused:
        raise InvalidClientMetadataError(refused) from None
    except http.Unreachable as exc:
        if "TLS" in str(exc):  # a certificate the pod can't trust makes the URI itself unusable
            raise InvalidClientMetadataError(refused) from None
        raise InvalidRequestError(f"Could not fetch {purpose.replace('_', ' ')}") from None
    except http.RequestFailed:
        raise InvalidRequestError(f"Could not fetch {purpose.replace('_', ' ')}") from None
    try:
        return json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidClientMetadataError(refused) from None


class RegistrationEndpoint(ClientRegistrationEndpoint):
    """Open registration: no initial access token. Answers 200 like diaspora*, with the
    client's metadata, its id and its secret (shown this once), and nothing internal."""

    def __init__(self, server):
        super().__init__(server, claims_classes=[ClientMetadataClaims, OpenIDClientMetadataClaims])

    def authenticate_token(self, request):
        return True

    def get_server_metadata(self):
        return provider_metadata(self.server.request)

    def generate_client_id(self, request):
        return secrets.token_hex(16)

    def generate_client_secret(self, request):
        return secrets.token_hex(32)

    def extract_client_metadata(self, request):
        data = request.payload.data
        if not data:
            raise InvalidRequestError("The request carries no client metadata")
        uris = data.get("redirect_uris")
        if not uris or not isinstance(uris, list) or not all(isinstance(uri, str) and uri for uri in uris):
            raise InvalidClientMetadataError("redirect_uris must be a list of URIs")
        if any("#" in uri for uri in uris):
            raise InvalidRedirectURIError("Redirect uri contains fragment")
        if any(len(uri) > URI_MAX for uri in uris):
            raise InvalidRedirectURIError(f"A redirect uri is longer than {URI_MAX} characters")
        name = data.get("client_name", "")
        if not isinstance(name, str) or len(name) > NAME_MAX:
            raise InvalidClientMetadataError(f"client_name must be a text of at most {NAME_MAX} characters")
        data.setdefault("token_endpoint_auth_method", "client_secret_post")
        metadata = super().extract_client_metadata(request)
        pod = self.server.pod
        if metadata.get("sector_identifier_uri"):
            listed = _fetch_json(pod, metadata["sector_identifier_uri"], "sector_identifier_uri",
                                 "Invalid sector identifier uri")
            if not isinstance(listed, list) or not set(uris) <= {uri for uri in listed if isinstance(uri, str)}:
                raise InvalidClientMetadataError("Invalid sector identifier uri")
            if not urlsplit(metadata["sector_identifier_uri"]).hostname:
                raise InvalidClientMetadataError("Invalid sector identifier uri")
        if metadata.get("jwks_uri"):
            fetched = _fetch_json(pod, metadata["jwks_uri"], "jwks_uri", "Invalid jwks uri")
            try:
                KeySet.import_key_set(fetched)
            except (JoseError, ValueError, TypeError, KeyError, AttributeError):
                raise InvalidClientMetadataError("Invalid jwks uri") from None
            if any(isinstance(key, dict) and "d" in key for key in fetched.get("keys", [])):
                raise InvalidClientMetadataError("Invalid jwks uri")
            request.fetched_jwks = fetched
        if self.server.clients.name_taken(name, uris):
            raise InvalidClientMetadataError("Client name has already been taken")
        return metadata

    def save_client(self, client_info, client_metadata, request):
        stored = dict(client_metadata)
        fetched = getattr(request, "fetched_jwks", None)
        if fetched is not None:
            stored["jwks"] = fetched  # kept to check the client's signed assertions later
        return self.server.clients.register(client_info["client_id"], client_info["client_secret"],
                                            client_metadata.get("client_name", ""),
                                            client_metadata["redirect_uris"], stored)

    def create_registration_response(self, request):
        _status, body, headers = super().create_registration_response(request)
        body["ppid"] = body.get("subject_type") == "pairwise"
        return 200, body, headers
