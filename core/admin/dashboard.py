"""The admin dashboard: the pod's numbers and a chart of the last weeks, drawn here as SVG.

Every number is one aggregate query; the weekly chart is one query per series over the
twelve weeks it shows (see ``core.stats.weekly_counts``), so the page costs the same on a
new pod and on an old one.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import sqlalchemy as sa

from ..accounts.models import Person, SignUpRequest, User
from ..db import utcnow
from ..federation.models import POD_DOWN, POD_UP, Pod
from ..posts.models import Comment, Post
from ..stats import LocalAndRemote, Usage, local_and_remote, usage, weekly_counts
from .models import Report

WEEKS = 12


@dataclass(frozen=True)
class PodCounts:
    known: int
    up: int
    down: int
    blocked: int


@dataclass(frozen=True)
class Numbers:
    users: Usage
    locked_users: int
    closed_users: int
    posts: LocalAndRemote
    comments: LocalAndRemote
    pods: PodCounts
    reports_waiting: int
    sign_ups_waiting: int


@dataclass(frozen=True)
class Week:
    start: dt.datetime
    sign_ups: int
    posts: int

    @property
    def label(self) -> str:
        return f"{self.start.day} {self.start.strftime('%b')}"


def pod_counts(dbsession) -> PodCounts:
    known, up, down, blocked = dbsession.execute(sa.select(
        sa.func.count(),
        sa.func.count().filter(Pod.status == POD_UP),
        sa.func.count().filter(Pod.status == POD_DOWN),
        sa.func.count().filter(Pod.blocked_at.is_not(None)),
    ).select_from(Pod)).one()
    return PodCounts(known, up, down, blocked)


def numbers(dbsession) -> Numbers:
    locked, closed = dbsession.execute(sa.select(
        sa.func.count().filter(User.locked_at.is_not(None), User.closed_at.is_(None)),
        sa.func.count().filter(User.closed_at.is_not(None)),
    ).select_from(User)).one()
    return Numbers(
        users=usage(dbsession),
        locked_users=locked,
        closed_users=closed,
        posts=local_and_remote(dbsession, Post),
        comments=local_and_remote(dbsession, Comment),
        pods=pod_counts(dbsession),
        # Served by the (reviewed, created_at) index.
        reports_waiting=dbsession.scalar(sa.select(sa.func.count()).select_from(Report)
                                         .where(Report.reviewed.is_(False))),
        sign_ups_waiting=dbsession.scalar(sa.select(sa.func.count()).select_from(SignUpRequest)),
    )


def week_starts(now: dt.datetime, weeks: int = WEEKS) -> list[dt.datetime]:
    """Mondays 00:00 UTC of the last ``weeks`` weeks, oldest first; the last is this week's."""
    now = now.astimezone(dt.timezone.utc)
    monday = (now - dt.timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def weekly_activity(dbsession, now: dt.datetime | None = None) -> list[Week]:
    """Sign-ups and posts by this pod's users in each of the last twelve weeks."""
    starts = week_starts(now or utcnow())
    sign_ups = weekly_counts(dbsession, User.__table__, User.created_at, starts)
    posts = weekly_counts(dbsession, sa.join(Post, Person, Person.id == Post.author_id), Post.created_at, starts,
                          Person.user_id.is_not(None))
    return [Week(start, s, p) for start, s, p in zip(starts, sign_ups, posts)]


# --- The chart ---------------------------------------------------------------------

WIDTH, HEIGHT = 760, 330
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 64, 44
SERIES = (("sign_ups", "Sign-ups", "#2f6f4e"), ("posts", "Posts by local users", "#c27c0e"))


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def chart_svg(weeks: list[Week], pod_name: str) -> str:
    """A bar chart of ``weeks`` as a standalone SVG document, readable without colour:
    every bar carries its number, and the title and description say what it shows."""
    title = f"Weekly sign-ups and posts on {pod_name}, last {len(weeks)} weeks"
    summary = "; ".join(f"week of {w.start:%Y-%m-%d}: {w.sign_ups} sign-ups, {w.posts} posts" for w in weeks)
    top = nice_ceiling(max([w.sign_ups for w in weeks] + [w.posts for w in weeks] + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="11">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(LEFT, 20, title, font_size="14", font_weight="bold", fill="#1f2328"),
    ]
    legend_x = LEFT
    for _, label, colour in SERIES:
        parts.append(f'<rect x="{legend_x}" y="32" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(legend_x + 16, 42, label, fill="#1f2328"))
        legend_x += 24 + 7 * len(label)
    for fraction in ((0, 0.5, 1) if top % 2 == 0 else (0, 1)):  # whole numbers only: counts have no halves
        y = base - plot_h * fraction
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"/>')
        parts.append(_text(LEFT - 6, y + 4, str(int(top * fraction)), text_anchor="end", fill="#57606a"))
    group = plot_w / max(len(weeks), 1)
    bar = group * 0.36
    for index, week in enumerate(weeks):
        x0 = LEFT + index * group + group * 0.14
        for offset, (key, label, colour) in enumerate(SERIES):
            count = getattr(week, key)
            height = plot_h * count / top
            x = x0 + offset * bar
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(f"{label}, week of {week.start:%Y-%m-%d}: {count}")}</title></rect>')
            parts.append(_text(x + bar / 2, base - height - 3, str(count), text_anchor="middle", fill="#1f2328",
                               data_series=key, data_week=f"{week.start:%Y-%m-%d}"))
        parts.append(_text(LEFT + index * group + group / 2, base + 16, week.label, text_anchor="middle",
                           fill="#57606a"))
    parts.append(_text(LEFT, HEIGHT - 8, "Weeks start on Monday (UTC); the last one is this week so far.",
                       fill="#57606a"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
