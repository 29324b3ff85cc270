"""Shared steps of the posts tests: people, sharing, and the composer."""
import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.aspects.models import Aspect, AspectMembership, Contact
from core.posts.models import Post
from core.testing import sign_up


@pytest.fixture
def person(new_browser):
    """``person("bob")`` signs a new user up in their own browser and returns the browser."""
    def make(name):
        browser = new_browser()
        sign_up(browser, name)
        browser.username = name
        return browser

    return make


@pytest.fixture
def share(pod):
    """``share("alice", "bob", "Friends")`` puts bob into alice's aspect, as the aspects pages would."""
    def add(owner, member, aspect_name="Friends"):
        with pod.session_factory() as session:
            owner_user = session.scalar(sa.select(User).where(User.username == owner))
            member_user = session.scalar(sa.select(User).where(User.username == member))
            aspect = session.scalar(sa.select(Aspect).where(Aspect.user_id == owner_user.id, Aspect.name == aspect_name))
            contact = session.scalar(sa.select(Contact).where(
                Contact.user_id == owner_user.id, Contact.person_id == member_user.person.id))
            if contact is None:
                contact = Contact(user_id=owner_user.id, person_id=member_user.person.id, receiving=True)
                session.add(contact)
                session.flush()
            session.add(AspectMembership(aspect_id=aspect.id, contact_id=contact.id))
            session.commit()
            return aspect.id

    return add


@pytest.fixture
def aspect_id(pod):
    def find(owner, aspect_name="Friends"):
        with pod.session_factory() as session:
            return session.scalar(sa.select(Aspect.id).join(User, User.id == Aspect.user_id).where(
                User.username == owner, Aspect.name == aspect_name))

    return find


@pytest.fixture
def post_as():
    """``post_as(browser, "text", ...)``: compose and return the new post's guid."""
    def make(browser, text="Hello", **kwargs):
        response = _compose(browser, text, **kwargs)
        assert response.status_int == 303, response.text
        with browser.pod.session_factory() as session:
            return session.scalar(sa.select(Post.guid).order_by(Post.id.desc()).limit(1))

    return make


def _compose(browser, text="", visibility="public", aspect_ids=(), status="*", **fields):
    """Fill in the composer on the new-post page and send it."""
    form = browser.get("/status_messages").forms["composer-form"]
    form["text"] = text
    form["visibility"] = visibility
    for field in form.fields.get("aspect_ids", []):
        field.checked = str(field._value) in {str(a) for a in aspect_ids}
    photos = fields.pop("photos", [])
    for index, (upload, alt) in enumerate(photos):
        form.set("photo", upload, index=index)
        form.set("photo_alt", alt, index=index)
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def _count(pod, model, *where):
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _form_for(page, action_part):
    """The form on ``page`` whose action contains ``action_part``."""
    for form in page.forms.values():
        if action_part in (form.action or ""):
            return form
    raise AssertionError(f"no form posting to {action_part!r}")


@pytest.fixture
def compose():
    """``compose(browser, text, visibility=..., aspect_ids=..., photos=[(Upload, alt)], poll_question=...)``."""
    return _compose


@pytest.fixture
def count():
    """``count(pod, Model, *where)``: rows in the database now."""
    return _count


@pytest.fixture
def form_for():
    """``form_for(page, "/like")``: the form on the page posting there."""
    return _form_for
