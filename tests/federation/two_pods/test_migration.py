"""Two pods, two processes: Alice moves her account from pod A to pod B.

On pod A Alice has a profile, aspects, followed tags, posts, and Bob (on pod A too) as a contact:
each shares with the other. Her archive is exported with `seedpod user export`; on pod B, which
is empty, a new account alice2 imports it from the settings page. Pod B then has her profile,
aspects, followed tags and Bob in the right aspect; the account_migration reaches pod A, where
Bob's contact now points at alice2@B, the old account is locked, and Bob's pod tells pod B that
Bob shares with alice2.
"""
from __future__ import annotations

from webtest import Upload

from core.testing import sign_in

from ..processes import PASSWORD, wait_until
from ..steps import compose, create_aspect, form_posting_to, put_in_aspect, text_of


def edit_profile(browser, **fields) -> None:
    form = browser.get("/profile/edit").forms["profile-form"]
    for name, value in fields.items():
        form[name] = value
    assert form.submit(status="*").status_int == 303


def follow_tag(browser, name: str) -> None:
    form = form_posting_to(browser.get("/followed_tags"), "/followed_tags")
    form["name"] = name
    assert form.submit(status="*").status_int == 303


def test_an_account_moves_to_another_pod_with_its_contacts(two_pods, tmp_path):
    a, b = two_pods
    alice = a.sign_up("alice")
    bob = a.sign_up("bob")
    [(alice_guid,)] = a.sql("SELECT guid FROM people WHERE diaspora_id = :d", d=alice.diaspora_id)
    [(bob_guid,)] = a.sql("SELECT guid FROM people WHERE diaspora_id = :d", d=bob.diaspora_id)

    # Alice's life on pod A.
    edit_profile(alice, first_name="Alice", last_name="Gardener", bio="I grow tomatoes.", location="Lyon",
                 tags="#garden #seeds", public_details=True)
    create_aspect(alice, "Garden club")
    put_in_aspect(alice, f"/people/{bob_guid}", "Garden club")
    put_in_aspect(bob, f"/people/{alice_guid}", "Friends")
    follow_tag(alice, "tomatoes")
    follow_tag(alice, "compost")
    compose(alice, "The first tomatoes are red", "public")
    compose(alice, "Only for the club: seeds on Sunday", "aspects", aspects={"Garden club"})

    # Her archive, as the podmin of A (or she, from the export page) gets it.
    archive = tmp_path / "alice.json.gz"
    a.seedpod("user", "export", "alice", "--output", str(archive))

    # On pod B a new, empty account imports it from the settings page.
    alice2 = b.sign_up("alice2")
    page = alice2.get("/user/import")
    form = next(f for f in page.forms.values() if "archive" in f.fields)
    form["archive"] = Upload("alice.json.gz", archive.read_bytes(), "application/gzip")
    assert form.submit(status="*").status_int == 303
    wait_until(lambda: "Your archive was imported" in alice2.get("/user/import").text, 60,
               what="the import on pod B to finish")
    summary = text_of(alice2, "/user/import")
    assert f"Your profile from {alice.diaspora_id}" in summary, summary
    assert "Contacts you share with again: 1" in summary and "Posts in the archive (kept there" in summary

    # Pod B has the profile, aspects, followed tags, and Bob in the right aspect.
    new_id = alice2.diaspora_id
    assert b.sql("SELECT first_name, last_name, bio, location, tag_string, public_details FROM profiles "
                 "JOIN people ON people.id = profiles.person_id WHERE diaspora_id = :d", d=new_id) == [
        ("Alice", "Gardener", "I grow tomatoes.", "Lyon", "#garden #seeds", True)]
    aspects = [name for (name,) in b.sql("SELECT name FROM aspects JOIN users ON users.id = aspects.user_id "
                                         "WHERE username = 'alice2' ORDER BY position, aspects.id")]
    assert "Garden club" in aspects
    assert sorted(b.sql("SELECT tags.name FROM tag_followings JOIN tags ON tags.id = tag_followings.tag_id "
                        "JOIN users ON users.id = tag_followings.user_id WHERE username = 'alice2'")) == [
        ("compost",), ("tomatoes",)]
    assert b.sql("SELECT aspects.name FROM contacts JOIN people ON people.id = contacts.person_id "
                 "JOIN aspect_memberships m ON m.contact_id = contacts.id JOIN aspects ON aspects.id = m.aspect_id "
                 "WHERE people.diaspora_id = :d", d=bob.diaspora_id) == [("Garden club",)]
    assert b.sql("SELECT count(*) FROM posts") == [(0,)]  # the posts stay in the archive

    # Pod A moves Bob's contact from alice@A to alice2@B, and closes and locks the old account.
    def bobs_contacts():
        return a.sql("SELECT people.diaspora_id, contacts.sharing, contacts.receiving FROM contacts "
                     "JOIN people ON people.id = contacts.person_id JOIN users ON users.id = contacts.user_id "
                     "WHERE users.username = 'bob'")
    # alice2's contact for Bob and the move reach pod A together and may be applied side by side:
    # both hold alice2's person row, so neither is refused and nothing waits for a retry.
    wait_until(lambda: bobs_contacts() == [(new_id, True, True)], 60,
               what=f"bob's contact on pod A to point at {new_id}")
    assert a.sql("SELECT aspects.name FROM aspect_memberships m JOIN aspects ON aspects.id = m.aspect_id "
                 "JOIN contacts ON contacts.id = m.contact_id JOIN users ON users.id = contacts.user_id "
                 "WHERE users.username = 'bob'") == [("Friends",)]
    [(locked_at, closed_at)] = a.sql("SELECT users.locked_at, people.closed_at FROM users "
                                     "JOIN people ON people.user_id = users.id WHERE username = 'alice'")
    assert locked_at is not None and closed_at is not None
    assert "This account is locked" in sign_in(a.browser(), "alice", PASSWORD).text

    # Bob sees alice2 among his contacts, and his pod told pod B that he shares with her.
    [(new_guid,)] = b.sql("SELECT guid FROM people WHERE diaspora_id = :d", d=new_id)
    rows = {" ".join(row.text.split()) for row in bob.get("/contacts").html.select("tr")
            if row.find("a", href=lambda href: href and href.endswith(f"/people/{new_guid}"))}
    assert rows and all("Alice Gardener" in row and new_id in row for row in rows), rows
    assert alice.diaspora_id not in text_of(bob, "/contacts")
    wait_until(lambda: b.sql("SELECT contacts.sharing FROM contacts JOIN people ON people.id = contacts.person_id "
                             "WHERE people.diaspora_id = :d", d=bob.diaspora_id) == [(True,)], 120,
               what="pod B to learn that bob shares with alice2")
