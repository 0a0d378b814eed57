"""Reminder rules, pure: when a check-in's reminder is due, and the words of the message.

- A telehealth check-in (a call or a video visit): the pack's `checkin` timing before the day it opens, or
  before its booked day when the clinic booked a time; queued while that day has not passed.
- A questionnaire: the pack's `questionnaire` timing from the day its window opens; queued while it is open.

The message says only that something is waiting and where to sign in: never a diagnosis, a procedure, a
medication, a questionnaire's name or a score (mailboxes are shared and previews show on lock screens).
It does not even use the check-in's patient_title: the words here are the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from painpath.checkins.schedule import ScheduledCheckin

ReminderKind = Literal["checkin", "questionnaire"]


@dataclass(frozen=True)
class PlannedReminder:
    checkin_key: str
    kind: ReminderKind
    due_local: datetime  # naive, the clinic's wall clock
    last_day: date  # no reminder is queued after this day (the check-in's day, or its window's end)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _clock(value: datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


def planned(checkin: ScheduledCheckin, pack, *, booked_local: datetime | None = None) -> PlannedReminder | None:
    """The reminder `checkin` owes under the reminders `pack`, or None (done, cancelled, missed)."""
    if checkin.status not in ("upcoming", "open"):
        return None
    if checkin.how == "questionnaire":
        timing = pack.questionnaire
        day = checkin.opens_on
        last = checkin.due_on
        kind: ReminderKind = "questionnaire"
    else:
        timing = pack.checkin
        day = booked_local.date() if booked_local is not None else checkin.opens_on
        last = day
        kind = "checkin"
    due = datetime.combine(day - timedelta(days=timing.days_before), time(timing.at_hour))
    return PlannedReminder(checkin_key=checkin.key, kind=kind, due_local=due, last_day=last)


def is_due(reminder: PlannedReminder, checkin: ScheduledCheckin, now_local: datetime) -> bool:
    """Queue it now: its time has come, and the check-in is still ahead (or its questionnaire still open)."""
    if now_local < reminder.due_local or now_local.date() > reminder.last_day:
        return False
    return checkin.status == "open" if reminder.kind == "questionnaire" else True


def message(reminder: PlannedReminder, checkin: ScheduledCheckin, *, clinic_name: str, portal_url: str,
            booked_local: datetime | None = None) -> Message:
    """The subject and body: who, when, where to sign in. Nothing clinical."""
    base = portal_url.rstrip("/")
    settings = f"You get this because you chose e-mail reminders. To change that, sign in and open {base}/portal/settings."
    if reminder.kind == "questionnaire":
        return Message(
            subject=f"A short questionnaire from {clinic_name}",
            body=(f"Hello,\n\nA short questionnaire is waiting for you: {base}/portal/questionnaires\n"
                  f"Please fill it in by {_day(checkin.due_on)}.\n\n{settings}\n\n{clinic_name}\n"),
        )
    if booked_local is not None:
        when = f"on {_day(booked_local.date())} at {_clock(booked_local)}"
    elif checkin.opens_on == checkin.due_on:
        when = f"on {_day(checkin.opens_on)}"
    else:
        when = f"between {_day(checkin.opens_on)} and {_day(checkin.due_on)}"
    return Message(
        subject=f"Your check-in with {clinic_name}",
        body=(f"Hello,\n\nYou have a check-in with {clinic_name} {when}. Sign in to see it: {base}/portal/visits\n\n"
              f"{settings}\n\n{clinic_name}\n"),
    )


def redact(error: str, address: str) -> str:
    """A relay's refusal without the patient's address (it names the recipient), for last_error."""
    return error.replace(address, "the patient's address")[:500]
