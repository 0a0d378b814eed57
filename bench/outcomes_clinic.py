"""One clinic with every fact kind the outcomes dashboard's measures read, for `bench.outcomes_bench`.

Built from the benches' own seeders, never a copy of them:
- `bench.seed.seed_clinic_facts`: the clinic, one patient and one open episode each, the intake call that opened it;
- `bench.clinical_outcomes_bench.seed_outcomes`: a procedure with relief reports and a care plan with ODI scores per
  episode, a PT course with visit notes for a third, an opioid taper with dose steps for a tenth;
- `bench.outcomes_bench.add_case`: an authorization case per episode, with the history lines the slice writes;
and here the operational facts none of them write: call attempts, triage decisions and first-visit appointments for
the intake calls, prior providers and records requests, PT authorizations for the courses, form requests, and
check-in notes against the PT courses' check-ins. Ids are given here (`Rows`) so the rows point at each other
without a round trip; every table goes in with Core executemany in batches, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, time as dtime, timedelta

from sqlalchemy import insert, select, text

from bench.authorization_readiness_bench import Rows, _fix_sequences
from bench.clinical_outcomes_bench import seed_outcomes
from bench.seed import seed_clinic_facts
from painpath.core.db import Database
from painpath.intake.models import Appointment, CallAttempt, IntakeCall, Triage
from painpath.intake.records.models import PriorProvider, RecordsRequest
from painpath.paperwork.form_models import FormRequest
from painpath.checkins.models import CheckinRecord
from painpath.therapy.models import PtAuthorization, PtCourse

BATCH = 5_000
PROVIDER_KINDS = ("physician", "imaging_center", "hospital", "therapy", "other")


def seed_dashboard_clinic(url: str, episodes: int, *, seed: int, now: datetime, add_case) -> tuple[int, dict[str, int]]:  # noqa: ANN001
    """Seed a migrated, empty database; returns the clinic id and the rows written per table. `add_case(rows, rng,
    episode_id, patient_id)` adds one episode's authorization case (outcomes_bench's builder)."""
    facts = seed_clinic_facts(url, episodes, now=now, seed_value=seed)
    db = Database(url)
    try:
        counts = seed_outcomes(db, facts.clinic_id, episodes, seed)
        with db.engine.connect() as conn:
            calls = conn.execute(select(IntakeCall.id, IntakeCall.episode_id, IntakeCall.patient_id, IntakeCall.received_at)
                                 .where(IntakeCall.clinic_id == facts.clinic_id).order_by(IntakeCall.id)).all()
            courses = conn.execute(select(PtCourse.id, PtCourse.episode_id, PtCourse.patient_id, PtCourse.start_date)
                                   .where(PtCourse.clinic_id == facts.clinic_id).order_by(PtCourse.id)).all()
        rows = Rows(facts.clinic_id)
        rng = random.Random(seed)
        for _call_id, episode_id, patient_id, _received in calls:
            add_case(rows, rng, episode_id, patient_id)
        _intake(rows, rng, calls)
        _records_and_forms(rows, rng, calls, now)
        _therapy_and_checkins(rows, rng, courses)
        _insert(db, rows)
        counts.update({"patient": facts.patients, "episode": facts.episodes, "intake_call": facts.intake_calls})
        counts.update({model.__tablename__: len(found) for model, found in rows.tables.items()})
    finally:
        db.engine.dispose()
    return facts.clinic_id, counts


def _intake(rows: Rows, rng: random.Random, calls: Sequence) -> None:
    """One to three call attempts per call (the last reached, for most), a triage decision for two thirds, and a
    first visit booked for most (a few cancelled and rebooked)."""
    for call_id, episode_id, patient_id, received in calls:
        at = received
        for n in range(rng.randint(1, 3)):
            at += timedelta(hours=rng.randint(1, 30))
            reached = n > 0 or rng.random() < 0.5
            rows.add(CallAttempt, call_id=call_id, at=at, outcome="reached" if reached else "no_answer", by_id=None, note=None)
            if reached:
                break
        if rng.random() < 0.67:
            rows.add(Triage, call_id=call_id, episode_id=episode_id, patient_id=patient_id, answers={}, reasons=[], hits=[],
                     yellow_flags=[], urgency=rng.choices(("emergent", "urgent", "routine"), (0.02, 0.18, 0.8))[0],
                     pack_id="red_flags", pack_version=1, decided_at=received + timedelta(hours=rng.randint(1, 48)))
        if rng.random() < 0.85:
            start = datetime.combine((received + timedelta(days=rng.randint(2, 25))).date(), dtime(15, 0))
            status = rng.choices(("completed", "booked", "cancelled"), (0.6, 0.3, 0.1))[0]
            visits = [(start, status)] + ([(start + timedelta(days=7), "booked")] if status == "cancelled" else [])
            for when, state in visits:
                rows.add(Appointment, episode_id=episode_id, patient_id=patient_id, visit_type="new_patient", provider_type="physician",
                         start_at=when, modality="in_person", status=state, booked_at=received + timedelta(hours=2),
                         duration_minutes=40, created_at=received, updated_at=received, version=1)


def _records_and_forms(rows: Rows, rng: random.Random, calls: Sequence, now: datetime) -> None:
    """Records asked of a prior provider for half the episodes (most received), a work or insurance form for a fifth."""
    for _call_id, episode_id, patient_id, received in calls:
        if rng.random() < 0.5:
            kind = PROVIDER_KINDS[rng.randrange(len(PROVIDER_KINDS))]
            provider = rows.add(PriorProvider, episode_id=episode_id, name=f"Prior {kind}", kind=kind, fax="555-0100")
            sent = received + timedelta(hours=rng.randint(2, 72))
            got = sent + timedelta(hours=rng.randint(12, 24 * 21))
            rows.add(RecordsRequest, episode_id=episode_id, patient_id=patient_id, provider_id=provider, items=[{"item": "office_notes"}],
                     transport="fax", status="received" if got < now and rng.random() < 0.8 else "sent",
                     authorization_reference="HIPAA form", authorization_date=received.date(), sent_at=sent,
                     received_at=got if got < now and rng.random() < 0.8 else None)
        if rng.random() < 0.2:
            on = received.date() + timedelta(days=rng.randint(0, 20))
            sent = datetime.combine(on + timedelta(days=rng.randint(1, 20)), dtime(18, 0))
            rows.add(FormRequest, episode_id=episode_id, patient_id=patient_id, form_id="wh_380_e",
                     requester_kind=rng.choice(("employer", "insurer")), requester_name="Acme", received_on=on,
                     target_on=on + timedelta(days=14), deadline_on=on + timedelta(days=15) if rng.random() < 0.5 else None,
                     sent_at=sent if sent < now and rng.random() < 0.85 else None, status="sent" if sent < now else "received",
                     state_since=datetime.combine(on, dtime(15, 0)))


def _therapy_and_checkins(rows: Rows, rng: random.Random, courses: Sequence) -> None:
    """A PT authorization for each course (some windows too short or too few visits: gap days), and a check-in note
    for most of the courses' first check-ins (in the window, or a few days late)."""
    for course_id, episode_id, patient_id, start in courses:
        rows.add(PtAuthorization, course_id=course_id, episode_id=episode_id, visits_approved=rng.choice((4, 6, 6, 8)),
                 window_from=start, window_to=start + timedelta(days=rng.choice((28, 42, 60))))
        if rng.random() < 0.7:
            done = start + timedelta(days=14 + rng.randint(0, 5))
            rows.add(CheckinRecord, episode_id=episode_id, patient_id=patient_id, key=f"pt:{course_id}:1", kind="pt_block",
                     done_on=done, done_at=datetime.combine(done, dtime(16, 0)))


def _insert(db: Database, rows: Rows) -> None:
    with db.engine.begin() as conn:
        for model, table_rows in rows.tables.items():
            for start in range(0, len(table_rows), BATCH):
                conn.execute(insert(model.__table__), table_rows[start:start + BATCH])
    if db.engine.dialect.name == "postgresql":
        _fix_sequences(db, rows)
    analyze = "VACUUM (ANALYZE)" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(analyze))
