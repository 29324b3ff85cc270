"""Server time of the stream pages and API streams on PostgreSQL with 1M posts and a reader
with 500 contacts.

Creates a throwaway database on the local PostgreSQL server, migrates it with the pod's own
migrations, signs the reader up through the web form, seeds everyone else with bulk SQL,
then times each page in-process (the WSGI app called directly, no HTTP) and counts its SQL
statements. Exits non-zero when a page's p99 is over the budget (DESIGN.md §8: 50 ms).

    .venv/bin/python bench/stream_pages.py [--posts 1000000] [--people 2000] [--requests 200] [--keep]
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

SERVER = os.environ.get("SEEDPOD_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/")
DATABASE = "seedpod_bench"
BUDGET_MS = 50.0
CONTACTS = 500
LOCAL_USERS = 200
WARM_UP = 20
PASSWORD = "benchmark passphrase"
LOREM = ("Went for a long walk by the river this morning; the light was soft and the city still "
         "asleep. Coffee afterwards, then back to work on the garden shed.")


def admin_engine():
    return sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")


def database_url() -> str:
    return sa.engine.make_url(SERVER).set(database=DATABASE).render_as_string(hide_password=False)


def recreate_database() -> None:
    engine = admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()


def drop_database() -> None:
    engine = admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


# --- seeding -------------------------------------------------------------------------------

def seed_statements(posts: int, people: int, reader_uid: int, reader_pid: int, reader_aspects: list[int],
                    pbase: int, ubase: int) -> list[tuple[str, str]]:
    """(label, SQL) pairs that fill the database around the reader. Bulk people are
    ``pbase + 1 .. pbase + people``; the first LOCAL_USERS of them are local users
    ``ubase + 1 ..``. Posts get ids 1..posts in time order, as a pod's would."""
    step = max(people // CONTACTS, 1)
    aspects = "ARRAY[" + ",".join(map(str, reader_aspects)) + "]"
    spotlight_uid = ubase + LOCAL_USERS
    return [
        ("local users", f"""
            INSERT INTO users (id, username, email, password_hash, private_key_pem, created_at)
            SELECT {ubase} + i, 'user' || i, 'user' || i || '@example.org', 'unusable', 'unused',
                   now() - interval '4 years'
            FROM generate_series(1, {LOCAL_USERS}) i"""),
        ("people", f"""
            INSERT INTO people (id, guid, diaspora_id, public_key_pem, user_id, created_at)
            SELECT {pbase} + i, md5('person-' || i),
                   'user' || i || '@' || CASE WHEN i <= {LOCAL_USERS} THEN 'pod.test'
                                              ELSE 'pod' || (i % 40) || '.example' END,
                   'unused', CASE WHEN i <= {LOCAL_USERS} THEN {ubase} + i END, now() - interval '4 years'
            FROM generate_series(1, {people}) i"""),
        ("profiles", f"""
            INSERT INTO profiles (person_id, first_name, last_name, tag_string, bio, location, gender,
                                  searchable, public_details, nsfw, updated_at)
            SELECT {pbase} + i, 'Person', i::text, '', '', '', '', true, false, false, now()
            FROM generate_series(1, {people}) i"""),
        ("aspects", f"""
            INSERT INTO aspects (user_id, name, position, created_at)
            SELECT {ubase} + u, (ARRAY['Family', 'Friends', 'Work', 'Acquaintances'])[p + 1], p, now()
            FROM generate_series(1, {LOCAL_USERS}) u, generate_series(0, 3) p"""),
        ("spotlight role", f"INSERT INTO roles (user_id, name, granted_at) VALUES ({spotlight_uid}, 'spotlight', now())"),
        ("reader's 500 contacts", f"""
            INSERT INTO contacts (user_id, person_id, sharing, receiving, created_at)
            SELECT {reader_uid}, {pbase} + i, true, true, now()
            FROM generate_series({step}, {step * CONTACTS}, {step}) i"""),
        ("reader's aspect memberships", f"""
            INSERT INTO aspect_memberships (aspect_id, contact_id, created_at)
            SELECT ({aspects})[1 + c.id % 4], c.id, now() FROM contacts c WHERE c.user_id = {reader_uid}"""),
        ("other users' contacts", f"""
            INSERT INTO contacts (user_id, person_id, sharing, receiving, created_at)
            SELECT {ubase} + u, {pbase} + 1 + (u * 7 + j * 13) % {people}, true, true, now()
            FROM generate_series(1, {LOCAL_USERS}) u, generate_series(0, 99) j
            WHERE 1 + (u * 7 + j * 13) % {people} <> u"""),
        ("other users' aspect memberships", f"""
            INSERT INTO aspect_memberships (aspect_id, contact_id, created_at)
            SELECT a.id, c.id, now() FROM contacts c
            JOIN aspects a ON a.user_id = c.user_id AND a.position = c.id % 4
            WHERE c.user_id <> {reader_uid}"""),
        ("tags", """
            INSERT INTO tags (id, name)
            SELECT i, 'tag' || i FROM generate_series(1, 1000) i
            UNION ALL VALUES (1001, 'photography'), (1002, 'linux'), (1003, 'music'), (1004, 'cats')"""),
        # Authors are skewed (a few people write much); 40% public; every 50th post a reshare of
        # an older public post; 5% #photography, 1.5% one of the reader's followed tags, 25% a
        # long-tail tag, 3% mention someone; the reader writes 800 posts and is mentioned in 300.
        (f"{posts:,} posts", f"""
            INSERT INTO posts (id, guid, type, author_id, public, text, root_id, nsfw, created_at, interacted_at,
                               comments_count, likes_count, reshares_count)
            SELECT i, md5('post-' || i), CASE WHEN reshare THEN 'Reshare' ELSE 'StatusMessage' END,
                   CASE WHEN i % 2500 IN (0, 3) THEN {reader_pid}
                        ELSE {pbase} + 1 + floor({people} * r_author * r_author)::int END,
                   i % 5 < 2,
                   CASE WHEN reshare THEN '' ELSE
                     'Status update ' || i || '. ' || '{LOREM}'
                     || CASE WHEN r_tag < 0.05 THEN ' #photography' ELSE '' END
                     || CASE WHEN r_followed < 0.005 THEN ' #linux' WHEN r_followed < 0.010 THEN ' #music'
                             WHEN r_followed < 0.015 THEN ' #cats' ELSE '' END
                     || CASE WHEN r_tail < 0.25 THEN ' #tag' || (1 + floor(r_tail * 4000)::int) ELSE '' END
                     || CASE WHEN i % 3333 = 7 THEN ' @{{Reader; reader@pod.test}}'
                             WHEN r_mention < 0.03 THEN ' @{{Person; user' || (1 + floor(r_mention * 100000)::int % {people})
                                                        || '@' || CASE WHEN 1 + floor(r_mention * 100000)::int % {people}
                                                                            <= {LOCAL_USERS} THEN 'pod.test'
                                                                       ELSE 'pod' || ((1 + floor(r_mention * 100000)::int
                                                                                       % {people}) % 40) || '.example'
                                                                  END || '}}'
                             ELSE '' END
                   END,
                   CASE WHEN reshare THEN i - 1 - 5 * (i % 200) END,
                   false, created,
                   created + CASE WHEN comments + likes > 0 THEN r_interacted * interval '2 days' ELSE interval '0' END,
                   comments, likes, 0
            FROM (SELECT i, i % 50 = 1 AND i > 1000 AS reshare,
                         now() - interval '3 years' + i * (interval '3 years' / {posts}) AS created,
                         random() AS r_author, random() AS r_tag, random() AS r_followed, random() AS r_tail,
                         random() AS r_mention, random() AS r_interacted,
                         CASE WHEN random() < 0.2 THEN 1 + floor(random() * 3)::int ELSE 0 END AS comments,
                         CASE WHEN random() < 0.3 THEN 1 + floor(random() * 3)::int ELSE 0 END AS likes
                  FROM generate_series(1, {posts}) i) s"""),
        ("taggings", """
            INSERT INTO taggings (tag_id, post_id)
            SELECT DISTINCT t.id, p.id FROM posts p
            CROSS JOIN LATERAL regexp_matches(p.text, '#([a-z0-9]+)', 'g') m
            JOIN tags t ON t.name = m[1]
            WHERE p.text LIKE '%#%'"""),
        ("mentions", """
            INSERT INTO mentions (person_id, post_id)
            SELECT DISTINCT pe.id, p.id FROM posts p
            CROSS JOIN LATERAL regexp_matches(p.text, '@\\{[^;]*; ([^}]+)\\}', 'g') m
            JOIN people pe ON pe.diaspora_id = m[1]
            WHERE p.text LIKE '%@{%'"""),
        ("share visibilities: the reader on 60% of contacts' limited posts", f"""
            INSERT INTO share_visibilities (post_id, user_id)
            SELECT p.id, {reader_uid} FROM posts p
            JOIN contacts c ON c.person_id = p.author_id AND c.user_id = {reader_uid}
            WHERE NOT p.public AND random() < 0.6"""),
        ("share visibilities: one other local user per limited post", f"""
            INSERT INTO share_visibilities (post_id, user_id)
            SELECT p.id, {ubase} + 1 + p.id % {LOCAL_USERS} FROM posts p
            WHERE NOT p.public AND p.author_id <> {pbase} + 1 + p.id % {LOCAL_USERS}
              AND p.author_id <> {reader_pid}"""),
        ("aspect visibilities of local users' limited posts", """
            INSERT INTO aspect_visibilities (post_id, aspect_id)
            SELECT p.id, a.id FROM posts p
            JOIN people pe ON pe.id = p.author_id AND pe.user_id IS NOT NULL
            JOIN aspects a ON a.user_id = pe.user_id AND a.position = p.id % 4
            WHERE NOT p.public"""),
        ("comments", f"""
            INSERT INTO comments (guid, post_id, author_id, text, created_at, likes_count)
            SELECT md5('comment-' || p.id || '-' || k), p.id, {pbase} + 1 + (p.id * 17 + k * 89) % {people},
                   'Lovely, thanks for sharing (' || k || ')',
                   p.created_at + (p.interacted_at - p.created_at) * k / p.comments_count, 0
            FROM posts p CROSS JOIN LATERAL generate_series(1, p.comments_count) k
            WHERE p.comments_count > 0"""),
        ("likes", f"""
            INSERT INTO likes (guid, target_type, post_id, author_id, positive, created_at)
            SELECT md5('like-' || p.id || '-' || k), 'Post', p.id, {pbase} + 1 + (p.id * 31 + k * 97) % {people},
                   true, p.created_at + (p.interacted_at - p.created_at) * k / p.likes_count
            FROM posts p CROSS JOIN LATERAL generate_series(1, p.likes_count) k
            WHERE p.likes_count > 0"""),
        ("the reader's likes and comments", f"""
            WITH liked AS (
                INSERT INTO likes (guid, target_type, post_id, author_id, positive, created_at)
                SELECT md5('reader-like-' || id), 'Post', id, {reader_pid}, true, created_at + interval '1 hour'
                FROM posts WHERE id % 300 = 11 RETURNING post_id)
            INSERT INTO comments (guid, post_id, author_id, text, created_at, likes_count)
            SELECT md5('reader-comment-' || id), id, {reader_pid}, 'Agreed!', created_at + interval '2 hours', 0
            FROM posts WHERE id % 1500 = 16"""),
        ("participations", """
            INSERT INTO participations (guid, person_id, post_id, created_at)
            SELECT md5('participation-' || person_id || '-' || post_id), person_id, post_id, now()
            FROM (SELECT author_id AS person_id, id AS post_id FROM posts
                  UNION SELECT author_id, post_id FROM comments
                  UNION SELECT author_id, post_id FROM likes WHERE post_id IS NOT NULL) t"""),
        ("followed tags, hidden posts and blocks of the reader", f"""
            INSERT INTO tag_followings (user_id, tag_id, created_at)
            SELECT {reader_uid}, id, now() FROM tags WHERE name IN ('linux', 'music', 'cats');
            INSERT INTO hidden_posts (user_id, post_id)
            SELECT {reader_uid}, id FROM posts WHERE id % 50000 = 10 AND public;
            INSERT INTO blocks (user_id, person_id, created_at)
            SELECT {reader_uid}, {pbase} + i, now() FROM generate_series(2, {2 + 2 * step}, {step}) i"""),
        ("sequences", """
            SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT max(id) FROM posts));
            SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people));
            SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
            SELECT setval(pg_get_serial_sequence('tags', 'id'), (SELECT max(id) FROM tags))"""),
    ]


def seed(engine, posts: int, people: int, reader_username: str) -> None:
    import psycopg

    with engine.connect() as conn:
        reader_uid, reader_pid = conn.execute(sa.text(
            "SELECT u.id, p.id FROM users u JOIN people p ON p.user_id = u.id WHERE u.username = :n"),
            {"n": reader_username}).one()
        reader_aspects = list(conn.scalars(sa.text("SELECT id FROM aspects WHERE user_id = :u ORDER BY position, id"),
                                           {"u": reader_uid}))
        pbase = conn.scalar(sa.text("SELECT max(id) FROM people"))
        ubase = conn.scalar(sa.text("SELECT max(id) FROM users"))
    statements = seed_statements(posts, people, reader_uid, reader_pid, reader_aspects, pbase, ubase)
    # Plain psycopg: the statements are literal SQL (no bind parameters) and some hold several.
    dsn = sa.engine.make_url(database_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SELECT setseed(0.42)")
        for label, sql in statements:
            begun = time.monotonic()
            conn.execute(sql)
            print(f"  {label:62} {time.monotonic() - begun:6.1f} s", flush=True)
        begun = time.monotonic()
        conn.execute("VACUUM (ANALYZE)")
        print(f"  {'VACUUM (ANALYZE)':62} {time.monotonic() - begun:6.1f} s", flush=True)
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)


# --- measuring -----------------------------------------------------------------------------

class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


def get(wsgi_app, path: str, cookie: str):
    """``cookie`` signs the web pages in; API paths carry the reader's token instead."""
    from webob import Request

    headers = {"Authorization": f"Bearer {cookie}"} if path.startswith("/api/") else {"Cookie": cookie}
    request = Request.blank(path, environ={"REMOTE_ADDR": "192.0.2.10"}, headers=headers)
    return request.get_response(wsgi_app)


def api_token(pod, username: str) -> str:
    """A personal access token of ``username`` able to read everything the streams show."""
    from core.accounts.models import User
    from core.api.tokens import TokenService

    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        _, secret = TokenService(session).create_personal(
            user, "bench", "public:read private:read contacts:read tags:read")
        session.commit()
        return secret


def older_api_page(wsgi_app, path: str, token: str) -> str:
    """The address of the API page after ``path``, read off its Link header."""
    response = get(wsgi_app, path, token)
    found = re.search(r"<https?://[^/>]+([^>]+)>; rel=\"next\"", response.headers.get("Link", ""))
    if response.status_int != 200 or found is None:
        raise SystemExit(f"{path} answered {response.status} without a next link")
    return found.group(1)


def older_page(wsgi_app, path: str, cookie: str) -> str:
    """The address of the page after ``path``, read off its "older posts" link."""
    response = get(wsgi_app, path, cookie)
    found = re.search(r"[?&](?:amp;)?max=(\d+_\d+)", response.text)
    if response.status_int != 200 or found is None:
        raise SystemExit(f"{path} answered {response.status} without a link to older posts")
    return f"{path.split('?')[0]}?max={found.group(1)}"


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * fraction) - 1))]


def measure(wsgi_app, counter: StatementCounter, path: str, cookie: str, requests: int) -> dict:
    for _ in range(WARM_UP):
        get(wsgi_app, path, cookie)
    times = []
    for _ in range(requests):
        counter.count = 0
        start = time.perf_counter()
        response = get(wsgi_app, path, cookie)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_int != 200:
            raise SystemExit(f"{path} answered {response.status}")
    ordered = sorted(times)
    return {"p50": percentile(ordered, 0.50), "p95": percentile(ordered, 0.95), "p99": percentile(ordered, 0.99),
            "max": ordered[-1], "statements": counter.count, "bytes": len(response.body)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page, after a warm-up")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    args = parser.parse_args()
    if args.people < max(CONTACTS, LOCAL_USERS) + 10:
        parser.error(f"--people must be at least {max(CONTACTS, LOCAL_USERS) + 10}")

    from core import migrations
    from core.config import configure
    from core.pod import build_pod
    from core.testing import base_settings, browse, sign_in, sign_up

    recreate_database()
    try:
        with tempfile.TemporaryDirectory() as folder:
            pod = build_pod(base_settings(Path(folder), database_url()), environ={})
            migrations.upgrade(pod)
            wsgi_app = configure({}, pod=pod).make_wsgi_app()
            signing_up = browse(wsgi_app, pod)
            assert sign_up(signing_up, "reader", PASSWORD).status_int == 303, "the reader could not sign up"
            print(f"seeding {args.posts:,} posts, {args.people:,} people ({LOCAL_USERS} local users) "
                  f"and a reader with {CONTACTS} contacts in 4 aspects", flush=True)
            seed(pod.engine, args.posts, args.people, "reader")
            pod.engine.dispose()  # drop connections that cached plans and statistics from the empty tables

            browser = browse(wsgi_app, pod)
            assert sign_in(browser, "reader", PASSWORD).status_int == 303, "the reader could not sign in"
            cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
            with pod.engine.connect() as conn:
                contact_guid = conn.scalar(sa.text(
                    "SELECT pe.guid FROM contacts c JOIN users u ON u.id = c.user_id AND u.username = 'reader' "
                    "JOIN people pe ON pe.id = c.person_id "
                    "ORDER BY (SELECT count(*) FROM posts WHERE author_id = pe.id) DESC LIMIT 1"))
            page_three = older_page(wsgi_app, older_page(wsgi_app, "/stream", cookie), cookie)
            pages = {"/stream": "/stream", "/stream?max=<page 3>": page_three, "/aspects": "/aspects",
                     "/activity": "/activity", "/public": "/public", "/tags/photography": "/tags/photography",
                     "/people/<contact>": f"/people/{contact_guid}"}
            token = api_token(pod, "reader")
            api_three = older_api_page(wsgi_app, older_api_page(wsgi_app, "/api/v1/streams/main", token), token)
            api_pages = {"api streams/main": "/api/v1/streams/main", "api streams/main page 3": api_three,
                         "api streams/aspects": "/api/v1/streams/aspects",
                         "api streams/activity": "/api/v1/streams/activity"}
            counter = StatementCounter(pod.engine)
            results = {}
            for label, path in pages.items():
                results[label] = measure(wsgi_app, counter, path, cookie, args.requests)
                print(f"  measured {label}", flush=True)
            for label, path in api_pages.items():
                results[label] = measure(wsgi_app, counter, path, token, args.requests)
                print(f"  measured {label}", flush=True)
            pod.engine.dispose()
    finally:
        if not args.keep:
            drop_database()

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.requests} requests per page after {WARM_UP} warm-up requests")
    print(f"{'page':24} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  SQL")
    for label, r in results.items():
        print(f"{label:24} {r['p50']:6.1f}ms {r['p95']:6.1f}ms {r['p99']:6.1f}ms {r['max']:6.1f}ms  {r['statements']:3}")
    over = [label for label, r in results.items() if r["p99"] > BUDGET_MS]
    if over:
        print(f"over the {BUDGET_MS:.0f} ms p99 budget: {', '.join(over)}")
        return 1
    print(f"every page is within the {BUDGET_MS:.0f} ms p99 budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
