"""The claim facts the obligation rules read. A read model: it reads the care plans' pivots and the
authorization cases read-only (through the plans' table and the authorizations service), never writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations import clocks, lifecycle
from painpath.authorizations import service as authorizations
from painpath.core.clock import BusinessCalendar
from painpath.plans.models import CarePlan
from painpath.workcomp import rules
from painpath.workcomp.models import IndependentExam, ProgressReport, WorkCompClaim


def pending_requests(knowledge, calendar: BusinessCalendar, cases) -> list[rules.PendingRequest]:  # noqa: ANN001
    """The cases waiting on the payer, each with its decision due under that payer's clock (the carrier's, on
    a workers' compensation episode: the case was opened under it)."""
    found = []
    for case in cases:
        payer = knowledge.payers.get(case.payer_id)
        since = case.clock_restarted_at or case.submitted_at
        if case.state != lifecycle.SUBMITTED or payer is None or since is None:
            continue
        procedure = knowledge.procedures.get(case.procedure_id)
        found.append(rules.PendingRequest(
            case_id=case.id, procedure_name=procedure.name if procedure else case.procedure_id, submitted_at=since,
            decision_due_at=clocks.decision_due(calendar, payer, case.priority, since),
            received_on=clocks.received_on(calendar, payer, case.priority, since)))
    return found


def plan_pivots(session: Session, *, episode_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """Each episode's plan pivots, as moments. A pivot closes the plan (status "pivoted"); its last update is the
    moment of the pivot."""
    pivots: dict[int, list[datetime]] = {}
    for row in session.execute(select(CarePlan.episode_id, CarePlan.updated_at).where(CarePlan.episode_id.in_(list(episode_ids)),
                                                                                   CarePlan.status == "pivoted")):
        pivots.setdefault(row.episode_id, []).append(row.updated_at)
    return pivots


def claim_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None) -> list[rules.ClaimFacts]:  # noqa: ANN001
    query = select(WorkCompClaim).order_by(WorkCompClaim.id)
    if episode_ids is not None:
        query = query.where(WorkCompClaim.episode_id.in_(list(episode_ids)))
    claims = list(session.scalars(query))
    if not claims:
        return []
    ids = [c.episode_id for c in claims]
    imes: dict[int, list[rules.ImeFacts]] = {}
    for ime in session.scalars(select(IndependentExam).where(IndependentExam.episode_id.in_(ids)).order_by(IndependentExam.id)):
        imes.setdefault(ime.episode_id, []).append(rules.ImeFacts(
            ime.id, ime.examiner, ime.scheduled_on, ime.agreement, ime.disagreement, ime.findings_recorded_at, ime.rebuttal_at))
    sent: dict[int, list[datetime]] = {}
    for row in session.execute(select(ProgressReport.episode_id, ProgressReport.sent_at).where(
            ProgressReport.episode_id.in_(ids), ProgressReport.sent_at.is_not(None)).order_by(ProgressReport.sent_at)):
        sent.setdefault(row.episode_id, []).append(row.sent_at)
    pivots = plan_pivots(session, episode_ids=ids)
    cases: dict[int, list] = {}
    for case in authorizations.open_cases(session, episode_ids=ids):
        cases.setdefault(case.episode_id, []).append(case)
    if knowledge.workers_comp is None:
        raise RuntimeError("no workers_comp knowledge pack is loaded: the claims' turnarounds come from it")
    timings = knowledge.workers_comp.timings
    found = []
    for claim in claims:
        carrier = knowledge.payers.get(claim.carrier_payer_id)
        cadence = carrier.progress_reports if carrier is not None else None
        found.append(rules.ClaimFacts(
            claim_id=claim.id, clinic_id=claim.clinic_id, episode_id=claim.episode_id, patient_id=claim.patient_id,
            opened_at=claim.opened_at, carrier_name=carrier.name if carrier else claim.carrier_payer_id,
            report_every_days=cadence.every_days if cadence else None, report_title=cadence.form_title if cadence else None,
            timings=timings,
            report_days_after_change=cadence.within_days_of_change if cadence else None,
            reports_sent=tuple(sent.get(claim.episode_id, ())), imes=tuple(imes.get(claim.episode_id, ())),
            plan_pivots=tuple(sorted(pivots.get(claim.episode_id, ()))),
            pending=tuple(pending_requests(knowledge, calendar, cases.get(claim.episode_id, ())))))
    return found
