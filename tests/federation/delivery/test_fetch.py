"""GET /fetch/{type}/{guid} (PROTOCOL.md §14): 200 signed by the local author, 302 to a remote
author's pod, 404 for anything limited, unknown or malformed."""
from __future__ import annotations

from core.accounts.keys import new_guid
from core.accounts.models import User
from core.federation.entities import parse_entity, verify_relayable
from core.federation.envelope import read_envelope, verify_envelope
from core.posts.models import Comment, Like, Poll, PollAnswer

from .conftest import add_post, add_remote_person, aspect_id, pod_row


def setup(pod, local_user):
    alice_id = local_user("alice")
    with pod.session_factory() as session:
        alice = session.get(User, alice_id)
        pod_row(session, "remote.example:8443", https=True)
        remote = add_remote_person(session, "remote.example:8443", "rob")
        public = add_post(session, alice.person.id, "for everyone")
        limited = add_post(session, alice.person.id, "secret", public=False,
                           aspect_ids=[aspect_id(session, alice_id, "Friends")])
        theirs = add_post(session, remote.id, "remote public")
        reshare = add_post(session, alice.person.id, "", type="Reshare", root_id=theirs.id)
        poll = Poll(guid=new_guid(), post_id=public.id, question="Q?", answers=[
            PollAnswer(guid=new_guid(), answer="a", position=0), PollAnswer(guid=new_guid(), answer="b", position=1)])
        session.add(poll)
        comment = Comment(guid=new_guid(), post_id=public.id, author_id=alice.person.id, text="on public")
        secret_comment = Comment(guid=new_guid(), post_id=limited.id, author_id=alice.person.id, text="on limited")
        remote_comment = Comment(guid=new_guid(), post_id=public.id, author_id=remote.id, text="from afar")
        session.add_all([comment, secret_comment, remote_comment])
        session.flush()
        secret_like = Like(guid=new_guid(), target_type="Post", post_id=limited.id, author_id=alice.person.id)
        session.add(secret_like)
        session.commit()
        return dict(public=public.guid, limited=limited.guid, theirs=theirs.guid, reshare=reshare.guid,
                    poll=poll.guid, comment=comment.guid, secret_comment=secret_comment.guid,
                    remote_comment=remote_comment.guid, secret_like=secret_like.guid,
                    alice_pub=alice.person.public_key_pem, alice=alice.person.diaspora_id)


def opened(response, public_key):
    assert response.status_int == 200
    assert response.content_type == "application/magic-envelope+xml"
    envelope = read_envelope(response.body)
    verify_envelope(envelope, public_key)
    return envelope, parse_entity(envelope.payload)


def test_public_entities_of_local_authors_come_signed(app, pod, local_user):
    data = setup(pod, local_user)
    for path in (f"/fetch/post/{data['public']}", f"/fetch/status_message/{data['public']}"):
        envelope, entity = opened(app.get(path), data["alice_pub"])
        assert envelope.sender == data["alice"]
        assert entity.type == "status_message" and entity.get("guid") == data["public"]
    _, entity = opened(app.get(f"/fetch/reshare/{data['reshare']}"), data["alice_pub"])
    assert entity.type == "reshare" and entity.get("root_guid") == data["theirs"]
    _, entity = opened(app.get(f"/fetch/poll/{data['poll']}"), data["alice_pub"])
    assert entity.type == "status_message" and entity.get("poll").get("guid") == data["poll"]
    _, entity = opened(app.get(f"/fetch/comment/{data['comment']}"), data["alice_pub"])
    assert entity.type == "comment"
    verify_relayable(entity, data["alice_pub"])


def test_known_entities_of_remote_authors_redirect_to_their_pod(app, pod, local_user):
    data = setup(pod, local_user)
    for kind, guid in (("status_message", data["theirs"]), ("post", data["theirs"]),
                       ("comment", data["remote_comment"])):
        response = app.get(f"/fetch/{kind}/{guid}", status=302)
        assert response.location == f"https://remote.example:8443/fetch/{kind}/{guid}"


def test_limited_unknown_and_malformed_are_404(app, pod, local_user):
    data = setup(pod, local_user)
    for path in (f"/fetch/post/{data['limited']}", f"/fetch/status_message/{data['limited']}",
                 f"/fetch/comment/{data['secret_comment']}", f"/fetch/like/{data['secret_like']}",
                 f"/fetch/post/{new_guid()}", f"/fetch/reshare/{data['public']}",
                 f"/fetch/unknown_type/{data['public']}", f"/fetch/Post/{data['public']}",
                 f"/fetch/person/{data['public']}", "/fetch/post/short", f"/fetch/post/{data['public']}-",
                 "/fetch/post/" + "a" * 300, "/fetch/post/zz%3Cscript%3Ezzzzzzzzzzzzz",
                 f"/fetch/photo/{new_guid()}", f"/fetch/poll/{new_guid()}"):
        assert app.get(path, status="*").status_int == 404, path


def test_signed_in_viewers_change_nothing(app, people, pod, local_user):
    data = setup(pod, local_user)
    from core.testing import sign_in

    sign_in(app, "alice", "correct horse battery")
    assert app.get(f"/fetch/post/{data['limited']}", status="*").status_int == 404
