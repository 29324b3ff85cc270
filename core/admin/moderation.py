"""Moderation: what users report, the queue moderators work through, and what they do about it.

A report names a post or a comment (``item_type``, ``item_id``). Moderators and admins get a
mail for each new report; the queue shows open reports oldest first. An action resolves the
report and every other open report about the same item:

- ``delete``: the content goes. Local content goes through the same domain services as when
  its author deletes it, so a retraction is federated; remote content is removed here only.
- ``dismiss``: nothing to do.
- ``lock``: the local author is locked out and signed out everywhere.
- ``close_remote`` (admins): the remote author is closed on this pod, their content here removed.
- ``block_pod`` (admins): the remote author's pod is blocked.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.models import Person, Role, User
from ..db import utcnow
from ..posts.models import Comment, Post
from .models import Report

# action -> the resolution it leaves on the report
ACTIONS = {
    "delete": "deleted",
    "dismiss": "dismissed",
    "lock": "author_locked",
    "close_remote": "author_closed",
    "block_pod": "pod_blocked",
}
ADMIN_ONLY = frozenset({"close_remote", "block_pod"})
# What the queue says was done, by resolution.
DONE = {
    "deleted": "content deleted",
    "dismissed": "dismissed",
    "author_locked": "author locked",
    "author_closed": "author closed on this pod",
    "pod_blocked": "author's pod blocked",
}
PAGE_SIZE = 25
MODERATOR_ROLES = ("admin", "moderator")
# How many comments around a reported one its page shows.
COMMENTS_AROUND = 3


class ModerationError(Exception):
    """A moderator asked for something that can't be done; ``message`` says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def parse_id(raw) -> int | None:
    """An id from a URL or form, or None when it can't be one (never reaches the database)."""
    raw = raw if isinstance(raw, str) else ""
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        value = int(raw)
        if 0 < value < 2**31:
            return value
    return None


def what(item_type: str) -> str:
    return "comment" if item_type == "Comment" else "post"


# --- the reported content ---------------------------------------------------------------------

@dataclass
class Case:
    """A report with everything a moderator needs to decide about it."""

    report: Report
    reporter: User | None = None
    reviewer: User | None = None
    # The reported post or comment; None when it is gone.
    item: Post | Comment | None = None
    # The post itself, or the post the reported comment belongs to.
    post: Post | None = None
    author: Person | None = None
    # For a comment: the comments around it, in order (the reported one among them).
    comments: list = field(default_factory=list)
    same_item: int = 0
    same_item_open: int = 0
    same_author: int = 0
    same_author_open: int = 0
    # The remote author's pod (a federation Pod row), when known.
    author_pod: object = None

    @property
    def gone(self) -> bool:
        return self.item is None

    @property
    def kind(self) -> str:
        return what(self.report.item_type)

    @property
    def author_is_local(self) -> bool:
        return self.author is not None and self.author.user_id is not None

    @property
    def done(self) -> str:
        """What was done about the report, once reviewed."""
        return DONE.get(self.report.resolution or "", "reviewed")

    def allowed(self, action: str, administer: bool, moderator_id: int | None = None) -> bool:
        """Whether ``action`` is offered for this case to this moderator."""
        return self.problem(action, administer, moderator_id) is None

    def problem(self, action: str, administer: bool, moderator_id: int | None = None) -> str | None:
        """Why ``action`` can't be taken on this case, or None when it can."""
        if action not in ACTIONS:
            return "There is no such moderation action."
        if action in ADMIN_ONLY and not administer:
            return "Only admins can close remote accounts or block pods."
        if self.report.reviewed:
            return f"This report was already reviewed ({DONE.get(self.report.resolution, 'done')})."
        if action == "dismiss":
            return None
        if self.gone:
            return f"The reported {self.kind} is gone already; there is nothing left to act on, only to dismiss."
        if action == "lock":
            if not self.author_is_local:
                return "The author has no account on this pod, so it can't be locked: close it here or block its pod."
            user = self.author.user
            if user.id == moderator_id:
                return "You can't lock yourself."
            if user.locked_at is not None:
                return f"{user.username} is locked already."
            if "admin" in user.role_names and not administer:
                return "Only an admin can lock an admin."
        if action == "close_remote":
            if self.author_is_local:
                return f"{self.author.diaspora_id} has an account on this pod: lock it instead."
            if self.author.closed_locally:
                return f"{self.author.diaspora_id} is closed on this pod already."
        if action == "block_pod":
            if self.author_is_local:
                return "The author is on this pod; there is no other pod to block."
            pod = self.author_pod
            if pod is None:
                return f"The pod of {self.author.diaspora_id} is unknown, so it can't be blocked."
            if pod.blocked_at is not None:
                return f"{pod.host} is blocked already."
        return None


@dataclass
class Row:
    """One line of the queue."""

    report: Report
    reporter: User | None
    reviewer: User | None
    item: Post | Comment | None

    @property
    def kind(self) -> str:
        return what(self.report.item_type)

    @property
    def post(self) -> Post | None:
        if self.item is None:
            return None
        return self.item.post if isinstance(self.item, Comment) else self.item

    @property
    def done(self) -> str:
        return DONE.get(self.report.resolution or "", "reviewed")


@dataclass
class Page:
    rows: list[Row]
    # The cursor of the next page (a report id), None on the last page.
    after: int | None


@dataclass
class ModerationService:
    dbsession: Session
    pod: object

    # --- finding -------------------------------------------------------------

    def get(self, raw_id, *, for_update: bool = False) -> Report:
        """The report with this id (as typed in a URL); ``for_update`` holds it until the
        transaction ends, so two moderators acting at once can't both act on it."""
        report_id = parse_id(raw_id)
        report = None
        if report_id is not None:
            query = sa.select(Report).where(Report.id == report_id)
            if for_update:
                query = query.with_for_update().execution_options(populate_existing=True)
            report = self.dbsession.scalar(query)
        if report is None:
            raise ModerationError("There is no such report.", status=404)
        return report

    def item_of(self, report: Report) -> Post | Comment | None:
        model = Comment if report.item_type == "Comment" else Post
        return self.dbsession.get(model, report.item_id)

    def open_count(self) -> int:
        return self.dbsession.scalar(sa.select(sa.func.count()).select_from(Report).where(
            Report.reviewed.is_(False))) or 0

    # --- the queue -----------------------------------------------------------

    def queue(self, reviewed: bool = False, after=None, size: int | None = None) -> Page:
        """Open reports oldest first, or reviewed ones most recently reviewed first; ``after`` is
        the id of the last report of the previous page."""
        size = size or PAGE_SIZE
        query = sa.select(Report).where(Report.reviewed.is_(reviewed))
        cursor = self.dbsession.get(Report, parse_id(after)) if parse_id(after) is not None else None
        if cursor is not None and bool(cursor.reviewed) != reviewed:
            cursor = None
        if reviewed:
            stamp = sa.func.coalesce(Report.reviewed_at, Report.created_at)
            if cursor is not None:
                mark = cursor.reviewed_at or cursor.created_at
                query = query.where(sa.or_(stamp < mark, sa.and_(stamp == mark, Report.id < cursor.id)))
            query = query.order_by(stamp.desc(), Report.id.desc())
        else:
            if cursor is not None:
                query = query.where(sa.or_(Report.created_at > cursor.created_at,
                                           sa.and_(Report.created_at == cursor.created_at, Report.id > cursor.id)))
            query = query.order_by(Report.created_at, Report.id)
        reports = list(self.dbsession.scalars(query.limit(size + 1)))
        more = len(reports) > size
        reports = reports[:size]
        users = self._users({r.user_id for r in reports} | {r.reviewed_by_id for r in reports if r.reviewed_by_id})
        posts = self._by_id(Post, [r.item_id for r in reports if r.item_type == "Post"])
        comments = self._by_id(Comment, [r.item_id for r in reports if r.item_type == "Comment"])
        rows = [Row(r, users.get(r.user_id), users.get(r.reviewed_by_id),
                    (comments if r.item_type == "Comment" else posts).get(r.item_id)) for r in reports]
        return Page(rows, reports[-1].id if more else None)

    def _users(self, ids) -> dict[int, User]:
        ids = [i for i in ids if i is not None]
        if not ids:
            return {}
        return {u.id: u for u in self.dbsession.scalars(sa.select(User).where(User.id.in_(ids)))}

    def _by_id(self, model, ids) -> dict:
        if not ids:
            return {}
        return {row.id: row for row in self.dbsession.scalars(sa.select(model).where(model.id.in_(ids))).unique()}

    # --- one case ------------------------------------------------------------

    def case(self, report: Report) -> Case:
        found = Case(report=report, reporter=self.dbsession.get(User, report.user_id),
                     reviewer=self.dbsession.get(User, report.reviewed_by_id) if report.reviewed_by_id else None)
        item = self.item_of(report)
        found.item = item
        if item is not None:
            found.author = item.author
            if item.author.user_id is None and item.author.pod_id is not None:
                from ..federation.models import Pod

                found.author_pod = self.dbsession.get(Pod, item.author.pod_id)
            found.post = item.post if isinstance(item, Comment) else item
            if isinstance(item, Comment):
                found.comments = self._comments_around(item)
        same = (Report.item_type == report.item_type, Report.item_id == report.item_id, Report.id != report.id)
        found.same_item, found.same_item_open = self._counts(sa.and_(*same))
        if found.author is not None:
            found.same_author, found.same_author_open = self._counts(
                sa.and_(self.about_author(found.author.id), Report.id != report.id))
        return found

    def _counts(self, where) -> tuple[int, int]:
        total, still_open = self.dbsession.execute(sa.select(
            sa.func.count(Report.id),
            sa.func.coalesce(sa.func.sum(sa.case((Report.reviewed.is_(False), 1), else_=0)), 0),
        ).where(where)).one()
        return int(total or 0), int(still_open or 0)

    @staticmethod
    def about_author(person_id: int):
        """Reports about any post or comment of the person (only what still exists)."""
        posts = sa.select(Post.id).where(Post.author_id == person_id)
        comments = sa.select(Comment.id).where(Comment.author_id == person_id)
        return sa.or_(sa.and_(Report.item_type == "Post", Report.item_id.in_(posts)),
                      sa.and_(Report.item_type == "Comment", Report.item_id.in_(comments)))

    def _comments_around(self, comment: Comment) -> list[Comment]:
        order = (Comment.created_at, Comment.id)
        base = sa.select(Comment).where(Comment.post_id == comment.post_id, Comment.id != comment.id)
        earlier = list(self.dbsession.scalars(base.where(
            sa.or_(Comment.created_at < comment.created_at,
                   sa.and_(Comment.created_at == comment.created_at, Comment.id < comment.id)))
            .order_by(*(c.desc() for c in order)).limit(COMMENTS_AROUND)).unique())
        later = list(self.dbsession.scalars(base.where(
            sa.or_(Comment.created_at > comment.created_at,
                   sa.and_(Comment.created_at == comment.created_at, Comment.id > comment.id)))
            .order_by(*order).limit(COMMENTS_AROUND)).unique())
        return list(reversed(earlier)) + [comment] + later

    # --- acting --------------------------------------------------------------

    def act(self, report: Report, action: str, moderator: User, *, administer: bool, enqueue=None) -> str:
        """Take ``action`` on the report's content or author and resolve the report (and every
        other open report about the same item); returns what happened, in a sentence. Raises
        ModerationError, having changed nothing, when the action can't be taken."""
        case = self.case(report)
        problem = case.problem(action, administer, moderator.id)
        if problem is not None:
            status = 403 if action in ADMIN_ONLY and not administer else 400
            raise ModerationError(problem, status=status)
        resolution = ACTIONS[action]
        also: list[tuple[str, int]] = []
        if action == "dismiss":
            done = f"The report about this {case.kind} is dismissed."
        elif action == "delete":
            also = self._delete(case, moderator, enqueue)
            done = f"The {case.kind} is deleted" + (
                "; its retraction goes out to the pods that got it." if case.author_is_local
                or (case.kind == "comment" and case.post.author.user_id is not None) else " on this pod.")
        elif action == "lock":
            from ..accounts.services import AccountService

            username = case.author.user.username
            AccountService(self.dbsession, self.pod).set_locked(username, True)
            done = f"{username} is locked and signed out everywhere."
        elif action == "close_remote":
            from ..federation.moderation import ModerationError as Refused, close_remote_person

            person = case.author
            also = self._authored_items(person.id)
            try:
                close_remote_person(self.dbsession, person.id)
            except Refused as exc:
                raise ModerationError(str(exc)) from None
            done = f"{person.diaspora_id} is closed on this pod; what they left here is removed."
        else:  # block_pod
            from ..federation.moderation import ModerationError as Refused, block_pod

            try:
                blocked = block_pod(self.dbsession, case.author.pod_id)
            except Refused as exc:
                raise ModerationError(str(exc)) from None
            done = f"{blocked.host} is blocked: nothing more is sent to it or taken from it."
        resolved = self.resolve([(report.item_type, report.item_id)] + also, resolution, moderator)
        others = resolved - 1
        if others > 0:
            done += f" {others} other open {'report' if others == 1 else 'reports'} resolved with it."
        return done

    def resolve(self, items, resolution: str, moderator: User) -> int:
        """Mark every open report about ``items`` ((item_type, item_id) pairs) reviewed."""
        now = utcnow()
        count = 0
        for item_type, item_ids in _grouped(items).items():
            for report in self.dbsession.scalars(sa.select(Report).where(
                    Report.reviewed.is_(False), Report.item_type == item_type, Report.item_id.in_(item_ids))):
                report.reviewed = True
                report.resolution = resolution
                report.reviewed_by_id = moderator.id
                report.reviewed_at = now
                count += 1
        self.dbsession.flush()
        return count

    def _authored_items(self, person_id: int) -> list[tuple[str, int]]:
        """Every post and comment of the person, and the comments on their posts."""
        posts = list(self.dbsession.scalars(sa.select(Post.id).where(Post.author_id == person_id)))
        comments = set(self.dbsession.scalars(sa.select(Comment.id).where(Comment.author_id == person_id)))
        if posts:
            comments |= set(self.dbsession.scalars(sa.select(Comment.id).where(Comment.post_id.in_(posts))))
        return [("Post", i) for i in posts] + [("Comment", i) for i in sorted(comments)]

    def _delete(self, case: Case, moderator: User, enqueue) -> list[tuple[str, int]]:
        """Delete the case's content; returns the other items that went with it."""
        from ..posts.interactions import InteractionService

        interactions = InteractionService(self.dbsession, self.pod)
        if isinstance(case.item, Post):
            post = case.item
            gone = [("Comment", i) for i in self.dbsession.scalars(sa.select(Comment.id).where(
                Comment.post_id == post.id))]
            if post.author.user_id is not None:
                # As when the author deletes it: the post_deleted event federates the retraction.
                interactions.delete(post.author.user, post, enqueue=enqueue)
            else:
                remove_remote_post(self.dbsession, post)
            return gone
        comment = case.item
        post = comment.post
        if comment.author.user_id is not None:
            # As when its author deletes it.
            interactions.delete_comment(comment.author.user, comment, enqueue=enqueue)
        elif post.author.user_id is not None:
            # A remote comment on a local post: the post's author may delete it, and their pod
            # relays the retraction to everyone who got the comment.
            guid = comment.guid
            interactions.delete_comment(post.author.user, comment, enqueue=enqueue)
            _forget_relayable(self.dbsession, guid)
        else:
            remove_remote_comment(self.dbsession, comment)
        return []


def _grouped(items) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for item_type, item_id in items:
        grouped.setdefault(item_type, []).append(item_id)
    return grouped


def _forget_relayable(dbsession, guid: str) -> None:
    """Drop the kept XML of a removed comment, so it is never relayed again."""
    from ..federation.models import RelayableXml

    dbsession.execute(sa.delete(RelayableXml).where(RelayableXml.entity_type == "comment",
                                                    RelayableXml.guid == guid))


def remove_remote_post(dbsession, post: Post) -> None:
    """Remove a remote person's post from this pod only, as a retraction from its author would."""
    from ..federation.receivers.retractions import delete_post

    delete_post(dbsession, post)
    dbsession.flush()


def remove_remote_comment(dbsession, comment: Comment) -> None:
    """Remove a remote comment on a remote post from this pod only."""
    from ..federation.receivers.retractions import DELETERS

    guid = comment.guid
    DELETERS["Comment"](dbsession, comment)
    _forget_relayable(dbsession, guid)
    dbsession.flush()


# --- telling the moderators --------------------------------------------------------------------

def moderators(dbsession) -> list[User]:
    """Everyone who moderates: moderators and admins whose account is open, by id."""
    return list(dbsession.scalars(
        sa.select(User).where(User.id.in_(sa.select(Role.user_id).where(Role.name.in_(MODERATOR_ROLES))),
                              User.locked_at.is_(None), User.closed_at.is_(None)).order_by(User.id)))


def report_mail(dbsession, pod, report: Report) -> tuple[str, str] | None:
    """(subject, body) of the mail about a new report, None when the report is gone."""
    reporter = dbsession.get(User, report.user_id)
    if reporter is None:
        return None
    kind = what(report.item_type)
    item = ModerationService(dbsession, pod).item_of(report)
    link = f"{pod.url}/admin/reports/{report.id}"
    lines = [f"{reporter.username} ({reporter.diaspora_id}) reported a {kind} on {pod.name}.", ""]
    if item is not None:
        post = item.post if isinstance(item, Comment) else item
        lines.append(f"Written by: {item.author.name} ({item.author.diaspora_id})")
        lines.append(f"{kind.capitalize()}: {_excerpt(item.text)}")
        if isinstance(item, Comment):
            lines.append(f"On the post: {pod.url}/posts/{post.guid}")
        else:
            lines.append(f"Post: {pod.url}/posts/{post.guid}")
    else:
        lines.append(f"The {kind} is gone already.")
    lines += ["", "Reason:", report.reason, "", f"Review it in the moderation queue: {link}", "",
              f"You get this because you moderate {pod.name}."]
    subject = f"[{pod.name}] {reporter.username} reported a {kind}"
    return subject, "\n".join(lines)


def _excerpt(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def tell_moderators(dbsession, pod, report: Report, enqueue) -> int:
    """Mail every moderator but the reporter about ``report``, once the transaction commits;
    returns how many mails were queued."""
    from types import SimpleNamespace

    from ..mail import queue_email

    if enqueue is None:
        return 0
    written = report_mail(dbsession, pod, report)
    if written is None:
        return 0
    subject, body = written
    sender = SimpleNamespace(enqueue=enqueue)
    count = 0
    for user in moderators(dbsession):
        if user.id == report.user_id:
            continue
        queue_email(sender, user.email, subject, body)
        count += 1
    return count


def reviewed_stamp(report: Report) -> str:
    when: dt.datetime | None = report.reviewed_at
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else ""
