"""Who may join the pod: sign-ups waiting for approval, and invite links.

``settings.registrations`` is ``open`` (anyone signs up), ``approval`` (a sign-up becomes a
``SignUpRequest`` that an admin approves or rejects) or ``closed`` (nobody, except a person
holding an invite link an admin made). The account itself is always made by
``AccountService.create_account``, exactly as an open sign-up makes it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import passwords
from ..accounts.models import Invite, Role, SignUpRequest, User
from ..accounts.services import AccountError, AccountService
from ..db import utcnow

OPEN, CLOSED, APPROVAL = "open", "closed", "approval"
NOTE_MAX_LENGTH = 500
INVITE_DAYS = 14
PAGE_SIZE = 50
# Tokens are 43 characters (32 random bytes, URL-safe base64); anything much longer is junk.
TOKEN_MAX_LENGTH = 128


class RegistrationError(AccountError):
    """A sign-up, invite or decision that can't go ahead; the message says why."""


def mode(pod) -> str:
    return pod.settings["settings.registrations"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_id(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


# --- sign-ups waiting for approval ---------------------------------------------------------

def check_note(note: str) -> str:
    note = (note or "").strip()
    if "\x00" in note:
        raise RegistrationError("The note can't contain a NUL character.", "note")
    if len(note) > NOTE_MAX_LENGTH:
        raise RegistrationError(f"The note can be at most {NOTE_MAX_LENGTH} characters long "
                                f"({len(note)} given).", "note")
    return note


def request_sign_up(dbsession: Session, pod, username: str, email: str, password: str,
                    note: str = "") -> SignUpRequest:
    """Hold a sign-up for an admin's approval: the username and email are checked and reserved,
    the password is hashed as an account's would be."""
    note = check_note(note)
    accounts = AccountService(dbsession, pod)
    username, email = accounts.check_sign_up(username, email, password)
    waiting = SignUpRequest(username=username, email=email, note=note,
                            password_hash=passwords.hash_password(password, pod.settings["passwords.argon2_profile"]))
    dbsession.add(waiting)
    dbsession.flush()
    return waiting


def pending(dbsession: Session, after_id: int | None = None, limit: int = PAGE_SIZE) -> list[SignUpRequest]:
    """Requests waiting for a decision, oldest first; the next page starts after ``after_id``."""
    query = sa.select(SignUpRequest).order_by(SignUpRequest.id).limit(limit)
    if after_id is not None:
        query = query.where(SignUpRequest.id > after_id)
    return list(dbsession.scalars(query))


def count_pending(dbsession: Session) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(SignUpRequest)) or 0


def _find(dbsession: Session, request_id) -> SignUpRequest:
    found = parse_id(request_id)
    waiting = dbsession.get(SignUpRequest, found) if found is not None else None
    if waiting is None:
        raise RegistrationError("That sign-up request does not exist or was already decided.")
    return waiting


def _take(dbsession: Session, waiting: SignUpRequest) -> None:
    """Remove ``waiting`` from the queue; when another admin decided it meanwhile, say so."""
    deleted = dbsession.execute(sa.delete(SignUpRequest).where(SignUpRequest.id == waiting.id)
                                .execution_options(synchronize_session=False))
    if deleted.rowcount != 1:
        raise RegistrationError("That sign-up request was already decided.")
    dbsession.expunge(waiting)


def approve(dbsession: Session, pod, request_id) -> User:
    """Make the account of a waiting request, with the password its author chose."""
    waiting = _find(dbsession, request_id)
    accounts = AccountService(dbsession, pod)
    # Checked before anything changes: a refused approval leaves the request waiting.
    accounts.check_free(waiting.username, waiting.email, pending_id=waiting.id)
    _take(dbsession, waiting)
    return accounts.create_account(waiting.username, waiting.email, waiting.password_hash)


def reject(dbsession: Session, request_id) -> SignUpRequest:
    """Drop a waiting request; its username and email are free again. Returns the dropped request."""
    waiting = _find(dbsession, request_id)
    _take(dbsession, waiting)
    return waiting


def admin_addresses(dbsession: Session) -> list[str]:
    """Email addresses of the pod's admins whose accounts are open."""
    query = (sa.select(User.email).join(Role, Role.user_id == User.id)
             .where(Role.name == "admin", User.locked_at.is_(None), User.closed_at.is_(None))
             .order_by(User.id))
    return [email for email in dbsession.scalars(query) if email]


# --- invite links -------------------------------------------------------------------------

@dataclass
class NewInvite:
    invite: Invite
    token: str

    def link(self, pod) -> str:
        return invite_link(pod, self.token)


def invite_link(pod, token: str) -> str:
    return f"{pod.url}/users/sign_up?invite={token}"


def create_invite(dbsession: Session, created_by: User | None, days: int = INVITE_DAYS) -> NewInvite:
    """A new single-use invite; only the token's hash is stored, so the link is shown once."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invite = Invite(token_hash=_hash(token), created_by_id=created_by.id if created_by else None,
                    created_at=now, expires_at=now + dt.timedelta(days=days))
    dbsession.add(invite)
    dbsession.flush()
    return NewInvite(invite, token)


def state(invite: Invite, now: dt.datetime | None = None) -> str:
    """``used``, ``expired`` or ``valid``."""
    now = now or utcnow()
    if invite.used_at is not None:
        return "used"
    if invite.expires_at <= now:
        return "expired"
    return "valid"


def invites(dbsession: Session, before_id: int | None = None, limit: int = PAGE_SIZE) -> list[Invite]:
    """Invites, newest first; the next page starts before ``before_id``."""
    query = sa.select(Invite).order_by(Invite.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Invite.id < before_id)
    return list(dbsession.scalars(query))


def usernames(dbsession: Session, listed: list[Invite]) -> dict[int, str]:
    """Usernames of the people who made or used ``listed``, by user id."""
    ids = {i for invite in listed for i in (invite.created_by_id, invite.used_by_id) if i is not None}
    if not ids:
        return {}
    return dict(dbsession.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def usable_invite(dbsession: Session, token: str) -> Invite:
    """The unused, unexpired invite of ``token``, or RegistrationError saying what is wrong with it."""
    token = token or ""
    found = None
    if token.isascii() and token.isprintable() and len(token) <= TOKEN_MAX_LENGTH:
        found = dbsession.scalar(sa.select(Invite).where(Invite.token_hash == _hash(token)))
    if found is None:
        raise RegistrationError("This invite link is not valid: check that it was copied whole, "
                                "or ask for a new one. It may have been revoked.", "invite")
    current = state(found)
    if current == "used":
        raise RegistrationError("This invite link was already used. Ask for a new one.", "invite")
    if current == "expired":
        raise RegistrationError("This invite link has expired. Ask for a new one.", "invite")
    return found


def sign_up_with_invite(dbsession: Session, pod, token: str, username: str, email: str, password: str) -> User:
    """Make an account with an invite, whatever ``settings.registrations`` says; the invite is then used."""
    invite = usable_invite(dbsession, token)
    accounts = AccountService(dbsession, pod)
    username, email = accounts.check_sign_up(username, email, password)
    now = utcnow()
    # Claim the invite first, so two sign-ups racing with one link make one account.
    claimed = dbsession.execute(sa.update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None))
                                .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise RegistrationError("This invite link was already used. Ask for a new one.", "invite")
    user = accounts.create_account(username, email, passwords.hash_password(password, pod.settings["passwords.argon2_profile"]))
    dbsession.execute(sa.update(Invite).where(Invite.id == invite.id).values(used_by_id=user.id)
                      .execution_options(synchronize_session=False))
    dbsession.expire(invite)
    return user


def revoke_invite(dbsession: Session, invite_id) -> None:
    """Delete an unused invite: its link then finds nothing."""
    found = parse_id(invite_id)
    invite = dbsession.get(Invite, found) if found is not None else None
    if invite is None:
        raise RegistrationError("That invite does not exist or was already revoked.")
    if invite.used_at is not None:
        raise RegistrationError("That invite was already used; there is nothing to revoke.")
    dbsession.delete(invite)
    dbsession.flush()
