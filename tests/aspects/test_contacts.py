from core.testing import aspects_of, share


def contact_rows(page):
    return [(row.select("td")[1].text.strip(), row.select("td")[2].text.strip(),
             row.select_one("[data-testid=contact-state]").text.strip())
            for row in page.html.select("[data-testid=contact]")]


def test_contacts_list_states_aspects_and_filters(people, person_of, pod):
    alice, bob, carol, dave = people("alice", "bob", "carol", "dave")
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    share(bob, person_of("alice"), {"Work"}, pod, "bob")
    share(alice, person_of("carol"), {"Friends", "Work"}, pod, "alice")
    share(dave, person_of("alice"), {"Family"}, pod, "dave")

    page = alice.get("/contacts")
    assert contact_rows(page) == [
        ("bob@pod.test", "Friends", "mutual"),
        ("carol@pod.test", "Friends, Work", "you share with them"),
        ("dave@pod.test", "In no aspect", "sharing with you"),
    ]
    filters = {a.text.split("(")[0].strip(): a.text.split("(")[1].rstrip(")").strip()
               for a in page.html.select("[data-testid=aspect-filter]")}
    assert filters == {"Family": "0", "Friends": "2", "Work": "1", "Acquaintances": "0"}

    ids = dict((n, i) for i, n in aspects_of(pod, "alice"))
    assert [r[0] for r in contact_rows(alice.get(f"/contacts?a={ids['Work']}"))] == ["carol@pod.test"]
    assert [r[0] for r in contact_rows(alice.get("/contacts?set=sharing"))] == ["bob@pod.test", "dave@pod.test"]
    assert [r[0] for r in contact_rows(alice.get("/contacts?set=receiving"))] == ["bob@pod.test", "carol@pod.test"]
    assert [r[0] for r in contact_rows(alice.get(f"/contacts?a={ids['Friends']}&set=sharing"))] == ["bob@pod.test"]
    labels = [o.text for o in alice.get("/contacts").html.select("#contact-set option")]
    assert labels == ["Everyone", "Only people sharing with you", "Only people you share with"]


def test_contacts_of_an_unknown_or_foreign_aspect_are_not_found(people, pod):
    alice, _ = people("alice", "bob")
    alice.get("/contacts?a=999999", status=404)
    alice.get(f"/contacts?a={aspects_of(pod, 'bob')[0][0]}", status=404)
    alice.get("/contacts?a=abc", status=404)


def test_contacts_need_sign_in(app):
    assert "/users/sign_in" in app.get("/contacts").location
