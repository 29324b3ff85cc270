"""One test per hook of core/hookspecs.py, each through a small plugin object.

The plugins here are plain objects whose methods carry ``@hookimpl``; they are
registered under the name ``example`` with ``make_pod(extra_plugins=...)`` or
``make_app(extra_plugins=...)``, exactly as a plugin's own tests can do. Each test
shows the effect docs/plugins.md promises for its hook.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import click
import lxml.html
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from pyramid.response import Response

from core import migrations
from core.db import utcnow
from core.hookspecs import hookimpl
from core.jobs import JobContext, Periodic, job
from core.pod import StartupError
from core.settings import Setting, as_int
from core.testing import sign_up
from core.theming import Asset, MenuItem, Terms, Theme
from core.worker import Housekeeper, claim

HERE = Path(__file__).resolve().parent
EXAMPLE_MIGRATIONS = HERE / "example_migrations"


def tree(page):
    return lxml.html.fromstring(page.text)


def paths(urls):
    return [urlsplit(url).path for url in urls]


# --- register_settings ----------------------------------------------------------

class SettingsPlugin:
    @hookimpl
    def register_settings(self, pod):
        return [
            Setting("example.colour", "red", "Colour of the example."),
            Setting("example.size", 3, "Size of the example.", as_int),
        ]


def test_hook_register_settings(make_pod):
    plugin = {"example": SettingsPlugin()}

    pod = make_pod(extra_plugins=plugin)
    assert (pod.settings["example.colour"], pod.settings["example.size"]) == ("red", 3)
    assert [s.name for s in pod.plugin_settings["example"]] == ["example.colour", "example.size"]
    assert ("example", pod.plugin_settings["example"]) in pod.all_settings()

    from_ini = make_pod(extra_plugins=plugin, example__colour="green", example__size="7")
    assert (from_ini.settings["example.colour"], from_ini.settings["example.size"]) == ("green", 7)

    from_env = make_pod(environ={"SEEDPOD_EXAMPLE_COLOUR": "blue"}, extra_plugins=plugin, example__colour="green")
    assert from_env.settings["example.colour"] == "blue"  # the environment wins over the ini file

    with pytest.raises(StartupError, match=r"plugin 'example'.*example\.size.*SEEDPOD_EXAMPLE_SIZE"):
        make_pod(extra_plugins=plugin, example__size="big")


class UnprefixedSetting:
    @hookimpl
    def register_settings(self, pod):
        return [Setting("colour", "red", "A setting without the plugin's name in front.")]


def test_a_setting_without_the_plugin_name_as_prefix_is_refused(make_pod):
    with pytest.raises(StartupError, match=r"plugin 'example' declares setting 'colour' without its name as prefix"):
        make_pod(extra_plugins={"example": UnprefixedSetting()})


class Misspelt:
    @hookimpl
    def register_route(self, config, pod):  # register_routes, misspelt
        pass


def test_a_misspelt_hook_fails_at_start_with_the_plugin_name(make_pod):
    with pytest.raises(StartupError, match=r"plugin 'example'.*unknown hook 'register_route'"):
        make_pod(extra_plugins={"example": Misspelt()})


class WrongArguments:
    @hookimpl
    def landing_page(self, request, user):  # the hookspec has no `user`
        return None


def test_a_hookimpl_asking_for_unknown_arguments_fails_at_start_with_the_plugin_name(make_pod):
    with pytest.raises(StartupError, match=r"(?s)plugin 'example' cannot be registered.*'user'"):
        make_pod(extra_plugins={"example": WrongArguments()})


# --- register_routes --------------------------------------------------------------

def hello_view(request):
    return Response(f"hello from {request.route_path('example.hello')}")


class RoutesPlugin:
    @hookimpl
    def register_routes(self, config, pod):
        config.add_route("example.hello", "/hello")
        config.add_view(hello_view, route_name="example.hello", request_method="GET")


def test_hook_register_routes(make_app):
    app = make_app(extra_plugins={"example": RoutesPlugin()})
    page = app.get("/p/example/hello", status=200)
    assert page.text == "hello from /p/example/hello"
    app.get("/hello", status=404)  # nothing outside /p/example


# --- settings_menu ----------------------------------------------------------------

class MenuPlugin:
    def __init__(self):
        self.scopes = []

    @hookimpl
    def settings_menu(self, request, scope):
        self.scopes.append(scope)
        if scope == "user":
            return [MenuItem("Example preferences", request.route_path("example.preferences"))]
        return None

    @hookimpl
    def register_routes(self, config, pod):
        config.add_route("example.preferences", "/preferences")
        config.add_view(lambda request: Response("example preferences"), route_name="example.preferences")


def test_hook_settings_menu(make_app):
    plugin = MenuPlugin()
    app = make_app(extra_plugins={"example": plugin})
    sign_up(app, "menuuser")
    page = app.get("/user/edit", status=200)
    links = tree(page).xpath("//nav[contains(@class, 'settings-menu')]/a")
    assert [(a.text_content(), a.get("href")) for a in links][-1] == ("Example preferences", "/p/example/preferences")
    assert links[0].text_content() == "Account"  # core's own entry comes first
    assert plugin.scopes == ["user"]
    assert app.get("/p/example/preferences").text == "example preferences"


# --- render_slot ------------------------------------------------------------------

class SlotPlugin:
    def __init__(self):
        self.calls = []

    @hookimpl
    def render_slot(self, request, slot, context):
        self.calls.append((slot, context))
        if slot == "footer":
            return '<p data-testid="example-footer">Hosted with care</p>'
        if slot == "stream_top":
            return '<p data-testid="example-stream-top">Welcome back</p>'
        return None


def test_hook_render_slot(make_app):
    plugin = SlotPlugin()
    app = make_app(extra_plugins={"example": plugin})
    footer = tree(app.get("/")).xpath("//footer//p[@data-testid='example-footer']")
    assert [p.text_content() for p in footer] == ["Hosted with care"]
    assert {"head", "header", "footer"} <= {slot for slot, _ in plugin.calls}
    assert all(context == {} for _, context in plugin.calls)

    sign_up(app, "slotuser")
    stream = tree(app.get("/stream", status=200))
    assert stream.xpath("//main//p[@data-testid='example-stream-top']")
    assert not stream.xpath("//main//p[@data-testid='example-footer']")


# --- extra_template_vars ----------------------------------------------------------

SIGN_IN_OVERRIDE = """<html metal:use-macro="layout">
<metal:content fill-slot="content">
  <h1 data-testid="theme-sign-in">Sign in to ${pod.name}</h1>
  <p data-testid="motto" tal:condition="exists: example_motto">${example_motto}</p>
</metal:content>
</html>
"""


def write_theme(root: Path) -> Path:
    """A theme overriding one core template (accounts/sign_in.pt), with its own theme.css."""
    (root / "templates" / "accounts").mkdir(parents=True)
    (root / "templates" / "accounts" / "sign_in.pt").write_text(SIGN_IN_OVERRIDE)
    (root / "static").mkdir()
    (root / "static" / "theme.css").write_text("body { color: darkgreen; }\n")
    return root


class ThemePlugin:
    def __init__(self, path: Path):
        self.path = path

    @hookimpl
    def register_themes(self, pod):
        return [Theme("example", self.path, scripts=True, description="The example plugin's theme.")]


class TemplateVarsPlugin(ThemePlugin):
    def __init__(self, path: Path):
        super().__init__(path)
        self.template_names = []

    @hookimpl
    def extra_template_vars(self, request, template_name):
        self.template_names.append(template_name)
        if template_name == "core:templates/accounts/sign_in.pt":
            return {"example_motto": "Grow slowly", "pod": "not the pod"}
        return None


def test_hook_extra_template_vars(make_app, tmp_path):
    plugin = TemplateVarsPlugin(write_theme(tmp_path / "theme"))
    app = make_app(extra_plugins={"example": plugin}, theme="example", **{"pod.name": "Example Pod"})
    page = tree(app.get("/users/sign_in", status=200))
    assert page.xpath("string(//p[@data-testid='motto'])") == "Grow slowly"
    # core's own names win: `pod` is still the pod
    assert page.xpath("string(//h1[@data-testid='theme-sign-in'])") == "Sign in to Example Pod"
    assert "core:templates/accounts/sign_in.pt" in plugin.template_names

    app.get("/users/sign_up", status=200)
    assert plugin.template_names[-1] == "core:templates/accounts/sign_up.pt"


# --- extra_assets -----------------------------------------------------------------

class AssetsPlugin:
    def __init__(self, static: Path):
        self.static = static

    @hookimpl
    def register_routes(self, config, pod):
        config.add_static_view("static", str(self.static) + "/")

    @hookimpl
    def extra_assets(self, request, template_name):
        return [
            Asset(request.static_url(str(self.static / "example.css")), "css"),
            Asset(request.static_url(str(self.static / "example.js")), "js"),
        ]


def test_hook_extra_assets(make_app, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "example.css").write_text(".example { color: teal; }\n")
    (static / "example.js").write_text("document.documentElement.classList.add('example');\n")
    plugin = {"example": AssetsPlugin(static)}

    app = make_app(extra_plugins=plugin)
    page = tree(app.get("/users/sign_in"))
    assert paths(page.xpath("//head/link[@rel='stylesheet']/@href"))[-1] == "/p/example/static/example.css"
    assert paths(page.xpath("//head/script/@src"))[-1] == "/p/example/static/example.js"
    assert ".example" in app.get("/p/example/static/example.css").text  # served under /p/example

    plain = tree(make_app(extra_plugins=plugin, theme="plain").get("/users/sign_in"))
    assert "/p/example/static/example.css" in paths(plain.xpath("//link[@rel='stylesheet']/@href"))
    assert plain.xpath("//script") == []  # the plain theme leaves out every script, a plugin's too


# --- register_themes --------------------------------------------------------------

def test_hook_register_themes(make_app, tmp_path):
    plugin = ThemePlugin(write_theme(tmp_path / "theme"))
    app = make_app(extra_plugins={"example": plugin}, theme="example")

    overridden = tree(app.get("/users/sign_in", status=200))
    assert overridden.xpath("//h1[@data-testid='theme-sign-in']")
    assert overridden.xpath("//body/@class") == ["theme-example"]  # core's layout, as the theme has none
    assert "/static/theme/theme.css" in paths(overridden.xpath("//link[@rel='stylesheet']/@href"))
    assert "darkgreen" in app.get("/static/theme/theme.css").text

    fallback = tree(app.get("/users/sign_up", status=200))  # not overridden: core's template
    assert fallback.xpath("//form[@id='sign-up']")

    with pytest.raises(StartupError, match="setting theme"):
        make_app(theme="example")  # without the plugin there is no such theme


# --- landing_page -----------------------------------------------------------------

class LandingPlugin:
    def __init__(self, answer: bool):
        self.answer = answer

    @hookimpl
    def landing_page(self, request):
        if not self.answer:
            return None
        return Response('<h1 data-testid="example-landing">Welcome to the example pod</h1>')


@pytest.mark.plugins("landing_page terms")
def test_hook_landing_page(make_app):
    app = make_app(extra_plugins={"example": LandingPlugin(answer=True)})
    assert tree(app.get("/", status=200)).xpath("//h1[@data-testid='example-landing']")
    sign_up(app, "landinguser")
    assert app.get("/", status=302).location.endswith("/stream")  # signed-in users never reach the hook

    passing = make_app(extra_plugins={"example": LandingPlugin(answer=False)})
    page = tree(passing.get("/", status=200))  # None: the landing_page plugin answers instead
    assert page.xpath("//section[contains(@class, 'landing')]")
    assert not page.xpath("//h1[@data-testid='example-landing']")


# --- terms_of_service -------------------------------------------------------------

class TermsPlugin:
    def __init__(self):
        self.locales = []

    @hookimpl
    def terms_of_service(self, pod, locale):
        self.locales.append(locale)
        return Terms("House rules", f"<p>Be kind to each other on {pod.name}.</p>")


def test_hook_terms_of_service(make_app):
    make_app(plugins="landing_page").get("/terms", status=404)  # nobody answers: no terms

    plugin = TermsPlugin()
    app = make_app(plugins="landing_page", extra_plugins={"example": plugin}, **{"pod.name": "Example Pod"})
    page = tree(app.get("/terms", status=200))
    assert page.xpath("string(//article//h1)") == "House rules"
    assert page.xpath("string(//article//div[@class='prose']/p)") == "Be kind to each other on Example Pod."
    assert plugin.locales == ["en"]


# --- register_jobs ----------------------------------------------------------------

class JobsPlugin:
    def __init__(self, jobs):
        self.jobs = jobs

    @hookimpl
    def register_jobs(self, pod):
        return list(self.jobs)

    @hookimpl
    def register_routes(self, config, pod):
        remember = self.jobs[0]

        def later(request):
            request.enqueue(remember, request.params["word"])
            if request.params.get("fail"):
                request.response.status = 400  # an error answer aborts the transaction: nothing is sent
            return request.response

        config.add_route("example.later", "/later")
        config.add_view(later, route_name="example.later")


def test_hook_register_jobs(make_app):
    done = []

    @job(queue="example")
    def remember(ctx, word):
        assert isinstance(ctx, JobContext)
        assert ctx.dbsession.execute(sa.text("SELECT 1")).scalar() == 1
        done.append((word, ctx.pod))

    app = make_app(extra_plugins={"example": JobsPlugin([remember])})
    pod = app.app.registry.pod
    assert "example" in pod.jobs.queues

    pod.jobs.send(remember, "sent")
    pod.jobs.drain()
    assert done == [("sent", pod)]

    app.get("/p/example/later", {"word": "after commit"}, status=200)
    app.get("/p/example/later", {"word": "aborted", "fail": "1"}, status=400)
    pod.jobs.drain()
    assert [word for word, _ in done] == ["sent", "after commit"]

    @job(queue="example")
    def unregistered(ctx):
        pass

    with pytest.raises(LookupError, match="register_jobs"):
        pod.jobs.send(unregistered)


# --- register_periodic_jobs -------------------------------------------------------

class PeriodicPlugin:
    def __init__(self, fn, every):
        self.fn, self.every = fn, every

    @hookimpl
    def register_jobs(self, pod):
        return [self.fn]

    @hookimpl
    def register_periodic_jobs(self, pod):
        return [Periodic(self.fn, every=self.every)]


def test_hook_register_periodic_jobs(make_pod):
    ran = []

    @job(queue="example")
    def sweep(ctx):
        ran.append(utcnow())

    pod = make_pod(extra_plugins={"example": PeriodicPlugin(sweep, every=600)})
    assert Periodic(sweep, 600) in pod.jobs.periodic

    workers = [Housekeeper(pod, "worker"), Housekeeper(pod, "worker")]  # two workers ticking
    for housekeeper in workers + workers:
        housekeeper.send_due()
    pod.jobs.drain()
    assert len(ran) == 1  # sent once for this interval, however many workers asked

    name = sweep.seedpod_job.name
    assert claim(pod.engine, name, 600) is False  # still inside the interval
    next_interval = utcnow() + dt.timedelta(seconds=601)
    assert claim(pod.engine, name, 600, now=next_interval) is True
    assert claim(pod.engine, name, 600, now=next_interval) is False


def test_a_periodic_job_that_is_not_registered_stops_the_pod(make_pod):
    @job(queue="example")
    def orphan(ctx):
        pass

    class OnlyPeriodic:
        @hookimpl
        def register_periodic_jobs(self, pod):
            return [Periodic(orphan, every=60)]

    with pytest.raises(StartupError, match="periodic job: 'orphan' is not a registered job"):
        make_pod(extra_plugins={"example": OnlyPeriodic()})


# --- register_migrations ----------------------------------------------------------

class MigrationsPlugin:
    @hookimpl
    def register_migrations(self, pod):
        return EXAMPLE_MIGRATIONS


def test_hook_register_migrations(make_pod):
    pod = make_pod(extra_plugins={"example": MigrationsPlugin()})
    assert str(EXAMPLE_MIGRATIONS) in migrations.version_locations(pod)
    assert not sa.inspect(pod.engine).has_table("example_notes")
    assert migrations.pending(pod) == {"ex0001"}

    migrations.upgrade(pod)
    try:
        assert sa.inspect(pod.engine).has_table("example_notes")
        assert "ex0001" in migrations.current(pod)
        assert migrations.pending(pod) == set()
        with pod.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO example_notes (text) VALUES ('hello')"))
            assert conn.execute(sa.text("SELECT text FROM example_notes")).scalar() == "hello"
    finally:
        # The PostgreSQL test database is reused by later tests, which know no `example` branch.
        migrations.downgrade(pod, "example@base")
    assert not sa.inspect(pod.engine).has_table("example_notes")
    assert "ex0001" not in migrations.current(pod)


# --- register_commands ------------------------------------------------------------

class CommandsPlugin:
    @hookimpl
    def register_commands(self, cli):
        from core.cli.context import pass_pod

        @click.group("example")
        def example():
            """The example plugin's commands."""

        @example.command()
        @click.argument("who")
        @pass_pod
        def greet(pod, who):
            """Greet WHO from this pod."""
            click.echo(f"hello {who}, from {pod.name}")

        cli.add_command(example)


def write_ini(path: Path, settings: dict) -> Path:
    lines = ["[app:main]", "use = egg:seedpod"]
    lines += [f"{key} = {value}" for key, value in settings.items() if key != "here"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_hook_register_commands(settings, tmp_path, monkeypatch):
    import core.cli
    from core.cli import context

    ini = write_ini(tmp_path / "pod.ini", {**settings, "pod.name": "Example Pod"})
    real = core.cli.cli
    cli = type(real)(real.name, commands=dict(real.commands), params=list(real.params), callback=real.callback,
                     context_settings=real.context_settings)
    monkeypatch.setattr(core.cli, "cli", cli)  # leave the real command untouched for other tests
    monkeypatch.setattr(context.State, "_pods", {})
    build_pod = context.build_pod
    monkeypatch.setattr(context, "build_pod",
                        lambda raw: build_pod(raw, environ={}, extra_plugins={"example": CommandsPlugin()}))
    try:
        core.cli._add_plugin_commands(["--config", str(ini)])  # what `seedpod` does before parsing its arguments
        assert "example" in cli.commands and "example" not in real.commands

        result = CliRunner().invoke(cli, ["--config", str(ini), "example", "greet", "alice"])
        assert result.exit_code == 0, result.output
        assert result.output == "hello alice, from Example Pod\n"
        assert "The example plugin's commands." in CliRunner().invoke(cli, ["--config", str(ini), "--help"]).output
    finally:
        for pod in context.State._pods.values():
            pod.engine.dispose()


# --- on_startup -------------------------------------------------------------------

class StartupPlugin:
    def __init__(self, refuse: str | None = None):
        self.refuse = refuse
        self.started = []

    @hookimpl
    def on_startup(self, pod):
        self.started.append(pod)
        if self.refuse:
            raise StartupError(self.refuse)


def test_hook_on_startup(make_app):
    plugin = StartupPlugin()
    app = make_app(extra_plugins={"example": plugin})
    assert plugin.started == [app.app.registry.pod]  # once, with the configured pod

    refusing = StartupPlugin(refuse="set example.api_key (env SEEDPOD_EXAMPLE_API_KEY) to your API key")
    with pytest.raises(StartupError, match="example.api_key"):
        make_app(extra_plugins={"example": refusing})
    assert len(refusing.started) == 1
