"""Check-in use cases: the schedule (computed from the other slices' dated facts and the packs, with what
staff stored against each key) and the record actions (write the check-in note, book a video time, give a
new day after a miss, cancel with a reason, mark red flags reviewed). Every write is audited.

Facts are read from the other slices read-only (checkins.facts: plain rows, one batch for any number of
episodes): checkins sits above every slice but the portal, and writes none of their tables; a post-procedure
note's relief percent is recorded through the procedures service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from painpath.charting.procedures import service as procedures
from painpath.charting.procedures.schemas import ReliefIn
from painpath.checkins import facts, rules
from painpath.checkins.models import CheckinRecord
from painpath.checkins.schedule import ScheduledCheckin
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.patients import service as patients
from painpath.patients.models import Episode


# ---- the schedule (what the portal, the calendar and the reminders read) -------------------------------

def schedule(session: Session, *, clinic_id: int, episode_ids: Sequence[int], knowledge, calendar: BusinessCalendar,
             today: date) -> dict[int, list[ScheduledCheckin]]:
    """Each open episode's check-ins on `today`, in date order (an episode with none maps to [])."""
    if not episode_ids:
        return {}
    return schedule_of(session, episodes=facts.open_episodes(session, clinic_id=clinic_id, episode_ids=episode_ids),
                       knowledge=knowledge, calendar=calendar, today=today)


def schedule_of(session: Session, *, episodes: Select, knowledge, calendar: BusinessCalendar,
                today: date) -> dict[int, list[ScheduledCheckin]]:
    """`schedule` for the episodes a query selects as (id, clinic_id, patient_id) rows: a clinic-wide read (the
    outcomes dashboard) names its thousands of episodes by a subquery, not a list of ids."""
    if knowledge.checkins is None:
        return {}
    found = facts.read(session, episodes=episodes, knowledge=knowledge, calendar=calendar)
    return {episode_id: rules.schedule(f, knowledge.checkins, today) for episode_id, f in found.items()}


def for_patient(session: Session, *, clinic_id: int, patient_id: int, knowledge, calendar: BusinessCalendar,
                today: date) -> list[ScheduledCheckin]:
    """Every check-in of the patient's open episodes, in date order. Not audited: the caller (the portal,
    a reminder job, a staff page) decides whose reading it is."""
    episode_ids = list(session.scalars(select(Episode.id).where(Episode.clinic_id == clinic_id, Episode.patient_id == patient_id,
                                                                Episode.status == "open")))
    found = [c for checkins in schedule(session, clinic_id=clinic_id, episode_ids=episode_ids, knowledge=knowledge,
                                        calendar=calendar, today=today).values() for c in checkins]
    return sorted(found, key=lambda c: (c.opens_on, c.due_on, c.key))


def episode_checkins(session: Session, *, actor: Actor, episode_id: int, knowledge, calendar: BusinessCalendar,
                     today: date) -> list[ScheduledCheckin]:
    """One episode's check-ins for a staff page (chart access checked and audited by read_episode)."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return schedule(session, clinic_id=episode.clinic_id, episode_ids=[episode.id], knowledge=knowledge, calendar=calendar,
                    today=today).get(episode.id, [])


def get_checkin(session: Session, *, actor: Actor, episode_id: int, key: str, knowledge, calendar: BusinessCalendar,
                today: date) -> tuple[ScheduledCheckin, CheckinRecord | None]:
    """One scheduled check-in and its stored record; NotFound for a key the facts do not owe (chart access checked
    and audited by read_episode, as for the whole list).

    Only the kind of fact the key derives from is read (a procedure's key needs the procedures and their relief
    reports, not the episode's tapers, PT courses and questionnaires): a check-in's state depends on its own fact
    and record alone, so it comes out the same as in the whole schedule, for a fraction of the reads."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    family = facts.family_of(key)
    if family is not None and knowledge.checkins is not None:
        found = facts.read(session, episodes=facts.open_episodes(session, clinic_id=episode.clinic_id, episode_ids=[episode.id]),
                           knowledge=knowledge, calendar=calendar, only=family)
        if episode.id in found:
            for checkin in rules.schedule(found[episode.id], knowledge.checkins, today):
                if checkin.key == key:
                    return checkin, record_for(session, episode_id=episode.id, key=key)
    raise NotFound("check-in", key)


def record_for(session: Session, *, episode_id: int, key: str) -> CheckinRecord | None:
    return session.scalar(select(CheckinRecord).where(CheckinRecord.episode_id == episode_id, CheckinRecord.key == key))


def records_for_episodes(session: Session, episode_ids: Sequence[int]) -> dict[int, list[CheckinRecord]]:
    found: dict[int, list[CheckinRecord]] = {}
    if episode_ids:
        for record in session.scalars(select(CheckinRecord).where(ids_in(session, CheckinRecord.episode_id, list(episode_ids)))):
            found.setdefault(record.episode_id, []).append(record)
    return found


# ---- record actions -----------------------------------------------------------------------------------

STALE = FieldProblem("version", "stale", "Someone else changed this check-in; reload to see their change")


def _record(session: Session, checkin: ScheduledCheckin, expected_version: int | None,
            row: CheckinRecord | None) -> CheckinRecord:
    """The check-in's record, created on first use; a stale form (another person saved first) is a 409. `row`: the
    record as get_checkin read it in this transaction (every caller reads the check-in first; nothing wrote it since)."""
    if row is None:
        if expected_version not in (None, 0):
            raise Conflict(STALE)
        row = CheckinRecord(clinic_id=checkin.clinic_id, episode_id=checkin.episode_id, patient_id=checkin.patient_id,
                            key=checkin.key, kind=checkin.kind)
        session.add(row)
        return row
    if expected_version is not None and row.version != expected_version:
        raise Conflict(STALE)
    return row


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def write_note(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, key: str,
               expected_version: int | None, pain_now: int | None, function_words: str | None, side_effects: str | None,
               red_flags: bool | None, red_flags_words: str | None, next_step: str | None,
               relief_percent: float | None = None, done_on: date | None = None) -> CheckinRecord:
    """Write the check-in note (done by a short telehealth visit). After a procedure it asks the relief percent
    and records a relief report through the procedures service, so the relief check is met as well."""
    today = calendar.local_date(utcnow())
    checkin, record = get_checkin(session, actor=actor, episode_id=episode_id, key=key, knowledge=knowledge, calendar=calendar,
                                  today=today)
    done_on = done_on or today
    problems: list[FieldProblem] = []
    if pain_now is None:
        problems.append(FieldProblem("pain_now", "required", "Pain now is required (0 to 10)"))
    elif not 0 <= pain_now <= 10:
        problems.append(FieldProblem("pain_now", "range", "Pain now is a number from 0 to 10"))
    if not _text(function_words):
        problems.append(FieldProblem("function_words", "required", "Say in words how the patient is managing day to day"))
    if red_flags is None:
        problems.append(FieldProblem("red_flags", "required", "Say whether the patient reported any red flags"))
    elif red_flags and not _text(red_flags_words):
        problems.append(FieldProblem("red_flags_words", "required", "Say which red flags the patient reported"))
    if not _text(next_step):
        problems.append(FieldProblem("next_step", "required", "Say what happens next"))
    if done_on > today:
        problems.append(FieldProblem("done_on", "not_future", "A check-in cannot be done on a later day"))
    elif done_on < checkin.opens_on:
        problems.append(FieldProblem("done_on", "in_window", f"This check-in opens on {checkin.opens_on:%d %b %Y}"))
    if checkin.kind == "after_procedure":
        if relief_percent is None:
            problems.append(FieldProblem("relief_percent", "required", "Ask how much the procedure helped (percent relief, 0 to 100)"))
        elif not 0 <= relief_percent <= 100:
            problems.append(FieldProblem("relief_percent", "range", "Relief is a percent from 0 to 100"))
    if problems:
        raise InvalidInput(problems)
    row = _record(session, checkin, expected_version, record)
    if checkin.kind == "after_procedure" and relief_percent is not None:
        procedure_id = int(checkin.key.split(":")[1])
        relief = procedures.add_relief(session, actor=actor, calendar=calendar, procedure_id=procedure_id,
                                       data=ReliefIn(measured_on=done_on, percent=relief_percent, scale="nrs"))
        row.relief_id, row.relief_percent = relief.id, relief_percent
    row.pain_now, row.function_words, row.side_effects = pain_now, _text(function_words), _text(side_effects)
    row.red_flags, row.red_flags_words, row.next_step = red_flags, _text(red_flags_words) if red_flags else None, _text(next_step)
    row.done_on, row.done_at, row.done_by_id = done_on, utcnow(), actor.user_id
    row.cancelled_at = row.cancelled_by_id = row.cancel_reason = None
    session.flush()
    audit.record(session, actor, "checkin.note", object_type="checkin_record", object_id=row.id, patient_id=row.patient_id,
                 detail={"key": row.key, "red_flags": bool(red_flags), "late": done_on > checkin.due_on})
    return row


def book(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, key: str,
         expected_version: int | None, booked_at: datetime | None) -> CheckinRecord:
    """Book a time for the video call (naive or aware; stored as naive UTC)."""
    today = calendar.local_date(utcnow())
    checkin, record = get_checkin(session, actor=actor, episode_id=episode_id, key=key, knowledge=knowledge, calendar=calendar, today=today)
    if booked_at is None:
        raise InvalidInput([FieldProblem("booked_at", "required", "Choose a day and time for the video call")])
    utc = calendar.to_utc(booked_at) if booked_at.tzinfo is None else booked_at.astimezone(rules.UTC).replace(tzinfo=None)
    if calendar.local_date(utc) < today:
        raise InvalidInput([FieldProblem("booked_at", "not_past", "Choose a time from today on")])
    row = _record(session, checkin, expected_version, record)
    row.booked_at, row.booked_by_id = utc, actor.user_id
    session.flush()
    audit.record(session, actor, "checkin.book", object_type="checkin_record", object_id=row.id, patient_id=row.patient_id,
                 detail={"key": row.key})
    return row


def reschedule(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, key: str,
               expected_version: int | None, new_day: date | None) -> CheckinRecord:
    """Give the check-in a new last day (after a miss, or when the patient asks)."""
    today = calendar.local_date(utcnow())
    checkin, record = get_checkin(session, actor=actor, episode_id=episode_id, key=key, knowledge=knowledge, calendar=calendar, today=today)
    if new_day is None:
        raise InvalidInput([FieldProblem("rescheduled_to", "required", "Choose the new day")])
    if new_day < today or new_day < checkin.opens_on:
        raise InvalidInput([FieldProblem("rescheduled_to", "not_past", "Choose a day from today on, inside or after the window")])
    row = _record(session, checkin, expected_version, record)
    row.rescheduled_to, row.rescheduled_by_id = new_day, actor.user_id
    session.flush()
    audit.record(session, actor, "checkin.reschedule", object_type="checkin_record", object_id=row.id, patient_id=row.patient_id,
                 detail={"key": row.key, "to": new_day.isoformat()})
    return row


def cancel(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, key: str,
           expected_version: int | None, reason: str | None) -> CheckinRecord:
    """Cancel a check-in that is no longer wanted, with the reason."""
    today = calendar.local_date(utcnow())
    checkin, record = get_checkin(session, actor=actor, episode_id=episode_id, key=key, knowledge=knowledge, calendar=calendar, today=today)
    if not _text(reason):
        raise InvalidInput([FieldProblem("cancel_reason", "required", "Say why this check-in is cancelled")])
    if checkin.status == "done":
        raise InvalidInput([FieldProblem("cancel_reason", "not_done", "This check-in is already done")])
    row = _record(session, checkin, expected_version, record)
    row.cancelled_at, row.cancelled_by_id, row.cancel_reason = utcnow(), actor.user_id, _text(reason)
    session.flush()
    audit.record(session, actor, "checkin.cancel", object_type="checkin_record", object_id=row.id, patient_id=row.patient_id,
                 detail={"key": row.key})
    return row


def review_red_flags(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, key: str,
                     expected_version: int | None) -> CheckinRecord:
    """A clinician marks the red flags reported at a check-in reviewed (meets the red-flag task)."""
    today = calendar.local_date(utcnow())
    _checkin, row = get_checkin(session, actor=actor, episode_id=episode_id, key=key, knowledge=knowledge, calendar=calendar, today=today)
    if row is None or not row.red_flags:
        raise InvalidInput([FieldProblem("red_flags", "reported", "No red flags were reported at this check-in")])
    if expected_version is not None and row.version != expected_version:
        raise Conflict(STALE)
    row.red_flags_reviewed_at, row.red_flags_reviewed_by_id = utcnow(), actor.user_id
    session.flush()
    audit.record(session, actor, "checkin.red_flags_reviewed", object_type="checkin_record", object_id=row.id, patient_id=row.patient_id,
                 detail={"key": row.key})
    return row
