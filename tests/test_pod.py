import os
import stat

import pytest

from core.pod import StartupError


def test_environment_overrides_the_ini(make_pod):
    pod = make_pod(environ={"SEEDPOD_POD_NAME": "Env pod", "SEEDPOD_SETTINGS_ENABLE_REGISTRATIONS": "false",
                            "SEEDPOD_PLUGINS": "terms", "SEEDPOD_SERVER_PORT": "7000"},
                   **{"pod.name": "Ini pod"})
    assert pod.name == "Env pod"
    assert pod.settings["settings.registrations"] == "closed"
    assert pod.enabled_plugins == ["terms"]
    assert pod.settings["server.port"] == 7000


@pytest.mark.plugins("landing_page terms")
def test_plugin_settings_are_overridden_from_the_environment_too(make_pod):
    pod = make_pod(environ={"SEEDPOD_TERMS_MINIMUM_AGE": "16"})
    assert pod.settings["terms.minimum_age"] == 16


def test_a_setting_that_cannot_be_read_names_itself(make_pod):
    with pytest.raises(StartupError, match=r"setting server.port \(env SEEDPOD_SERVER_PORT\)"):
        make_pod(environ={"SEEDPOD_SERVER_PORT": "lots"})
    with pytest.raises(StartupError, match="choose one of: development, production"):
        make_pod(environment="staging")


def test_diaspora_ids_come_from_the_url(make_pod):
    assert make_pod(url="https://pod.example.org").host == "pod.example.org"
    assert make_pod(url="https://pod.example.org:8443/").host == "pod.example.org:8443"
    assert make_pod(url="http://127.0.0.1:6543").host == "127.0.0.1:6543"
    with pytest.raises(StartupError, match="without a path"):
        make_pod(url="https://example.org/pod")
    with pytest.raises(StartupError, match="absolute http"):
        make_pod(url="pod.example.org")


def test_production_refuses_a_default_secret(make_pod):
    for secret in ("", "change-me", "short"):
        with pytest.raises(StartupError, match=r"set secret \(env SEEDPOD_SECRET\)"):
            make_pod(environment="production", url="https://pod.example.org", secret=secret)


def test_production_refuses_plain_http_unless_allowed(make_pod):
    with pytest.raises(StartupError, match=r"url\.allow_http = true"):
        make_pod(environment="production", url="http://pod.example.org", secret="s" * 40)
    pod = make_pod(environment="production", url="http://pod.example.org", secret="s" * 40,
                   **{"url.allow_http": "true"})
    assert pod.is_production


def test_development_generates_and_keeps_a_secret(make_pod, tmp_path):
    first = make_pod(secret="", data_dir=str(tmp_path / "data"))
    path = tmp_path / "data" / "secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = make_pod(secret="", data_dir=str(tmp_path / "data"))
    assert first.settings["secret"] == second.settings["secret"]
    assert len(first.settings["secret"]) == 64


def test_an_unknown_plugin_stops_the_pod_with_its_name(make_pod):
    with pytest.raises(StartupError, match="plugin 'tumbler' is enabled but not installed"):
        make_pod(plugins="landing_page tumbler")


def test_an_unknown_theme_is_refused_at_start(make_app):
    with pytest.raises(StartupError, match="theme .* is 'fancy'; available: default, plain"):
        make_app(theme="fancy")
