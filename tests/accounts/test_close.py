"""Closing one's own account at /user/close: nothing of the user's content is left in any table,
the pods of their contacts get an account_deletion, and the username stays taken."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from PIL import Image

from core.accounts.closing import close_account, finish_closing, unfinished
from core.accounts.models import Person, User
from core.api.tokens import TokenService
from core.aspects.models import Contact
from core.aspects.services import AspectService
from core.conversations.models import ConversationParticipant
from core.conversations.services import ConversationService
from core.db import Base
from core.events.jobs import dispatch_event
from core.events.services import undispatched
from core.federation.models import DONE, Delivery, RelayableXml
from core.federation.serialize import relayable_entity
from core.portability.models import Export
from core.posts.interactions import InteractionService
from core.posts.models import Comment, Mention, PollAnswer, Post
from core.posts.photos import PhotoService, file_names, uploads_dir
from core.posts.services import Draft, PostService
from core.streams.services import TagService
from core.testing import PASSWORD, sign_in, sign_up
from tests.federation.delivery.conftest import add_contact, add_remote_person


@pytest.fixture
def receiving_pod():
    from tests.federation.delivery.conftest import ReceivingPod

    made = []

    def make():
        fake = ReceivingPod().start()
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.stop()


def png(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return buffer.getvalue()


def user_named(session, username) -> User:
    return session.scalar(sa.select(User).where(User.username == username))


def close_form(browser):
    page = browser.get("/user/close")
    return page.forms[[k for k, f in page.forms.items() if f.action.endswith("/user/close")][0]]


def rows_referring(session, user_id: int, person_id: int) -> dict[str, list]:
    """Every row of every table in the metadata whose foreign key points at the user or their
    person, by "table.column"."""
    wanted = {"users": user_id, "people": person_id}
    found: dict[str, list] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if target not in wanted or fk.column.name != "id":
                    continue
                rows = session.execute(sa.select(table).where(column == wanted[target])).mappings().all()
                if rows:
                    found.setdefault(f"{table.name}.{column.name}", []).extend(dict(r) for r in rows)
    return found


def signed_copies(session, guids) -> list[str]:
    return list(session.scalars(sa.select(RelayableXml.guid).where(RelayableXml.guid.in_(guids))))


@pytest.fixture
def busy_carol(pod, member, receiving_pod):
    """carol with a bit of everything: posts with photos, a poll vote, comments, likes, a
    reshare, mentions, contacts here and on two other pods, a conversation, notifications,
    followed tags, a block, an API token, a report and an export."""
    carol_browser = member("carol")
    member("bob")
    member("dave")
    near, far = receiving_pod(), receiving_pod()
    with pod.session_factory() as s:
        carol, bob, dave = (user_named(s, n) for n in ("carol", "bob", "dave"))
        rita = add_remote_person(s, near.host, "rita")
        sam = add_remote_person(s, far.host, "sam")
        aspects = AspectService(s, pod)
        aspects.set_aspects(carol, bob.person, [carol.aspects[0].id])
        aspects.set_aspects(bob, carol.person, [bob.aspects[0].id])
        aspects.set_aspects(carol, rita, [carol.aspects[1].id])
        # sam shares with carol; nothing was ever delivered to sam's pod.
        add_contact(s, carol.id, sam, sharing=True, receiving=False)
        aspects.block(carol, dave.person)
        posts = PostService(s, pod)
        own = posts.create(carol, Draft(text=f"Hello #newhere @{{bob; {bob.diaspora_id}}}", visibility="public",
                                        photos=[(png(), "red"), (png((0, 90, 0)), "green")]))
        posts.create(carol, Draft(text="Only friends", visibility="aspects", aspect_ids=[carol.aspects[0].id]))
        loose = PhotoService(s, pod).upload(carol, png((0, 0, 200)), "blue", pending=False)
        theirs = posts.create(bob, Draft(text=f"Vote, @{{carol; {carol.diaspora_id}}}", visibility="public",
                                         poll_question="Tea or coffee?", poll_answers="Tea\nCoffee"))
        interactions = InteractionService(s, pod)
        mine = interactions.comment(carol, theirs, "Tea, obviously")
        interactions.comment(bob, theirs, "Coffee")
        interactions.like_post(carol, theirs)
        interactions.like_comment(bob, mine)
        interactions.vote(carol, theirs, theirs.poll.answers[0].id)
        interactions.reshare(carol, theirs)
        on_own = interactions.comment(bob, own, "Nice photo")
        # The signed copies federation keeps to relay them.
        relayable_entity(s, mine)
        relayable_entity(s, on_own)
        interactions.like_post(bob, own)
        interactions.report(carol, "Post", theirs.id, "Testing the report queue")
        conversations = ConversationService(s, pod)
        talk = conversations.start(carol, [bob.person.guid], "Lunch", "Tomorrow?")
        conversations.reply(bob, talk, "Sure")
        TagService(s, pod).follow(carol, "newhere")
        TokenService(s).issue(carol, "openid public:read", name="script")
        exports = Path(pod.data_dir) / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        (exports / "carol.json").write_text("{}")
        s.add(Export(user_id=carol.id, state="done", archive_path="carol.json"))
        s.flush()
        files = [name for photo in (*own.photos, loose) for name in file_names(photo)]
        info = {"user_id": carol.id, "person_id": carol.person.id, "guid": carol.person.guid,
                "theirs": theirs.id, "talk": talk.id, "files": files, "near": near, "far": far,
                "sam_pod": sam.pod_id, "rita_pod": rita.pod_id, "bob_person": bob.person.id,
                "signed": [mine.guid, on_own.guid]}
        s.commit()
    with pod.session_factory() as s:
        for waiting in undispatched(s):  # made without enqueue: federation plans them now
            pod.jobs.send(dispatch_event, waiting.id)
    pod.jobs.drain()
    with pod.session_factory() as s:
        # What the walk below has to find gone is really there first.
        found = rows_referring(s, info["user_id"], info["person_id"])
        for name in ("posts.author_id", "photos.author_id", "comments.author_id", "likes.author_id",
                     "poll_participations.author_id", "mentions.person_id", "contacts.user_id", "contacts.person_id",
                     "aspects.user_id", "blocks.user_id", "tag_followings.user_id", "notifications.recipient_id",
                     "notification_actors.person_id", "conversation_participants.person_id", "user_sessions.user_id",
                     "api_tokens.user_id", "reports.user_id", "exports.user_id",
                     "deliveries.sender_person_id"):
            assert name in found, name
        assert len(signed_copies(s, info["signed"])) == 2
    assert all((uploads_dir(pod) / name).exists() for name in info["files"])
    info["browser"] = carol_browser
    return info


def test_closing_leaves_no_row_with_the_users_content(pod, busy_carol, new_browser):
    carol = busy_carol
    response = close_form(carol["browser"])
    response["current_password"] = PASSWORD
    response = response.submit(status=303)
    assert response.location.endswith("/")
    assert "is closed" in response.follow().text
    pod.jobs.drain()

    with pod.session_factory() as s:
        left = rows_referring(s, carol["user_id"], carol["person_id"])
        # Kept on purpose: the person row itself (people.user_id), its blank profile, the
        # conversation bob is still in with what carol wrote there (diaspora* keeps them too),
        # and the account_deletion on its way to other pods.
        assert set(left) <= {"people.user_id", "profiles.person_id", "conversations.author_id",
                             "messages.author_id", "deliveries.sender_person_id"}, left
        [profile] = left["profiles.person_id"]
        assert (profile["first_name"], profile["bio"], profile["image_url"], profile["searchable"]) == ("", "", None,
                                                                                                         False)
        assert {row["id"] for row in left["conversations.author_id"]} == {carol["talk"]}
        assert s.scalar(sa.select(ConversationParticipant.person_id).where(
            ConversationParticipant.conversation_id == carol["talk"])) == carol["bob_person"]
        assert [m["text"] for m in left["messages.author_id"]] == ["Tomorrow?"]
        assert {row["entity_type"] for row in left["deliveries.sender_person_id"]} == {"account_deletion"}
        assert {row["pod_id"] for row in left["deliveries.sender_person_id"]} == {carol["sam_pod"], carol["rita_pod"]}
        assert {row["state"] for row in left["deliveries.sender_person_id"]} == {DONE}
        # No retraction for each post: the account_deletion covers them.
        assert s.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.entity_type == "retraction")) == 0

        user = s.get(User, carol["user_id"])
        person = s.get(Person, carol["person_id"])
        assert user.closed_at is not None and person.closed_at is not None
        assert user.username == "carol" and user.email.endswith("@closed.invalid")
        assert "BEGIN" in user.private_key_pem
        # bob's post counts only what is left.
        theirs = s.get(Post, carol["theirs"])
        assert (theirs.comments_count, theirs.likes_count, theirs.reshares_count) == (1, 0, 0)
        assert [a.vote_count for a in s.scalars(sa.select(PollAnswer).where(
            PollAnswer.poll_id == theirs.poll.id).order_by(PollAnswer.position))] == [0, 0]
        assert s.scalar(sa.select(sa.func.count()).select_from(Comment).where(Comment.post_id == theirs.id)) == 1
        assert not s.scalars(sa.select(Mention).where(Mention.person_id == carol["person_id"])).all()
        assert unfinished(s) == []
        assert signed_copies(s, carol["signed"]) == []

    assert not [name for name in carol["files"] if (uploads_dir(pod) / name).exists()]
    assert not (Path(pod.data_dir) / "exports" / "carol.json").exists()
    # Both pods got the account_deletion, the one that never heard from carol before too.
    for fake in (carol["near"], carol["far"]):
        assert any(r.path == "/receive/public" for r in fake.posts)

    visitor = new_browser()
    assert sign_in(visitor, "carol", PASSWORD).status_int != 303
    assert visitor.get("/user/close").status_int in (302, 303)
    visitor.get(f"/.well-known/webfinger?resource=acct:carol@{pod.host}", status=404)
    visitor.get(f"/hcard/users/{carol['guid']}", status=404)
    page = visitor.get("/u/carol", status="*")
    assert page.status_int == 404 or ("Hello" not in page.text and "Only friends" not in page.text)
    # The session carol closed with is gone too.
    assert carol["browser"].get("/stream", status="*").status_int in (302, 303)


def test_the_username_stays_taken_and_the_email_is_free_again(pod, member, new_browser):
    member("erin")
    with pod.session_factory() as s:
        close_account(s, pod, user_named(s, "erin"), None)
        s.commit()
    browser = new_browser()
    page = sign_up(browser, "erin", email="other@example.org")
    assert page.status_int == 422
    assert "taken" in page.text
    assert sign_up(new_browser(), "erin2", email="erin@example.org").status_int == 303
    with pod.session_factory() as s:
        users = s.scalars(sa.select(User).where(User.username.in_(["erin", "erin2"])).order_by(User.username)).all()
        assert [(u.username, u.closed_at is None) for u in users] == [("erin", False), ("erin2", True)]


def test_a_wrong_password_changes_nothing(pod, member):
    browser = member("frank")
    with pod.session_factory() as s:
        PostService(s, pod).create(user_named(s, "frank"), Draft(text="still here", visibility="public"))
        s.commit()
    for wrong in ("not my password", ""):
        form = close_form(browser)
        form["current_password"] = wrong
        page = form.submit(status=422)
        assert "Your current password is wrong." in page.text
    form = close_form(browser)
    form["current_password"] = PASSWORD + "\x00"
    assert 400 <= form.submit(status="*").status_int < 500
    pod.jobs.drain()
    with pod.session_factory() as s:
        frank = user_named(s, "frank")
        assert frank.closed_at is None and frank.email == "frank@example.org"
        assert s.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.author_id == frank.person.id)) == 1
    assert "still here" in browser.get("/stream").text


def test_the_page_explains_and_asks_for_the_password(member):
    page = member("gina").get("/user/close")
    assert "can't be" in page.text and "username stays reserved" in page.text
    assert 'name="current_password"' in page.text and 'name="csrf_token"' in page.text


def test_anonymous_visitors_are_sent_to_sign_in(member):
    visitor = member(None)
    response = visitor.get("/user/close", status="*")
    assert response.status_int in (302, 303)
    assert "/users/sign_in" in response.location
    assert "next=" in response.location


def test_closing_twice_changes_nothing(pod, member):
    member("hank")
    with pod.session_factory() as s:
        hank = user_named(s, "hank")
        close_account(s, pod, hank, pod.jobs.send)
        s.commit()
        first = (hank.email, hank.closed_at, hank.password_hash)
    pod.jobs.drain()
    with pod.session_factory() as s:
        hank = user_named(s, "hank")
        close_account(s, pod, hank, None)
        s.commit()
        assert (hank.email, hank.closed_at, hank.password_hash) == first
        events = s.execute(sa.text("SELECT count(*) FROM events WHERE name = 'account_closed'")).scalar()
        assert events == 1


def test_the_follow_up_finds_contacts_a_lost_job_left(pod, member, receiving_pod):
    """A crash before finish_closing ran: the sweep finds the account, the job finishes it."""
    member("ivy")
    fake = receiving_pod()
    with pod.session_factory() as s:
        ivy = user_named(s, "ivy")
        add_contact(s, ivy.id, add_remote_person(s, fake.host, "zoe"), sharing=True)
        close_account(s, pod, ivy, None)  # no enqueue: nothing is sent
        s.commit()
        ivy_id = ivy.id
    with pod.session_factory() as s:
        assert unfinished(s) == [ivy_id]
    from tests.federation.delivery.conftest import run_job

    run_job(pod, finish_closing, ivy_id)
    with pod.session_factory() as s:
        assert unfinished(s) == []
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.user_id == ivy_id)) == 0
        assert s.scalar(sa.select(Delivery.entity_type).where(
            Delivery.sender_person_id == user_named(s, "ivy").person.id)) == "account_deletion"
    assert any(r.path == "/receive/public" for r in fake.posts)


def test_seedpod_user_create_refuses_a_closed_username(pod, member, tmp_path):
    from core.cli import cli
    from tests.cli.conftest import BASE_SETTINGS, forget_pods, write_ini

    member("jill")
    with pod.session_factory() as s:
        close_account(s, pod, user_named(s, "jill"), None)
        s.commit()
    ini = write_ini(tmp_path / "pod.ini", {**BASE_SETTINGS, "url": pod.settings["url"],
                                           "database.url": pod.settings["database.url"]})
    forget_pods()
    try:
        ran = CliRunner().invoke(cli, ["--config", str(ini), "user", "create", "jill", "--email", "new@example.org",
                                       "--password", PASSWORD], prog_name="seedpod")
    finally:
        forget_pods()
    assert ran.exit_code != 0
    assert "taken" in ran.output
    with pod.session_factory() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "new@example.org")) == 0

