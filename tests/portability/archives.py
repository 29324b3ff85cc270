"""Account archives written by hand in diaspora*'s format (archive-format.json, version 2.0), and
the remote people they name stored as discovery would leave them, so no test needs a network."""
from __future__ import annotations

import datetime as dt
import gzip
import json
from functools import lru_cache

import sqlalchemy as sa

from core.accounts.keys import generate_key_pair, new_guid
from core.accounts.models import Person, Profile
from core.federation.models import Pod
from core.testing import free_port

# The old pod and another one: loopback ports nobody listens on, so deliveries planned to them
# fail at once and nothing is looked up in the DNS.
OLD_HOST = f"127.0.0.1:{free_port()}"
OTHER_HOST = f"127.0.0.1:{free_port()}"
OLD = f"alice@{OLD_HOST}"
BOB = f"bob@{OLD_HOST}"
CAROL = f"carol@{OTHER_HOST}"
TROLL = f"troll@{OTHER_HOST}"


@lru_cache(maxsize=None)
def key_pair(index: int) -> tuple[str, str]:
    """(private PEM, public PEM); a few reused, as making keys is slow."""
    return generate_key_pair(2048)


def remote_person(dbsession, diaspora_id: str, key: int = 1, first_name: str = "") -> Person:
    """A remote person as discovery leaves one, fresh so nothing asks its pod again."""
    host = diaspora_id.split("@", 1)[1]
    pod = dbsession.scalar(sa.select(Pod).where(Pod.host == host))
    if pod is None:
        pod = Pod(host=host, https=False)
        dbsession.add(pod)
        dbsession.flush()
    person = Person(guid=new_guid(), diaspora_id=diaspora_id, public_key_pem=key_pair(key)[1], pod_id=pod.id,
                    fetched_at=dt.datetime.now(dt.timezone.utc))
    person.profile = Profile(first_name=first_name or diaspora_id.split("@")[0].capitalize())
    dbsession.add(person)
    dbsession.flush()
    return person


def contact(account_id: str, groups=(), *, sharing=True, receiving=True) -> dict:
    return {"sharing": sharing, "following": sharing, "receiving": receiving, "followed": receiving,
            "account_id": account_id, "contact_groups_membership": list(groups), "person_name": account_id,
            "person_guid": new_guid()}


def archive(old_id: str = OLD, key: int = 0, *, contacts=(), groups=("Family", "Garden club"),
            tags=("gardening", "seeds"), posts: int = 2, blocks=(), **profile) -> dict:
    """An archive of ``old_id`` whose private key is ``key_pair(key)``."""
    fields = {"author": old_id, "first_name": "Alice", "last_name": "Gardener", "bio": "I grow tomatoes.",
              "birthday": "1990-04-23", "gender": "she", "location": "Lyon", "tag_string": "#garden #seeds",
              "searchable": True, "nsfw": False, "public": True,
              "image_url": "https://old.test/uploads/images/thumb_large_a.jpg",
              "image_url_medium": "https://old.test/uploads/images/thumb_medium_a.jpg",
              "image_url_small": "https://old.test/uploads/images/thumb_small_a.jpg"}
    fields.update(profile)
    return {
        "version": "2.0",
        "user": {
            "username": old_id.split("@")[0], "email": "alice@example.org", "language": "en",
            "private_key": key_pair(key)[0], "disable_mail": False, "show_community_spotlight_in_stream": True,
            "auto_follow_back": False, "auto_follow_back_aspect": None, "blocks": list(blocks),
            "profile": {"entity_type": "profile", "entity_data": fields},
            "contact_groups": [{"name": name, "chat_enabled": False} for name in groups],
            "contacts": list(contacts),
            "posts": [{"entity_type": "status_message", "entity_data": {
                "author": old_id, "guid": new_guid(), "created_at": "2020-01-01T10:00:00Z", "public": True,
                "text": f"post {n}"}, "subscribed_pods_uris": []} for n in range(posts)],
            "relayables": [],
            "followed_tags": list(tags),
            "post_subscriptions": [],
        },
        "others_data": {"relayables": [], "non_contact_authors": [], "posts": []},
    }


def as_bytes(data: dict, gzipped: bool = False) -> bytes:
    raw = json.dumps(data).encode("utf-8")
    return gzip.compress(raw) if gzipped else raw
