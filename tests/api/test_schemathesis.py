"""Property-based check of the whole API against its own OpenAPI description.

schemathesis generates requests for every operation of /api/v1/openapi.json and sends them to
the test pod with a token holding every scope. Every answer must be a documented status, of
the documented content type, matching the documented schema; none may be a 5xx. The pod holds
a few people, posts, comments, likes, a photo, a conversation and notifications, and the
generated path ids are drawn partly from those, so requests reach the views' real work and not
only their 404s. Hypothesis is derandomized, so a run is the same run every time.
"""
from __future__ import annotations

import copy
import io

import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from core.accounts.models import Person, User
from core.api.scopes import SCOPES
from core.api.tokens import TokenService
from core.aspects.services import AspectService
from core.conversations.services import ConversationService
from core.notifications.models import Notification
from core.posts.interactions import InteractionService
from core.posts.models import Photo, PollAnswer
from core.posts.services import Draft, PostService

DESCRIPTION = "/api/v1/openapi.json"
# Enough to reach most branches of each operation, few enough for the file to take about a
# minute per database on a small machine.
EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
# Reads first, then writes, deletions last: each kind finds the data the previous left.
METHOD_ORDER = {"GET": 0, "POST": 1, "PATCH": 2, "PUT": 3, "DELETE": 4}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def seed(api) -> dict[str, list]:
    """Alice (the caller), Bob and Carol, sharing both ways with Alice, and what they wrote.
    Returns real values by parameter name, for the generated requests to hit."""
    alice, bob, carol = api.users("alice", "bob", "carol")
    with api.session() as s:
        users = {caller.username: caller.user(s) for caller in (alice, bob, carol)}
        aspects = AspectService(s, api.pod)
        for one, other in (("alice", "bob"), ("bob", "alice"), ("alice", "carol"), ("carol", "alice")):
            aspects.set_aspects(users[one], s.get(Person, users[other].person.id), [users[one].aspects[0].id])
        posts = PostService(s, api.pod)
        public = posts.create(users["bob"], Draft(text="Hello #cats, @{alice@pod.test}", visibility="public",
                                                  poll_question="Tea?", poll_answers=["yes", "no"]))
        limited = posts.create(users["bob"], Draft(text="Only for friends", visibility="aspects",
                                                   aspect_ids=[users["bob"].aspects[0].id]))
        own = posts.create(users["alice"], Draft(text="Mine, with a photo", visibility="public",
                                                 photos=[(png(), "a square")]))
        interactions = InteractionService(s, api.pod)
        comment = interactions.comment(users["alice"], public, "Nice #cats")
        reply = interactions.comment(users["bob"], own, "Thanks @{alice@pod.test}")
        interactions.like_post(users["carol"], own)
        interactions.like_comment(users["bob"], comment)
        interactions.reshare(users["carol"], public)
        conversation = ConversationService(s, api.pod).start(users["bob"], [users["alice"].person.guid],
                                                             "Lunch", "Tomorrow?")
        s.flush()
        values = {
            "post_guid": [public.guid, limited.guid, own.guid],
            "comment_guid": [comment.guid, reply.guid],
            "person_guid": [alice.guid, bob.guid, carol.guid],
            "aspect_id": [aspect.id for aspect in users["alice"].aspects],
            "conversation_guid": [conversation.guid],
            "photo_guid": list(s.scalars(sa.select(Photo.guid))),
            "notification_guid": list(s.scalars(sa.select(Notification.guid).where(
                Notification.recipient_id == users["alice"].id))),
            "poll_answer": list(s.scalars(sa.select(PollAnswer.id))),
            "tag_name": ["cats"],
        }
    values["recipients"] = values["person_guid"]
    return values


def seeded(document: dict, values: dict[str, list]) -> dict:
    """The description with each id parameter and id field narrowed to the seeded values."""
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in values:
                    parameter["schema"] = {"enum": values[parameter["name"]]}
    for schema in document["components"]["schemas"].values():
        for name, field in schema.get("properties", {}).items():
            if name in values and schema.get("additionalProperties") is not False:
                if field.get("type") == "array":
                    field["items"] = {"enum": values[name]}
                else:
                    schema["properties"][name] = {"enum": values[name]}
    return document


def loaded(document: dict, wsgi_app):
    """What schemathesis.openapi.from_wsgi makes of the served description, for ``document``."""
    schema = schemathesis.openapi.from_dict(document)
    schema.app = wsgi_app
    schema.location = DESCRIPTION
    return {(operation.method.upper(), operation.path): operation
            for operation in (result.ok() for result in schema.get_all_operations())}


def describe(error: BaseException) -> str:
    """The failure and, for a group (several failures, or a flaky one), each of its parts."""
    parts = [str(error).strip()] + [describe(part) for part in getattr(error, "exceptions", ())]
    return "\n".join(parts)[:4000]


def test_every_operation_answers_as_documented(api, wsgi_app):
    values = seed(api)
    # The caller is Alice: the seeded ids are her aspects, her friends, posts she may see.
    token = api_token(api, "alice")
    alice = api.get("/users/" + values["person_guid"][0], token)
    headers = {"Authorization": f"Bearer {token}"}

    served = api.app.get(DESCRIPTION).json
    anything = loaded(copy.deepcopy(served), wsgi_app)
    real = loaded(seeded(copy.deepcopy(served), values), wsgi_app)
    assert alice.json["diaspora_id"] == "alice@pod.test"
    assert len(anything) == sum(len(item) for item in served["paths"].values())

    failures = []
    for key in sorted(anything, key=lambda key: METHOD_ORDER[key[0]]):
        # Half the requests name made-up ids, half the seeded ones.
        cases = st.one_of(anything[key].as_strategy(), real[key].as_strategy())

        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=cases)
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as error:  # each failing operation is reported, the others still run
            failures.append(f"{key[0]} {key[1]}\n{describe(error)}")
    assert not failures, f"{len(failures)} operations broke their description:\n\n" + "\n\n".join(failures)


def api_token(api, username: str) -> str:
    """A token of ``username`` with every scope."""
    with api.session() as s:
        user = s.scalar(sa.select(User).where(User.username == username))
        return TokenService(s).issue(user, " ".join(SCOPES))[1]


def test_the_seeded_description_names_only_real_ids(api):
    values = seed(api)
    document = seeded(api.app.get(DESCRIPTION).json, values)

    [aspect_id] = document["paths"]["/aspects/{aspect_id}"]["get"]["parameters"]
    assert aspect_id["schema"] == {"enum": values["aspect_id"]}
    assert document["components"]["schemas"]["NewConversation"]["properties"]["recipients"]["items"] == {
        "enum": values["person_guid"]}
    assert len(values["notification_guid"]) >= 2  # Bob's comment and mention reached Alice
    assert len(values["photo_guid"]) == 1


def test_what_schemathesis_found_stays_fixed(api):
    """JSON integers beyond what a database column holds were a 500 on PostgreSQL."""
    token = api.user("alice").token("openid public:read contacts:read contacts:modify")

    created = api.post("/aspects", token, params={"name": "cats"})
    too_far = api.patch(f"/aspects/{created.json['id']}", token, json_body={"order": 2**40})

    assert too_far.json == {"code": 422, "message": "Failed to update the aspect"}
    assert api.get(f"/aspects/{created.json['id']}", token).json["order"] == created.json["order"]
