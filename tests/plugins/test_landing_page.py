import pytest

from core.pod import StartupError
from core.testing import sign_up

# These tests read the bundled landing_page and terms plugins.
pytestmark = pytest.mark.plugins("landing_page terms")


def test_visitors_see_name_description_sign_up_and_statistics(new_browser, make_app):
    sign_up(new_browser(), "alice")
    sign_up(new_browser(), "bob")
    page = new_browser().get("/")
    assert "<h1>Seedpod</h1>" in page.text
    assert "A diaspora* pod: a private, decentralised social network." in page.text
    assert 'href="http://localhost/users/sign_up"' in page.text
    assert 'data-testid="stat-users">2<' in page.text


def test_signed_in_users_go_to_their_stream(app):
    sign_up(app, "alice")
    response = app.get("/")
    assert response.status_int == 302
    assert response.location.endswith("/stream")


def test_statistics_can_be_hidden_and_closed_registrations_are_said(make_app):
    app = make_app(**{"landing_page.show_statistics": "false", "settings.enable_registrations": "false"})
    page = app.get("/")
    assert "stat-users" not in page.text
    assert "Registrations are closed on this pod" in page.text
    assert "/users/sign_up" not in page.text


def test_podmin_markdown_page_is_rendered_and_sanitised(make_app, tmp_path):
    page_file = tmp_path / "welcome.md"
    page_file.write_text("# Welcome to *our* pod\n\nWe are friendly. <script>alert(1)</script>\n")
    page = make_app(**{"landing_page.file": "welcome.md"}).get("/")  # relative to the ini's folder
    assert "<em>our</em>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "Create an account" in page.text


def test_podmin_template_replaces_the_page(make_app, tmp_path):
    template = tmp_path / "front.pt"
    template.write_text('<html metal:use-macro="layout"><metal:c fill-slot="content">'
                        '<p>Our own front page for ${pod.name}</p></metal:c></html>')
    page = make_app(**{"landing_page.file": str(template), "pod.name": "Gardeners"}).get("/")
    assert "Our own front page for Gardeners" in page.text
    assert 'data-testid="terms-link"' in page.text  # still inside the pod's layout


def test_a_missing_or_unsupported_page_file_stops_the_pod(make_app, tmp_path):
    with pytest.raises(StartupError, match="landing_page.file names .* which does not exist"):
        make_app(**{"landing_page.file": "missing.md"})
    (tmp_path / "page.txt").write_text("hi")
    with pytest.raises(StartupError, match="use a .pt, .md or .html file"):
        make_app(**{"landing_page.file": "page.txt"})


def test_without_the_plugin_core_shows_a_plain_welcome(make_app):
    page = make_app(plugins="terms").get("/")
    assert "Create an account" in page.text
    assert "stat-users" not in page.text
