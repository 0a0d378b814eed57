"""Referral use cases: keep the receiving practices, write a referral, record each step of its loop, and
read referrals for the pages and the obligation rules. Every write is audited in the same transaction;
every edit carries the version it was read at (a stale one is refused with 409)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import FieldProblem, Forbidden, InvalidInput, NotFound, StaleWrite
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.referrals import queries, rules
from painpath.referrals.models import ReceivingPractice, Referral
from painpath.referrals.schemas import PracticeIn, PracticeUpdate, ReferralIn, TransitionIn


def specialty_name(knowledge, specialty: str) -> str:  # noqa: ANN001
    found = knowledge.referral_specialties.get(specialty)
    return found.name if found is not None else specialty.replace("_", " ").capitalize()


def _audit(session: Session, actor: Actor, action: str, referral: Referral, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="referral", object_id=referral.id, patient_id=referral.patient_id, detail=detail)


# Receiving practices ------------------------------------------------------------------------------------

def list_practices(session: Session, *, clinic_id: int, active_only: bool = False) -> list[ReceivingPractice]:
    query = select(ReceivingPractice).where(ReceivingPractice.clinic_id == clinic_id)
    if active_only:
        query = query.where(ReceivingPractice.active.is_(True))
    return list(session.scalars(query.order_by(ReceivingPractice.name, ReceivingPractice.id)))


def get_practice(session: Session, *, clinic_id: int | None, practice_id: int) -> ReceivingPractice:
    found = session.get(ReceivingPractice, practice_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("receiving practice", practice_id)
    return found


def _practice_problems(knowledge, data: PracticeIn) -> list[FieldProblem]:  # noqa: ANN001
    unknown = [s for s in data.specialties if s not in knowledge.referral_specialties]
    if unknown:
        return [FieldProblem("specialties", "known_specialty", f"Unknown specialty: {', '.join(unknown)}")]
    return []


def add_practice(session: Session, *, actor: Actor, knowledge, data: PracticeIn) -> ReceivingPractice:  # noqa: ANN001
    if problems := _practice_problems(knowledge, data):
        raise InvalidInput(problems)
    practice = ReceivingPractice(clinic_id=actor.clinic_id, **data.model_dump())
    session.add(practice)
    session.flush()
    audit.record(session, actor, "receiving_practice.add", object_type="receiving_practice", object_id=practice.id, detail={"name": practice.name})
    return practice


def update_practice(session: Session, *, actor: Actor, knowledge, practice_id: int, data: PracticeUpdate) -> ReceivingPractice:  # noqa: ANN001
    practice = get_practice(session, clinic_id=actor.clinic_id, practice_id=practice_id)
    if practice.version != data.version:
        raise StaleWrite("receiving practice", data.version, practice.version)
    if problems := _practice_problems(knowledge, data):
        raise InvalidInput(problems)
    for name, value in data.model_dump(exclude={"version"}).items():
        setattr(practice, name, value)
    session.flush()
    audit.record(session, actor, "receiving_practice.update", object_type="receiving_practice", object_id=practice.id, detail={"name": practice.name})
    return practice


# Referrals ----------------------------------------------------------------------------------------------

def get_referral(session: Session, *, clinic_id: int | None, referral_id: int) -> Referral:
    return patients.clinic_record(session, Referral, referral_id, clinic_id=clinic_id, what="referral")


def read_referral(session: Session, *, actor: Actor, referral_id: int) -> Referral:
    """A referral for a person to see: chart access checked and the read audited (once per request)."""
    return patients.read_record(session, Referral, referral_id, actor=actor, what="referral", object_type="referral")


def episode_referrals(session: Session, *, actor: Actor, episode_id: int) -> list[Referral]:
    """An episode's referrals, newest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(Referral).where(Referral.episode_id == episode.id).order_by(Referral.id.desc())))


def create_referral(session: Session, *, actor: Actor, knowledge, episode_id: int, data: ReferralIn) -> Referral:  # noqa: ANN001
    """Write a referral (drafted); nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    problems: list[FieldProblem] = []
    if data.specialty not in knowledge.referral_specialties:
        problems.append(FieldProblem("specialty", "known_specialty", "Choose one of the clinic's referral specialties"))
    practice = session.get(ReceivingPractice, data.practice_id)
    if practice is None or practice.clinic_id != episode.clinic_id or not practice.active:
        problems.append(FieldProblem("practice_id", "known_practice", "Choose a practice from the clinic's directory"))
    elif data.specialty not in practice.specialties:
        problems.append(FieldProblem("practice_id", "practice_specialty",
                                     f"{practice.name} is not listed for {specialty_name(knowledge, data.specialty).lower()}; choose another practice or update the directory"))
    on_file = {d.ref: d.label for d in queries.documents_on_file(session, episode.id)}
    if unknown := [ref for ref in data.records if ref not in on_file]:
        problems.append(FieldProblem("records", "on_file", f"Not a document on file for this episode: {', '.join(unknown)}"))
    if data.plan_step_row_id is not None and not queries.step_of_episode(session, data.plan_step_row_id, episode.id):
        problems.append(FieldProblem("plan_step_row_id", "episode_step", "That care-plan step is not one of this episode's"))
    if problems:
        raise InvalidInput(problems)
    now = utcnow()
    referral = Referral(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, specialty=data.specialty, practice_id=data.practice_id,
        reason=data.reason, question=data.question, urgency=data.urgency,
        records=[{"ref": ref, "label": on_file[ref]} for ref in dict.fromkeys(data.records)],
        plan_step_row_id=data.plan_step_row_id, status="drafted", created_by_id=actor.user_id, state_since=now,
    )
    session.add(referral)
    session.flush()
    _audit(session, actor, "referral.create", referral, specialty=referral.specialty, urgency=referral.urgency, practice_id=referral.practice_id)
    return referral


def record_transition(session: Session, *, actor: Actor, calendar: BusinessCalendar, referral_id: int, data: TransitionIn,
                      may_close: bool) -> Referral:
    """Record what the practice told us (acknowledged, the appointment, seen, the consult note), the
    clinician's close with the plan adjustment, or a cancellation. `may_close`: the caller holds ORDER_PLACE."""
    referral = get_referral(session, clinic_id=actor.clinic_id, referral_id=referral_id)
    patients.read_episode(session, actor=actor, episode_id=referral.episode_id)
    if referral.version != data.version:
        raise StaleWrite("referral", data.version, referral.version)
    if data.to == "closed" and not may_close:
        raise Forbidden("order:place")
    today = calendar.local_date(utcnow())
    current = rules.Current(referral.status, calendar.local_date(referral.sent_at) if referral.sent_at else None,
                            referral.appointment_on, referral.seen_on)
    values = data.model_dump()
    if problems := rules.transition_problems(current, data.to, values, today=today):
        raise InvalidInput(problems)
    now = utcnow()
    before = referral.status
    _apply(referral, data, actor, now)
    session.flush()
    _audit(session, actor, f"referral.{data.to}", referral, status_from=before,
           **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()
              if v not in (None, False, "") and k not in ("to", "version", "consult_summary", "plan_adjustment")})
    return referral


def _apply(referral: Referral, data: TransitionIn, actor: Actor, now) -> None:  # noqa: ANN001
    if data.to == "cancelled":
        referral.cancel_reason, referral.cancelled_at = data.cancel_reason.strip(), now
    elif data.to == "closed":
        referral.plan_adjustment, referral.closed_at, referral.closed_by_id = data.plan_adjustment.strip(), now, actor.user_id
    elif data.to == "acknowledged":
        referral.acknowledged_on = data.acknowledged_on
    elif data.to == "scheduled":
        referral.appointment_on = data.appointment_on
    elif data.to == "seen":
        referral.seen_on = data.seen_on
    elif data.to == "consult_received":
        referral.seen_on = referral.seen_on or data.seen_on
        referral.consult_note_on, referral.consult_summary = data.consult_note_on, data.consult_summary.strip()
    if referral.status != data.to:
        referral.state_since = now
    referral.status = data.to


# Facts for the obligation rules ------------------------------------------------------------------------

def loop_facts(session: Session, *, knowledge, episode_ids: Sequence[int] | None) -> list[rules.LoopFacts]:  # noqa: ANN001
    """Every referral of the episodes asked about (all when None) as the loop rules read it; closed ones too,
    so their last tasks close as met."""
    query = (select(Referral, ReceivingPractice.name, Episode.status)
             .join(ReceivingPractice, ReceivingPractice.id == Referral.practice_id)
             .join(Episode, Episode.id == Referral.episode_id))
    if episode_ids is not None:
        query = query.where(Referral.episode_id.in_(list(episode_ids)))
    found = []
    for r, practice_name, episode_status in session.execute(query.order_by(Referral.id)):
        found.append(rules.LoopFacts(
            referral_id=r.id, clinic_id=r.clinic_id, episode_id=r.episode_id, patient_id=r.patient_id,
            specialty_name=specialty_name(knowledge, r.specialty), practice_name=practice_name, urgency=r.urgency, status=r.status,
            created_at=r.created_at, episode_open=episode_status == "open", sent_at=r.sent_at, acknowledged_on=r.acknowledged_on,
            appointment_on=r.appointment_on, seen_on=r.seen_on, consult_note_on=r.consult_note_on, closed_at=r.closed_at,
            cancel_reason=r.cancel_reason, transmission=r.transmission, last_error=r.last_error,
        ))
    return found
