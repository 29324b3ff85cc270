"""/admin: the pod's numbers, and the weekly chart drawn as SVG at /admin/chart.svg."""
from __future__ import annotations

import datetime as dt
import secrets

import lxml.etree
import lxml.html
import pytest

from core.accounts.models import Person, Profile, SignUpRequest, User
from core.admin.dashboard import chart_svg, nice_ceiling, week_starts, Week
from core.admin.models import Report
from core.db import utcnow
from core.federation.models import POD_DOWN, POD_UP, Pod
from core.posts.models import Comment, Post
from core.testing import csrf

SVG = "{http://www.w3.org/2000/svg}"


def add_user(session, username, created_at=None, **values):
    """A local user as a bare row (no keys worth the name): enough for counting."""
    user = User(username=username, email=f"{username}@example.org", password_hash="x", private_key_pem="x",
                created_at=created_at or utcnow(), **values)
    user.person = Person(guid=secrets.token_hex(16), diaspora_id=f"{username}@pod.test", public_key_pem="x",
                         profile=Profile())
    session.add(user)
    session.flush()
    return user


def add_remote(session, diaspora_id, pod=None):
    person = Person(guid=secrets.token_hex(16), diaspora_id=diaspora_id, public_key_pem="x", profile=Profile(),
                    pod_id=pod.id if pod else None)
    session.add(person)
    session.flush()
    return person


def add_post(session, author, created_at=None, public=True, text="hello"):
    post = Post(guid=secrets.token_hex(16), author_id=author.id, public=public, text=text,
                created_at=created_at or utcnow())
    session.add(post)
    session.flush()
    return post


def add_comment(session, author, post, text="a comment"):
    comment = Comment(guid=secrets.token_hex(16), post_id=post.id, author_id=author.id, text=text)
    session.add(comment)
    session.flush()
    return comment


def stat(page, testid: str) -> int:
    doc = lxml.html.fromstring(page.text)
    (node,) = doc.xpath(f'//*[@data-testid="{testid}"]/strong')
    return int(node.text_content().strip())


@pytest.fixture
def podmin(member):
    return member("podmin", "admin")


def test_the_dashboard_counts_users_content_pods_reports_and_sign_ups(podmin, pod):
    now = utcnow()
    with pod.session_factory() as session:
        add_user(session, "recent", last_sign_in_at=now - dt.timedelta(days=3))
        add_user(session, "halfyear", last_sign_in_at=now - dt.timedelta(days=100))
        add_user(session, "gone", last_sign_in_at=now - dt.timedelta(days=400))
        add_user(session, "locked", locked_at=now, last_sign_in_at=now)
        add_user(session, "closed", closed_at=now)
        local = session.query(Person).filter(Person.diaspora_id == "recent@pod.test").one()
        up = Pod(host="up.example", status=POD_UP)
        down = Pod(host="down.example", status=POD_DOWN)
        blocked = Pod(host="blocked.example", status=POD_UP, blocked_at=now)
        session.add_all([up, down, blocked, Pod(host="new.example")])
        session.flush()
        remote = add_remote(session, "far@up.example", up)
        mine = [add_post(session, local) for _ in range(3)]
        theirs = [add_post(session, remote) for _ in range(2)]
        add_comment(session, local, theirs[0])
        add_comment(session, remote, mine[0])
        add_comment(session, remote, mine[1])
        add_comment(session, remote, theirs[1])
        reporter = session.query(User).filter(User.username == "recent").one()
        session.add_all([
            Report(user_id=reporter.id, item_type="Post", item_id=theirs[0].id, reason="spam"),
            Report(user_id=reporter.id, item_type="Post", item_id=theirs[1].id, reason="rude", reviewed=True,
                   resolution="dismissed"),
            SignUpRequest(username="hopeful", email="hopeful@example.org", password_hash="x"),
        ])
        session.commit()

    page = podmin.get("/admin")

    assert page.status_int == 200
    # podmin (signed in just now), recent, halfyear and gone; locked and closed are left out.
    assert stat(page, "users-total") == 4
    assert stat(page, "users-month") == 2
    assert stat(page, "users-halfyear") == 3
    assert stat(page, "users-locked") == 1
    assert stat(page, "users-closed") == 1
    assert stat(page, "posts-local") == 3
    assert stat(page, "posts-remote") == 2
    assert stat(page, "comments-local") == 1
    assert stat(page, "comments-remote") == 3
    assert stat(page, "pods-known") == 4
    assert stat(page, "pods-up") == 2
    assert stat(page, "pods-down") == 1
    assert stat(page, "pods-blocked") == 1
    assert stat(page, "reports-waiting") == 1
    assert stat(page, "sign-ups-waiting") == 1
    assert 'src="http://localhost/admin/chart.svg"' in page.text


def seed_weeks(pod):
    """Sign-ups and local posts in known weeks, plus rows the chart must leave out."""
    starts = week_starts(utcnow())
    with pod.session_factory() as session:
        author = add_user(session, "writer", created_at=starts[0] - dt.timedelta(days=30))  # before the chart
        remote = add_remote(session, "far@elsewhere.example")
        for n in range(3):
            add_user(session, f"early{n}", created_at=starts[1] + dt.timedelta(hours=n))
        add_user(session, "edge", created_at=starts[5])  # exactly Monday 00:00 belongs to that week
        add_user(session, "sunday", created_at=starts[5] - dt.timedelta(seconds=1))  # ...and a second before doesn't
        for n in range(4):
            add_post(session, author.person, created_at=starts[1] + dt.timedelta(days=2, minutes=n))
        for n in range(2):
            add_post(session, author.person, created_at=starts[10] + dt.timedelta(days=6, hours=23))
        add_post(session, author.person, created_at=starts[0] - dt.timedelta(seconds=1))  # too old to show
        add_post(session, remote, created_at=starts[1] + dt.timedelta(days=1))  # not written here
        session.commit()
    return starts


def test_the_weekly_chart_is_an_svg_with_each_weeks_counts(podmin, pod):
    starts = seed_weeks(pod)

    response = podmin.get("/admin/chart.svg")

    assert response.content_type == "image/svg+xml"
    assert "no-store" in response.headers["Cache-Control"]
    root = lxml.etree.fromstring(response.body)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Weekly sign-ups and posts on Seedpod, last 12 weeks"
    assert "sign-ups" in root.find(f"{SVG}desc").text
    values = {(node.get("data-series"), node.get("data-week")): int(node.text)
              for node in root.iter(f"{SVG}text") if node.get("data-series")}
    assert len(values) == 24
    expected_sign_ups = [0] * 12
    expected_sign_ups[1], expected_sign_ups[4], expected_sign_ups[5] = 3, 1, 1
    expected_sign_ups[11] += 1  # podmin signed up this week
    expected_posts = [0] * 12
    expected_posts[1], expected_posts[10] = 4, 2
    assert [values[("sign_ups", f"{s:%Y-%m-%d}")] for s in starts] == expected_sign_ups
    assert [values[("posts", f"{s:%Y-%m-%d}")] for s in starts] == expected_posts
    labels = [node.text for node in root.iter(f"{SVG}text")]
    assert f"{starts[0].day} {starts[0]:%b}" in labels and "Sign-ups" in labels and "Posts by local users" in labels

    page = podmin.get("/admin")
    doc = lxml.html.fromstring(page.text)
    row = doc.xpath(f'//tr[@data-testid="week-{starts[1]:%Y-%m-%d}"]/td/text()')
    assert row == [f"{starts[1]:%Y-%m-%d}", "3", "4"]


def test_week_starts_are_mondays_at_midnight_utc_ending_with_this_week():
    wednesday = dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.timezone.utc)
    starts = week_starts(wednesday)
    assert len(starts) == 12
    assert starts[-1] == dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    assert starts[0] == dt.datetime(2026, 9, 7, tzinfo=dt.timezone.utc)
    assert all(s.weekday() == 0 and b - s == dt.timedelta(weeks=1) for s, b in zip(starts, starts[1:]))
    # A Monday just after midnight starts a new week.
    assert week_starts(dt.datetime(2026, 11, 30, 0, 0, 1, tzinfo=dt.timezone.utc))[-1].day == 30


def test_the_chart_escapes_the_pod_name_and_scales_to_the_largest_week():
    weeks = [Week(dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc), 7, 130)]
    svg = chart_svg(weeks, 'Tom & Jerry\'s <pod> "one"')
    root = lxml.etree.fromstring(svg.encode())
    assert root.find(f"{SVG}title").text == 'Weekly sign-ups and posts on Tom & Jerry\'s <pod> "one", last 1 weeks'
    assert "<pod>" not in svg
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert "200" in texts and "100" in texts  # the axis ends at a round number
    five = lxml.etree.fromstring(chart_svg([Week(weeks[0].start, 3, 4)], "pod").encode())
    assert "2.5" not in [node.text for node in five.iter(f"{SVG}text")]  # no half a sign-up on the axis
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 130, 501)] == [1, 1, 5, 10, 10, 20, 200, 1000]


def test_an_empty_pod_draws_an_empty_chart(podmin, pod):
    root = lxml.etree.fromstring(podmin.get("/admin/chart.svg").body)
    bars = [node for node in root.iter(f"{SVG}rect") if node.get("class") == "bar"]
    assert len(bars) == 24
    assert sorted(float(bar.get("height")) for bar in bars)[:23] == [0.0] * 23  # only podmin's sign-up


@pytest.mark.parametrize("path", ["/admin", "/admin/chart.svg"])
def test_only_admins_see_the_dashboard(member, path):
    assert member("root", "admin").get(path).status_int == 200
    assert member("mod", "moderator").get(path, status=403).status_int == 403
    assert member("user").get(path, status=403).status_int == 403
    visitor = member(None).get(path, status=302)
    assert visitor.location == f"http://localhost/users/sign_in?next={path.replace('/', '%2F')}"


def test_the_chart_costs_one_query_per_series_whatever_the_weeks_hold(pod):
    import sqlalchemy as sa

    from core.admin.dashboard import weekly_activity

    seed_weeks(pod)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(pod.engine, "before_cursor_execute", count)
    try:
        with pod.session_factory() as session:
            weeks = weekly_activity(session)
    finally:
        sa.event.remove(pod.engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2
    # Each reads only the twelve weeks' range (a bounded, index-friendly scan), never row by row.
    assert all(s.count(">=") >= 13 and "GROUP BY" not in s.upper() for s in selects)
    assert sum(w.posts for w in weeks) == 6


def test_junk_parameters_and_head_requests_on_the_dashboard(podmin):
    assert podmin.get("/admin", params={"q": "%", "before": "zz", "weeks": "-1"}).status_int == 200
    head = podmin.head("/admin/chart.svg")
    assert head.status_int == 200 and head.content_type == "image/svg+xml"
    token = csrf(podmin, "/admin/users")
    assert podmin.post("/admin/chart.svg", {"csrf_token": token}, status="*").status_int in (404, 405)
