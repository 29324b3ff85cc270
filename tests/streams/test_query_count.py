"""A stream page costs a fixed number of queries, however many posts it shows."""
from __future__ import annotations

import contextlib

from sqlalchemy import event

from core.accounts.keys import new_guid
from core.posts.models import Photo

from .conftest import add_to_aspect, person_id, post, post_id


@contextlib.contextmanager
def counting(pod):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(pod.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(pod.engine, "before_cursor_execute", count)


def with_photo(pod, guid: str, author: int) -> None:
    with pod.session_factory() as db:
        db.add(Photo(guid=new_guid(), author_id=author, post_id=post_id(pod, guid), pending=False, public=True,
                     file_name=f"{new_guid()}.png", width=8, height=8))
        db.commit()


def queries_for(app, pod, path: str) -> int:
    with counting(pod) as statements:
        app.get(path)
    return len(statements)


def test_stream_and_person_pages_cost_the_same_for_two_posts_or_fifteen(people, app, pod):
    bob = person_id(pod, "bob")
    add_to_aspect(pod, "alice", bob)
    for n in range(2):
        with_photo(pod, post(pod, bob, f"post {n} for @{{alice; alice@pod.test}} and @{{n{n}; n{n}@elsewhere.test}} #n{n}", public=True), bob)
    guid = people["bob"].get("/stream").html.find("a", href=lambda h: h and "/people/" in h)["href"]
    few = {path: queries_for(app, pod, path) for path in ("/stream", "/public", guid)}
    for n in range(2, 20):
        with_photo(pod, post(pod, bob, f"post {n} for @{{alice; alice@pod.test}} and @{{n{n}; n{n}@elsewhere.test}} #n{n}", public=True), bob)
    many = {path: queries_for(app, pod, path) for path in ("/stream", "/public", guid)}
    assert many == few
