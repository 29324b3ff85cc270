"""Every stream query is index-backed: on a realistically filled PostgreSQL database no plan
reads the posts table sequentially, neither for a first page nor for a page after a cursor."""
from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.accounts.models import Person, Profile, Role, User
from core.aspects.models import Aspect, AspectMembership, Block, Contact
from core.posts.models import (AspectVisibility, Comment, HiddenPost, Like, Mention, Participation, Post,
                               ShareVisibility, Tag, TagFollowing, Tagging)
from core.community.services import spotlight_stream
from core.streams import services
from core.streams.paging import Cursor, page_query

USERS = 50
REMOTE_PEOPLE = 50
POSTS = 20_000
TAGS = 30
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def insert(conn, model, rows):
    if rows:
        conn.execute(sa.insert(model.__table__), rows)


def seed(engine) -> None:
    """50 local users and 50 remote people with aspects, contacts, 20,000 posts (40 % public)
    and what hangs off posts, inserted in bulk."""
    rnd = random.Random(7)
    people = USERS + REMOTE_PEOPLE
    with engine.begin() as conn:
        insert(conn, User, [{"id": u, "username": f"user{u}", "email": f"user{u}@example.org", "password_hash": "x",
                             "private_key_pem": "k"} for u in range(1, USERS + 1)])
        insert(conn, Person, [{"id": p, "guid": f"person-{p}", "diaspora_id": f"user{p}@pod{p % 3}.test",
                               "public_key_pem": "k", "user_id": p if p <= USERS else None}
                              for p in range(1, people + 1)])
        insert(conn, Profile, [{"person_id": p} for p in range(1, people + 1)])
        insert(conn, Role, [{"user_id": u, "name": "spotlight"} for u in (3, 7)])
        insert(conn, Aspect, [{"id": (u - 1) * 4 + a + 1, "user_id": u, "name": f"aspect {a}", "position": a}
                              for u in range(1, USERS + 1) for a in range(4)])
        contacts, memberships = [], []
        for u in range(1, USERS + 1):
            for p in rnd.sample([p for p in range(1, people + 1) if p != u], 15):
                contact_id = len(contacts) + 1
                contacts.append({"id": contact_id, "user_id": u, "person_id": p, "sharing": True, "receiving": True})
                memberships.append({"aspect_id": (u - 1) * 4 + rnd.randrange(4) + 1, "contact_id": contact_id})
        insert(conn, Contact, contacts)
        insert(conn, AspectMembership, memberships)
        insert(conn, Block, [{"user_id": u, "person_id": (u % people) + 2} for u in range(1, USERS + 1)])

        posts, shares, aspect_visibilities = [], [], []
        for post_id in range(1, POSTS + 1):
            author = rnd.randrange(1, people + 1)
            public = rnd.random() < 0.4
            # Pairs of posts share a timestamp, as federated posts often do.
            created = START + dt.timedelta(minutes=post_id // 2)
            posts.append({"id": post_id, "guid": f"post-{post_id}", "author_id": author, "public": public,
                          "text": f"post {post_id}", "created_at": created,
                          "interacted_at": created + dt.timedelta(minutes=rnd.randrange(0, 600))})
            if not public:
                for u in rnd.sample(range(1, USERS + 1), 4):
                    shares.append({"post_id": post_id, "user_id": u})
                if author <= USERS:
                    aspect_visibilities.append({"post_id": post_id, "aspect_id": (author - 1) * 4 + 1})
        insert(conn, Post, posts)
        insert(conn, ShareVisibility, shares)
        insert(conn, AspectVisibility, aspect_visibilities)

        insert(conn, Tag, [{"id": t, "name": f"tag{t}"} for t in range(1, TAGS + 1)])
        insert(conn, Tagging, [{"tag_id": t, "post_id": p} for p in range(1, POSTS + 1, 3)
                               for t in {rnd.randrange(1, TAGS + 1), rnd.randrange(1, TAGS + 1)}])
        insert(conn, TagFollowing, [{"user_id": u, "tag_id": t} for u in range(1, USERS + 1)
                                    for t in rnd.sample(range(1, TAGS + 1), 3)])
        insert(conn, Mention, [{"person_id": rnd.randrange(1, people + 1), "post_id": p}
                               for p in range(1, POSTS + 1, 20)])
        likes = {(rnd.randrange(1, POSTS + 1), rnd.randrange(1, people + 1)) for _ in range(10_000)}
        insert(conn, Like, [{"guid": f"like-{i}", "target_type": "Post", "post_id": p, "author_id": a,
                             "created_at": START} for i, (p, a) in enumerate(likes)])
        comments = [(rnd.randrange(1, POSTS + 1), rnd.randrange(1, people + 1)) for _ in range(5_000)]
        insert(conn, Comment, [{"guid": f"comment-{i}", "post_id": p, "author_id": a, "text": "nice",
                                "created_at": START} for i, (p, a) in enumerate(comments)])
        participations = likes | set(comments) | {(row["id"], row["author_id"]) for row in posts}
        insert(conn, Participation, [{"guid": f"participation-{i}", "post_id": p, "person_id": a, "created_at": START}
                                     for i, (p, a) in enumerate(participations)])
        insert(conn, HiddenPost, [{"user_id": u, "post_id": rnd.randrange(1, POSTS + 1)}
                                  for u in range(1, USERS + 1)])
        for table in ("users", "people", "aspects", "contacts", "posts", "tags"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def explain(engine, statement) -> dict:
    """The plan of ``statement`` exactly as the ORM sends it (eager joins, bound parameters)."""
    sent = []

    def capture(conn, cursor, sql, parameters, context, executemany):
        sent.append((sql, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            session.scalars(statement).unique().all()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    sql, parameters = sent[-1]
    with engine.connect() as conn:
        return conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, parameters).scalar()[0]["Plan"]


def viewer(user_id: int):
    return SimpleNamespace(id=user_id, person=SimpleNamespace(id=user_id))


def streams(user, tag):
    """Each stream as the pages run it: its name, its query and the timestamp it pages by."""
    by_created = Post.created_at
    return [
        ("main", services.main_stream(user), by_created),
        ("aspects (all)", services.aspects_stream(user), by_created),
        ("aspects (one)", services.aspects_stream(user, [1]), by_created),
        ("activity", services.activity_stream(user), Post.interacted_at),
        ("mentions", services.mentions_stream(user), by_created),
        ("followed tags", services.followed_tags_stream(user), by_created),
        ("public", services.public_stream(user), by_created),
        ("public (visitor)", services.public_stream(None), by_created),
        ("liked", services.liked_stream(user), by_created),
        ("commented", services.commented_stream(user), by_created),
        ("tag", services.tag_stream(user, tag), by_created),
        ("tag (visitor)", services.tag_stream(None, tag), by_created),
        ("spotlight", spotlight_stream(user), by_created),
    ]


def sequential_scans_of_posts(plan) -> list[dict]:
    return [node for node in plan_nodes(plan) if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "posts"]


# Sparse on purpose: a few rows each, so they need no full page.
SPARSE = ("mentions", "liked", "commented")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_no_stream_reads_posts_sequentially(pod):
    seed(pod.engine)
    user = viewer(1)
    cursor = Cursor(START + dt.timedelta(days=7), POSTS // 2)
    # The check itself sees a sequential scan when there is one.
    unindexed = sa.select(Post).where(Post.text.like("%needle%"))
    assert sequential_scans_of_posts(explain(pod.engine, page_query(unindexed, Post.created_at, Post.id, None)))

    problems = []
    with Session(pod.engine) as session:
        tag = session.scalar(sa.select(Tag).where(Tag.name == "tag5"))
        for name, query, by in streams(user, tag):
            first = session.scalars(page_query(query, by, Post.id, None)).unique().all()
            if not name.startswith(SPARSE) and len(first) != 16:
                problems.append(f"{name} stream: the seeded data gives it {len(first)} rows, not a full page")
            for page, at in (("first page", None), ("page after a cursor", cursor)):
                plan = explain(pod.engine, page_query(query, by, Post.id, at))
                if sequential_scans_of_posts(plan):
                    problems.append(f"{name} stream, {page}: Seq Scan on posts\n{json.dumps(plan, indent=1)}")
    assert not problems, "\n\n".join(problems)
