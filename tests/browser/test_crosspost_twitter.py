"""The composer's "Also post to X" in a real browser: offered while "Public" is chosen only."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.accounts.models import User
from core.accounts.services import AccountService
from plugins.crosspost_twitter import oauth, services
from plugins.crosspost_twitter.models import Tweet

PASSWORD = "a long walk by the river"


def connected_member(pod, username: str) -> None:
    """A user whose X account is connected (the OAuth dance has its own tests)."""
    with pod.session_factory() as session:
        AccountService(session, pod).sign_up(username, f"{username}@example.org", PASSWORD)
        session.flush()
        user_id = session.scalar(sa.select(User.id).where(User.username == username))
        services.save_account(session, user_id, oauth.AccessToken("token", "secret", "42", f"{username}_on_x"))
        session.commit()


def sign_in(page, server, username: str) -> None:
    page.goto(server.url + "/users/sign_in")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + "/(stream|getting_started)"))


@pytest.fixture
def server(make_live_server):
    # X is never reached here: no job runs, and the API address is a closed port.
    return make_live_server(plugins="crosspost_twitter", crosspost_twitter__consumer_key="key",
                            crosspost_twitter__consumer_secret="secret",
                            crosspost_twitter__api_url="http://127.0.0.1:9")


def test_the_box_shows_for_public_posts_only(server, open_page, screenshot):
    connected_member(server.pod, "alice")
    page = open_page()
    sign_in(page, server, "alice")
    page.goto(server.url + "/status_messages")
    box = page.get_by_label("Also post to X (@alice_on_x)")

    expect(page.get_by_label("All aspects")).to_be_checked()  # the composer's default is limited
    expect(box).to_be_hidden()
    page.get_by_label("Public").check()
    expect(box).to_be_visible()
    expect(page.get_by_text("Only public posts are sent to X.")).to_be_hidden()
    box.check()
    screenshot(page, "public")
    page.get_by_label("Only these aspects:").check()
    expect(box).to_be_hidden()
    expect(box).not_to_be_checked()
    expect(box).to_be_disabled()
    page.get_by_label("Public").check()
    expect(box).to_be_visible()
    expect(box).to_be_enabled()

    # Ticked on a public post, the post is queued for X.
    box.check()
    page.get_by_label("What's on your mind?").fill("Hello from the browser")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("status")).to_contain_text("Your post is shared.")
    with server.pod.session_factory() as session:
        assert session.scalar(sa.select(Tweet.state)) == "pending"


def test_without_javascript_the_hint_explains_and_limited_posts_stay_home(server, open_page):
    connected_member(server.pod, "bob")
    page = open_page(javascript=False)
    sign_in(page, server, "bob")
    page.goto(server.url + "/status_messages")
    box = page.get_by_label("Also post to X (@bob_on_x)")
    expect(box).to_be_visible()
    expect(page.get_by_text("Only public posts are sent to X.")).to_be_visible()
    box.check()
    page.get_by_label("What's on your mind?").fill("Just for my aspects")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_role("status")).to_contain_text("shared with your chosen aspects")
    with server.pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Tweet)) == 0
