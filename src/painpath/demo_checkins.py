"""The demo clinic's check-ins (issue 18, part 3): the schedule is computed from the demo's own facts (its
injections, PT blocks and plan steps measured by the NDI), so this module only adds what staff did. Past
check-ins are done by a telehealth note (after an injection, with the relief reported, as the nurse would
through the check-in page; one reported a red flag, the clinician's task), except one, left missed so the coordinator's "Missed check-in" task shows; one
upcoming PT check-in has a video time booked. The injection done in the last days keeps its open check-in, and
the six-week programmes measured by the NDI show their weekly questionnaires.

Rows are written directly with their past dates (a demo's calls happened before the demo was loaded)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import ProcedureRelief
from painpath.checkins import service
from painpath.checkins.models import CheckinRecord
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.patients.models import Episode

FUNCTION = ("Walking the dog again, 20 minutes", "Sleeping through most nights", "Back at the desk for half days",
            "Doing the home exercises every morning")


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Record the demo's past check-ins; returns how many check-in notes were written."""
    today = ctx.calendar.local_date(now)
    nurse = users["nurse"]
    episode_ids = list(session.scalars(select(Episode.id).where(Episode.clinic_id == clinic_id, Episode.status == "open")
                                       .order_by(Episode.id)))
    checkins = [c for found in service.schedule(session, clinic_id=clinic_id, episode_ids=episode_ids, knowledge=ctx.knowledge,
                                                calendar=ctx.calendar, today=today).values() for c in found]
    checkins.sort(key=lambda c: (c.episode_id, c.opens_on, c.key))  # the same clinic on every database
    missed = [c for c in checkins if c.status == "missed"]
    notes = 0
    for n, c in enumerate(missed[1:]):  # the first stays missed: its coordinator task shows on the worklist
        done_on = min(c.opens_on + timedelta(days=1), c.due_on)
        at = ctx.calendar.to_utc(datetime.combine(done_on, time(11, 0)))
        record = CheckinRecord(clinic_id=c.clinic_id, episode_id=c.episode_id, patient_id=c.patient_id, key=c.key, kind=c.kind,
                               pain_now=3 + n % 3, function_words=FUNCTION[n % len(FUNCTION)], side_effects=None, red_flags=False,
                               next_step="Carry on with the plan; next check-in as scheduled", done_on=done_on, done_at=at,
                               done_by_id=nurse.id, created_at=at, updated_at=at)
        if n == 0:  # the first note reported a red flag: the clinician's same-day task
            record.red_flags, record.red_flags_words = True, "New numbness in the left foot since yesterday"
            record.next_step = "Clinician to call back today"
        if c.kind == "after_procedure":
            relief = ProcedureRelief(clinic_id=c.clinic_id, procedure_id=int(c.key.split(":")[1]), episode_id=c.episode_id,
                                     measured_on=done_on, method="percent", percent=60.0 + 5 * (n % 4), scale="nrs",
                                     function_change="better", recorded_by_id=nurse.id, recorded_at=at)
            session.add(relief)
            session.flush()
            record.relief_id, record.relief_percent = relief.id, relief.percent
        session.add(record)
        notes += 1
    upcoming = next((c for c in checkins if c.kind == "pt_block" and c.status == "upcoming"), None)
    if upcoming is not None:
        session.add(CheckinRecord(clinic_id=upcoming.clinic_id, episode_id=upcoming.episode_id, patient_id=upcoming.patient_id,
                                  key=upcoming.key, kind=upcoming.kind, booked_by_id=users["coordinator"].id,
                                  booked_at=ctx.calendar.to_utc(datetime.combine(upcoming.opens_on, time(14, 30)))))
    session.flush()
    return notes
