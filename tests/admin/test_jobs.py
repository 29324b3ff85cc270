"""/admin/jobs: waiting and failed messages per queue, retrying and dropping failed ones, on the
in-process broker and on a real Redis; and the work kept in rows."""
from __future__ import annotations

import hashlib
import time

import dramatiq
import pytest
import sqlalchemy as sa

from core.admin.models import PluginState
from core.hookspecs import hookimpl
from core.jobs import job
from core.testing import app_for, browse, sign_in_as_new_member

# The names a chore refuses to do: the test decides when it may succeed.
REFUSED: set[str] = set()


@job(queue="chores", max_retries=0)
def chore(ctx, name: str) -> None:
    """Leaves a row named after its argument, unless the name is refused."""
    if name in REFUSED:
        raise RuntimeError(f"cannot do {name}")
    ctx.dbsession.add(PluginState(name=f"chore-{name}", enabled=True))


class Chores:
    @hookimpl
    def register_jobs(self, pod):
        return [chore]


@pytest.fixture(autouse=True)
def refused():
    REFUSED.clear()
    yield REFUSED
    REFUSED.clear()


def done(pod) -> set[str]:
    with pod.engine.connect() as conn:
        return {name[len("chore-"):] for name in conn.scalars(sa.select(PluginState.name))
                if name.startswith("chore-")}


def browser_as(pod, username: str | None, *roles: str):
    browser = browse(app_for(pod), pod)
    return browser if username is None else sign_in_as_new_member(pod, browser, username, *roles)


def drain(pod) -> None:
    """Run what is queued; the in-process broker raises when a message stays dead-lettered."""
    try:
        pod.jobs.drain()
    except Exception:
        pass


def failed_rows(page) -> list:
    card = page.html.find(attrs={"data-testid": "failed-chores"})
    return [] if card is None else card.find_all("tr", attrs={"data-testid": True})


def message_form(page, name: str):
    """The retry/drop form of the failed chore whose argument is ``name``."""
    for form in page.forms.values():
        if "key" in form.fields and form.action.endswith("/admin/jobs/chores/failed"):
            row = page.html.find("input", attrs={"name": "key", "value": form["key"].value}).find_parent("tr")
            if repr(name) in row.text:
                return form
    raise AssertionError(f"no failed chore {name!r} on the page")


def all_form(page, action: str):
    return next(f for f in page.forms.values() if f.action.endswith("/admin/jobs/chores/failed")
                and "key" not in f.fields and f["action"].value == action)


def check_page_retry_and_drop(admin, pod, wait):
    """Shared by both brokers: two chores failed; one is retried and runs, the other dropped."""
    page = admin.get("/admin/jobs")
    queue_row = page.html.find(attrs={"data-testid": "queue-chores"})
    assert [td.text for td in queue_row.find_all("td")] == ["chores", "0", "2"]
    rows = failed_rows(page)
    assert len(rows) == 2
    text = page.html.find(attrs={"data-testid": "failed-chores"}).text
    assert f"{chore.__module__}.chore" in text and "'alpha'" in text and "'beta'" in text
    assert rows[0].find_all("td")[3].text  # when it failed

    REFUSED.clear()
    answer = message_form(page, "alpha").submit(name="action", value="retry")
    assert answer.status_int == 303 and answer.location.endswith("/admin/jobs")
    assert "Put 1 failed message back on chores." in answer.follow().text
    wait(lambda: "alpha" in done(pod))
    page = admin.get("/admin/jobs")
    assert len(failed_rows(page)) == 1 and "'beta'" in failed_rows(page)[0].text

    answer = message_form(page, "beta").submit(name="action", value="drop")
    assert "Dropped 1 failed message of chores." in answer.follow().text
    page = admin.get("/admin/jobs")
    assert failed_rows(page) == [] and "No job failed for good." in page.text
    queue_row = page.html.find(attrs={"data-testid": "queue-chores"})
    assert [td.text for td in queue_row.find_all("td")] == ["chores", "0", "0"]
    time.sleep(0.3)
    assert done(pod) == {"alpha"}


def test_in_process_failed_jobs_are_listed_retried_and_dropped(make_pod):
    pod = make_pod(extra_plugins={"chores": Chores()})
    REFUSED.update({"alpha", "beta"})
    pod.jobs.send(chore, "alpha")
    pod.jobs.send(chore, "beta")
    drain(pod)
    assert done(pod) == set()
    admin = browser_as(pod, "podmin", "admin")
    page = admin.get("/admin/jobs")
    assert "RuntimeError: cannot do alpha" in page.text

    def wait(condition):
        drain(pod)
        assert condition()

    check_page_retry_and_drop(admin, pod, wait)


def test_pending_messages_are_counted_and_retry_all_puts_every_failed_one_back(make_pod):
    pod = make_pod(extra_plugins={"chores": Chores()})
    REFUSED.update({"one", "two"})
    for name in ("one", "two"):
        pod.jobs.send(chore, name)
    drain(pod)
    pod.jobs.send(chore, "later")  # not run yet
    admin = browser_as(pod, "podmin", "admin")
    page = admin.get("/admin/jobs")
    queue_row = page.html.find(attrs={"data-testid": "queue-chores"})
    assert [td.text for td in queue_row.find_all("td")] == ["chores", "1", "2"]
    REFUSED.clear()
    assert "Put 2 failed messages back on chores." in all_form(page, "retry").submit().follow().text
    drain(pod)
    assert done(pod) == {"one", "two", "later"}
    assert failed_rows(admin.get("/admin/jobs")) == []


def test_drop_all_forgets_every_failed_message(make_pod):
    pod = make_pod(extra_plugins={"chores": Chores()})
    REFUSED.update({"one", "two"})
    for name in ("one", "two"):
        pod.jobs.send(chore, name)
    drain(pod)
    admin = browser_as(pod, "podmin", "admin")
    assert "Dropped 2 failed messages of chores." in all_form(admin.get("/admin/jobs"), "drop").submit().follow().text
    REFUSED.clear()
    drain(pod)
    assert done(pod) == set() and failed_rows(admin.get("/admin/jobs")) == []


def test_redis_failed_jobs_are_listed_retried_and_dropped(make_pod, redis_url, redis_namespace):
    import redis

    pod = make_pod(redis__url=redis_url, redis__namespace=redis_namespace, extra_plugins={"chores": Chores()})
    assert not pod.jobs.in_process
    client = redis.Redis.from_url(redis_url)
    REFUSED.update({"alpha", "beta"})
    worker = dramatiq.Worker(pod.jobs.broker, queues={"chores"}, worker_threads=1, worker_timeout=100)
    worker.start()

    def wait(condition, seconds=15):
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert condition()

    try:
        pod.jobs.send(chore, "alpha")
        pod.jobs.send(chore, "beta")
        # dramatiq keeps a dead message in <namespace>:<queue>.XQ (ids) and .XQ.msgs (data).
        wait(lambda: client.zcard(f"{redis_namespace}:chores.XQ") == 2)
        admin = browser_as(pod, "podmin", "admin")
        check_page_retry_and_drop(admin, pod, wait)
        assert client.zcard(f"{redis_namespace}:chores.XQ") == 0
        assert client.hlen(f"{redis_namespace}:chores.XQ.msgs") == 0
    finally:
        worker.stop()
        pod.jobs.broker.close()


def test_redis_that_does_not_answer_is_said_plainly(make_pod, redis_url, redis_namespace):
    import redis

    pod = make_pod(redis__url=redis_url, redis__namespace=redis_namespace, extra_plugins={"chores": Chores()})
    admin = browser_as(pod, "podmin", "admin")
    token = next(f for f in admin.get("/stream").forms.values() if "csrf_token" in f.fields)["csrf_token"].value
    pod.jobs.broker.client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        page = admin.get("/admin/jobs")
        assert "Redis does not answer" in page.html.find(attrs={"data-testid": "broker-error"}).text
        answer = admin.post("/admin/jobs/chores/failed", {"csrf_token": token, "action": "drop"})
        assert "Redis does not answer" in answer.follow().text
    finally:
        pod.jobs.broker.close()


def test_rows_waiting_and_given_up_are_counted(pod, member):
    from core.accounts.models import Person, User
    from core.events.models import Event
    from core.events.services import MAX_ATTEMPTS
    from core.federation.models import FAILED, PENDING, REJECTED, Delivery, InboxItem, Pod

    admin = member("podmin", "admin")
    with pod.session_factory() as session:
        sender = session.scalar(sa.select(Person.id).join(User, User.id == Person.user_id))
        target = Pod(host="elsewhere.example")
        session.add(target)
        session.flush()
        session.add_all(
            [Delivery(pod_id=target.id, sender_person_id=sender, entity_type="like", entity_guid=f"g{i}",
                      envelope=b"x", state=PENDING) for i in range(3)]
            + [Delivery(pod_id=target.id, sender_person_id=sender, entity_type="like", entity_guid="gone",
                        envelope=b"x", state=FAILED)]
            + [InboxItem(route="public", body=b"b", body_sha256=hashlib.sha256(b"b").hexdigest(), state=state)
               for state in (PENDING, PENDING, REJECTED)]
            + [Event(name="post_published", payload={}, attempts=MAX_ATTEMPTS, last_error="boom")])
        session.commit()
    page = admin.get("/admin/jobs")

    def stat(testid):
        return page.html.find(attrs={"data-testid": testid}).strong.text

    assert stat("deliveries-waiting") == "3" and stat("deliveries-failed") == "1"
    assert stat("inbox-waiting") == "2" and stat("inbox-rejected") == "1"
    assert stat("events-failed") == "1"
    assert page.html.find("a", href=lambda h: h and h.endswith("/admin/pods")) is not None


def test_only_admins_see_the_jobs_page(pod, member):
    assert member("podmin", "admin").get("/admin/jobs").status_int == 200
    for name, roles in (("mod", ("moderator",)), ("alice", ())):
        browser = member(name, *roles)
        assert browser.get("/admin/jobs", status="*").status_int == 403
    visitor = member(None).get("/admin/jobs", status="*")
    assert visitor.status_int in (302, 303) and "/users/sign_in?next=" in visitor.location


def test_others_cannot_retry_or_drop(make_pod):
    pod = make_pod(extra_plugins={"chores": Chores()})
    REFUSED.add("one")
    pod.jobs.send(chore, "one")
    drain(pod)
    REFUSED.clear()
    for username, roles in (("mod", ("moderator",)), ("alice", ())):
        browser = browser_as(pod, username, *roles)
        token = next(f for f in browser.get("/stream").forms.values()
                     if "csrf_token" in f.fields)["csrf_token"].value
        answer = browser.post("/admin/jobs/chores/failed", {"csrf_token": token, "action": "retry"}, status="*")
        assert answer.status_int == 403
    drain(pod)
    assert done(pod) == set() and len(pod.jobs.broker.dead_letters) == 1


def test_bad_input_changes_nothing(make_pod):
    pod = make_pod(extra_plugins={"chores": Chores()})
    REFUSED.add("one")
    pod.jobs.send(chore, "one")
    drain(pod)
    REFUSED.clear()
    admin = browser_as(pod, "podmin", "admin")
    page = admin.get("/admin/jobs")
    token = all_form(page, "retry")["csrf_token"].value
    assert admin.post("/admin/jobs/nosuchqueue/failed", {"csrf_token": token, "action": "retry"},
                      status="*").status_int == 404
    assert admin.post("/admin/jobs/chores/failed", {"action": "retry"}, status="*").status_int == 400
    for fields, message in (({"action": "explode"}, "Choose to retry or to drop"),
                            ({"action": "retry", "key": "no-such-message"}, "no longer among the failed"),
                            ({"action": "drop", "key": "x" * 500}, "not a message of this queue")):
        answer = admin.post("/admin/jobs/chores/failed", {"csrf_token": token, **fields})
        assert answer.status_int == 303 and message in answer.follow().text
    drain(pod)
    assert done(pod) == set() and len(failed_rows(admin.get("/admin/jobs"))) == 1
