"""The patient's printable schedule of a planned medication trial: the start, each dated titration step,
each check and the evaluation, in plain words (PDF through documents/render.py). Printing is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import NotFound
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.medications.trials import plan_service as trial_plan_service
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.models import TrialPlan
from painpath.medications.trials.timeline import describe
from painpath.patients import service as patients
from painpath.patients.models import Patient

TEMPLATE = "documents/trial_plan_schedule.html"
_KIND_WORDS = {"titration": "From this day take: {text}", "check": "Check: {text}", "evaluation": "Review visit: {text}"}


@dataclass(frozen=True)
class PrintRow:
    day: date
    what: str
    done: bool


def get_plan(session: Session, *, actor: Actor, plan_id: int) -> TrialPlan:
    plan = session.get(TrialPlan, plan_id)
    if plan is None or plan.clinic_id != actor.clinic_id:
        raise NotFound("medication_trial_plan", plan_id)
    patients.read_episode(session, actor=actor, episode_id=plan.episode_id)  # access check and audited read
    return plan


def schedule_rows(session: Session, plan: TrialPlan) -> list[PrintRow]:
    trial = session.get(MedicationTrial, plan.trial_id)
    rows = [PrintRow(trial.start_date, f"Start: {describe(trial)}", True)] if trial is not None else []
    for item in trial_plan_service.plan_items(session, plan.id):
        words = item.text.split(": ", 1)[-1] if item.kind == "titration" else item.text
        rows.append(PrintRow(item.due_on, _KIND_WORDS[item.kind].format(text=words) if item.kind in _KIND_WORDS else item.text,
                             item.done_at is not None))
    return rows


def schedule_pdf(session: Session, *, actor: Actor, plan_id: int, today: date, drug_name: str | None) -> bytes:
    plan = get_plan(session, actor=actor, plan_id=plan_id)
    clinic = session.get(Clinic, plan.clinic_id)
    patient = session.get(Patient, plan.patient_id)
    pdf = render_pdf(TEMPLATE, {
        "clinic_name": getattr(clinic, "name", ""), "clinic_phone": getattr(clinic, "phone", None) or "",
        "patient_name": f"{patient.given_name} {patient.family_name}" if patient is not None else "", "printed_on": today,
        "plan": plan, "drug_name": drug_name or plan.drug_key.replace("_", " "), "rows": schedule_rows(session, plan),
    })
    audit.record(session, actor, "medication_trial_plan.print", object_type="medication_trial_plan", object_id=plan.id,
                 patient_id=plan.patient_id, detail={})
    return pdf
