import sqlalchemy as sa
import pytest

from core.accounts.models import Person, User
from core.aspects.models import Aspect, AspectMembership, Block, Contact
from core.testing import sign_up


@pytest.fixture
def person_of(pod):
    """The Person row of a username, fresh from the database."""
    def find(username: str) -> Person:
        with pod.session_factory() as session:
            person = session.scalar(sa.select(Person).join(User, User.id == Person.user_id)
                                    .where(User.username == username))
            session.expunge_all()
            return person
    return find


@pytest.fixture
def people(new_browser):
    """Signed-in browsers by username: ``people("alice", "bob")``."""
    def make(*names):
        browsers = []
        for name in names:
            browser = new_browser()
            assert sign_up(browser, name).status_int == 303
            browsers.append(browser)
        return browsers
    return make


def form_with_action(page, ending: str):
    return next(form for form in page.forms.values() if form.action.endswith(ending))


def aspects_of(pod, username: str) -> list[tuple[int, str]]:
    with pod.session_factory() as session:
        return [(a.id, a.name) for a in session.scalars(
            sa.select(Aspect).join(User, User.id == Aspect.user_id).where(User.username == username)
            .order_by(Aspect.position, Aspect.id))]


def contact_flags(pod, owner: str, other: str):
    """(sharing, receiving, aspect names) of owner's Contact for other, or None."""
    with pod.session_factory() as session:
        owner_id = session.scalar(sa.select(User.id).where(User.username == owner))
        person_id = session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id)
                                   .where(User.username == other))
        contact = session.scalar(sa.select(Contact).where(Contact.user_id == owner_id, Contact.person_id == person_id))
        if contact is None:
            return None
        names = sorted(session.scalars(sa.select(Aspect.name).join(AspectMembership)
                                       .where(AspectMembership.contact_id == contact.id)))
        return contact.sharing, contact.receiving, names


def block_count(pod) -> int:
    with pod.session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Block))


def share(browser, person, aspect_names, pod, owner):
    """Put ``person`` in the named aspects of ``owner`` through the person page."""
    page = browser.get(f"/people/{person.guid}")
    form = form_with_action(page, f"/people/{person.guid}/aspects")
    wanted = {aid for aid, name in aspects_of(pod, owner) if name in aspect_names}
    for field in form.fields["aspect_ids"]:
        field.checked = int(field._value) in wanted
    return form.submit(status="*")


def csrf(browser, path: str = "/contacts/aspects") -> str:
    page = browser.get(path)
    return next(f for f in page.forms.values() if "csrf_token" in f.fields)["csrf_token"].value
