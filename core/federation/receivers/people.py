"""People on other pods: who shares with our users (contact, PROTOCOL.md §12), their profiles
(§9.16), closed accounts (§9.1) and moves (§9.2)."""
from __future__ import annotations

import sqlalchemy as sa

from ...accounts.models import Person, Profile
from ...aspects.models import AspectMembership, Contact
from ...conversations.models import ConversationParticipant
from ...db import utcnow
from ...events import record
from ...notifications.services import notify
from ...people.removal import remove_person_content
from ..entities import migration_identities, verify_account_migration
from ..errors import AuthorizationError, EntityError
from .common import fits, person

# --- contact ----------------------------------------------------------------------------------


def contact(receipt, entity) -> Contact | None:
    """The sender starts or stops sharing with one of our users."""
    dbsession = receipt.dbsession
    sender = receipt.sender_person
    recipient = dbsession.scalar(sa.select(Person).where(Person.diaspora_id == entity.get("recipient")))
    if recipient is None or recipient.user_id is None:
        raise EntityError(f"the recipient {entity.get('recipient')} is not on this pod")
    if receipt.recipient_user is not None and receipt.recipient_user.id != recipient.user_id:
        raise AuthorizationError(f"a contact for {entity.get('recipient')} was sent to another user's inbox")
    hold_contacts_of(dbsession, sender)
    row = dbsession.scalar(sa.select(Contact).where(Contact.user_id == recipient.user_id,
                                                    Contact.person_id == sender.id))
    sharing = entity.get("sharing") is not False and not entity.get("blocking")
    if sharing:
        if row is None:
            row = Contact(user_id=recipient.user_id, person_id=sender.id, sharing=False, receiving=False)
            dbsession.add(row)
        started = not row.sharing
        row.sharing = True
        dbsession.flush()
        if started:
            notify(dbsession, kind="started_sharing", recipient_id=recipient.user_id, actor_id=sender.id,
                   target_type="Person", target_id=sender.id, enqueue=receipt.enqueue)
        return row
    if row is None:
        return None
    row.sharing = False
    dbsession.flush()
    _drop_if_empty(dbsession, row)
    return None


def hold_contacts_of(dbsession, someone: Person) -> None:
    """Lock the person's row until commit: a contact from them and a move to them, applied by two
    workers at once, would otherwise both write the same (user, person) contact. SQLite writes one
    at a time anyway."""
    dbsession.execute(sa.select(Person.id).where(Person.id == someone.id).with_for_update())


def _drop_if_empty(dbsession, row: Contact) -> None:
    """A contact with neither flag and no aspect means nothing (as core.aspects keeps it)."""
    if row.sharing or row.receiving:
        return
    if dbsession.scalar(sa.select(AspectMembership.aspect_id).where(
            AspectMembership.contact_id == row.id).limit(1)) is None:
        dbsession.delete(row)
        dbsession.flush()


# --- profile ----------------------------------------------------------------------------------

def apply_profile(dbsession, owner: Person, entity) -> Profile:
    """Overwrite every field with what was received; what was left out is cleared (§9.16)."""
    profile = owner.profile
    if profile is None:
        profile = Profile(person_id=owner.id)
        dbsession.add(profile)
        owner.profile = profile
    first, last = entity.get("first_name"), entity.get("last_name")
    if first is None and last is None and entity.get("full_name"):
        first, _, last = entity.get("full_name").partition(" ")
    profile.first_name = (first or "")[:32]
    profile.last_name = (last or "")[:32]
    for name in ("image_url", "image_url_medium", "image_url_small"):
        setattr(profile, name, fits(entity.get(name), 1024, f"profile: {name}"))
    profile.bio = entity.get("bio") or ""
    profile.birthday = entity.get("birthday")
    profile.gender = entity.get("gender") or ""
    profile.location = entity.get("location") or ""
    profile.tag_string = fits(entity.get("tag_string") or "", 255, "profile: tag_string")
    profile.searchable = entity.get("searchable") is not False
    profile.public_details = bool(entity.get("public"))
    profile.nsfw = bool(entity.get("nsfw"))
    profile.updated_at = utcnow()
    dbsession.flush()
    return profile


def profile(receipt, entity) -> Profile | None:
    owner = receipt.sender_person
    if owner.user_id is not None:
        return owner.profile  # our own user's profile is edited here, never received
    return apply_profile(receipt.dbsession, owner, entity)


# --- account deletion -------------------------------------------------------------------------

def account_deletion(receipt, entity) -> Person:
    """Close the person and remove what they left here; repeats change nothing."""
    gone = receipt.sender_person
    if gone.user_id is not None:
        raise AuthorizationError(f"{gone.diaspora_id} is a local account")
    if gone.closed_at is None:
        close_person(receipt.dbsession, gone)
    return gone


def close_person(dbsession, gone: Person) -> None:
    """Remove everything the person left here (posts, photos, interactions, sharing) and blank
    their profile; the person row stays, closed, so what they said in conversations keeps a name."""
    remove_person_content(dbsession, gone)
    gone.closed_at = utcnow()
    dbsession.flush()


# --- account migration ------------------------------------------------------------------------

def account_migration(receipt, entity) -> Person:
    """A person moved to a new diaspora ID. We check the other identity's signature, take the
    new identity's profile, move our users' contacts over to it and close the old one.

    The old identity may be an account of this pod (its owner imported their archive on another
    pod): then only the new identity may send the move, signed with the old account's key, and
    the old account is locked as well as closed."""
    old_id, new_id, signer_id = migration_identities(entity)
    if not new_id or new_id == old_id:
        raise EntityError("account_migration: the new identity is missing or the same as the old one")
    if entity.author not in (old_id, new_id):
        raise AuthorizationError(f"account_migration by {entity.author} is about neither identity")
    old, new = person(receipt, old_id), person(receipt, new_id)
    if new.user_id is not None:
        raise AuthorizationError("account_migration to a local account")
    if old.user_id is not None and entity.author != new_id:
        raise AuthorizationError(f"the move of {old_id}, an account of this pod, must come from its new identity")
    verify_account_migration(entity, (new if signer_id == new_id else old).public_key_pem)
    if old.closed_at is not None:
        return new
    apply_profile(receipt.dbsession, new, entity.get("profile"))
    hold_contacts_of(receipt.dbsession, new)
    moved = _move_contacts(receipt.dbsession, old, new)
    if old.user_id is not None:
        _lock_moved_account(receipt, old)
    old.closed_at = utcnow()
    receipt.dbsession.flush()
    _tell_new_identity(receipt, new, moved)
    record(receipt.dbsession, "account_migrated", {"person_id": new.id, "old_diaspora_id": old.diaspora_id},
           receipt.enqueue)
    return new


def _lock_moved_account(receipt, old: Person) -> None:
    """The local account that moved away: signed out everywhere, and no more signing in."""
    from ...accounts.models import User
    from ...accounts.services import SessionService

    user = receipt.dbsession.get(User, old.user_id)
    if user.locked_at is None:
        user.locked_at = utcnow()
    SessionService(receipt.dbsession, receipt.pod).revoke_all(user)


def _tell_new_identity(receipt, new: Person, user_ids: set[int]) -> None:
    """Our users who shared with the old identity now share with the new one: a contact_changed
    each, so the new identity's pod learns it (as diaspora* sends its users' contacts)."""
    if not user_ids:
        return
    shared = receipt.dbsession.scalars(sa.select(Contact.user_id).where(
        Contact.person_id == new.id, Contact.user_id.in_(sorted(user_ids)), Contact.receiving.is_(True)))
    for user_id in sorted(set(shared)):
        record(receipt.dbsession, "contact_changed", {"user_id": user_id, "person_id": new.id, "sharing": True,
                                                      "blocking": False}, receipt.enqueue)


def _move_contacts(dbsession, old: Person, new: Person) -> set[int]:
    """Each user's contact (and aspects) for the old identity now points at the new one;
    conversations go on with the new identity too. Returns the ids of the users concerned."""
    users: set[int] = set()
    for row in dbsession.scalars(sa.select(Contact).where(Contact.person_id == old.id)).unique().all():
        users.add(row.user_id)
        theirs = dbsession.scalar(sa.select(Contact).where(Contact.user_id == row.user_id,
                                                           Contact.person_id == new.id))
        if theirs is None:
            row.person_id = new.id
            continue
        theirs.sharing = theirs.sharing or row.sharing
        theirs.receiving = theirs.receiving or row.receiving
        have = set(dbsession.scalars(sa.select(AspectMembership.aspect_id).where(
            AspectMembership.contact_id == theirs.id)))
        for membership in list(row.memberships):
            if membership.aspect_id not in have:
                dbsession.add(AspectMembership(aspect_id=membership.aspect_id, contact_id=theirs.id))
        dbsession.delete(row)
    dbsession.flush()
    taken = set(dbsession.scalars(sa.select(ConversationParticipant.conversation_id).where(
        ConversationParticipant.person_id == new.id)))
    dbsession.execute(sa.update(ConversationParticipant).where(
        ConversationParticipant.person_id == old.id, ConversationParticipant.conversation_id.not_in(taken))
        .values(person_id=new.id), execution_options={"synchronize_session": False})
    return users
