"""UserInfo (API_V1.md §8.6)."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person, Profile, User

from .conftest import PREFIX, code_for, exchange, register, signed_in, verified_claims

USER_INFO = f"{PREFIX}/user_info"


def name_alice(app):
    with app.pod.session_factory() as session:
        person_id = session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                                   .where(User.username == "alice"))
        profile = session.get(Profile, person_id)
        profile.first_name, profile.last_name = "Alice", "Smith"
        profile.image_url = "/uploads/alice.jpg"
        session.commit()


def tokens_for(app, scope: str, **metadata) -> dict:
    client = register(app, **metadata)
    signed_in(app)
    return exchange(app, client, code_for(app, client, scope=scope)).json


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_every_granted_claim(app):
    tokens = tokens_for(app, "openid name nickname profile picture")
    name_alice(app)
    answer = app.get(USER_INFO, headers=bearer(tokens["access_token"]))
    assert "private" in answer.headers["Cache-Control"]
    assert answer.json == {"sub": "alice@pod.test", "name": "Alice Smith", "nickname": "Alice Smith",
                           "profile": "http://pod.test/api/v1/user", "picture": "http://pod.test/uploads/alice.jpg"}


def test_only_sub_without_claim_scopes_and_post_and_parameter_work(app):
    tokens = tokens_for(app, "openid tags:read")
    assert app.post(USER_INFO, headers=bearer(tokens["access_token"])).json == {"sub": "alice@pod.test"}
    assert app.get(USER_INFO, {"access_token": tokens["access_token"]}).json == {"sub": "alice@pod.test"}


def test_a_missing_picture_is_null(app):
    tokens = tokens_for(app, "openid picture")
    assert app.get(USER_INFO, headers=bearer(tokens["access_token"])).json == {"sub": "alice@pod.test",
                                                                              "picture": None}


def test_pairwise_clients_see_the_id_tokens_sub(app):
    tokens = tokens_for(app, "openid", subject_type="pairwise")
    sub = verified_claims(app, tokens["id_token"])[1]["sub"]
    assert app.get(USER_INFO, headers=bearer(tokens["access_token"])).json == {"sub": sub}
    assert sub != "alice@pod.test"


def test_no_token_is_401_with_a_bearer_challenge(app):
    answer = app.get(USER_INFO, status=401)
    assert answer.json == {"error": "Unauthorized user"}
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="OpenID Connect"'


def test_a_random_token_is_401_invalid_token(app):
    answer = app.get(USER_INFO, headers=bearer("0" * 64), status=401)
    assert answer.json["error"] == "invalid_token"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_openid_is_403(app):
    tokens = tokens_for(app, "tags:read")
    answer = app.get(USER_INFO, headers=bearer(tokens["access_token"]), status=403)
    assert answer.json["error"] == "insufficient_scope"
