"""Account logic: sign-up, sign-in, sessions, passwords, roles. Views stay thin."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import utcnow
from . import keys, passwords
from ..aspects.models import DEFAULT_ASPECTS, Aspect
from .models import ROLES, EmailChange, PasswordResetToken, Person, Profile, Role, SignUpRequest, User, UserSession

# diaspora*'s own usernames: lowercase ASCII letters, digits, `_`, `.` and `-`, at most 32.
USERNAME_RE = re.compile(r"^[a-z0-9_.\-]{1,32}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESET_TOKEN_HOURS = 6
EMAIL_CHANGE_HOURS = 48


class AccountError(ValueError):
    """Bad input for an account action; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_username(raw: str) -> str:
    name = (raw or "").strip().lower()
    if not name:
        raise AccountError("Choose a username.", "username")
    if len(name) > 32:
        raise AccountError("Usernames are at most 32 characters long.", "username")
    if not USERNAME_RE.match(name):
        raise AccountError("Usernames may only contain letters a-z, digits, '_', '.' and '-'.", "username")
    return name


def normalize_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 255:
        raise AccountError("Enter a valid email address, like name@example.org.", "email")
    return email


@dataclass
class AccountService:
    dbsession: Session
    pod: object

    @property
    def _profile(self) -> str:
        return self.pod.settings["passwords.argon2_profile"]

    def check_password_strength(self, password: str, username: str = "", email: str = "") -> None:
        minimum = self.pod.settings["passwords.min_length"]
        if len(password or "") < minimum:
            raise AccountError(f"Passwords need at least {minimum} characters.", "password")
        lowered = password.lower()
        if lowered in {username.lower(), email.lower(), email.split("@")[0].lower()} - {""}:
            raise AccountError("Your password can't be your username or email address.", "password")
        if len(set(password)) < 4:
            raise AccountError("That password is too easy to guess; mix more different characters.", "password")

    def by_username(self, username: str) -> User | None:
        return self.dbsession.scalar(sa.select(User).where(User.username == (username or "").strip().lower()))

    def by_login(self, login: str) -> User | None:
        login = (login or "").strip().lower()
        column = User.email if "@" in login else User.username
        return self.dbsession.scalar(sa.select(User).where(column == login))

    def get(self, username: str) -> User:
        user = self.by_username(username)
        if user is None:
            raise AccountError(f"No user named {username!r} on this pod.", "username")
        return user

    def sign_up(self, username: str, email: str, password: str, *, allow_reserved: bool = False) -> User:
        username, email = self.check_sign_up(username, email, password, allow_reserved=allow_reserved)
        return self.create_account(username, email, passwords.hash_password(password, self._profile))

    def check_sign_up(self, username: str, email: str, password: str, *,
                      allow_reserved: bool = False) -> tuple[str, str]:
        """The normalised (username, email) of a new account, or AccountError saying what is wrong."""
        username = normalize_username(username)
        if not allow_reserved and username in self.pod.settings["accounts.reserved_usernames"]:
            raise AccountError(f"The username {username!r} is reserved; choose another.", "username")
        email = normalize_email(email)
        self.check_password_strength(password, username, email)
        self.check_free(username, email)
        return username, email

    def check_free(self, username: str, email: str, *, pending_id: int | None = None) -> None:
        """Nobody holds ``username`` or ``email``: no account, no person, no sign-up waiting for approval
        (other than the one numbered ``pending_id``, which is being approved)."""
        others = SignUpRequest.id != pending_id if pending_id is not None else sa.true()
        taken = f"The username {username!r} is taken; choose another."
        if self.by_username(username) is not None:
            raise AccountError(taken, "username")
        diaspora_id = f"{username}@{self.pod.host}"
        if self.dbsession.scalar(sa.select(Person.id).where(Person.diaspora_id == diaspora_id)) is not None:
            raise AccountError(f"The username {username!r} is reserved; choose another.", "username")
        if self.dbsession.scalar(sa.select(SignUpRequest.id).where(SignUpRequest.username == username, others)) is not None:
            raise AccountError(taken, "username")
        email_taken = "An account with this email address exists; sign in or reset its password."
        if self.dbsession.scalar(sa.select(User.id).where(User.email == email)) is not None:
            raise AccountError(email_taken, "email")
        if self.dbsession.scalar(sa.select(SignUpRequest.id).where(SignUpRequest.email == email, others)) is not None:
            raise AccountError("A sign-up with this email address is waiting for approval.", "email")

    def create_account(self, username: str, email: str, password_hash: str) -> User:
        """The account itself: keys, person, profile and the default aspects. Callers check first."""
        private_pem, public_pem = keys.generate_key_pair(self.pod.settings["accounts.rsa_key_size"])
        user = User(username=username, email=email, private_key_pem=private_pem, password_hash=password_hash)
        user.person = Person(guid=keys.new_guid(), diaspora_id=f"{username}@{self.pod.host}",
                             public_key_pem=public_pem, profile=Profile())
        # diaspora*'s four default aspects, in its order.
        user.aspects = [Aspect(name=name, position=position) for position, name in enumerate(DEFAULT_ASPECTS)]
        self.dbsession.add(user)
        self.dbsession.flush()
        return user

    def authenticate(self, login: str, password: str) -> User:
        user = self.by_login(login)
        if user is None:
            # Spend the same time as a real check, so timing tells nothing about which accounts exist.
            passwords.verify_password(passwords.hash_password("x" * 12, self._profile), password or "", self._profile)
            raise AccountError("Wrong username or password.")
        ok, new_hash = passwords.verify_password(user.password_hash, password or "", self._profile)
        if not ok:
            raise AccountError("Wrong username or password.")
        if user.locked_at is not None:
            raise AccountError("This account is locked. Contact the pod's administrator.")
        if new_hash:
            user.password_hash = new_hash
        user.last_sign_in_at = utcnow()
        return user

    def verify(self, user: User, password: str) -> None:
        ok, _ = passwords.verify_password(user.password_hash, password or "", self._profile)
        if not ok:
            raise AccountError("Your current password is wrong.", "current_password")

    def check_email_free(self, email: str, user: User) -> None:
        taken = self.dbsession.scalar(sa.select(User.id).where(User.email == email, User.id != user.id))
        if taken is not None:
            raise AccountError("Another account uses this email address.", "email")

    def request_email_change(self, user: User, current_password: str, new_email: str) -> str:
        """A token that changes the address once opened from the mail sent to the new address."""
        self.verify(user, current_password)
        email = normalize_email(new_email)
        if email == user.email:
            raise AccountError("That is already your email address.", "email")
        self.check_email_free(email, user)
        # Only the newest request counts: an older link would surprise its owner.
        self.dbsession.execute(sa.delete(EmailChange).where(EmailChange.user_id == user.id,
                                                            EmailChange.used_at.is_(None)))
        token = secrets.token_urlsafe(32)
        self.dbsession.add(EmailChange(token_hash=token_hash(token), user_id=user.id, new_email=email,
                                       expires_at=utcnow() + dt.timedelta(hours=EMAIL_CHANGE_HOURS)))
        return token

    def pending_email(self, user: User) -> str | None:
        return self.dbsession.scalar(sa.select(EmailChange.new_email).where(
            EmailChange.user_id == user.id, EmailChange.used_at.is_(None), EmailChange.expires_at > utcnow()))

    def confirm_email_change(self, token: str) -> User:
        row = self.dbsession.get(EmailChange, token_hash(token or ""))
        if row is None or row.used_at is not None:
            raise AccountError("This confirmation link is not valid or was already used.")
        if row.expires_at < utcnow():
            raise AccountError("This confirmation link has expired; change your email address again.")
        user = self.dbsession.get(User, row.user_id)
        self.check_email_free(row.new_email, user)
        user.email = row.new_email
        row.used_at = utcnow()
        return user

    def set_password(self, user: User, new_password: str) -> None:
        self.check_password_strength(new_password, user.username, user.email)
        user.password_hash = passwords.hash_password(new_password, self._profile)

    def change_password(self, user: User, current_password: str, new_password: str, confirmation: str) -> None:
        self.verify(user, current_password)
        if new_password != confirmation:
            raise AccountError("The new password and its confirmation differ.", "password_confirmation")
        self.set_password(user, new_password)

    def start_password_reset(self, email: str) -> tuple[User, str] | None:
        """A fresh reset token for the account with this email, or None when there is none."""
        try:
            email = normalize_email(email)
        except AccountError:
            raise
        user = self.dbsession.scalar(sa.select(User).where(User.email == email))
        if user is None or user.locked_at is not None:
            return None
        token = secrets.token_urlsafe(32)
        self.dbsession.add(PasswordResetToken(token_hash=token_hash(token), user_id=user.id,
                                              expires_at=utcnow() + dt.timedelta(hours=RESET_TOKEN_HOURS)))
        return user, token

    def user_for_reset_token(self, token: str) -> tuple[User, PasswordResetToken]:
        row = self.dbsession.get(PasswordResetToken, token_hash(token or ""))
        if row is None or row.used_at is not None:
            raise AccountError("This password-reset link is not valid or was already used; ask for a new one.")
        if row.expires_at < utcnow():
            raise AccountError("This password-reset link has expired; ask for a new one.")
        return self.dbsession.get(User, row.user_id), row

    def reset_password(self, token: str, new_password: str, confirmation: str) -> User:
        user, row = self.user_for_reset_token(token)
        if new_password != confirmation:
            raise AccountError("The new password and its confirmation differ.", "password_confirmation")
        self.set_password(user, new_password)
        row.used_at = utcnow()
        SessionService(self.dbsession, self.pod).revoke_all(user)
        return user

    def set_locked(self, username: str, locked: bool) -> User:
        user = self.get(username)
        user.locked_at = utcnow() if locked else None
        if locked:
            SessionService(self.dbsession, self.pod).revoke_all(user)
        return user

    def add_role(self, role: str, username: str) -> bool:
        if role not in ROLES:
            raise AccountError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.", "role")
        user = self.get(username)
        if role in user.role_names:
            return False
        user.roles.append(Role(name=role))
        return True

    def remove_role(self, role: str, username: str) -> bool:
        if role not in ROLES:
            raise AccountError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.", "role")
        user = self.get(username)
        for existing in list(user.roles):
            if existing.name == role:
                user.roles.remove(existing)
                return True
        return False

    def role_holders(self) -> list[tuple[str, str]]:
        rows = self.dbsession.execute(
            sa.select(Role.name, User.username).join(User, User.id == Role.user_id).order_by(Role.name, User.username))
        return [(role, username) for role, username in rows]

    def list_users(self) -> list[User]:
        return list(self.dbsession.scalars(sa.select(User).order_by(User.username)))


@dataclass
class SessionService:
    """Signed-in browsers. Revoking a session signs that browser out at its next request."""

    dbsession: Session
    pod: object

    def start(self, user: User, client_addr: str = "", user_agent: str = "") -> str:
        token = secrets.token_urlsafe(32)
        self.dbsession.add(UserSession(token_hash=token_hash(token), user_id=user.id,
                                       client_addr=(client_addr or "")[:64], user_agent=(user_agent or "")[:255]))
        return token

    def lookup(self, token: str) -> UserSession | None:
        if not token:
            return None
        row = self.dbsession.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash(token)))
        if row is None:
            return None
        now = utcnow()
        if row.last_seen_at < now - dt.timedelta(days=self.pod.settings["sessions.max_age_days"]):
            return None
        if row.user.locked_at is not None:
            return None
        if row.last_seen_at < now - dt.timedelta(minutes=5):  # a write at most every five minutes
            row.last_seen_at = now
        return row

    def end(self, token: str) -> None:
        self.dbsession.execute(sa.delete(UserSession).where(UserSession.token_hash == token_hash(token or "")))

    def revoke_all(self, user: User, keep: UserSession | None = None) -> int:
        query = sa.delete(UserSession).where(UserSession.user_id == user.id)
        if keep is not None:
            query = query.where(UserSession.id != keep.id)
        return self.dbsession.execute(query).rowcount

    def of(self, user: User) -> list[UserSession]:
        return list(self.dbsession.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.last_seen_at.desc())))

    def prune(self) -> int:
        cutoff = utcnow() - dt.timedelta(days=self.pod.settings["sessions.max_age_days"])
        return self.dbsession.execute(sa.delete(UserSession).where(UserSession.last_seen_at < cutoff)).rowcount
