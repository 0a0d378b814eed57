"""Documents the clinic shares with the patient (staff share and withdraw; the patient lists and downloads).

Staff share "the plan" (the episode's plan for the patient, plans/patient_plan.py) or "a taper schedule"
(medications/tapers' printable schedule) from the episode page; both need PORTAL_INVITE. The row is a
pointer: the download renders the PDF fresh from the current plan or taper, through the owning slice's
service (which checks the chart access and notes the read). Sharing and withdrawing are audited; so is each
download (`portal.document_downloaded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.medications.tapers import service as tapers
from painpath.medications.tapers.models import TaperPlan
from painpath.patients import service as patients
from painpath.plans import patient_plan
from painpath.plans.models import CarePlan
from painpath.portal.document_models import SHARED_KINDS, PortalSharedDocument

KIND_WORDS = {"plan": "Your care plan", "taper": "Your medicine schedule"}
KIND_NOTES = {"plan": "What we are doing now, how we will know it is working, what comes next and your goals.",
              "taper": "The dates and doses of your medicine, step by step."}


@dataclass(frozen=True)
class Shareable:
    """Something on the episode staff may share: what it is, its reference and whether it is shared now."""

    kind: str
    reference: int
    label: str
    shared: PortalSharedDocument | None


def _audit(session: Session, actor: Actor, action: str, row: PortalSharedDocument) -> None:
    audit.record(session, actor, action, object_type="portal_shared_document", object_id=row.id, patient_id=row.patient_id,
                 clinic_id=row.clinic_id, detail={"kind": row.kind, "reference": row.reference, "episode_id": row.episode_id})


def _reference_ok(session: Session, episode_id: int, kind: str, reference: int) -> bool:
    model = CarePlan if kind == "plan" else TaperPlan
    return session.scalar(select(model.id).where(model.id == reference, model.episode_id == episode_id)) is not None


def shared_now(session: Session, *, episode_ids: list[int]) -> list[PortalSharedDocument]:
    """Documents shared and not withdrawn on these episodes, newest first."""
    if not episode_ids:
        return []
    return list(session.scalars(select(PortalSharedDocument).where(PortalSharedDocument.episode_id.in_(episode_ids),
                                                                   PortalSharedDocument.withdrawn_at.is_(None))
                                .order_by(PortalSharedDocument.shared_at.desc(), PortalSharedDocument.id.desc())))


def shareable(session: Session, *, episode_id: int) -> list[Shareable]:
    """What staff may share on this episode: its latest plan and each taper, with the current share if any."""
    current = {(d.kind, d.reference): d for d in shared_now(session, episode_ids=[episode_id])}
    found: list[Shareable] = []
    plan_id = session.scalar(select(CarePlan.id).where(CarePlan.episode_id == episode_id).order_by(CarePlan.id.desc()).limit(1))
    if plan_id is not None:
        found.append(Shareable("plan", plan_id, "The plan for the patient", current.get(("plan", plan_id))))
    for taper_id, started in session.execute(select(TaperPlan.id, TaperPlan.created_at).where(TaperPlan.episode_id == episode_id)
                                             .order_by(TaperPlan.id)):
        found.append(Shareable("taper", taper_id, f"The taper schedule (started {started:%-d %b %Y})", current.get(("taper", taper_id))))
    return found


def share(session: Session, *, actor: Actor, episode_id: int, kind: str, reference: int) -> PortalSharedDocument:
    """Share a plan or taper of the episode with the patient (once: sharing it again returns the current share)."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    if kind not in SHARED_KINDS:
        raise InvalidInput(FieldProblem("kind", "one_of", "Choose the plan or a taper schedule to share"))
    if not _reference_ok(session, episode.id, kind, reference):
        raise InvalidInput(FieldProblem("reference", "exists", f"This episode has no such {'plan' if kind == 'plan' else 'taper'} to share"))
    existing = session.scalar(select(PortalSharedDocument).where(
        PortalSharedDocument.episode_id == episode.id, PortalSharedDocument.kind == kind, PortalSharedDocument.reference == reference,
        PortalSharedDocument.withdrawn_at.is_(None)))
    if existing is not None:
        return existing
    row = PortalSharedDocument(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, kind=kind,
                               reference=reference, shared_by_user_id=actor.user_id, shared_at=utcnow())
    session.add(row)
    session.flush()
    _audit(session, actor, "portal.document_shared", row)
    return row


def get_shared(session: Session, *, actor: Actor, shared_document_id: int) -> PortalSharedDocument:
    """A shared document's row for a person to see (chart access checked, the read audited)."""
    return patients.read_record(session, PortalSharedDocument, shared_document_id, actor=actor, what="shared document",
                                object_type="portal_shared_document")


def withdraw(session: Session, *, actor: Actor, shared_document_id: int, version: int) -> PortalSharedDocument:
    row = get_shared(session, actor=actor, shared_document_id=shared_document_id)
    if row.version != version:
        raise StaleWrite("shared document", version, row.version)
    if row.withdrawn_at is not None:
        raise Conflict(FieldProblem("withdrawn_at", "not_withdrawn", "This document is no longer shared"))
    row.withdrawn_at, row.withdrawn_by_user_id = utcnow(), actor.user_id
    session.flush()
    _audit(session, actor, "portal.document_withdrawn", row)
    return row


def download(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, shared_document_id: int,  # noqa: ANN001
             now: datetime | None = None) -> tuple[str, bytes]:
    """(file name, PDF) of a document still shared, rendered fresh; 404 once withdrawn."""
    row = get_shared(session, actor=actor, shared_document_id=shared_document_id)
    if row.withdrawn_at is not None:
        raise NotFound("shared document", shared_document_id)
    if row.kind == "plan":
        content, _material = patient_plan.patient_plan_content(session, actor=actor, knowledge=knowledge, calendar=calendar,
                                                               episode_id=row.episode_id, now=now)
        pdf, name = patient_plan.render(content), "care-plan.pdf"
    else:
        pdf, name = tapers.schedule_pdf(session, actor=actor, calendar=calendar, taper_id=row.reference), "medicine-schedule.pdf"
    _audit(session, actor, "portal.document_downloaded", row)
    return name, pdf
