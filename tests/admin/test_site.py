"""Settings stored by /admin: checked, saved, applied live or at the next start."""
import pytest
import sqlalchemy as sa

from core.admin import site
from core.admin.models import SiteSetting
from core.settings import SettingError


def stored(dbsession):
    dbsession.expire_all()
    return dict(dbsession.execute(sa.select(SiteSetting.name, SiteSetting.value)).all())


def test_save_stores_the_text_and_applies_live_settings_at_once(pod, dbsession):
    restart = site.save(dbsession, pod, {"pod.name": "  Garden  ", "pod.hide_statistics": "true",
                                         "settings.registrations": "approval", "mail.from": "pod@example.org"})
    dbsession.commit()
    assert restart == {"mail.from"}
    assert pod.settings["pod.name"] == "Garden"
    assert pod.settings["pod.hide_statistics"] is True
    assert pod.settings["settings.registrations"] == "approval"
    # Not live: applied at the next start only.
    assert pod.settings["mail.from"] == ""
    assert site.overrides(dbsession) == {"pod.name": "Garden", "pod.hide_statistics": "true",
                                         "settings.registrations": "approval", "mail.from": "pod@example.org"}


def test_saving_an_unchanged_value_needs_no_restart(pod, dbsession):
    assert site.save(dbsession, pod, {"mail.port": "25"}) == set()
    assert site.save(dbsession, pod, {"mail.port": "2525"}) == {"mail.port"}
    assert stored(dbsession) == {"mail.port": "2525"}


@pytest.mark.parametrize("values, message", [
    ({"settings.registrations": "maybe"}, "choose one of: open, closed, approval"),
    ({"pod.name": ""}, "pod.name can't be empty"),
    ({"pod.name": "x" * 65}, "at most 64 characters"),
    ({"pod.description": "y" * 501}, "at most 500 characters"),
    ({"pod.description": "nul\x00here"}, "NUL character"),
    ({"mail.port": "many"}, "setting mail.port"),
    ({"no.such.setting": "1"}, "there is no setting 'no.such.setting'"),
    ({"database.url": "sqlite://"}, "only be set in the ini file"),
    ({"plugins": "tor_onion"}, "only be set in the ini file"),
])
def test_an_invalid_value_writes_nothing(pod, dbsession, values, message):
    before = dict(pod.settings)
    with pytest.raises(SettingError, match=message):
        site.save(dbsession, pod, {"pod.name": "Fine name", **values})
    dbsession.commit()
    assert stored(dbsession) == {}
    assert pod.settings == before


def test_a_setting_from_the_environment_cannot_be_changed(make_pod):
    pod = make_pod(environ={"SEEDPOD_POD_NAME": "From env"})
    assert site.fixed_by(pod, "pod.name") == "SEEDPOD_POD_NAME"
    assert site.fixed_by(pod, "pod.description") is None
    assert not site.editable(pod, "pod.name")
    with pod.session_factory() as session:
        with pytest.raises(SettingError, match="set by SEEDPOD_POD_NAME"):
            site.save(session, pod, {"pod.description": "ok", "pod.name": "Mine"})
        session.commit()
        assert site.overrides(session) == {}
    assert pod.name == "From env"


def test_the_environment_wins_over_a_stored_value_at_start_and_on_refresh(pod, dbsession, make_pod):
    site.save(dbsession, pod, {"pod.name": "Stored", "mail.from": "stored@example.org"})
    dbsession.commit()
    again = make_pod(environ={"SEEDPOD_POD_NAME": "From env", "SEEDPOD_MAIL_FROM": "env@example.org"})
    assert again.name == "From env"
    assert again.settings["mail.from"] == "env@example.org"
    with again.session_factory() as session:
        site.refresh(again, session, force=True)
    assert again.name == "From env"


@pytest.mark.plugins("landing_page terms")
def test_stored_settings_of_core_and_plugins_apply_at_the_next_start(pod, dbsession, make_pod):
    assert pod.settings["terms.minimum_age"] == 13
    restart = site.save(dbsession, pod, {"terms.minimum_age": "16", "mail.from": "pod@example.org",
                                         "pod.description": "Ours"})
    dbsession.commit()
    assert restart == {"terms.minimum_age", "mail.from"}
    assert pod.settings["terms.minimum_age"] == 13
    again = make_pod()
    assert again.settings["terms.minimum_age"] == 16
    assert again.settings["mail.from"] == "pod@example.org"
    assert again.settings["pod.description"] == "Ours"


def test_a_stored_value_that_no_longer_reads_is_skipped_at_start(pod, dbsession, make_pod):
    dbsession.add(SiteSetting(name="mail.port", value="lots"))
    dbsession.add(SiteSetting(name="database.url", value="sqlite://"))
    dbsession.commit()
    again = make_pod()
    assert again.settings["mail.port"] == 25
    assert again.settings["database.url"] == pod.settings["database.url"]


def test_refresh_brings_another_process_up_to_date_within_seconds(pod, dbsession, make_pod, monkeypatch):
    other = make_pod()
    with other.session_factory() as session:
        assert site.refresh(other, session) is True
        # Just read: not again for a few seconds.
        assert site.refresh(other, session) is False
    site.save(dbsession, pod, {"pod.name": "Renamed", "settings.registrations": "closed", "mail.from": "a@b.org"})
    dbsession.commit()
    assert other.name == "Seedpod"
    clock = [other.site_checked_at + site.REFRESH_SECONDS + 0.1]
    monkeypatch.setattr(site.time, "monotonic", lambda: clock[0])
    with other.session_factory() as session:
        assert site.refresh(other, session) is True
    assert other.name == "Renamed"
    assert other.settings["settings.registrations"] == "closed"
    # Only live settings change without a restart.
    assert other.settings["mail.from"] == ""


def test_refresh_falls_back_to_the_ini_file_when_a_row_goes(make_pod):
    pod = make_pod(**{"pod.name": "Ini name"})
    with pod.session_factory() as session:
        site.save(session, pod, {"pod.name": "Stored"})
        session.commit()
        assert pod.name == "Stored"
        session.execute(sa.delete(SiteSetting))
        session.commit()
        site.refresh(pod, session, force=True)
    assert pod.name == "Ini name"


def test_registrations_read_an_older_ini_file(make_pod):
    assert make_pod().settings["settings.registrations"] == "open"
    assert make_pod(settings__enable_registrations="false").settings["settings.registrations"] == "closed"
    assert make_pod(settings__enable_registrations="true").settings["settings.registrations"] == "open"
    assert make_pod(environ={"SEEDPOD_SETTINGS_ENABLE_REGISTRATIONS": "no"}).settings[
        "settings.registrations"] == "closed"
    # The new setting wins over the old one.
    pod = make_pod(settings__enable_registrations="false", settings__registrations="approval")
    assert pod.settings["settings.registrations"] == "approval"
    with pod.session_factory() as session:
        site.refresh(pod, session, force=True)
    assert pod.settings["settings.registrations"] == "approval"


def test_an_older_ini_file_stays_closed_after_refresh(make_pod):
    pod = make_pod(settings__enable_registrations="false")
    with pod.session_factory() as session:
        site.refresh(pod, session, force=True)
    assert pod.settings["settings.registrations"] == "closed"


def test_a_database_that_is_not_migrated_yet_is_tolerated(make_pod, tmp_path):
    pod = make_pod(database__url=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert pod.settings["pod.name"] == "Seedpod"
    with pod.session_factory() as session:
        assert site.refresh(pod, session, force=True) is False
    assert pod.name == "Seedpod"


def test_the_next_request_rereads_once_a_save_is_committed_or_not(pod, dbsession):
    site.refresh(pod, dbsession, force=True)
    assert pod.site_checked_at
    site.save(dbsession, pod, {"pod.name": "Kept"})
    assert pod.site_checked_at
    dbsession.commit()
    assert pod.site_checked_at == 0.0
    site.refresh(pod, dbsession)
    site.save(dbsession, pod, {"pod.name": "Dropped"})
    assert pod.name == "Dropped"
    dbsession.rollback()
    assert pod.site_checked_at == 0.0
    site.refresh(pod, dbsession)
    assert pod.name == "Kept"


def test_jobs_see_what_an_admin_changed_in_another_process(make_pod):
    from core.hookspecs import hookimpl
    from core.jobs import job

    seen = []

    @job()
    def remember_the_name(ctx):
        seen.append(ctx.pod.settings["pod.name"])

    class JobsOnly:
        @hookimpl
        def register_jobs(self, pod):
            return [remember_the_name]

    worker_pod = make_pod(extra_plugins={"names": JobsOnly()})
    # An admin saves the name from a web process: only the row reaches the worker's process.
    with worker_pod.session_factory() as session:
        session.add(SiteSetting(name="pod.name", value="Garden"))
        session.commit()
    worker_pod.site_checked_at = 0.0
    worker_pod.jobs.send(remember_the_name)
    worker_pod.jobs.drain()
    assert seen == ["Garden"]
