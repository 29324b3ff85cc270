"""Outgoing mail, always sent by a job after the transaction commits.

`mail.backend = directory` (the embedded default) writes each message as a file
under `data_dir`/mail and logs it; `smtp` sends it.

Mail a pod sends to its users as the pod (admin mail) uses the standard layout
(:func:`standard_mail`): the pod's name on top, the content, and a footer saying why the
reader gets it, as a text part and an HTML part of one multipart message.
"""
from __future__ import annotations

import html as html_lib
import logging
import re
from pathlib import Path

from chameleon import PageTemplateFile, PageTextTemplate

from pyramid_mailer.mailer import DebugMailer, Mailer
from pyramid_mailer.message import Message

from .jobs import job

log = logging.getLogger(__name__)


def sender(pod) -> str:
    return pod.settings["mail.from"] or f"no-reply@{pod.host.split(':')[0]}"


def mailer_for(pod):
    s = pod.settings
    if s["mail.backend"] == "directory":
        return DebugMailer(str(mail_dir(pod)))
    return Mailer(host=s["mail.host"], port=s["mail.port"], username=s["mail.username"] or None,
                  password=s["mail.password"] or None, tls=s["mail.tls"], ssl=s["mail.ssl"])


def mail_dir(pod) -> Path:
    path = Path(pod.data_dir) / "mail"
    path.mkdir(parents=True, exist_ok=True)
    return path


@job(queue="mail")
def send_email(ctx, to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send one mail now: plain text, or text and HTML alternatives when ``html`` is given."""
    message = Message(subject=subject, sender=sender(ctx.pod), recipients=[to], body=body, html=html)
    mailer_for(ctx.pod).send_immediately(message, fail_silently=False)
    if ctx.pod.settings["mail.backend"] == "directory":
        log.info("mail to %s: %r written to %s", to, subject, mail_dir(ctx.pod))


def queue_email(request_or_ctx, to: str, subject: str, body: str) -> None:
    """Send a plain-text mail once the current transaction commits."""
    request_or_ctx.enqueue(send_email, to, subject, body)


# --- the standard layout ---------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent / "templates" / "mail"
_layouts: dict[str, object] = {}


def _layout(name: str):
    if name not in _layouts:
        path = TEMPLATES / name
        _layouts[name] = (PageTemplateFile(str(path)) if name.endswith(".pt")
                          else PageTextTemplate(path.read_text(encoding="utf-8")))
    return _layouts[name]


def account_reason(pod) -> str:
    """The footer of mail every account gets."""
    return f"You get this because you have an account on {pod.name}."


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs: escaped, blank lines between paragraphs, line breaks kept."""
    paragraphs = [part.strip("\n") for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "\n".join("<p>" + html_lib.escape(part).replace("\n", "<br>\n") + "</p>"
                      for part in paragraphs if part.strip())


_LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|tr|blockquote|pre|table|ul|ol)\s*>|<hr\s*/?>", re.IGNORECASE)
_ITEM_END = re.compile(r"</li\s*>", re.IGNORECASE)
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(fragment: str) -> str:
    """The text of a (sanitised) HTML fragment for the text part: links as "text (url)",
    blocks and line breaks as new lines, list items with a dash."""

    def link(match: re.Match) -> str:
        url, label = html_lib.unescape(match.group(1)), match.group(2)
        shown = html_lib.unescape(_TAG.sub("", label)).strip()
        return label if not url or shown == url else f"{label} ({url})"

    text = _LINK.sub(link, fragment)
    text = _BREAK.sub("\n", text)
    text = _ITEM.sub("- ", text)
    text = _ITEM_END.sub("\n", text)
    text = _BLOCK_END.sub("\n\n", text)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def standard_mail(pod, subject: str, content: str, *, is_html: bool = False, reason: str | None = None
                  ) -> tuple[str, str]:
    """The text and HTML parts of a mail in the standard layout.

    ``content`` is plain text, or with ``is_html`` an HTML fragment that is sanitised here
    (no scripts, styles or event handlers survive). ``reason`` is the footer's "why you get
    this" line, by default :func:`account_reason`."""
    from .text import sanitize

    if is_html:
        fragment = sanitize(content)
        text_content = html_to_text(fragment)
    else:
        text_content = content.replace("\r\n", "\n").strip("\n")
        fragment = text_to_html(text_content)
    values = {"pod_name": pod.name, "pod_url": pod.url + "/", "subject": subject,
              "reason": reason or account_reason(pod)}
    text = _layout("layout.txt")(content=text_content, rule="=" * max(len(pod.name), 3), **values)
    page = _layout("layout.pt")(content=fragment, **values)
    return text, page


def queue_standard_email(request_or_ctx, pod, to: str, subject: str, content: str, *, is_html: bool = False,
                         reason: str | None = None) -> None:
    """Send a mail in the standard layout once the current transaction commits."""
    text, page = standard_mail(pod, subject, content, is_html=is_html, reason=reason)
    request_or_ctx.enqueue(send_email, to, subject, text, page)
