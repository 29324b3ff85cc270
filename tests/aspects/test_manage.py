import sqlalchemy as sa

from core.aspects.models import Aspect
from core.testing import sign_up

from core.testing import aspects_of, csrf, form_with_action


def create_aspect(app, name):
    form = form_with_action(app.get("/contacts/aspects"), "/contacts/aspects/new")
    form["name"] = name
    return form.submit(status="*")


def test_managing_aspects_needs_sign_in(app):
    assert "/users/sign_in" in app.get("/contacts/aspects").location


def test_a_new_user_has_the_four_default_aspects(app, pod):
    sign_up(app, "alice")
    assert [name for _, name in aspects_of(pod, "alice")] == ["Family", "Friends", "Work", "Acquaintances"]
    page = app.get("/contacts/aspects")
    assert [el["value"] for el in page.html.select("li.aspect input[name=name]")] == \
        ["Family", "Friends", "Work", "Acquaintances"]


def test_creating_an_aspect_puts_it_last(app, pod):
    sign_up(app, "alice")
    response = create_aspect(app, "  Book   club ")
    assert response.status_int == 303
    assert "Aspect “Book club” created." in response.follow().text
    assert aspects_of(pod, "alice")[-1][1] == "Book club"


def test_bad_aspect_names_are_refused_and_change_nothing(app, pod):
    sign_up(app, "alice")
    before = aspects_of(pod, "alice")
    for name, message in [("", "Give the aspect a name."),
                          ("x" * 21, "Aspect names are at most 20 characters long."),
                          ("friends", "You already have an aspect called “Friends”.")]:
        response = create_aspect(app, name)
        assert response.status_int == 400
        assert message in response.html.select_one("[data-testid=form-error]").text
    assert aspects_of(pod, "alice") == before


def test_two_users_may_use_the_same_aspect_name(app, new_browser, pod):
    sign_up(app, "alice")
    bob = new_browser()
    sign_up(bob, "bob")
    assert create_aspect(app, "Chess").status_int == 303
    assert create_aspect(bob, "Chess").status_int == 303


def test_renaming(app, pod):
    sign_up(app, "alice")
    family_id = aspects_of(pod, "alice")[0][0]
    form = form_with_action(app.get("/contacts/aspects"), f"/contacts/aspects/{family_id}/rename")
    form["name"] = "Kin"
    assert form.submit().status_int == 303
    assert aspects_of(pod, "alice")[0] == (family_id, "Kin")

    form = form_with_action(app.get("/contacts/aspects"), f"/contacts/aspects/{family_id}/rename")
    form["name"] = "Work"
    response = form.submit(status=400)
    assert "You already have an aspect called “Work”." in response.text
    assert aspects_of(pod, "alice")[0] == (family_id, "Kin")


def test_renaming_someone_elses_aspect_is_not_found(app, new_browser, pod):
    sign_up(app, "alice")
    bob = new_browser()
    sign_up(bob, "bob")
    bobs_aspect = aspects_of(pod, "bob")[0][0]
    token = csrf(app)
    app.post(f"/contacts/aspects/{bobs_aspect}/rename", {"csrf_token": token, "name": "Mine"}, status=404)
    app.post(f"/contacts/aspects/{bobs_aspect}/delete", {"csrf_token": token}, status=404)
    assert aspects_of(pod, "bob")[0][1] == "Family"


def move(app, aspect_id, **fields):
    page = app.get("/contacts/aspects")
    forms = [f for f in page.forms.values() if f.action.endswith("/contacts/aspects/order")
             and f["aspect_id"].value == str(aspect_id)]
    if "position" in fields:
        form = next(f for f in forms if "position" in f.fields)
        form["position"] = fields["position"]
        return form.submit(status="*")
    form = next(f for f in forms if "move" in f.fields)
    return form.submit("move", value=fields["move"], status="*")


def test_reordering_with_up_down_buttons_and_a_position(app, pod):
    sign_up(app, "alice")
    ids = dict((name, aid) for aid, name in aspects_of(pod, "alice"))
    assert move(app, ids["Work"], move="up").status_int == 303
    assert [n for _, n in aspects_of(pod, "alice")] == ["Family", "Work", "Friends", "Acquaintances"]
    assert move(app, ids["Family"], move="down").status_int == 303
    assert [n for _, n in aspects_of(pod, "alice")] == ["Work", "Family", "Friends", "Acquaintances"]
    assert move(app, ids["Acquaintances"], position="1").status_int == 303
    assert [n for _, n in aspects_of(pod, "alice")] == ["Acquaintances", "Work", "Family", "Friends"]
    # Beyond the end means last.
    assert move(app, ids["Acquaintances"], position="99").status_int == 303
    assert [n for _, n in aspects_of(pod, "alice")] == ["Work", "Family", "Friends", "Acquaintances"]


def test_reordering_with_a_full_order_and_bad_input(app, pod):
    sign_up(app, "alice")
    ids = [aid for aid, _ in aspects_of(pod, "alice")]
    token = csrf(app)
    app.post("/contacts/aspects/order", [("csrf_token", token)] + [("order", str(i)) for i in reversed(ids)],
             status=303)
    assert [aid for aid, _ in aspects_of(pod, "alice")] == list(reversed(ids))
    before = aspects_of(pod, "alice")
    response = app.post("/contacts/aspects/order", {"csrf_token": token, "aspect_id": str(ids[0]), "position": "x"},
                        status=400)
    assert "Give the position as a number" in response.text
    app.post("/contacts/aspects/order", [("csrf_token", token), ("order", "999999")], status=400)
    assert aspects_of(pod, "alice") == before


def test_deleting_an_aspect(app, pod):
    sign_up(app, "alice")
    work_id = dict((n, i) for i, n in aspects_of(pod, "alice"))["Work"]
    form = form_with_action(app.get("/contacts/aspects"), f"/contacts/aspects/{work_id}/delete")
    assert "Aspect “Work” deleted." in form.submit().follow().text
    with pod.session_factory() as session:
        assert session.get(Aspect, work_id) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Aspect)) == 3
