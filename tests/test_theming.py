from core.security import CONTENT_SECURITY_POLICY


def test_default_theme_links_styles_and_the_script(app):
    page = app.get("/users/sign_in")
    assert '<script src="http://localhost/static/seedpod.js"' in page.text
    assert "/static/seedpod.css" in page.text
    assert "/static/theme/theme.css" in page.text
    assert app.get("/static/seedpod.js").status_int == 200
    assert app.get("/static/theme/theme.css").status_int == 200


def test_plain_theme_overrides_the_layout_and_has_no_script(make_app):
    app = make_app(theme="plain")
    page = app.get("/users/sign_in")
    assert "<script" not in page.text
    assert "Skip to the content" in page.text  # plain's own layout.pt
    assert 'id="sign-in"' in page.text  # core's sign_in.pt, as plain has none
    assert "(plain pages, no scripts)" in page.text
    assert "--accent: #1a4fa0" in app.get("/static/theme/theme.css").text


def test_every_page_carries_a_strict_content_security_policy(app):
    response = app.get("/users/sign_up")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_a_friendly_404(app):
    response = app.get("/no/such/page", status=404)
    assert "There is nothing at this address." in response.text


def test_templates_compile_one_thread_at_a_time():
    """Two threads compiling templates at once can break Python 3.11's AST compiler."""
    import threading

    from chameleon.template import BaseTemplate
    from chameleon.zpt.template import PageTemplate

    from core.theming import compile_templates_one_at_a_time

    compile_templates_one_at_a_time()
    compile_templates_one_at_a_time()  # idempotent: wrapped once
    assert BaseTemplate._cook.seedpod_locked
    errors = []

    def compile_many(n):
        try:
            for i in range(20):
                PageTemplate(f'<div tal:repeat="x range({n}{i})"><p tal:content="x + {i}"/></div>').render()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=compile_many, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
