"""A pod reached on an alternate origin (an onion address a plugin adds) keeps its reader there.

The pod's main URL is https; the alternate origin is plain http, as onion services are. Links,
redirects and cookies follow the origin a request came to, so signing in works there;
federation's documents keep the main URL.
"""
from __future__ import annotations

import lxml.html
from markupsafe import Markup, escape

from core.hookspecs import hookimpl
from core.origins import main_url_pattern
from core.testing import sign_in, sign_up

ONION = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"
MAIN = "https://pod.test"


class OnionPlugin:
    """Answers on an onion address; puts a link built from pod.url in every page's footer."""

    def __init__(self, *origins):
        self.origins = list(origins) or [f"http://{ONION}"]

    @hookimpl
    def alternate_origins(self, pod):
        return self.origins

    @hookimpl
    def render_slot(self, request, slot, context):
        if slot == "footer":
            url = escape(request.registry.pod.url + "/terms-of-the-pod")
            return Markup(f'<a data-testid="pod-url-link" href="{url}">about</a>')
        return None


def on_onion(browser, host: str = ONION):
    browser.extra_environ.update({"HTTP_HOST": host, "wsgi.url_scheme": "http"})
    return browser


def on_main(browser):
    browser.extra_environ.update({"HTTP_HOST": "pod.test", "wsgi.url_scheme": "https"})
    return browser


def onion_app(make_app, *origins):
    return make_app(plugins="", url=MAIN, extra_plugins={"example": OnionPlugin(*origins)})


def cookie_flags(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getall("Set-Cookie")}


def test_hook_alternate_origins(make_app):
    app = on_onion(onion_app(make_app))

    page = app.get("/users/sign_in")
    assert page.forms[0].action in ("/users/sign_in", f"http://{ONION}/users/sign_in")
    links = lxml.html.fromstring(page.text).xpath("//a/@href")
    assert f"http://{ONION}/terms-of-the-pod" in links  # built from pod.url, shown on the onion
    assert not [link for link in links if link.startswith(MAIN)]

    # Sign up and in over plain http although the pod's URL is https: cookies are not Secure
    # (the browser would never send them back), so the session and the CSRF token survive.
    signed_up = sign_up(app, "alice")
    assert signed_up.status_int == 303, signed_up.text
    assert signed_up.location.startswith(f"http://{ONION}/")
    assert all("secure" not in header.lower() for header in cookie_flags(signed_up).values())
    assert app.get("/stream").status_int == 200
    assert "alice" in app.get("/stream").text


def test_the_main_origin_is_unchanged(make_app):
    app = on_main(onion_app(make_app))
    page = app.get("/users/sign_in")
    assert f'href="{MAIN}/terms-of-the-pod"' in page.text
    assert ONION not in page.text
    response = sign_up(app, "bob")
    assert response.status_int == 303
    assert response.location.startswith(f"{MAIN}/")
    flags = cookie_flags(response)
    assert flags and all("secure" in header.lower() for header in flags.values())


def test_signing_in_again_on_the_onion(make_app):
    app = onion_app(make_app)
    assert sign_up(on_main(app), "carol").status_int == 303
    visitor = on_onion(type(app)(app.app, extra_environ={"REMOTE_ADDR": "192.0.2.11"}))
    answer = sign_in(visitor, "carol", "correct horse battery")
    assert answer.status_int == 303 and answer.location.startswith(f"http://{ONION}/")
    assert "seedpod_signin" in cookie_flags(answer)
    stream = visitor.get("/stream")
    assert stream.status_int == 200 and "carol" in stream.text


def test_redirects_stay_on_the_onion(make_app):
    app = on_onion(onion_app(make_app))
    answer = app.get("/stream", status="3*")
    assert answer.location.startswith(f"http://{ONION}/")


def test_federation_keeps_the_main_url(make_app):
    app = on_onion(onion_app(make_app))
    assert sign_up(app, "dave").status_int == 303
    webfinger = app.get("/.well-known/webfinger", {"resource": "acct:dave@pod.test"})
    assert ONION not in webfinger.text
    assert f"{MAIN}/" in webfinger.text
    host_meta = app.get("/.well-known/host-meta")
    assert ONION not in host_meta.text


def test_origins_are_matched_by_host_and_junk_is_ignored(make_app):
    app = onion_app(make_app, "ftp://files.example", "not a url", "http://", 42, None,
                    f"HTTP://{ONION.upper()}:80/", MAIN)
    page = on_onion(app, f"{ONION}:80").get("/users/sign_in")
    assert f'href="http://{ONION}/terms-of-the-pod"' in page.text
    other = on_onion(app, "files.example").get("/users/sign_in")
    assert f'href="{MAIN}/terms-of-the-pod"' in other.text  # not an origin of the pod: left alone


def test_only_the_main_url_itself_is_rewritten(make_pod):
    pod = make_pod(plugins="", url=MAIN)
    body = (f'<a href="{MAIN}/x">1</a> <a href="{MAIN}">2</a> {MAIN}?q {MAIN}.example/x '
            f'{MAIN}:8443/x http://pod.test/x').encode()
    rewritten = main_url_pattern(pod).sub(f"http://{ONION}".encode(), body).decode()
    assert rewritten == (f'<a href="http://{ONION}/x">1</a> <a href="http://{ONION}">2</a> http://{ONION}?q '
                         f'{MAIN}.example/x {MAIN}:8443/x http://pod.test/x')


def test_an_unknown_host_is_the_main_origin(make_app):
    app = on_onion(make_app(plugins="", url=MAIN))  # no plugin adds the onion address
    page = app.get("/users/sign_in")
    flags = cookie_flags(page)
    assert flags and all("secure" in header.lower() for header in flags.values())
