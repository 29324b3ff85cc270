"""A visitor's first visit, in a real browser: landing page, sign-up, stream, sign-out,
sign-in, terms. Once with the default theme, once with `plain` and JavaScript off."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

POD_NAME = "Juniper Commons"
PASSWORD = "a long walk by the river"

THEMES = [
    pytest.param("default", True, id="default"),
    pytest.param("plain", False, id="plain-no-javascript"),
]


def at(server, path: str) -> re.Pattern:
    """The page's URL is exactly this path on the server (a query string or fragment aside)."""
    return re.compile(re.escape(server.url + path) + r"([?#].*)?$")


def header(page):
    return page.get_by_role("navigation", name="Main")


def assert_no_scripts(page):
    assert page.locator("script").count() == 0, f"a <script> element is on {page.url}"


def sign_up(page, server, username: str, password: str = PASSWORD):
    page.goto(server.url + "/users/sign_up")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect(page).to_have_url(at(server, "/getting_started"))


def sign_out(page, server, username: str):
    header(page).get_by_role("button", name=f"Sign out ({username})").click()
    expect(page).to_have_url(at(server, "/"))
    expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()


@pytest.mark.plugins("bundled")  # the terms, and every other bundled plugin along the way
@pytest.mark.parametrize("theme, javascript", THEMES)
def test_visitor_signs_up_signs_out_signs_in_and_reads_the_terms(
        make_live_server, open_page, screenshot, theme, javascript):
    server = make_live_server(theme=theme, pod__name=POD_NAME)
    page = open_page(javascript=javascript)
    check_page = (lambda: None) if javascript else (lambda: assert_no_scripts(page))

    # The landing page: the pod's name and a way in.
    page.goto(server.url + "/")
    expect(page).to_have_title(re.compile(re.escape(POD_NAME)))
    expect(page.get_by_role("heading", level=1)).to_have_text(POD_NAME)
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    expect(header(page).get_by_role("link", name="Sign up")).to_be_visible()
    assert page.evaluate("document.compatMode") == "CSS1Compat", "the page lacks its doctype (quirks mode)"
    check_page()
    screenshot(page, "landing")
    if theme == "plain":  # the skip link shows only once a keyboard user reaches it
        skip = page.get_by_role("link", name="Skip to the content")
        expect(skip).not_to_be_in_viewport()
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()

    # Sign up through the form; creating the account accepts the terms.
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(at(server, "/users/sign_up"))
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_text("By creating an account you accept the terms of service")).to_be_visible()
    if javascript:  # the default theme's script adds a show/hide switch to password fields
        expect(page.get_by_role("button", name="show").first).to_be_visible()
    check_page()
    screenshot(page, "sign-up")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up", exact=True).click()

    # Signed in, on the getting-started steps, welcomed with the new diaspora* ID.
    expect(page).to_have_url(at(server, "/getting_started"))
    expect(page.get_by_role("heading", name=re.compile("^Welcome to"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Welcome, alice!")
    expect(page.get_by_role("status")).to_contain_text(f"alice@{server.url.removeprefix('http://')}")
    expect(header(page).get_by_role("button", name="Sign out (alice)")).to_be_visible()
    check_page()
    screenshot(page, "getting-started")

    # Sign out with the header's button: back on the landing page, signed out.
    sign_out(page, server, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text(POD_NAME)
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_have_count(0)
    check_page()

    # Sign in again.
    header(page).get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(at(server, "/users/sign_in"))
    check_page()
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(at(server, "/stream"))
    expect(header(page).get_by_role("button", name="Sign out (alice)")).to_be_visible()
    check_page()

    # The terms, through the footer's link.
    page.get_by_role("contentinfo").get_by_role("link", name="Terms of service").click()
    expect(page).to_have_url(at(server, "/terms"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Terms of service")
    expect(page.get_by_text(f"These terms apply to everyone who holds an account on {POD_NAME}")).to_be_visible()
    expect(page.get_by_role("heading", name="What is not allowed")).to_be_visible()
    check_page()
    screenshot(page, "terms")


@pytest.mark.parametrize("theme, javascript", THEMES)
def test_wrong_password_is_refused_with_a_clear_message(make_live_server, open_page, screenshot, theme, javascript):
    server = make_live_server(theme=theme)
    page = open_page(javascript=javascript)
    sign_up(page, server, "bob")
    sign_out(page, server, "bob")

    page.goto(server.url + "/users/sign_in")
    page.get_by_label("Username or email").fill("bob")
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username or email")).to_have_value("bob")
    screenshot(page, "wrong-password")
    expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_have_count(0)

    # Nobody is signed in: the stream sends the visitor to sign in.
    page.goto(server.url + "/stream")
    expect(page).not_to_have_url(at(server, "/stream"))
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_have_count(0)
