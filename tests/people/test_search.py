from core.testing import form_with_action, share


def found(browser, q):
    page = browser.get("/search", {"q": q})
    return [li.select_one("code").text for li in page.html.select("[data-testid=person-result]")]


def set_profile(browser, **fields):
    form = browser.get("/profile/edit").forms["profile-form"]
    for name, value in fields.items():
        if name == "searchable":
            form[name].checked = value
        else:
            form[name] = value
    assert form.submit().status_int == 303


def test_search_by_name_or_diaspora_id(people):
    alice, bob, carol = people("alice", "bob", "carol")
    set_profile(bob, first_name="Robert", last_name="Paulson")
    assert found(alice, "rob") == ["bob@pod.test"]
    assert found(alice, "PAUL") == ["bob@pod.test"]
    assert found(alice, "carol@") == ["carol@pod.test"]
    assert sorted(found(alice, "pod.test")) == ["alice@pod.test", "bob@pod.test", "carol@pod.test"]
    assert found(alice, "zzz") == []
    assert "Nobody found." in alice.get("/search?q=zzz").text
    # Wildcards are taken literally.
    assert found(alice, "%") == [] and found(alice, "_") == []


def test_an_empty_query_shows_the_form(people):
    alice, = people("alice")
    page = alice.get("/search")
    assert page.html.select_one("[data-testid=search-form]") is not None
    assert page.html.select("[data-testid=person-result]") == []
    assert alice.get("/search?q=+++").html.select("[data-testid=person-result]") == []


def test_a_hash_query_goes_to_the_tag_page(people, app):
    alice, = people("alice")
    response = alice.get("/search", {"q": "#Cooking"})
    assert response.status_int == 303
    assert response.location.endswith("/tags/cooking")
    assert app.get("/search", {"q": "#Tea"}).location.endswith("/tags/tea")


def test_unsearchable_people_only_show_up_for_their_contacts(people, person_of, pod, app):
    alice, bob, carol = people("alice", "bob", "carol")
    set_profile(bob, searchable=False, first_name="Hidden")
    assert found(alice, "hidden") == []
    assert found(app, "hidden") == []
    assert found(bob, "hidden") == ["bob@pod.test"]  # one finds oneself
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    assert found(alice, "hidden") == ["bob@pod.test"]
    assert found(carol, "hidden") == []


def test_blocked_people_are_left_out(people, person_of):
    alice, bob = people("alice", "bob")
    assert found(alice, "bob") == ["bob@pod.test"]
    page = alice.get(f"/people/{person_of('bob').guid}")
    form_with_action(page, "/block").submit()
    assert found(alice, "bob") == []


def test_people_autocomplete(people, person_of, pod, app):
    alice, *_ = people("alice", "bobby", "bob", "carol")
    share(alice, person_of("bobby"), {"Friends"}, pod, "alice")
    answer = alice.get("/people/autocomplete.json", {"q": "bo"}).json
    # Contacts first, then the others; never oneself.
    assert [p["diaspora_id"] for p in answer] == ["bobby@pod.test", "bob@pod.test"]
    assert answer[0] == {"name": "bobby", "diaspora_id": "bobby@pod.test", "guid": person_of("bobby").guid,
                         "avatar": None}
    assert alice.get("/people/autocomplete.json", {"q": "alice"}).json == []
    assert alice.get("/people/autocomplete.json").json == []
    # Signed-in only.
    assert "/users/sign_in" in app.get("/people/autocomplete.json?q=bo").location


def test_people_autocomplete_gives_at_most_ten(people, pod):
    from core.accounts.keys import new_guid
    from core.accounts.models import Person, Profile
    alice, = people("alice")
    with pod.session_factory() as session:  # people of other pods, as federation will store them
        for n in range(12):
            session.add(Person(guid=new_guid(), diaspora_id=f"user{n:02d}@elsewhere.example", public_key_pem="-",
                               profile=Profile(first_name=f"User {n:02d}")))
        session.commit()
    answer = alice.get("/people/autocomplete.json", {"q": "user"}).json
    assert [p["name"] for p in answer] == [f"User {n:02d}" for n in range(10)]
    assert found(alice, "elsewhere")[:2] == ["user00@elsewhere.example", "user01@elsewhere.example"]


def test_tags_autocomplete(app, pod):
    from core.posts.models import Tag
    with pod.session_factory() as session:
        session.add_all([Tag(name=f"cook{n:02d}") for n in range(12)] + [Tag(name="tea"), Tag(name="cook_x")])
        session.commit()
    answer = app.get("/tags.json", {"q": "#Cook"}).json
    assert len(answer) == 10 and answer[0] == {"name": "cook00"}
    assert app.get("/tags.json", {"q": "te"}).json == [{"name": "tea"}]
    assert app.get("/tags.json", {"q": "cook_"}).json == [{"name": "cook_x"}]
    assert app.get("/tags.json").json == []


def test_the_search_page_lists_tags_by_prefix(app, pod):
    from core.posts.models import Tag
    with pod.session_factory() as session:
        session.add_all([Tag(name="gardening"), Tag(name="garden"), Tag(name="tea")])
        session.commit()
    page = app.get("/search", {"q": "Gard"})
    tags = [a.text for a in page.html.find(attrs={"data-testid": "tag-results"}).find_all("a")]
    assert tags == ["#garden", "#gardening"]
    assert page.html.find(attrs={"data-testid": "tag-results"}).find("a")["href"].endswith("/tags/garden")
    assert app.get("/search", {"q": "zzz"}).html.find(attrs={"data-testid": "tag-results"}) is None
