"""Connecting an X account: OAuth 1.0a's three legs, the callback's checks, disconnecting."""
import sqlalchemy as sa

from core.testing import browse, sign_up
from plugins.crosspost_twitter.models import Account

from .conftest import CONSUMER_KEY, connect, form_with_action, start_connecting, x_settings


def accounts(pod):
    with pod.session_factory() as session:
        return [(a.screen_name, a.access_token, a.needs_reconnect) for a in session.scalars(sa.select(Account))]


def test_settings_menu_leads_to_the_plugin_page(x_app):
    sign_up(x_app, "alice")
    menu = x_app.get("/user/edit").html.select(".settings-menu a")
    assert ("X (Twitter)", "http://localhost/p/crosspost_twitter/") in [(a.get_text(), a["href"]) for a in menu]
    page = x_app.get("/p/crosspost_twitter/")
    assert "Connect your X account" in page.text
    assert 'data-testid="crosspost-twitter-unconfigured"' not in page.text


def test_connect_callback_and_disconnect(x_app, fake_x):
    sign_up(x_app, "alice")
    token = start_connecting(x_app, fake_x)
    first = fake_x.requests[0]
    assert (first.method, first.path) == ("POST", "/oauth/request_token")
    assert first.oauth["oauth_callback"] == "http://localhost/p/crosspost_twitter/callback"
    assert first.oauth["oauth_consumer_key"] == CONSUMER_KEY and "oauth_token" not in first.oauth

    verifier = fake_x.authorize(token)
    response = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": token, "oauth_verifier": verifier},
                         status=303)
    exchange = fake_x.requests[-1]
    assert (exchange.path, exchange.oauth["oauth_token"], exchange.oauth["oauth_verifier"]) == \
        ("/oauth/access_token", token, verifier)
    page = response.follow()
    assert "Your X account @alice_on_x is connected." in page.text
    assert "Connected as @alice_on_x" in page.text
    [(screen_name, access_token, needs_reconnect)] = accounts(x_app.pod)
    assert screen_name == "alice_on_x" and access_token in fake_x.access_tokens and not needs_reconnect

    page = form_with_action(page, "/p/crosspost_twitter/disconnect").submit(status=303).follow()
    assert "Your X account is disconnected" in page.text
    assert "Connect your X account" in page.text
    assert accounts(x_app.pod) == []


def test_a_replayed_callback_is_refused_and_changes_nothing(x_app, fake_x):
    sign_up(x_app, "alice")
    token = start_connecting(x_app, fake_x)
    query = {"oauth_token": token, "oauth_verifier": fake_x.authorize(token)}
    x_app.get("/p/crosspost_twitter/callback", query, status=303)
    before = accounts(x_app.pod)
    calls = len(fake_x.requests)
    page = x_app.get("/p/crosspost_twitter/callback", query, status=400)
    assert "already used" in page.text
    assert accounts(x_app.pod) == before and len(fake_x.requests) == calls  # X is not even asked


def test_a_callback_for_another_token_is_refused(x_app, fake_x):
    sign_up(x_app, "alice")
    token = start_connecting(x_app, fake_x)
    fake_x.authorize(token)
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": "rt-forged", "oauth_verifier": "v"},
                     status=400)
    assert "not for the connection you started" in page.text
    assert accounts(x_app.pod) == []
    # The connection that was started is spent too: a fresh start is needed.
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": token, "oauth_verifier": "v"}, status=400)
    assert "already used" in page.text


def test_a_callback_without_its_parameters_or_a_start_is_refused(x_app, fake_x):
    sign_up(x_app, "alice")
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": "rt-x"}, status=400)
    assert "lacks its oauth_token or oauth_verifier" in page.text
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": "rt-x", "oauth_verifier": "v"}, status=400)
    assert "no connection was started in this browser" in page.text
    assert fake_x.requests == [] and accounts(x_app.pod) == []


def test_a_wrong_verifier_is_x_refusing_and_stores_nothing(x_app, fake_x):
    sign_up(x_app, "alice")
    token = start_connecting(x_app, fake_x)
    fake_x.authorize(token)
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": token, "oauth_verifier": "guessed"},
                     status=502)
    assert "X refused to connect your account (X answered 401: Error processing your OAuth request" in page.text
    assert accounts(x_app.pod) == []


def test_denying_on_x_changes_nothing(x_app, fake_x):
    sign_up(x_app, "alice")
    token = start_connecting(x_app, fake_x)
    page = x_app.get("/p/crosspost_twitter/callback", {"denied": token}, status=303).follow()
    assert "You did not give this pod access to your X account" in page.text
    assert accounts(x_app.pod) == []


def test_a_wrong_consumer_secret_is_a_clear_error(make_app, fake_x):
    app = make_app(**{**x_settings(fake_x), "crosspost_twitter.consumer_secret": "wrong"})
    sign_up(app, "alice")
    page = form_with_action(app.get("/p/crosspost_twitter/"), "/connect").submit(status=502)
    assert "X did not let this pod start connecting your account (X answered 401: Could not authenticate you.)" \
        in page.text
    assert fake_x.requests[0].status == 401  # the fake checked the signature and refused it


def test_x_unreachable_is_a_clear_error(make_app, fake_x):
    app = make_app(**{**x_settings(fake_x), "crosspost_twitter.api_url": "http://127.0.0.1:9"})
    sign_up(app, "alice")
    page = form_with_action(app.get("/p/crosspost_twitter/"), "/connect").submit(status=502)
    assert "X could not be reached" in page.text


def test_connecting_needs_the_csrf_token_and_a_user(x_app, fake_x):
    visitor = browse(x_app.app, x_app.pod)
    assert visitor.get("/p/crosspost_twitter/", status="*").status_int in (302, 303, 403)
    assert visitor.post("/p/crosspost_twitter/connect", {}, status="*").status_int in (302, 303, 400, 403)
    sign_up(x_app, "alice")
    x_app.post("/p/crosspost_twitter/connect", {}, status=400)
    x_app.post("/p/crosspost_twitter/disconnect", {"csrf_token": "forged"}, status=400)
    assert fake_x.requests == []


def test_unconfigured_says_so_and_shows_nothing_else(make_app, fake_x):
    app = make_app(plugins="crosspost_twitter")
    sign_up(app, "alice")
    page = app.get("/p/crosspost_twitter/")
    assert "hasn't set up crossposting to X" in page.text
    assert "/p/crosspost_twitter/connect" not in page.text
    assert "crosspost_twitter" not in app.get("/status_messages").forms["composer-form"].fields
    assert "crosspost_twitter/static" not in app.get("/stream").text
    page = app.post("/p/crosspost_twitter/connect", {"csrf_token": page.forms[0]["csrf_token"].value
                                                     if page.forms else ""}, status=400)
    assert "not set up on this pod" in page.text


def test_connect_again_after_x_refused_the_tokens(x_app, fake_x):
    sign_up(x_app, "alice")
    connect(x_app, fake_x)
    with x_app.pod.session_factory() as session:
        session.execute(sa.update(Account).values(needs_reconnect=True))
        session.commit()
    page = x_app.get("/p/crosspost_twitter/")
    assert 'data-testid="crosspost-twitter-reconnect"' in page.text
    connect(x_app, fake_x)
    assert [(name, reconnect) for name, _, reconnect in accounts(x_app.pod)] == [("alice_on_x", False)]
    assert 'data-testid="crosspost-twitter-reconnect"' not in x_app.get("/p/crosspost_twitter/").text


def test_junk_in_the_callback_is_a_clear_error(x_app, fake_x):
    sign_up(x_app, "alice")
    start_connecting(x_app, fake_x)
    page = x_app.get("/p/crosspost_twitter/callback", {"oauth_token": "é\u2028<script>", "oauth_verifier": "ü"},
                     status=400)
    assert "not for the connection you started" in page.text and "<script>" not in page.text
    assert accounts(x_app.pod) == []
