"""The patient's upcoming dates, for the visits page and the portal's .ics: booked visits, PT visits and the
plan's check-in (plans/calendar.py builds them, for staff and patient alike), plus the check-ins the plan
owes (checkins' ScheduledCheckin, in its patient words).

Nothing clinical goes in: the summaries are plans/calendar's plain words and a check-in's `patient_title`
(no diagnosis, procedure or medication). A check-in the clinic booked a video time for is a timed event; one
the patient may do any day in its window is an all-day event on the day its window opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from painpath.checkins import service as checkins
from painpath.checkins.schedule import ScheduledCheckin
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar
from painpath.core.tenancy import Clinic
from painpath.patients.models import Episode
from painpath.plans import calendar as plan_calendar
from painpath.plans import service as plans
from painpath.plans.calendar import FollowUp

CHECKIN = "checkin"
CHECKIN_MINUTES = 20
_SHOWN = ("upcoming", "open")  # a done, missed or cancelled check-in is not on the calendar


def _day(day) -> str:  # noqa: ANN001
    return f"{day:%A} {day.day} {day:%B}"


def checkin_follow_up(item: ScheduledCheckin, calendar: BusinessCalendar) -> FollowUp:
    """A check-in as a calendar date, in its patient words only."""
    if item.how == "telehealth":
        note = "A short video call with your care team: we send you the link before it."
    else:
        note = "A few questions to answer on the portal, from home."
    if item.booked_at is not None:
        starts = calendar.to_local(item.booked_at)
        return FollowUp(kind=CHECKIN, key=item.key, on=starts.date(), summary=item.patient_title, note=note, starts_at=starts,
                        ends_at=starts + timedelta(minutes=CHECKIN_MINUTES))
    window = (f" Any day from {_day(item.opens_on)} to {_day(item.due_on)}." if item.due_on > item.opens_on else "")
    return FollowUp(kind=CHECKIN, key=item.key, on=item.opens_on, summary=item.patient_title,
                    note=note + window)


def checkin_follow_ups(items: Iterable[ScheduledCheckin], calendar: BusinessCalendar, today) -> list[FollowUp]:  # noqa: ANN001
    """The check-ins still to do (upcoming or open), as calendar dates from today on."""
    found = []
    for item in items:
        if item.status not in _SHOWN or item.due_on < today:
            continue
        follow_up = checkin_follow_up(item, calendar)
        if follow_up.on < today:  # an open window that started before today: shown on today
            follow_up = replace(follow_up, on=today)
        found.append(follow_up)
    return found


def _checkins(session: Session, *, knowledge, calendar: BusinessCalendar, clinic_id: int, patient_id: int, today) -> list[ScheduledCheckin]:  # noqa: ANN001
    """The patient's scheduled check-ins (checkins.service; its episodes are the ones the caller opened)."""
    return checkins.for_patient(session, clinic_id=clinic_id, patient_id=patient_id, knowledge=knowledge, calendar=calendar, today=today)


def upcoming(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episodes: Sequence[Episode],  # noqa: ANN001
             clinic: Clinic, patient_id: int, now: datetime) -> list[FollowUp]:
    """Every date ahead on the patient's open episodes, in order. The episodes were opened (checked, noted) by
    the caller (portal/record.py)."""
    today = calendar.local_date(now)
    found: list[FollowUp] = []
    for episode in episodes:
        plan = plans.active_plan(session, episode_id=episode.id)
        row = None
        if plan is not None:
            row = next((s for s in plans.plan_steps(session, plan_id=plan.id) if s.status == "active"), None)
        found += plan_calendar.follow_ups(session, calendar=calendar, episode_id=episode.id, clinic_name=clinic.name,
                                          current_step_row=row, now=now)
    found += checkin_follow_ups(_checkins(session, knowledge=knowledge, calendar=calendar, clinic_id=clinic.id,
                                          patient_id=patient_id, today=today), calendar, today)
    return plan_calendar.in_order(found)


def ics(items: Sequence[FollowUp], *, clinic: Clinic, calendar: BusinessCalendar, now: datetime) -> bytes:
    return plan_calendar.ics_bytes(items, clinic_id=clinic.id, clinic_name=clinic.name, clinic_phone=clinic.phone,
                                   calendar=calendar, now=now)
