"""Private conversations through the web pages: who may write to whom, unread counts, hiding."""
from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person, User
from core.aspects.models import Block
from core.aspects.services import AspectService
from core.conversations.models import Conversation, Message
from core.notifications.models import Notification
from core.testing import browse, sign_up

ONLY_SHARERS = "You can only write to people who share with you"


def share(pod, owner: str, *people: str) -> None:
    """``owner`` puts ``people`` in their first aspect: they then share with each of them."""
    with pod.session_factory() as session:
        user = session.scalar(sa.select(User).where(User.username == owner))
        for name in people:
            person = session.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                                    .where(User.username == name))
            AspectService(session, pod).set_aspects(user, person, [user.aspects[0].id])
        session.commit()


def guid_of(pod, username: str) -> str:
    with pod.session_factory() as session:
        return session.scalar(sa.select(Person.guid).join(User, User.id == Person.user_id)
                              .where(User.username == username))


def token(browser) -> str:
    return browser.get("/conversations").html.select_one('input[name="csrf_token"]')["value"]


def start(browser, to, subject="Lunch?", text="Shall we meet at noon?", status="*"):
    fields = [("csrf_token", token(browser)), ("subject", subject), ("text", text)]
    fields += [("person", guid) for guid in to]
    return browser.post("/conversations", fields, status=status)


def reply(browser, guid: str, text: str, status="*"):
    return browser.post(f"/conversations/{guid}/messages", {"csrf_token": token(browser), "text": text},
                        status=status)


def listed(browser) -> dict[str, int]:
    """guid -> unread count of each conversation on the browser's list, in page order."""
    items = browser.get("/conversations").html.select('[data-testid="conversation"]')
    return {li["data-guid"]: int(li["data-unread"]) for li in items}


def nav_badge(browser) -> int:
    badge = browser.get("/conversations").html.select_one('[data-testid="unread-conversations"]')
    return int(badge.text) if badge else 0


def count(pod, model) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def people(app, new_browser, pod):
    """alice; bob and carol share with her, eve doesn't (though alice shares with eve)."""
    sign_up(app, "alice")
    others = {}
    for name in ("bob", "carol", "eve"):
        others[name] = new_browser()
        sign_up(others[name], name)
    share(pod, "bob", "alice")
    share(pod, "carol", "alice")
    share(pod, "alice", "eve")
    return others


def test_the_new_form_offers_only_people_who_share(app, new_browser, pod):
    people(app, new_browser, pod)
    page = app.get("/conversations/new")
    offered = {box["value"]: box.has_attr("checked") for box in page.html.select('input[name="person"]')}
    assert offered == {guid_of(pod, "bob"): False, guid_of(pod, "carol"): False}
    page = app.get(f"/conversations/new?person={guid_of(pod, 'carol')}")
    offered = {box["value"]: box.has_attr("checked") for box in page.html.select('input[name="person"]')}
    assert offered == {guid_of(pod, "bob"): False, guid_of(pod, "carol"): True}


def test_starting_a_conversation_counts_unread_and_notifies(app, new_browser, pod):
    others = people(app, new_browser, pod)
    response = start(app, [guid_of(pod, "bob"), guid_of(pod, "carol")])
    assert response.status_int == 303
    page = response.follow()
    assert "Lunch?" in page.text and "Shall we meet at noon?" in page.text
    with pod.session_factory() as session:
        conversation = session.scalar(sa.select(Conversation))
        names = sorted(p.person.username for p in conversation.participants)
        notified = session.scalars(sa.select(Notification).where(Notification.kind == "private_message")).all()
        assert names == ["alice", "bob", "carol"]
        assert {(n.target_type, n.target_id) for n in notified} == {("Conversation", conversation.id)}
        assert len(notified) == 2
    assert listed(app) == {conversation.guid: 0}
    assert listed(others["bob"]) == {conversation.guid: 1}
    assert nav_badge(others["bob"]) == 1 and nav_badge(app) == 0
    assert listed(others["eve"]) == {}
    shown = others["bob"].get(f"/conversations/{conversation.guid}")
    assert "Shall we meet at noon?" in shown.text
    assert listed(others["bob"]) == {conversation.guid: 0} and nav_badge(others["bob"]) == 0
    assert listed(others["carol"]) == {conversation.guid: 1}


def test_only_people_who_share_with_you_can_be_written_to(app, new_browser, pod):
    people(app, new_browser, pod)
    with pod.session_factory() as session:
        alice = session.scalar(sa.select(User).where(User.username == "alice"))
        carol = session.scalar(sa.select(Person.id).where(Person.guid == guid_of(pod, "carol")))
        session.add(Block(user_id=alice.id, person_id=carol))
        session.commit()
    for to in (["eve"], ["bob", "eve"], ["carol"], ["alice"]):
        response = start(app, [guid_of(pod, name) for name in to])
        assert response.status_int == 400, to
        assert ONLY_SHARERS in response.text
    response = start(app, ["no-such-guid"])
    assert response.status_int == 400 and ONLY_SHARERS in response.text
    assert count(pod, Conversation) == 0 and count(pod, Message) == 0
    offered = [box["value"] for box in app.get("/conversations/new").html.select('input[name="person"]')]
    assert offered == [guid_of(pod, "bob")]


def test_bad_subjects_and_messages_are_refused_and_kept_in_the_form(app, new_browser, pod):
    people(app, new_browser, pod)
    bob = guid_of(pod, "bob")
    cases = [([bob], "", "hi", "Give the conversation a subject."),
             ([bob], "x" * 256, "hi", "Subjects are at most 255 characters long."),
             ([bob], "Hello", "   ", "Write a message."),
             ([bob], "Hello", "x" * 65536, "Messages are at most 65,535 characters long."),
             ([], "Hello", "hi", "Choose at least one person to write to.")]
    for to, subject, text, error in cases:
        response = start(app, to, subject, text)
        assert response.status_int == 400
        assert response.html.select_one('[data-testid="form-error"]').text == error
    assert start(app, [bob], "x" * 255, "hi").status_int == 303
    response = start(app, [bob], "Keep me", "")
    assert response.html.select_one("#conversation-subject")["value"] == "Keep me"
    assert response.html.select_one(f'input[value="{bob}"]').has_attr("checked")
    assert count(pod, Conversation) == 1


def test_replies_count_for_the_others_and_outsiders_get_404(app, new_browser, pod):
    others = people(app, new_browser, pod)
    bob, eve = others["bob"], others["eve"]
    start(app, [guid_of(pod, "bob")])
    [guid] = listed(bob)
    bob.get(f"/conversations/{guid}")
    response = reply(bob, guid, "Noon is fine.")
    assert response.status_int == 303
    assert "Noon is fine." in response.follow().text
    assert listed(app) == {guid: 1} and listed(bob) == {guid: 0}
    assert reply(bob, guid, "  ").status_int == 400
    for url in (f"/conversations/{guid}", "/conversations/nope"):
        assert eve.get(url, status="*").status_int == 404
    assert reply(eve, guid, "let me in").status_int == 404
    hide = eve.post(f"/conversations/{guid}/hide", {"csrf_token": token(eve)}, status="*")
    assert hide.status_int == 404
    assert count(pod, Message) == 2
    assert app.get(f"/conversations/{guid}").text.count('data-testid="message"') == 2


def test_hiding_lasts_until_a_new_message(app, new_browser, pod):
    others = people(app, new_browser, pod)
    bob = others["bob"]
    start(app, [guid_of(pod, "bob")])
    [guid] = listed(bob)
    page = bob.get(f"/conversations/{guid}")
    form = next(f for f in page.forms.values() if f.action.endswith("/hide"))
    assert form.submit().status_int == 303
    assert listed(bob) == {} and nav_badge(bob) == 0
    assert bob.get(f"/conversations/{guid}").status_int == 200  # hidden, not gone
    reply(app, guid, "Still there?")
    assert listed(bob) == {guid: 1} and nav_badge(bob) == 1


def test_the_list_puts_the_newest_message_first(app, new_browser, pod):
    others = people(app, new_browser, pod)
    start(app, [guid_of(pod, "bob")], subject="First")
    start(app, [guid_of(pod, "carol")], subject="Second")
    with pod.session_factory() as session:
        by_subject = dict(session.execute(sa.select(Conversation.subject, Conversation.guid)).all())
    first, second = by_subject["First"], by_subject["Second"]
    assert list(listed(app)) == [second, first]
    reply(others["bob"], first, "bump")
    assert list(listed(app)) == [first, second]
    assert listed(app) == {first: 1, second: 0}
    assert app.get("/conversations?max=garbage", status="*").status_int == 400


def test_conversations_need_a_sign_in(app):
    assert app.get("/conversations").status_int == 302
    assert app.get("/conversations/new").status_int == 302


def test_the_plain_theme_shows_the_unread_count_too(make_app):
    app = make_app(theme="plain")
    pod = app.pod
    others = people(app, lambda: browse(app.app, pod), pod)
    start(app, [guid_of(pod, "bob")])
    page = others["bob"].get("/conversations")
    assert "<script" not in page.text
    assert page.html.select_one('[data-testid="nav-conversations"] [data-testid="unread-conversations"]').text == "1"
