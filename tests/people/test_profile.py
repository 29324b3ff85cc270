import datetime as dt
import io

import sqlalchemy as sa
from PIL import Image

from core.accounts.models import Profile
from core.posts.models import Photo

from core.testing import share

FIELDS = {"first_name": "Alice", "last_name": "Liddell", "tags": "#Rabbits looking-glass", "bio": "I *like* tea.",
          "location": "Oxford", "gender": "female", "birthday": "1990-05-04"}


def edit_profile(browser, status="*", upload=None, **fields):
    form = browser.get("/profile/edit").forms["profile-form"]
    for name, value in fields.items():
        if name in ("searchable", "public_details", "nsfw"):
            form[name].checked = value
        else:
            form[name] = value
    if upload is not None:
        form["avatar"] = upload
    return form.submit(status=status)


def profile_of(pod, person_id) -> Profile:
    with pod.session_factory() as session:
        profile = session.get(Profile, person_id)
        session.expunge_all()
        return profile


def test_profile_editing_needs_sign_in(app):
    assert "/users/sign_in" in app.get("/profile/edit").location


def test_editing_the_profile(people, person_of, pod):
    alice, = people("alice")
    response = edit_profile(alice, **FIELDS, public_details=True, nsfw=True, searchable=False)
    assert response.status_int == 303
    assert "Your profile was updated." in response.follow().text
    profile = profile_of(pod, person_of("alice").id)
    assert (profile.first_name, profile.last_name) == ("Alice", "Liddell")
    assert profile.tag_string == "#rabbits #looking-glass"
    assert (profile.bio, profile.location, profile.gender) == ("I *like* tea.", "Oxford", "female")
    assert profile.birthday == dt.date(1990, 5, 4)
    assert (profile.searchable, profile.public_details, profile.nsfw) == (False, True, True)
    # The form shows what was saved, and the header names the person by their new name.
    form = alice.get("/profile/edit").forms["profile-form"]
    assert form["first_name"].value == "Alice" and form["birthday"].value == "1990-05-04"
    assert form["searchable"].checked is False and form["nsfw"].checked is True
    assert "Alice Liddell" in alice.get("/stream").text
    # The birthday can be cleared.
    edit_profile(alice, birthday="")
    assert profile_of(pod, person_of("alice").id).birthday is None


def test_bad_profile_input_changes_nothing(people, person_of, pod):
    alice, = people("alice")
    edit_profile(alice, first_name="Alice")
    cases = [
        ({"first_name": "x" * 33}, "Your first name is at most 32 characters long."),
        ({"last_name": "Semi;colon"}, "Your last name can't contain ';'."),
        ({"tags": "#a #b #c #d #e #f"}, "A profile has at most 5 tags."),
        ({"tags": "#ok #not/ok"}, "is not a tag"),
        ({"birthday": "04/05/1990"}, "Give your birthday as a date, like 1990-04-23."),
        ({"birthday": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "That birthday can't be right"),
        ({"location": "x" * 256}, "Your location is at most 255 characters long."),
    ]
    for fields, message in cases:
        response = edit_profile(alice, status=400, bio="changed", **fields)
        assert message in response.html.select_one("[data-testid=form-error]").text
        # What was typed is kept in the form.
        assert response.forms["profile-form"]["bio"].value == "changed"
    profile = profile_of(pod, person_of("alice").id)
    assert (profile.first_name, profile.bio, profile.tag_string) == ("Alice", "", "")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_uploading_an_avatar(people, person_of, pod, app):
    alice, = people("alice")
    response = edit_profile(alice, upload=("me.png", png_bytes()), first_name="Alice")
    assert response.status_int == 303
    profile = profile_of(pod, person_of("alice").id)
    with pod.session_factory() as session:
        photo = session.scalar(sa.select(Photo))
        assert (photo.pending, photo.public, photo.post_id) == (False, True, None)
    assert profile.image_url == f"http://pod.test/uploads/images/thumb_large_{photo.file_name}"
    assert profile.image_url_medium.endswith(f"/thumb_medium_{photo.file_name}")
    assert profile.image_url_small.endswith(f"/thumb_small_{photo.file_name}")
    # Everyone sees it, visitors too.
    page = app.get(f"/people/{person_of('alice').guid}")
    assert page.html.select_one("img.avatar")["src"] == profile.image_url_medium
    assert app.get(profile.image_url_medium.replace("http://pod.test", "")).status_int == 200


def test_a_broken_avatar_is_refused(people, person_of, pod):
    alice, = people("alice")
    response = edit_profile(alice, status=400, upload=("me.png", b"not an image"), first_name="Alice")
    assert response.html.select_one("[data-testid=form-error]").text.strip()
    profile = profile_of(pod, person_of("alice").id)
    assert profile.image_url is None and profile.first_name == ""
    with pod.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0


def test_the_extended_profile_is_for_people_shared_with(people, person_of, pod, app):
    alice, bob, carol = people("alice", "bob", "carol")
    edit_profile(alice, **FIELDS)
    guid = person_of("alice").guid

    def sees_bio(browser):
        page = browser.get(f"/people/{guid}")
        assert "Alice Liddell" in page.text and "#rabbits" in page.text  # the public part, always
        return page.html.select_one("[data-testid=extended-profile]") is not None and "Oxford" in page.text

    assert sees_bio(alice)
    assert not sees_bio(bob) and not sees_bio(carol) and not sees_bio(app)
    share(alice, person_of("bob"), {"Friends"}, pod, "alice")
    assert sees_bio(bob)
    page = bob.get(f"/people/{guid}")
    assert "<em>like</em>" in page.text  # markdown rendered
    assert "May 4" in page.text
    assert not sees_bio(carol)
    # Carol sharing with Alice doesn't open Alice's details to Carol.
    share(carol, person_of("alice"), {"Friends"}, pod, "carol")
    assert not sees_bio(carol)
    edit_profile(alice, public_details=True)
    assert sees_bio(carol) and sees_bio(app)


def test_the_nsfw_notice(people, person_of, app):
    alice, = people("alice")
    guid = person_of("alice").guid
    assert app.get(f"/people/{guid}").html.select_one("[data-testid=nsfw-notice]") is None
    edit_profile(alice, nsfw=True)
    assert app.get(f"/people/{guid}").html.select_one("[data-testid=nsfw-notice]") is not None


def test_the_profile_page_links_to_editing(people, person_of):
    alice, = people("alice")
    page = alice.get(f"/people/{person_of('alice').guid}")
    assert page.click("Edit your profile").request.path == "/profile/edit"
    assert "/profile/edit" in [a["href"].replace("http://localhost", "")
                               for a in alice.get("/user/edit").html.select(".settings-menu a")]
