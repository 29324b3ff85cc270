"""Every setting Seedpod knows, with its default, its type and one line of help.

A setting is read from the ini file (``[app:main]``) and can be overridden by an
environment variable named ``SEEDPOD_`` + the setting's name in capitals with dots
as underscores: ``database.url`` -> ``SEEDPOD_DATABASE_URL``. Plugins declare their
own settings through the ``register_settings`` hook, prefixed with their name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from pyramid.settings import asbool, aslist


class SettingError(ValueError):
    """A setting has a value Seedpod cannot use; the message names the setting."""


def as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return aslist(str(value).replace(",", " "))


def as_bool(value: Any) -> bool:
    return asbool(value)


def as_int(value: Any) -> int:
    return int(str(value).strip())


@dataclass(frozen=True)
class Setting:
    """One named setting. ``parse`` turns the ini or environment text into a value."""

    name: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = str
    secret: bool = False
    choices: tuple[str, ...] = field(default=())

    @property
    def env_name(self) -> str:
        return "SEEDPOD_" + self.name.upper().replace(".", "_").replace("-", "_")

    def convert(self, raw: Any) -> Any:
        try:
            value = self.parse(raw)
        except (TypeError, ValueError) as exc:
            raise SettingError(f"setting {self.name} (env {self.env_name}): cannot read {raw!r}: {exc}") from None
        if self.choices and value not in self.choices:
            raise SettingError(
                f"setting {self.name} (env {self.env_name}) is {value!r}; choose one of: {', '.join(self.choices)}"
            )
        return value


# The values of settings.registrations.
REGISTRATION_MODES = ("open", "closed", "approval")

# The boolean that settings.registrations replaced; still read from older ini files.
LEGACY_REGISTRATIONS = Setting("settings.enable_registrations", True, "Whether visitors may sign up.", as_bool)


CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("environment", "development", "`development` or `production`; production refuses unsafe defaults.",
            choices=("development", "production")),
    Setting("url", "http://127.0.0.1:6543", "The pod's public URL; the diaspora IDs of its users are built from it."),
    Setting("url.allow_http", False, "Allow a plain-http public URL in production (only for a pod on a private network).",
            as_bool),
    Setting("pod.name", "Seedpod", "The pod's name, shown on every page."),
    Setting("pod.description", "A diaspora* pod: a private, decentralised social network.",
            "One sentence about the pod, shown on the landing page."),
    Setting("data_dir", "var", "Where the embedded database, generated secrets, mail and uploads live."),
    Setting("database.url", "", "SQLAlchemy database URL; empty means a SQLite file in `data_dir`."),
    Setting("redis.url", "", "Redis URL for jobs and rate limits; empty runs jobs inside the web process."),
    Setting("redis.namespace", "seedpod", "Prefix of every Redis key, so several pods can share one Redis."),
    Setting("secret", "", "Secret for signing cookies; empty in development means one is generated in `data_dir`.",
            secret=True),
    Setting("plugins", [], "Enabled plugins, separated by spaces or commas.", as_list),
    Setting("theme", "default", "The active theme: `default`, `plain` or one a plugin registers."),
    Setting("server.host", "127.0.0.1", "Address `seedpod serve` listens on."),
    Setting("server.port", 6543, "Port `seedpod serve` listens on.", as_int),
    Setting("server.threads", 4, "Request threads of `seedpod serve`.", as_int),
    Setting("server.trusted_proxy", "", "Address of the reverse proxy whose X-Forwarded-* headers are trusted."),
    Setting("jobs.worker_threads", 2, "Threads per worker (and for in-process jobs).", as_int),
    Setting("jobs.in_process", True, "With no `redis.url`, run jobs in a thread of the web process.", as_bool),
    Setting("settings.registrations", "open",
            "Who may sign up: `open` (anyone), `approval` (an admin approves each request at /admin/sign_ups) "
            "or `closed` (only people with an invite link). Admins can change it at /admin/settings. "
            "An older ini file's `settings.enable_registrations = false` is still read as `closed`.",
            choices=REGISTRATION_MODES),
    Setting("federation.allow_http", False, "Allow plain-http federation with other pods (development and tests).",
            as_bool),
    Setting("federation.allow_private_addresses", False,
            "Allow outbound requests to private, loopback and link-local addresses (development and tests).", as_bool),
    Setting("federation.timeout", 20, "Seconds to wait for another pod before giving up on a request.", as_int),
    Setting("federation.max_payload_bytes", 1024 * 1024,
            "Largest payload accepted on /receive (and largest response read from another pod), in bytes.", as_int),
    Setting("federation.profile_refresh_days", 7, "Days after which a remote person's profile is fetched again.",
            as_int),
    Setting("federation.delivery_attempts", 14,
            "Attempts per delivery before giving up; with exponential backoff 14 cover about 4 days.", as_int),
    Setting("federation.pod_down_after", 5, "Failed deliveries in a row after which a pod is marked down.", as_int),
    Setting("pod.hide_statistics", False, "Leave user counts out of NodeInfo.", as_bool),
    Setting("mail.backend", "directory", "`smtp` to send mail, `directory` to write it to `data_dir`/mail and log it.",
            choices=("smtp", "directory")),
    Setting("mail.from", "", "Sender address of the pod's mail; empty means no-reply@ the pod's host."),
    Setting("mail.host", "localhost", "SMTP server."),
    Setting("mail.port", 25, "SMTP port.", as_int),
    Setting("mail.username", "", "SMTP user name."),
    Setting("mail.password", "", "SMTP password.", secret=True),
    Setting("mail.tls", False, "Use STARTTLS.", as_bool),
    Setting("mail.ssl", False, "Use SMTP over TLS.", as_bool),
    Setting("accounts.rsa_key_size", 4096, "Size in bits of each user's RSA key pair (diaspora* uses 4096).", as_int),
    Setting("oidc.rsa_key_size", 4096,
            "Size in bits of the RSA key that signs OpenID Connect ID tokens; made once in `data_dir`/oidc.", as_int),
    Setting("accounts.reserved_usernames",
            ["admin", "administrator", "hostmaster", "info", "postmaster", "root", "ssladmin", "sysadmin",
             "webmaster", "support", "contact", "abuse", "security", "noreply", "no-reply"],
            "Usernames nobody may sign up with (`seedpod user create` may still use them).", as_list),
    Setting("passwords.min_length", 8, "Shortest password accepted.", as_int),
    Setting("passwords.argon2_profile", "RFC_9106_LOW_MEMORY",
            "argon2-cffi profile for password hashes (`RFC_9106_LOW_MEMORY`, `RFC_9106_HIGH_MEMORY`).",
            choices=("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "PRE_21_2", "CHEAPEST")),
    Setting("posts.max_length", 65535, "Longest post text accepted, in characters (diaspora* uses 65,535).", as_int),
    Setting("photos.max_bytes", 20 * 1024 * 1024,
            "Largest photo upload in bytes; a phone camera's full-size JPEG fits, bigger files are refused unread.",
            as_int),
    Setting("photos.max_pixels", 50_000_000,
            "Most pixels (width x height) a photo may have; checked from the file header before decoding.", as_int),
    Setting("imports.max_upload_bytes", 512 * 1024 * 1024,
            "Largest file a user may upload to import posts from (an X or Tumblr export), in bytes.", as_int),
    Setting("sessions.max_age_days", 30, "Days a sign-in lasts without use.", as_int),
    Setting("rate_limits.sign_in_per_account", "5 per 15 minutes", "Failed sign-ins allowed per account."),
    Setting("rate_limits.sign_in_per_address", "20 per 15 minutes", "Failed sign-ins allowed per client address."),
    Setting("rate_limits.sign_up_per_address", "10 per hour", "Sign-ups allowed per client address."),
    Setting("rate_limits.password_reset_per_address", "10 per hour", "Password-reset mails per client address."),
    Setting("rate_limits.receive_per_address", "600 per minute",
            "Payloads another pod may POST to /receive per minute; above it the sender is told to retry later (429)."),
)


def resolve(known: Iterable[Setting], raw: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Typed values for ``known`` settings: environment over ini over default."""
    values: dict[str, Any] = {}
    for setting in known:
        if setting.env_name in environ:
            values[setting.name] = setting.convert(environ[setting.env_name])
        elif setting.name in raw:
            values[setting.name] = setting.convert(raw[setting.name])
        else:
            values[setting.name] = setting.default
    return values


def legacy_registrations(mode: str, raw: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """settings.registrations, reading an older `settings.enable_registrations` when it is the
    only one given: true is `open`, false is `closed`."""
    if "settings.registrations" in raw or "SEEDPOD_SETTINGS_REGISTRATIONS" in environ:
        return mode
    legacy = LEGACY_REGISTRATIONS
    if legacy.env_name in environ:
        return "open" if legacy.convert(environ[legacy.env_name]) else "closed"
    if legacy.name in raw:
        return "open" if legacy.convert(raw[legacy.name]) else "closed"
    return mode


def render_markdown(groups: Iterable[tuple[str, Iterable[Setting]]]) -> str:
    """The text of docs/configuration.md: one table per group of settings."""
    lines = [
        "# Configuration",
        "",
        "Every setting is read from the `[app:main]` section of the ini file and can be",
        "overridden by an environment variable: `SEEDPOD_` followed by the setting's name in",
        "capitals, with dots as underscores (`database.url` -> `SEEDPOD_DATABASE_URL`).",
        "The ini file is `development.ini` unless `--config FILE` or `SEEDPOD_CONFIG` names another.",
        "",
        "This page is generated by `seedpod config docs`; a test fails when it is out of date.",
    ]
    for title, settings in groups:
        lines += ["", f"## {title}", "", "| setting | environment | default | meaning |", "| --- | --- | --- | --- |"]
        for s in settings:
            default = s.default
            if isinstance(default, bool):
                default = str(default).lower()
            elif isinstance(default, list):
                default = " ".join(default)
            shown = f"`{default}`" if default != "" else "(empty)"
            lines.append(f"| `{s.name}` | `{s.env_name}` | {shown} | {s.help} |")
    return "\n".join(lines) + "\n"
