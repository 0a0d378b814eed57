"""Progress reports and IME rebuttals: generate the PDF from the chart, keep it, record it sent. Audited in
the same transaction as the write."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, NotFound
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.patients import service as patients
from painpath.workcomp import service as claims
from painpath.workcomp.followup import report
from painpath.workcomp.models import IndependentExam, ProgressReport
from painpath.workcomp.schemas import RebuttalIn


def episode_reports(session: Session, *, episode_id: int) -> list[ProgressReport]:
    return list(session.scalars(select(ProgressReport).where(ProgressReport.episode_id == episode_id).order_by(ProgressReport.generated_at.desc())))


def generate_report(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                    next_visit: date | None = None) -> ProgressReport:
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    claim = claims.episode_claim(session, episode_id=episode_id)
    if claim is None:
        raise Conflict(FieldProblem("claim_number", "claim_first", "Enter the workers' compensation claim before a progress report"))
    contents = report.report_contents(session, knowledge=knowledge, calendar=calendar, claim=claim, next_visit=next_visit)
    row = ProgressReport(clinic_id=claim.clinic_id, claim_id=claim.id, episode_id=episode_id, patient_id=claim.patient_id, generated_at=utcnow(),
                         generated_by_id=actor.user_id, content=report.render(contents), contents=contents)
    session.add(row)
    session.flush()
    audit.record(session, actor, "workcomp_report.generate", object_type="workcomp_progress_report", object_id=row.id, patient_id=claim.patient_id)
    return row


def get_report(session: Session, *, actor: Actor, report_id: int) -> ProgressReport:
    row = session.get(ProgressReport, report_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound("progress report", report_id)
    patients.read_episode(session, actor=actor, episode_id=row.episode_id)
    return row


def mark_sent(session: Session, *, actor: Actor, report_id: int, sent_to: str) -> ProgressReport:
    """The report went to the carrier (faxed or mailed to the adjuster): this meets the report that was due."""
    row = get_report(session, actor=actor, report_id=report_id)
    if row.sent_at is not None:
        raise Conflict(FieldProblem("sent_to", "not_sent_yet", "This report was already recorded as sent"))
    if not sent_to.strip():
        raise Conflict(FieldProblem("sent_to", "required", "Say whom the report went to (the adjuster's fax or name)"))
    row.sent_at, row.sent_to = utcnow(), sent_to.strip()[:200]
    session.flush()
    audit.record(session, actor, "workcomp_report.sent", object_type="workcomp_progress_report", object_id=row.id,
                 patient_id=row.patient_id, detail={"sent_to": row.sent_to})
    return row


def rebut(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, ime_id: int, data: RebuttalIn) -> IndependentExam:  # noqa: ANN001
    """Record the rebuttal letter to an IME that disagrees, with its PDF."""
    ime = claims.get_ime(session, actor=actor, ime_id=ime_id)
    claim = claims.episode_claim(session, episode_id=ime.episode_id)
    patient, _ = patients.read_episode(session, actor=actor, episode_id=ime.episode_id)
    carrier = knowledge.payers.get(claim.carrier_payer_id)
    clinic = session.get(Clinic, ime.clinic_id)
    pdf = render_pdf("workcomp/rebuttal_pdf.html", {
        "clinic": clinic.name if clinic else "", "today": calendar.local_date(utcnow()).isoformat(),
        "carrier": carrier.name if carrier else claim.carrier_payer_id, "adjuster": claim.adjuster_name or "",
        "patient": f"{patient.given_name} {patient.family_name}", "claim_number": claim.claim_number, "examiner": ime.examiner,
        "scheduled_on": ime.scheduled_on.isoformat(), "disagreement": ime.disagreement or "", "text": data.rebuttal_text,
    }, template_dirs=[report.TEMPLATES])
    return claims.record_rebuttal(session, actor=actor, ime_id=ime_id, data=data, pdf=pdf)
