"""Reading what an import left in the database, for the tests of this folder."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person, User
from core.importers.models import ContentImport, ImportedItem
from core.posts.models import Post


def runs(pod) -> list[dict]:
    with pod.session_factory() as session:
        return [{"id": r.id, "state": r.state, "imported": r.imported, "skipped": r.skipped, "failed": r.failed,
                 "total": r.total, "error": r.error, "upload_path": r.upload_path, "federate": r.federate,
                 "visibility": r.visibility, "aspect_id": r.aspect_id}
                for r in session.scalars(sa.select(ContentImport).order_by(ContentImport.id))]


def items(pod) -> dict[str, tuple]:
    with pod.session_factory() as session:
        return {i.external_id: (i.state, i.reason, i.post_id, i.run_id)
                for i in session.scalars(sa.select(ImportedItem).order_by(ImportedItem.id))}


def posts_of(pod, username: str) -> list[Post]:
    with pod.session_factory() as session:
        found = list(session.scalars(sa.select(Post).join(Person, Person.id == Post.author_id)
                                     .join(User, User.id == Person.user_id).where(User.username == username)
                                     .order_by(Post.created_at, Post.id)))
        for post in found:
            post.photos  # loaded before the session closes
        session.expunge_all()
        return found


def user_id(pod, username: str) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(User.id).where(User.username == username))


def uploads(pod) -> list[str]:
    from core.importers.services import uploads_dir

    folder = uploads_dir(pod)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
