"""The claim's use cases: enter and edit the episode's workers' compensation claim, schedule an IME and record
its findings and a rebuttal. Every write is audited in the same transaction; every edit carries the version
it was read at (a stale one is refused with 409).

This module stands below authorizations (which asks it for the episode's carrier), so it reads nothing of
plans or authorizations; `workcomp.followup` does that."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.patients import service as patients
from painpath.workcomp import rules
from painpath.workcomp.models import IndependentExam, WorkCompClaim
from painpath.workcomp.schemas import ClaimIn, ClaimUpdate, ImeFindingsIn, ImeScheduleIn, RebuttalIn


def _audit(session: Session, actor: Actor, action: str, row: WorkCompClaim | IndependentExam, object_type: str, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type=object_type, object_id=row.id, patient_id=row.patient_id, detail=detail)


def carrier_payer_id(session: Session, *, episode_id: int) -> str | None:
    """The carrier that decides the episode's requests when the episode is a workers' compensation claim.

    Not a chart read: callers use it inside a request that has already audited its look at the chart."""
    return session.scalar(select(WorkCompClaim.carrier_payer_id).where(WorkCompClaim.episode_id == episode_id))


def episode_claim(session: Session, *, episode_id: int) -> WorkCompClaim | None:
    """The episode's claim, for a page that has read the episode (and audited it)."""
    return session.scalar(select(WorkCompClaim).where(WorkCompClaim.episode_id == episode_id))


def _check(knowledge, calendar: BusinessCalendar, data: ClaimIn) -> None:  # noqa: ANN001
    if problems := rules.claim_problems(data.model_dump(), knowledge.payers, today=calendar.local_date(utcnow())):
        raise InvalidInput(problems)


def save_claim(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
               data: ClaimIn | ClaimUpdate) -> WorkCompClaim:
    """Enter the claim (ClaimIn) or edit it (ClaimUpdate, at the version it was read)."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    _check(knowledge, calendar, data)
    claim = episode_claim(session, episode_id=episode.id)
    values = data.model_dump(exclude={"version"})
    if claim is None:
        if isinstance(data, ClaimUpdate):
            raise NotFound("workers' compensation claim", episode_id)
        claim = WorkCompClaim(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, opened_at=utcnow(), **values)
        session.add(claim)
        session.flush()
        _audit(session, actor, "workcomp_claim.create", claim, "workcomp_claim", claim_number=claim.claim_number, carrier=claim.carrier_payer_id)
        return claim
    if not isinstance(data, ClaimUpdate):
        raise Conflict(FieldProblem("claim_number", "one_claim", "This episode already has a claim; edit it instead"))
    if claim.version != data.version:
        raise StaleWrite("workers' compensation claim", data.version, claim.version)
    changed = sorted(k for k, v in values.items() if getattr(claim, k) != v)
    for name in changed:
        setattr(claim, name, values[name])
    session.flush()
    _audit(session, actor, "workcomp_claim.update", claim, "workcomp_claim", changed=changed)
    return claim


def episode_imes(session: Session, *, episode_id: int) -> list[IndependentExam]:
    return list(session.scalars(select(IndependentExam).where(IndependentExam.episode_id == episode_id).order_by(IndependentExam.scheduled_on, IndependentExam.id)))


def get_ime(session: Session, *, actor: Actor, ime_id: int) -> IndependentExam:
    ime = session.get(IndependentExam, ime_id)
    if ime is None or ime.clinic_id != actor.clinic_id:
        raise NotFound("independent medical evaluation", ime_id)
    patients.read_episode(session, actor=actor, episode_id=ime.episode_id)
    return ime


def schedule_ime(session: Session, *, actor: Actor, episode_id: int, data: ImeScheduleIn) -> IndependentExam:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    claim = episode_claim(session, episode_id=episode.id)
    if claim is None:
        raise Conflict(FieldProblem("claim_number", "claim_first", "Enter the workers' compensation claim before an IME"))
    ime = IndependentExam(clinic_id=episode.clinic_id, claim_id=claim.id, episode_id=episode.id, patient_id=patient.id,
                          scheduled_on=data.scheduled_on, examiner=data.examiner, recorded_by_id=actor.user_id)
    session.add(ime)
    session.flush()
    _audit(session, actor, "workcomp_ime.schedule", ime, "workcomp_ime", scheduled_on=data.scheduled_on.isoformat())
    return ime


def record_findings(session: Session, *, actor: Actor, ime_id: int, data: ImeFindingsIn) -> IndependentExam:
    ime = get_ime(session, actor=actor, ime_id=ime_id)
    if ime.version != data.version:
        raise StaleWrite("independent medical evaluation", data.version, ime.version)
    if problems := rules.findings_problems(data.agreement, data.disagreement):
        raise InvalidInput(problems)
    ime.findings, ime.agreement = data.findings, data.agreement
    ime.disagreement = data.disagreement if data.agreement == "disagrees" else None
    ime.findings_recorded_at = utcnow()
    session.flush()
    _audit(session, actor, "workcomp_ime.findings", ime, "workcomp_ime", agreement=data.agreement)
    return ime


def record_rebuttal(session: Session, *, actor: Actor, ime_id: int, data: RebuttalIn, pdf: bytes) -> IndependentExam:
    ime = get_ime(session, actor=actor, ime_id=ime_id)
    if ime.version != data.version:
        raise StaleWrite("independent medical evaluation", data.version, ime.version)
    if ime.agreement != "disagrees":
        raise Conflict(FieldProblem("rebuttal_text", "ime_disagrees", "Only an IME that disagrees with the plan takes a rebuttal"))
    ime.rebuttal_text, ime.rebuttal_at, ime.rebuttal_pdf = data.rebuttal_text, utcnow(), pdf
    session.flush()
    _audit(session, actor, "workcomp_ime.rebuttal", ime, "workcomp_ime")
    return ime
