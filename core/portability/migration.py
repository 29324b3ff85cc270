"""Moving an old identity to a new local account: the ``account_migration`` entity (PROTOCOL.md §9.2).

After an archive is imported, the new local person announces the move. The entity is sent by
the new identity (its envelope signed with the new key), names the old identity in
``old_identity``, and carries the old identity's signature of ``AccountMigration:old:new``, made
with the private key from the archive: only the holder of the old account can produce it. It
goes on the public route to every pod of the old identity's contacts and to the old pod, through
the usual Delivery rows, once per pod however often it is planned.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import Person, User
from ..federation import delivery, serialize
from ..federation.entities import normalize_diaspora_id, sign_account_migration

DEDUPE_PREFIX = "account_migration:"


def migration_entity(pod, user: User, old_diaspora_id: str, old_private_key_pem: str):
    """The signed entity: author the new identity, signature by the old identity's key."""
    entity = serialize.account_migration_entity(pod, user.person, old_diaspora_id)
    sign_account_migration(entity, old_private_key_pem)
    return entity


def target_pod_ids(dbsession, old_diaspora_id: str, contact_ids) -> set[int]:
    """The pods of the contacts (as the archive lists them, by diaspora ID) and of the old
    identity, among the people this pod knows; local people need no delivery."""
    wanted = {normalize_diaspora_id(value) for value in contact_ids if value}
    wanted.add(normalize_diaspora_id(old_diaspora_id))
    pods: set[int] = set()
    for chunk in _chunks(sorted(wanted), 500):
        rows = dbsession.execute(sa.select(Person.pod_id).where(
            Person.diaspora_id.in_(chunk), Person.user_id.is_(None), Person.pod_id.is_not(None)))
        pods.update(pod_id for (pod_id,) in rows)
    return pods


def send_migration(dbsession, pod, user: User, old_diaspora_id: str, old_private_key_pem: str, contact_ids,
                   enqueue) -> int:
    """Plan the account_migration to every target pod; returns how many pods get it.

    Planning again (a retried import step) adds no second row for a pod that has one."""
    entity = migration_entity(pod, user, old_diaspora_id, old_private_key_pem)
    pod_ids = target_pod_ids(dbsession, old_diaspora_id, contact_ids)
    delivery.deliver_public_to_pods(dbsession, pod, user.person, entity, pod_ids, enqueue,
                                    dedupe_key=DEDUPE_PREFIX + normalize_diaspora_id(old_diaspora_id))
    return len(pod_ids)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
