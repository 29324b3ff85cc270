import pytest

from core.pod import StartupError

# These tests read the bundled landing_page and terms plugins.
pytestmark = pytest.mark.plugins("landing_page terms")


def test_terms_page_uses_the_settings(make_app):
    app = make_app(**{"terms.jurisdiction": "the Republic of Ireland", "terms.minimum_age": "16",
                      "pod.name": "Gardeners"})
    page = app.get("/terms")
    assert "<h1>Terms of service</h1>" in page.text
    assert "everyone who holds an account on Gardeners" in page.text
    assert "at least 16 years old" in page.text
    assert "governed by the law of the Republic of Ireland" in page.text


def test_footer_and_sign_up_mention_the_terms(app):
    assert 'data-testid="terms-link"' in app.get("/").text
    sign_up_page = app.get("/users/sign_up").text
    assert "By creating an account you accept the" in sign_up_page
    assert "at least 13 years old" in sign_up_page


def test_podmin_file_replaces_the_text(make_app, tmp_path):
    (tmp_path / "terms.md").write_text("## Our rules\n\nBe kind. <img src=x onerror=alert(1)>\n")
    page = make_app(**{"terms.file": "terms.md"}).get("/terms")
    assert "<h2>Our rules</h2>" in page.text
    assert "<img src=x onerror" not in page.text  # shown as text, never as markup


def test_disabled_terms_are_a_404_with_no_links(make_app):
    app = make_app(plugins="landing_page")
    assert app.get("/terms", status=404)
    assert "terms-link" not in app.get("/").text
    assert "By creating an account you accept" not in app.get("/users/sign_up").text


def test_bad_terms_settings_stop_the_pod(make_app):
    with pytest.raises(StartupError, match="terms.file names"):
        make_app(**{"terms.file": "nope.md"})
    with pytest.raises(StartupError, match="terms.minimum_age must be 0 or more"):
        make_app(**{"terms.minimum_age": "-1"})
