"""What people do with a post: comment, like, reshare, vote, hide, mute, report, delete.

Every method takes a post the caller already found through ``visibility.visible_post``, so
nothing here ever acts on a post its user may not see.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts.keys import new_guid
from ..admin.models import Report
from ..aspects.services import is_blocked
from ..db import insert_unless_present, utcnow
from ..events import record
from ..notifications.models import Notification
from .models import (RESHARE, Comment, HiddenPost, Like, Mention, MutedPost, Participation, Poll,
                     PollAnswer, PollParticipation, Post)
from .services import PostError, PostService, mentionable_people, muted, notify_about, participate
from .visibility import can_see

REPORT_REASON_MAX = 1000
# No database text column takes a NUL character (PostgreSQL refuses it outright).
NUL = "\x00"


def blocked_by_author(dbsession: Session, author, user) -> bool:
    """Whether the local ``author`` (a Person) blocked ``user``."""
    return author.user_id is not None and is_blocked(dbsession, author.user_id, user.person.id)


@dataclass
class InteractionService:
    dbsession: Session
    pod: object

    def _refuse_if_blocked(self, post: Post, user, doing: str) -> None:
        if blocked_by_author(self.dbsession, post.author, user):
            raise PostError(f"{post.author.name} doesn't let you {doing} their posts.", status=403)

    # --- comments ---------------------------------------------------------------

    def comment(self, user, post: Post, text: str, enqueue=None) -> Comment:
        self._refuse_if_blocked(post, user, "comment on")
        text = (text or "").strip()
        if not text:
            raise PostError("Write a comment first.")
        if NUL in text:
            raise PostError("A comment can't contain NUL characters.")
        PostService(self.dbsession, self.pod).check_text(text, "Comments")
        earlier = set(self.dbsession.scalars(sa.select(Comment.author_id).where(Comment.post_id == post.id)))
        now = utcnow()
        comment = Comment(guid=new_guid(), post_id=post.id, author_id=user.person.id, text=text, created_at=now)
        self.dbsession.add(comment)
        post.comments_count = (post.comments_count or 0) + 1
        post.interacted_at = now
        self.dbsession.flush()
        participate(self.dbsession, user.person.id, post.id)
        actor = user.person.id
        told = {user.id}
        for person in mentionable_people(self.dbsession, post, text):
            self.dbsession.add(Mention(person_id=person.id, comment_id=comment.id))
            if person.user_id is not None and person.user_id not in told:
                told.add(person.user_id)
                notify_about(self.dbsession, post, kind="mentioned_in_comment", recipient_id=person.user_id,
                             actor_id=actor, target_type="Comment", target_id=comment.id, enqueue=enqueue)
        author_user = post.author.user_id
        if author_user is not None and author_user not in told:
            told.add(author_user)
            notify_about(self.dbsession, post, kind="comment_on_post", recipient_id=author_user,
                         actor_id=actor, target_type="Post", target_id=post.id, enqueue=enqueue)
        from ..accounts.models import Person

        others = self.dbsession.scalars(sa.select(Person.user_id).where(
            Person.id.in_(earlier), Person.user_id.is_not(None)).order_by(Person.user_id))
        for other in others:
            if other not in told:
                told.add(other)
                notify_about(self.dbsession, post, kind="also_commented", recipient_id=other,
                             actor_id=actor, target_type="Post", target_id=post.id, enqueue=enqueue)
        self.dbsession.flush()
        record(self.dbsession, "comment_created", {"comment_id": comment.id}, enqueue)
        return comment

    def delete_comment(self, user, comment: Comment, enqueue=None) -> None:
        post = comment.post
        if user.person.id not in (comment.author_id, post.author_id):
            raise PostError("Only the comment's author or the post's author can delete it.", status=403)
        gone = {"guid": comment.guid, "author_id": comment.author_id, "post_guid": post.guid,
                "deleted_by_id": user.person.id}
        self._drop_notifications("Comment", [comment.id])
        self.dbsession.delete(comment)
        post.comments_count = max((post.comments_count or 0) - 1, 0)
        self.dbsession.flush()
        record(self.dbsession, "comment_deleted", gone, enqueue)

    # --- likes ------------------------------------------------------------------

    def like_post(self, user, post: Post, enqueue=None) -> Like:
        self._refuse_if_blocked(post, user, "like")
        if self._like_of(user, post_id=post.id) is not None:
            raise PostError("You already like this.")
        like = Like(guid=new_guid(), target_type="Post", post_id=post.id, author_id=user.person.id)
        self.dbsession.add(like)
        post.likes_count = (post.likes_count or 0) + 1
        post.interacted_at = utcnow()
        self.dbsession.flush()
        participate(self.dbsession, user.person.id, post.id)
        if post.author.user_id is not None:
            notify_about(self.dbsession, post, kind="liked", recipient_id=post.author.user_id,
                         actor_id=user.person.id, target_type="Post", target_id=post.id, enqueue=enqueue)
        record(self.dbsession, "like_created", {"like_id": like.id}, enqueue)
        return like

    def unlike_post(self, user, post: Post, enqueue=None) -> None:
        self._unlike(self._like_of(user, post_id=post.id), post, post, enqueue)

    def like_comment(self, user, comment: Comment, enqueue=None) -> Like:
        post = comment.post
        self._refuse_if_blocked(post, user, "like comments on")
        if blocked_by_author(self.dbsession, comment.author, user):
            raise PostError(f"{comment.author.name} doesn't let you like their comments.", status=403)
        if self._like_of(user, comment_id=comment.id) is not None:
            raise PostError("You already like this.")
        like = Like(guid=new_guid(), target_type="Comment", comment_id=comment.id, author_id=user.person.id)
        self.dbsession.add(like)
        comment.likes_count = (comment.likes_count or 0) + 1
        self.dbsession.flush()
        if comment.author.user_id is not None:
            notify_about(self.dbsession, post, kind="liked_comment", recipient_id=comment.author.user_id,
                         actor_id=user.person.id, target_type="Comment", target_id=comment.id, enqueue=enqueue)
        record(self.dbsession, "like_created", {"like_id": like.id}, enqueue)
        return like

    def unlike_comment(self, user, comment: Comment, enqueue=None) -> None:
        self._unlike(self._like_of(user, comment_id=comment.id), comment, comment.post, enqueue)

    def _unlike(self, like: Like | None, liked, post: Post, enqueue=None) -> None:
        """Take ``like`` back from ``liked`` (a post or a comment, which counts its likes; ``post``
        is the liked post or the liked comment's post)."""
        if like is None:
            raise PostError("You don't like this yet.")
        gone = {"guid": like.guid, "author_id": like.author_id, "target_type": like.target_type,
                "post_guid": post.guid}
        self.dbsession.delete(like)
        liked.likes_count = max((liked.likes_count or 0) - 1, 0)
        self.dbsession.flush()
        record(self.dbsession, "like_deleted", gone, enqueue)

    def like_of(self, user, post: Post | None = None, comment: Comment | None = None) -> Like | None:
        """The user's like of ``post`` or of ``comment``, None when they don't like it."""
        if comment is not None:
            return self._like_of(user, comment_id=comment.id)
        return self._like_of(user, post_id=post.id)

    def _like_of(self, user, post_id=None, comment_id=None) -> Like | None:
        column, value = (Like.post_id, post_id) if post_id is not None else (Like.comment_id, comment_id)
        return self.dbsession.scalar(sa.select(Like).where(column == value, Like.author_id == user.person.id))

    # --- reshares ---------------------------------------------------------------

    def reshare(self, user, post: Post, text: str = "", enqueue=None) -> Post:
        """A public reshare of ``post`` (of its root, when ``post`` is itself a reshare)."""
        root = post
        if post.is_reshare:
            root = post.root
            if root is None:
                raise PostError("The original post was deleted, so it can't be reshared.")
        if not root.public:
            raise PostError("Only public posts can be reshared.")
        if root.author_id == user.person.id:
            raise PostError("You can't reshare your own post.")
        self._refuse_if_blocked(root, user, "reshare")
        already = self.dbsession.scalar(sa.select(Post.id).where(
            Post.root_id == root.id, Post.author_id == user.person.id, Post.type == RESHARE))
        if already is not None:
            raise PostError("You already reshared this post.")
        text = PostService(self.dbsession, self.pod).check_text((text or "").strip(), "Reshares")
        now = utcnow()
        reshare = Post(guid=new_guid(), type=RESHARE, author_id=user.person.id, public=True, text=text,
                       root_id=root.id, created_at=now, interacted_at=now)
        self.dbsession.add(reshare)
        root.reshares_count = (root.reshares_count or 0) + 1
        root.interacted_at = now
        self.dbsession.flush()
        participate(self.dbsession, user.person.id, reshare.id)
        participate(self.dbsession, user.person.id, root.id)
        if root.author.user_id is not None:
            notify_about(self.dbsession, root, kind="reshared", recipient_id=root.author.user_id,
                         actor_id=user.person.id, target_type="Post", target_id=root.id, enqueue=enqueue)
        record(self.dbsession, "post_published", {"post_id": reshare.id}, enqueue)
        return reshare

    # --- polls ------------------------------------------------------------------

    def vote(self, user, post: Post, answer_id, enqueue=None) -> PollParticipation:
        poll = self.dbsession.scalar(sa.select(Poll).where(Poll.post_id == post.id))
        if poll is None:
            raise PostError("This post has no poll.", status=404)
        try:
            wanted = int(answer_id)
        except (TypeError, ValueError):
            wanted = None
        answer = None
        # An id no row can have (the column is 32-bit) would only make the database complain.
        if wanted is not None and -2**31 <= wanted < 2**31:
            answer = self.dbsession.scalar(sa.select(PollAnswer).where(
                PollAnswer.poll_id == poll.id, PollAnswer.id == wanted))
        if answer is None:
            raise PostError("Choose one of the poll's answers.")
        if self.vote_of(user, poll) is not None:
            raise PostError("You already voted in this poll.")
        vote = PollParticipation(guid=new_guid(), poll_id=poll.id, answer_id=answer.id, author_id=user.person.id)
        self.dbsession.add(vote)
        answer.vote_count = (answer.vote_count or 0) + 1
        self.dbsession.flush()
        participate(self.dbsession, user.person.id, post.id)
        record(self.dbsession, "poll_voted", {"poll_participation_id": vote.id}, enqueue)
        return vote

    def vote_of(self, user, poll: Poll) -> PollParticipation | None:
        return self.dbsession.scalar(sa.select(PollParticipation).where(
            PollParticipation.poll_id == poll.id, PollParticipation.author_id == user.person.id))

    # --- hide, mute, report -----------------------------------------------------

    def hide(self, user, post: Post) -> None:
        if self.dbsession.get(HiddenPost, (user.id, post.id)) is None:
            self.dbsession.add(HiddenPost(user_id=user.id, post_id=post.id))
            self.dbsession.flush()

    def is_hidden(self, user, post: Post) -> bool:
        return self.dbsession.get(HiddenPost, (user.id, post.id)) is not None

    def unhide(self, user, post: Post) -> None:
        """Bring a hidden post back into the user's streams."""
        row = self.dbsession.get(HiddenPost, (user.id, post.id))
        if row is not None:
            self.dbsession.delete(row)
            self.dbsession.flush()

    def is_subscribed(self, user, post: Post) -> bool:
        """Subscribed: the user takes part in the post and hasn't muted it."""
        participating = self.dbsession.scalar(sa.select(Participation.id).where(
            Participation.person_id == user.person.id, Participation.post_id == post.id)) is not None
        return participating and not muted(self.dbsession, user.id, post.id)

    def subscribe(self, user, post: Post) -> None:
        """Follow the post's conversation: take part in it and lift a mute."""
        participate(self.dbsession, user.person.id, post.id)
        row = self.dbsession.get(MutedPost, (user.id, post.id))
        if row is not None:
            self.dbsession.delete(row)
            self.dbsession.flush()

    def mute(self, user, post: Post) -> None:
        """Stop following the post: no notifications about it any more."""
        if self.dbsession.get(MutedPost, (user.id, post.id)) is None:
            self.dbsession.add(MutedPost(user_id=user.id, post_id=post.id))
            self.dbsession.flush()

    def toggle_mute(self, user, post: Post) -> bool:
        """Mute the post, or unmute it if it was muted; True when it is now muted."""
        row = self.dbsession.get(MutedPost, (user.id, post.id))
        if row is not None:
            self.dbsession.delete(row)
        else:
            self.dbsession.add(MutedPost(user_id=user.id, post_id=post.id))
        self.dbsession.flush()
        return row is None

    def has_reported(self, user, item_type: str, item_id: int) -> bool:
        return self.dbsession.scalar(sa.select(Report.id).where(
            Report.user_id == user.id, Report.item_type == item_type, Report.item_id == item_id)) is not None

    def report(self, user, item_type: str, item_id: int, reason: str, enqueue=None) -> Report:
        """Report a post or comment to the pod's moderators; with ``enqueue`` (``request.enqueue``
        or a job's ``ctx.enqueue``) every moderator and admin gets a mail about it after commit."""
        if item_type not in ("Post", "Comment"):
            raise PostError("Only posts and comments can be reported.")
        kind = "post" if item_type == "Post" else "comment"
        reason = reason if isinstance(reason, str) else ""
        if NUL in reason:
            raise PostError("A report's reason can't contain NUL characters.")
        reason = reason.strip()
        if not reason:
            raise PostError("Say why you report this, so the moderators know what to look at.")
        if len(reason) > REPORT_REASON_MAX:
            raise PostError(f"A report's reason is at most {REPORT_REASON_MAX} characters long.")
        item = self.dbsession.get(Post if item_type == "Post" else Comment, item_id)
        if item is None:
            raise PostError(f"That {kind} is gone.", status=404)
        if item.author_id == user.person.id:
            raise PostError(f"You can't report your own {kind}; you can edit or delete it instead.")
        # One report per person and item, even when the same form is sent twice at once.
        if not insert_unless_present(self.dbsession, Report, user_id=user.id, item_type=item_type, item_id=item_id,
                                     reason=reason, reviewed=False, created_at=utcnow()):
            raise PostError("You already reported this; the moderators will look at it.")
        report = self.dbsession.scalar(sa.select(Report).where(
            Report.user_id == user.id, Report.item_type == item_type, Report.item_id == item_id))
        from ..admin.moderation import tell_moderators

        tell_moderators(self.dbsession, self.pod, report, enqueue)
        return report

    # --- deleting a post --------------------------------------------------------

    def delete(self, user, post: Post, enqueue=None) -> None:
        """The author deletes the post; comments, likes, photos and the rest go with it."""
        if post.author_id != user.person.id:
            raise PostError("You can only delete your own posts.", status=403)
        from .photos import PhotoService

        # What others need to take it back, kept before the row is gone.
        gone = {"guid": post.guid, "author_id": post.author_id, "type": post.type, "public": bool(post.public)}

        if post.is_reshare and post.root is not None:
            post.root.reshares_count = max((post.root.reshares_count or 0) - 1, 0)
        photos = PhotoService(self.dbsession, self.pod)
        for photo in list(post.photos):
            photos.delete(photo)
        self.dbsession.expire(post, ["photos"])
        comment_ids = list(self.dbsession.scalars(sa.select(Comment.id).where(Comment.post_id == post.id)))
        self._drop_notifications("Comment", comment_ids)
        self._drop_notifications("Post", [post.id])
        self.dbsession.delete(post)
        self.dbsession.flush()
        record(self.dbsession, "post_deleted", gone, enqueue)

    def _drop_notifications(self, target_type: str, ids: list[int]) -> None:
        if ids:
            self.dbsession.execute(sa.delete(Notification).where(
                Notification.target_type == target_type, Notification.target_id.in_(ids)))


def visible_comment(dbsession: Session, user, guid: str) -> Comment | None:
    """The comment with ``guid`` if ``user`` may see its post, else None."""
    comment = dbsession.scalar(sa.select(Comment).where(Comment.guid == guid))
    if comment is None or not can_see(dbsession, user, comment.post):
        return None
    return comment
