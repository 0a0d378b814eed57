"""The patient's calendar of follow-ups and check-ins, as an iCalendar (.ics) file.

Three kinds of dates go in: the check-in when the current step's trial ends (the plan's review), the PT
visits of the active course (recorded ones from today on, then the ones projected from its frequency on
the clinic's business calendar) and the visits booked for the episode.

What goes into an event is what may leak: calendar invites are forwarded, synced to work accounts and
shown on lock screens. So a summary says what kind of visit it is in plain words, never the diagnosis,
the pathway or the procedure; the description gives the clinic's phone and nothing clinical.

Each event's UID is built from what it is (`painpath-<kind>-<id>@clinic-<clinic id>.painpath`), so a
second download updates the same events in the patient's calendar instead of adding copies: a PT
visit keeps its number in the course, so a moved visit moves, it is not duplicated.

`follow_ups` reads the database; everything after it is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.intake import service as intake
from painpath.patients import service as patients
from painpath.therapy import rules as therapy_rules
from painpath.therapy import service as therapy

PRODID = "-//painpath//patient plan calendar//EN"
REVIEW, PT_VISIT, APPOINTMENT = "review", "pt-visit", "appointment"

_VISIT_WORDS = {"new_patient": "First visit", "urgent": "Visit", "follow_up": "Follow-up visit", "procedure": "Procedure visit"}
_PROVIDER_WORDS = {"app": "with your nurse practitioner or physician assistant", "physician": "with your doctor",
                   "therapist": "with your physical therapist"}


@dataclass(frozen=True)
class FollowUp:
    """One date on the patient's calendar. `starts_at` is None for a day without a set time (all day)."""

    kind: str  # review | pt-visit | appointment
    key: str  # what identifies it within its kind (the step row id, course id and visit number, appointment id)
    on: date
    summary: str  # plain words, no diagnosis
    note: str  # plain words for the description, no diagnosis
    starts_at: datetime | None = None  # aware, on the clinic's clock
    ends_at: datetime | None = None
    where: str | None = None

    @property
    def time_words(self) -> str:
        if self.starts_at is None:
            return ""
        return f"{self.starts_at:%I:%M %p}".lstrip("0")


def uid(follow_up: FollowUp, clinic_id: int) -> str:
    return f"painpath-{follow_up.kind}-{follow_up.key}@clinic-{clinic_id}.painpath"


# --- Building the follow-ups (pure) ---------------------------------------------------------------

def review_day(trial_ends_on: date, calendar: BusinessCalendar) -> date:
    """The check-in falls on the day the trial ends, or the clinic's next business day when it is closed then."""
    if calendar.is_business_day(trial_ends_on):
        return trial_ends_on
    return calendar.add_business_days(trial_ends_on, 1)


def review_follow_up(step_row_id: int, trial_ends_on: date, calendar: BusinessCalendar) -> FollowUp:
    return FollowUp(
        kind=REVIEW, key=str(step_row_id), on=review_day(trial_ends_on, calendar),
        summary="Plan check-in: is it working?",
        note="Today we look at how your plan is working and choose the next step with you.",
    )


def pt_visit_follow_ups(course_id: int, visits: Sequence[therapy_rules.Visit], total: int, practice_name: str,
                        today: date) -> list[FollowUp]:
    """The course's visits from today on. Projected dates are planned from the frequency: the therapy
    office sets the time, so they are all-day events."""
    found = []
    for visit in visits:
        if visit.on < today:
            continue
        found.append(FollowUp(
            kind=PT_VISIT, key=f"{course_id}-{visit.number}", on=visit.on,
            summary=f"Physical therapy (visit {visit.number} of {total})",
            note=f"At {practice_name}. This date comes from your therapy schedule; the therapy office sets the time.",
            where=practice_name,
        ))
    return found


def appointment_follow_up(*, appointment_id: int, starts_at_utc: datetime, duration_minutes: int, visit_type: str,
                          provider_type: str, modality: str, clinic_name: str, location: str | None,
                          calendar: BusinessCalendar) -> FollowUp:
    starts = calendar.to_local(starts_at_utc)
    if modality == "telehealth":
        summary, where = f"Video visit {_PROVIDER_WORDS.get(provider_type, '')}".strip(), None
        note = "A video visit: we send you the link before the visit."
    else:
        summary = f"{_VISIT_WORDS.get(visit_type, 'Visit')} at {clinic_name}"
        where, note = location or clinic_name, f"A visit {_PROVIDER_WORDS.get(provider_type, 'with us')}."
    return FollowUp(kind=APPOINTMENT, key=str(appointment_id), on=starts.date(), summary=summary, note=note,
                    starts_at=starts, ends_at=starts + timedelta(minutes=duration_minutes), where=where)


def in_order(follow_ups: Iterable[FollowUp]) -> list[FollowUp]:
    """By day; on a day, the timed visits first (by time), then the all-day ones."""
    return sorted(follow_ups, key=lambda f: (f.on, f.starts_at is None, f.starts_at.time() if f.starts_at else None, f.kind, f.key))


# --- Reading them from the database ---------------------------------------------------------------

def follow_ups(session: Session, *, calendar: BusinessCalendar, episode_id: int, clinic_name: str, current_step_row=None,  # noqa: ANN001
               now: datetime) -> list[FollowUp]:
    """The episode's follow-ups from today on: the current step's review, the active PT course's visits and
    the booked visits. The caller has already checked (and audited) that the chart may be read."""
    today = calendar.local_date(now)
    found: list[FollowUp] = []
    row = current_step_row
    if row is not None and row.status == "active" and row.trial_ends_on is not None and row.trial_ends_on >= today:
        found.append(review_follow_up(row.id, row.trial_ends_on, calendar))
    courses = therapy.active_courses(session, episode_ids=[episode_id])
    for course, facts in zip(courses, therapy.course_facts(session, courses=courses, calendar=calendar), strict=True):
        visits = therapy_rules.schedule(facts, calendar, today)
        found += pt_visit_follow_ups(course.id, visits, max(facts.planned_visits, len(visits)), course.practice_name, today)
    found += _booked(session, calendar=calendar, episode_id=episode_id, clinic_name=clinic_name, now=now)
    return in_order(found)


def _booked(session: Session, *, calendar: BusinessCalendar, episode_id: int, clinic_name: str, now: datetime) -> list[FollowUp]:
    """Visits still booked from now on (a cancelled or past visit is not on the calendar)."""
    booked = [a for a in intake.appointments(session, episode_id=episode_id) if a.status == "booked" and a.start_at >= now]
    if not booked:
        return []
    places = {loc.id: loc.name for loc in patients.list_locations(session, clinic_id=booked[0].clinic_id)}
    return [appointment_follow_up(appointment_id=a.id, starts_at_utc=a.start_at, duration_minutes=a.duration_minutes,
                                  visit_type=a.visit_type, provider_type=a.provider_type, modality=a.modality,
                                  clinic_name=clinic_name, location=places.get(a.location_id), calendar=calendar)
            for a in booked]


# --- The .ics file (pure) -------------------------------------------------------------------------

def ics_bytes(items: Sequence[FollowUp], *, clinic_id: int, clinic_name: str, clinic_phone: str | None,
              calendar: BusinessCalendar, now: datetime) -> bytes:
    """An iCalendar with one VEVENT per follow-up; timed events carry the clinic's time zone (with its
    VTIMEZONE), days without a set time are all-day events on the clinic's calendar."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Your care plan: {clinic_name}")
    cal.add("x-wr-timezone", calendar.timezone_name)
    stamp = now.replace(tzinfo=timezone.utc)  # DTSTAMP is always UTC (RFC 5545 3.8.7.2)
    contact = f"Questions or need to change a date? Call {clinic_name} at {clinic_phone}." if clinic_phone else (
        f"Questions or need to change a date? Call {clinic_name}.")
    for item in items:
        event = Event()
        event.add("uid", uid(item, clinic_id))
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        if item.starts_at is not None:
            event.add("dtstart", item.starts_at)
            event.add("dtend", item.ends_at or item.starts_at + timedelta(minutes=30))
        else:
            event.add("dtstart", item.on)  # a date: an all-day event
            event.add("dtend", item.on + timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a planned day, not a booked hour: it does not block the day
        if item.where:
            event.add("location", item.where)
        event.add("description", f"{item.note}\n{contact}")
        cal.add_component(event)
    # The zone's rules only for the years the events span: a short VTIMEZONE instead of every year since 1970.
    today = calendar.local_date(now)
    last = max((item.on for item in items), default=today)
    cal.add_missing_timezones(first_date=date(today.year, 1, 1), last_date=date(last.year + 2, 1, 1))
    return cal.to_ical()
