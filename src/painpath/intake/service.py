"""Intake use cases: record the first contact, call attempts, the red-flag triage and its routing,
the clinician's acknowledgement of an emergent case, and appointments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.intake import rules, triage, visit_rules
from painpath.intake.models import Appointment, CallAttempt, IntakeCall, Triage
from painpath.intake.schemas import AppointmentIn, CallIn
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn

FIRST_VISIT_TYPES = visit_rules.FIRST_VISIT_TYPES


def get_call(session: Session, clinic_id: int, call_id: int) -> IntakeCall:
    """The call, if it belongs to this clinic."""
    call = session.get(IntakeCall, call_id)
    if call is None or call.clinic_id != clinic_id:
        raise NotFound("call", call_id)
    return call


def _audit(session: Session, actor: Actor, action: str, row, patient_id: int, **detail) -> None:
    audit.record(session, actor, action, object_type=row.__tablename__, object_id=row.id, patient_id=patient_id, detail=detail)


# First contact -------------------------------------------------------------------------------

def _onset_from_duration(called_on: date, weeks: int | None) -> date | None:
    """"Pain for 3 weeks" on the call dates the onset 3 weeks before it: the payers' "pain for at least N
    weeks" rules read the episode's onset date, and the call is where the clinic first hears it."""
    return called_on - timedelta(weeks=weeks) if weeks is not None else None


def record_call(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, data: CallIn) -> IntakeCall:
    """A call or referral comes in: register the person if new and open the episode at first contact."""
    if data.payer_id is not None and data.payer_id not in knowledge.payers:
        raise InvalidInput(FieldProblem("payer_id", "known_payer", f"{data.payer_id!r} is not in the payer directory"))
    if data.payer_id is not None and not data.member_id:
        raise InvalidInput(FieldProblem("member_id", "required_with_payer",
                                        "Enter the member ID from the insurance card, or choose \"Not known yet\" for the payer"))
    received_at = calendar.to_utc(data.received_at) if data.received_at else utcnow()
    if data.patient_id is not None:
        patient_id = data.patient_id
        patients.read_chart(session, actor=actor, patient_id=patient_id)  # exists in this clinic; the look is audited
    else:
        person = data.new_patient
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn=patients.assign_mrn(session, clinic_id=actor.clinic_id), given_name=person.given_name,
            family_name=person.family_name, birth_date=person.birth_date, sex=person.sex, phone=person.phone,
        ))
        patient_id = patient.id
    episode = patients.open_episode(session, actor=actor, patient_id=patient_id, opened_at=received_at, data=EpisodeIn(
        problem_summary=data.reason, body_region=data.body_region, laterality=data.laterality,
        onset_date=_onset_from_duration(calendar.local_date(received_at), data.pain_duration_weeks),
    ))
    if data.payer_id is not None:
        patients.coverage_from_intake(session, actor=actor, knowledge=knowledge, patient_id=patient_id, payer_id=data.payer_id,
                                      member_id=data.member_id, group_number=data.group_number, on=calendar.local_date(received_at))
    call = IntakeCall(
        clinic_id=actor.clinic_id, patient_id=patient_id, episode_id=episode.id, received_at=received_at,
        status="awaiting_callback",
        **data.model_dump(exclude={"patient_id", "new_patient", "body_region", "laterality", "received_at", "member_id", "group_number"}),
    )
    session.add(call)
    session.flush()
    _audit(session, actor, "intake.call", call, patient_id, source=data.source)
    return call


def record_attempt(session: Session, *, actor: Actor, call_id: int, outcome: str, note: str | None, failed_before_letter: int) -> IntakeCall:
    """A callback attempt and its outcome; enough failures move the call to a letter or portal message."""
    call = get_call(session, actor.clinic_id, call_id)
    if call.status not in ("awaiting_callback", "unreachable") and outcome != "reached":
        raise Conflict(FieldProblem("status", "awaiting_callback", f"This call is already {call.status.replace('_', ' ')}"))
    now = utcnow()
    session.add(CallAttempt(clinic_id=call.clinic_id, call_id=call.id, at=now, by_id=actor.user_id, outcome=outcome, note=note))
    if outcome == "reached":
        call.reached_at = call.reached_at or now
        if call.status in ("awaiting_callback", "unreachable"):
            call.status = "reached"
    else:
        failures = session.scalar(
            select(func.count()).select_from(CallAttempt).where(CallAttempt.call_id == call.id, CallAttempt.outcome.in_(rules.FAILED_OUTCOMES))
        )
        if failures >= failed_before_letter:
            call.status = "unreachable"
    session.flush()
    _audit(session, actor, "intake.attempt", call, call.patient_id, outcome=outcome)
    return call


def record_letter_sent(session: Session, *, actor: Actor, call_id: int, channel: str) -> IntakeCall:
    call = get_call(session, actor.clinic_id, call_id)
    if call.status != "unreachable":
        raise Conflict(FieldProblem("status", "unreachable", "A letter is sent only after the callback attempts failed"))
    call.letter_sent_at = utcnow()
    call.letter_channel = channel
    call.status = "letter_sent"
    session.flush()
    _audit(session, actor, "intake.letter_sent", call, call.patient_id, channel=channel)
    return call


def record_no_prior_records(session: Session, *, actor: Actor, call_id: int) -> IntakeCall:
    """Staff confirm there is nobody to request records from; the same-day records duty is met."""
    call = get_call(session, actor.clinic_id, call_id)
    call.no_prior_records_at = utcnow()
    session.flush()
    _audit(session, actor, "intake.no_prior_records", call, call.patient_id)
    return call


def attempts(session: Session, *, call: IntakeCall) -> list[CallAttempt]:
    return list(session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id).order_by(CallAttempt.at)))


def callback_queue(session: Session, *, clinic_id: int) -> list[tuple[IntakeCall, int]]:
    """Calls still owed a callback or a letter, oldest first, with their failed-attempt counts."""
    failed = (
        select(CallAttempt.call_id, func.count().label("failures"))
        .where(CallAttempt.outcome.in_(rules.FAILED_OUTCOMES))
        .group_by(CallAttempt.call_id)
        .subquery()
    )
    rows = session.execute(
        select(IntakeCall, func.coalesce(failed.c.failures, 0))
        .outerjoin(failed, failed.c.call_id == IntakeCall.id)
        .where(IntakeCall.clinic_id == clinic_id, IntakeCall.status.in_(("awaiting_callback", "unreachable")))
        .order_by(IntakeCall.received_at)
    )
    return [(call, failures) for call, failures in rows]


# Triage and routing --------------------------------------------------------------------------

def _red_flag_header(knowledge):
    return next(p.header for p in knowledge.packs if p.header.kind == "red_flags")


def preview(knowledge, answers: dict) -> triage.TriageDecision:
    """The decision so far, while the screen is being filled in (nothing saved)."""
    return triage.evaluate(answers, knowledge.red_flags)


def record_triage(session: Session, *, actor: Actor, knowledge, call_id: int, answers: dict) -> Triage:
    """Save a completed red-flag screen. Every required question must be answered, unless an answer is already emergent."""
    call = get_call(session, actor.clinic_id, call_id)
    if session.scalar(select(Triage.id).where(Triage.call_id == call.id)) is not None:
        raise Conflict(FieldProblem("call_id", "not_triaged", "This call already has a triage decision; open the episode to act on it"))
    problems = triage.validate_answers(answers, knowledge.red_flags)
    if problems:
        raise InvalidInput(problems)
    decision = triage.evaluate(answers, knowledge.red_flags)
    if decision.urgency == "incomplete":
        questions = {q.id: q.text for q in knowledge.red_flags.questions}
        raise InvalidInput([
            FieldProblem(f"answers.{qid}", "required", f"Red-flag questions cannot be skipped: {questions.get(qid, qid)}")
            for qid in decision.missing
        ])
    header = _red_flag_header(knowledge)
    row = Triage(
        clinic_id=call.clinic_id, call_id=call.id, episode_id=call.episode_id, patient_id=call.patient_id,
        answers=answers, urgency=decision.urgency, reasons=list(decision.reasons),
        hits=[{k: v for k, v in asdict(hit).items()} for hit in decision.hits],
        yellow_flags=list(decision.yellow_flags), pack_id=header.id, pack_version=header.version,
        decided_at=utcnow(), decided_by_id=actor.user_id,
    )
    session.add(row)
    call.status = "triaged"
    call.reached_at = call.reached_at or row.decided_at  # a completed screen means someone spoke with the caller
    session.flush()
    _audit(session, actor, "intake.triage", row, call.patient_id, urgency=decision.urgency)
    return row


def latest_triage(session: Session, *, episode_id: int) -> Triage | None:
    return session.scalars(select(Triage).where(Triage.episode_id == episode_id).order_by(Triage.decided_at.desc(), Triage.id.desc())).first()


def referrals_of(row: Triage) -> tuple[str, ...]:
    """The specialties a saved decision's flags route to ("rheumatology"), in flag order."""
    return tuple(dict.fromkeys(hit["referral_to"] for hit in row.hits or () if hit.get("referral_to")))


def needs_clinician_record(row: Triage) -> bool:
    """Whether a clinician records something on this decision: the emergent acknowledgement, or the review of a
    low-specificity flag and any referral it routes to."""
    return row.urgency in ("emergent", "review") or bool(referrals_of(row))


def acknowledge_emergent(session: Session, *, actor: Actor, triage_id: int, note: str) -> Triage:
    """A clinician confirms they have acted on an emergent decision, or records the review of a clinician-review
    decision and its referral (who, when and the note are recorded)."""
    row = session.get(Triage, triage_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound("triage", triage_id)
    if not needs_clinician_record(row):
        raise Conflict(FieldProblem("urgency", "emergent", "Only an emergent decision, a clinician review or a referral needs a clinician's record"))
    if row.acknowledged_at is not None:
        raise Conflict(FieldProblem("acknowledged_at", "not_yet", "Already acknowledged"))
    row.acknowledged_at = utcnow()
    row.acknowledged_by_id = actor.user_id
    row.acknowledgement_note = note
    session.flush()
    _audit(session, actor, "intake.emergent_acknowledged" if row.urgency == "emergent" else "intake.review_recorded", row, row.patient_id)
    return row


def hard_stop(session: Session, *, episode_id: int) -> Triage | None:
    """The unacknowledged emergent decision that blocks booking, if there is one."""
    return session.scalars(
        select(Triage).where(Triage.episode_id == episode_id, Triage.urgency == "emergent", Triage.acknowledged_at.is_(None))
    ).first()


# Appointments --------------------------------------------------------------------------------

def book_appointment(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: AppointmentIn) -> Appointment:
    """Book a visit. Nothing is booked past an unacknowledged emergent red flag."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    stop = hard_stop(session, episode_id=episode.id)
    if stop is not None:
        raise Conflict(FieldProblem(
            "episode_id", "emergent_unacknowledged",
            "Emergent red flag: the patient was sent to the emergency department; a clinician must acknowledge before any booking",
        ))
    start = calendar.to_utc(data.start_at)
    now = utcnow()
    if start < now:
        raise InvalidInput(FieldProblem("start_at", "not_past", "A visit cannot be booked for a time already past"))
    if data.provider_id is not None and session.get(User, data.provider_id) is None:
        raise InvalidInput(FieldProblem("provider_id", "exists", f"No user {data.provider_id}"))
    appointment = Appointment(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, start_at=start,
        booked_at=now, booked_by_id=actor.user_id, status="booked", **data.model_dump(exclude={"start_at"}),
    )
    session.add(appointment)
    session.flush()
    if data.visit_type in FIRST_VISIT_TYPES and episode.first_visit_booked_at is None:
        patients.record_first_visit_booked(session, actor=actor, episode_id=episode.id, visit_at=start, booked_at=now)
    _audit(session, actor, "appointment.book", appointment, episode.patient_id, visit_type=data.visit_type)
    return appointment


def appointments(session: Session, *, episode_id: int) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.episode_id == episode_id).order_by(Appointment.start_at)))


# Facts for the engine ------------------------------------------------------------------------

def call_facts(session: Session, *, episode_ids: list[int] | None) -> list[rules.CallFacts]:
    from painpath.patients.models import Episode  # facts join the episode's status

    # Columns, not entities: the sweep reads every open episode's calls, and builds plain facts from them.
    query = select(
        IntakeCall.id, IntakeCall.episode_id, IntakeCall.patient_id, IntakeCall.clinic_id, IntakeCall.received_at,
        IntakeCall.status, IntakeCall.reached_at, IntakeCall.letter_sent_at, IntakeCall.no_prior_records_at,
        Episode.status.label("episode_status"),
    ).join(Episode, Episode.id == IntakeCall.episode_id)
    if episode_ids is None:
        query = query.where(IntakeCall.status.in_(("awaiting_callback", "reached", "unreachable")))
    else:
        query = query.where(ids_in(session, IntakeCall.episode_id, episode_ids))
    calls = list(session.execute(query))
    if not calls:
        return []
    ids = [c.id for c in calls]
    failed: dict[int, list[datetime]] = {}
    for call_id, at in session.execute(
        select(CallAttempt.call_id, CallAttempt.at)
        .where(ids_in(session, CallAttempt.call_id, ids), CallAttempt.outcome.in_(rules.FAILED_OUTCOMES))
        .order_by(CallAttempt.at)
    ):
        failed.setdefault(call_id, []).append(at)
    triaged = dict(session.execute(select(Triage.call_id, func.min(Triage.decided_at)).where(ids_in(session, Triage.call_id, ids)).group_by(Triage.call_id)).all())
    requested = _first_records_request_times(session, sorted({c.episode_id for c in calls}))
    return [
        rules.CallFacts(
            call_id=c.id, episode_id=c.episode_id, patient_id=c.patient_id, clinic_id=c.clinic_id,
            received_at=c.received_at, status=c.status, failed_attempts=tuple(failed.get(c.id, ())),
            reached_at=c.reached_at, letter_sent_at=c.letter_sent_at, triaged_at=triaged.get(c.id),
            episode_open=c.episode_status == "open", records_requested_at=requested.get(c.episode_id),
            no_prior_records_at=c.no_prior_records_at,
        )
        for c in calls
    ]


# intake.records stands above intake (it files imaging reports through orders, which reads charting, which
# reads intake's visits), so intake cannot import it. It tells intake at import how to read when each
# episode's first records request was made, the date intake's same-day duty asks for.
FirstRequestReader = Callable[[Session, Sequence[int]], dict[int, datetime]]
_first_request_reader: list[FirstRequestReader] = []


def read_first_records_requests_with(reader: FirstRequestReader) -> None:
    _first_request_reader[:] = [reader]


def _first_records_request_times(session: Session, episode_ids: Sequence[int]) -> dict[int, datetime]:
    if not _first_request_reader:
        raise RuntimeError("intake.records is not loaded, so the first records request of an episode cannot be read")
    return _first_request_reader[0](session, episode_ids)


def triage_facts(session: Session, *, episode_ids: list[int] | None) -> list[rules.TriageFacts]:
    query = (select(Triage, User.display_name).outerjoin(User, User.id == Triage.acknowledged_by_id)
             .where(Triage.urgency.in_(("emergent", "urgent", "review"))))
    if episode_ids is not None:
        query = query.where(ids_in(session, Triage.episode_id, episode_ids))
    else:
        # An urgent decision owes its slot whether or not a clinician recorded a review of it.
        query = query.where(or_(Triage.acknowledged_at.is_(None), Triage.urgency == "urgent"))
    rows = list(session.execute(query))
    if not rows:
        return []
    # One query for every booking of these episodes, not one per triage (this runs on the periodic sweep).
    bookings: dict[int, list[tuple[datetime, datetime]]] = {}
    attended: dict[int, list[datetime]] = {}
    for episode_id, booked_at, start_at, checked_in_at in session.execute(
        select(Appointment.episode_id, Appointment.booked_at, Appointment.start_at, Appointment.checked_in_at)
        .where(ids_in(session, Appointment.episode_id, sorted({row.episode_id for row, _ in rows})),
               Appointment.status.in_(("booked", *visit_rules.ATTENDED)))
        .order_by(Appointment.start_at)
    ):
        bookings.setdefault(episode_id, []).append((booked_at, start_at))
        if checked_in_at is not None:
            attended.setdefault(episode_id, []).append(checked_in_at)
    found = []
    for row, acknowledged_by in rows:
        after = next(((b, s) for b, s in bookings.get(row.episode_id, ()) if b >= row.decided_at), None)
        seen = min((at for at in attended.get(row.episode_id, ()) if at >= row.decided_at), default=None)
        found.append(rules.TriageFacts(
            triage_id=row.id, episode_id=row.episode_id, patient_id=row.patient_id, clinic_id=row.clinic_id,
            urgency=row.urgency, decided_at=row.decided_at, reasons=tuple(row.reasons),
            acknowledged_at=row.acknowledged_at, acknowledged_by=acknowledged_by, first_booking_after=after, attended_after=seen,
            referrals=referrals_of(row),
        ))
    return found
