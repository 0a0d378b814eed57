"""The work-status and progress report, generated from the chart: California's PR-2 layout as the first
template (8 CCR 9785.2; a narrative report titled "Primary Treating Physician's Progress Report" with the
same contents is allowed, research/wave2.md 7.4). What it says is gathered here as plain data (kept with the
report), then rendered to PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import EpisodeFacts
from painpath.paperwork import restrictions_service, restrictions_words
from painpath.patients.models import Episode, Patient
from painpath.plans import service as plans
from painpath.workcomp import rules
from painpath.workcomp.models import WorkCompClaim

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAIN_MEASURES = ("pain_now", "pain_average", "pain_worst")


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _latest(items, key) -> list:  # noqa: ANN001
    """The latest of each kind (measure or instrument), by date."""
    latest: dict[str, Any] = {}
    for item in items:
        if key(item) not in latest or item.on >= latest[key(item)].on:
            latest[key(item)] = item
    return sorted(latest.values(), key=key)


def _plan_lines(session: Session, knowledge, episode_id: int, claim: WorkCompClaim) -> list[dict[str, str]]:  # noqa: ANN001
    """The care plan's current step and the ones after it, each with why it is needed for return to work
    (the plan's goals, which the clinician writes in functional terms)."""
    plan = plans.active_plan(session, episode_id=episode_id)
    if plan is None:
        return []
    pathway = knowledge.pathways.get(plan.pathway_id)
    if pathway is None:
        return []
    goals = "; ".join(g.get("text", "") for g in plan.goals if g.get("text")) or f"restore the function of the {claim.body_parts} needed at work"
    rows = plans.plan_steps(session, plan_id=plan.id)
    current = next((r for r in rows if r.status == "active"), None)
    ids = [s.id for s in pathway.steps]
    start = ids.index(current.step_id) if current is not None and current.step_id in ids else len(rows)
    lines = []
    for index, step in enumerate(pathway.steps[start:start + 3]):
        lines.append({"when": "Now" if index == 0 and current is not None else "Next", "step": step.name, "what": step.what,
                      "why": f"Needed for return to work: {goals}."})
    return lines


def report_contents(session: Session, *, knowledge, calendar: BusinessCalendar, claim: WorkCompClaim, next_visit: date | None = None) -> dict[str, Any]:  # noqa: ANN001
    """What the report says, from the chart as it stands."""
    today = calendar.local_date(utcnow())
    patient = session.get(Patient, claim.patient_id)
    episode = session.get(Episode, claim.episode_id)
    clinic = session.get(Clinic, claim.clinic_id)
    facts: EpisodeFacts | None = gather_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[claim.episode_id], today=today).get(claim.episode_id)
    measures = _latest(facts.measures if facts else (), lambda m: m.measure)
    scores = _latest(facts.scores if facts else (), lambda s: s.instrument_id)
    carrier = knowledge.payers.get(claim.carrier_payer_id)
    exam = facts.exam if facts else None
    return {
        "title": carrier.progress_reports.form_title if carrier and carrier.progress_reports else "Treating physician's progress report",
        "clinic": clinic.name if clinic else "", "report_date": today.isoformat(),
        "patient": {"name": f"{patient.given_name} {patient.family_name}", "birth_date": patient.birth_date.isoformat(), "mrn": patient.mrn},
        "claim": {"number": claim.claim_number, "carrier": carrier.name if carrier else claim.carrier_payer_id, "employer": claim.employer_name,
                  "adjuster": claim.adjuster_name or "", "injury_date": claim.injury_date.isoformat(), "body_parts": claim.body_parts},
        "mechanism": claim.mechanism,
        "subjective": [episode.problem_summary, *[f"{_words(m.measure)}: {m.value:g}/10 ({m.on:%d %b %Y})" for m in measures if m.measure in PAIN_MEASURES]],
        "exam": ([f"Examined {exam.on:%d %b %Y}: {exam.reasoning}".strip()] + [f"{_words(k)}: {v}" for k, v in sorted(exam.findings.items()) if v not in (None, "", [], {})])
        if exam else [],
        "function": [f"{_words(m.measure)}: {m.value:g} ({m.on:%d %b %Y})" for m in measures if m.measure not in PAIN_MEASURES],
        "scores": [f"{knowledge.instruments[s.instrument_id].name if s.instrument_id in knowledge.instruments else s.instrument_id.upper()}: "
                   f"{s.total:g} ({s.on:%d %b %Y})" for s in scores],
        "diagnoses": list(facts.diagnosis_codes if facts else episode.icd10_codes),
        "plan": _plan_lines(session, knowledge, claim.episode_id, claim),
        "work_status": rules.WORK_STATUS_WORDS.get(claim.work_status or "", "Not recorded"),
        "work_status_note": claim.work_status_note or "",
        # The signed work restriction in force, item by item, when the clinic wrote one (paperwork slice).
        "restrictions": _restrictions_in_force(session, claim.episode_id),
        "return_to_work_on": claim.return_to_work_on.isoformat() if claim.return_to_work_on else "",
        "next_visit": next_visit.isoformat() if next_visit else "",
    }


def _restrictions_in_force(session: Session, episode_id: int) -> dict[str, Any] | None:
    signed = restrictions_service.latest_signed(session, episode_id)
    if signed is None:
        return None
    return {"lines": restrictions_words.limits_in_words(signed), "valid_until": signed.valid_until.isoformat(),
            "re_evaluate_on": signed.re_evaluate_on.isoformat()}


def render(contents: dict[str, Any]) -> bytes:
    return render_pdf("workcomp/progress_report_pdf.html", {"r": contents}, template_dirs=[TEMPLATES])
