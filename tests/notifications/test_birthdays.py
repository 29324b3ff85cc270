import datetime as dt

import sqlalchemy as sa

from core.db import utcnow
from core.notifications.jobs import PERIODIC, check_birthdays
from core.notifications.models import Notification
from core.notifications.services import notify_birthdays

from .helpers import contact, in_job, mails, remote_person, user


def run_birthdays(pod, today) -> int:
    with in_job(pod) as ctx:
        told = notify_birthdays(ctx.dbsession, today, enqueue=ctx.enqueue)
    pod.jobs.drain()
    return told


def birthday_rows(pod) -> list[tuple[int, int]]:
    with pod.session_factory() as session:
        return session.execute(sa.select(Notification.recipient_id, Notification.target_id).where(
            Notification.kind == "contacts_birthday").order_by(Notification.recipient_id)).all()


def test_people_sharing_with_you_have_their_birthday_told_once_a_day(new_browser, pod):
    bob, dave = user(new_browser, "bob"), user(new_browser, "dave")
    carol = remote_person(pod, "Carol", birthday=dt.date(1990, 3, 5))
    contact(pod, bob.user_id, carol.id, sharing=True)
    contact(pod, dave.user_id, carol.id, sharing=False)  # dave shares with carol, she doesn't with him

    assert run_birthdays(pod, dt.date(2026, 3, 4)) == 0
    assert run_birthdays(pod, dt.date(2026, 3, 5)) == 1
    assert birthday_rows(pod) == [(bob.user_id, carol.id)]
    page = bob.get("/notifications")
    item = page.html.select_one('[data-testid="notification"]')
    assert " ".join(item.select_one(".sentence").get_text().split()) == "Carol has a birthday on March 5."
    assert item.select_one(".sentence a")["href"] == f"/people/{carol.guid}"
    (message,) = mails(pod)
    assert message["To"] == "bob@example.org"
    assert message["Subject"] == "Carol has a birthday on March 5"

    assert run_birthdays(pod, dt.date(2026, 3, 5)) == 0  # a second run the same day
    assert len(birthday_rows(pod)) == 1
    assert len(mails(pod)) == 1

    bob.get("/notifications").forms["mark-all-read"].submit()
    assert run_birthdays(pod, dt.date(2027, 3, 5)) == 1  # next year: told and mailed again
    assert len(birthday_rows(pod)) == 1
    assert len(mails(pod)) == 2
    assert bob.get("/notifications").html.select_one('[data-testid="unread-notifications"]').get_text().strip() == "1"


def test_a_leap_day_birthday_is_told_on_the_28th_in_other_years(new_browser, pod):
    bob = user(new_browser, "bob")
    leap = remote_person(pod, "Leap", birthday=dt.date(2000, 2, 29))
    contact(pod, bob.user_id, leap.id)
    assert run_birthdays(pod, dt.date(2028, 2, 28)) == 0  # 2028 has a 29th
    assert run_birthdays(pod, dt.date(2028, 2, 29)) == 1
    assert run_birthdays(pod, dt.date(2027, 2, 28)) == 1


def test_the_daily_job_uses_todays_date(new_browser, pod):
    assert [(p.job, p.every) for p in PERIODIC] == [(check_birthdays, 86400)]
    bob = user(new_browser, "bob")
    today = utcnow().date()
    carol = remote_person(pod, "Carol", birthday=today.replace(year=1990) if (today.month, today.day) != (2, 29)
                          else dt.date(1992, 2, 29))
    contact(pod, bob.user_id, carol.id)
    pod.jobs.send(check_birthdays)
    pod.jobs.drain()
    assert birthday_rows(pod) == [(bob.user_id, carol.id)]
    assert len(mails(pod)) == 1
