"""Obligations of planned trials and opioid tapers (issue 7 items 1 and 4).

Planned trial: each titration step is a nurse check-in due on its day, each monitoring check is due on
its day, and the evaluation is the clinician's on the day the adequate-trial duration is reached. A
trial that was stopped owes nothing more.

Taper: each dose step and each follow-up visit is the clinician's on its day; a step not recorded by the
end of its day is missed, which opens a separate task for the nurse to call the patient. A paused taper
owes nothing until it resumes (its dates then move). Items recorded as done meet their tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.medications.models import MedicationTrial
from painpath.medications.plan_models import TaperPlan, TaperStep, TrialPlan, TrialPlanItem
from painpath.medications.taper import FOLLOW_UP_SOURCE
from painpath.worklist.engine import Cancellation, EngineContext, Finding, Fulfillment, Obligation, register_provider
from painpath.knowledge.citations import with_citation  # pack sources as public citations, never our file paths

PROVIDER = "medication_plans"
_TRIAL_KINDS = {  # item kind -> (task kind, owner)
    "titration": ("trial_titration_step", "nurse"),
    "check": ("trial_monitoring_check", "nurse"),
    "evaluation": ("trial_evaluation", "clinician"),
}


def trial_item_key(item: TrialPlanItem) -> str:
    return f"trial-plan:{item.plan_id}:{item.kind}:{item.number}"


def taper_key(row: TaperStep) -> str:
    return f"taper:{row.plan_id}:{row.kind}:{row.number}"


def missed_key(row: TaperStep) -> str:
    return f"taper:{row.plan_id}:missed:{row.number}"


class MedicationPlanProvider:
    name = PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        return [*_trial_findings(session, episode_ids, context), *_taper_findings(session, episode_ids, context)]


def _scoped(query, column, episode_ids: Sequence[int] | None):  # noqa: ANN001, ANN202
    return query.where(column.in_(episode_ids)) if episode_ids is not None else query


def _trial_findings(session: Session, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
    rows = session.execute(_scoped(
        select(TrialPlanItem, TrialPlan, MedicationTrial).join(TrialPlan, TrialPlan.id == TrialPlanItem.plan_id)
        .join(MedicationTrial, MedicationTrial.id == TrialPlan.trial_id), TrialPlanItem.episode_id, episode_ids)).all()
    found: list[Finding] = []
    for item, plan, trial in rows:
        key = trial_item_key(item)
        if item.done_at is not None:
            found.append(Fulfillment(key, PROVIDER, met_by=f"recorded as done (user {item.done_by_id})", met_at=item.done_at))
            continue
        if trial.stop_date is not None:
            found.append(Cancellation(key, PROVIDER, f"The trial was stopped on {trial.stop_date.isoformat()}"))
            continue
        kind, owner = _TRIAL_KINDS[item.kind]
        found.append(Obligation(
            key=key, kind=kind, provider=PROVIDER, clinic_id=item.clinic_id, episode_id=item.episode_id, patient_id=item.patient_id,
            title=_trial_title(item), due_at=context.calendar.end_of_local_day_utc(item.due_on), owner_role=owner,
            reason=with_citation(item.text, item.source, " (source: {})"),
            evidence={"plan_id": plan.id, "trial_id": plan.trial_id, "due_on": item.due_on.isoformat()},
        ))
    return found


def _trial_title(item: TrialPlanItem) -> str:
    if item.kind == "titration":
        return f"Trial check-in: titration step {item.number} due {item.due_on.isoformat()}"
    if item.kind == "evaluation":
        return f"Evaluate the medication trial ({item.due_on.isoformat()})"
    return f"Trial monitoring check: {item.text}"[:200]


def _taper_findings(session: Session, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
    rows = session.execute(_scoped(
        select(TaperStep, TaperPlan).join(TaperPlan, TaperPlan.id == TaperStep.plan_id).order_by(TaperStep.plan_id, TaperStep.due_on),
        TaperStep.episode_id, episode_ids)).all()
    today = context.calendar.local_date(context.now)
    found: list[Finding] = []
    for row, plan in rows:
        if row.done_at is not None:
            met = f"recorded as done (user {row.done_by_id})"
            found.append(Fulfillment(taper_key(row), PROVIDER, met_by=met, met_at=row.done_at))
            if row.kind == "step":
                found.append(Fulfillment(missed_key(row), PROVIDER, met_by=met, met_at=row.done_at))
            continue
        if plan.status == "paused":
            found.append(Cancellation(f"taper:{plan.id}:*", PROVIDER, f"The taper was paused on {plan.paused_on.isoformat() if plan.paused_on else 'request'}"))
            continue
        if plan.status != "active":
            continue
        common = {"provider": PROVIDER, "clinic_id": row.clinic_id, "episode_id": row.episode_id, "patient_id": row.patient_id}
        evidence = {"taper_id": plan.id, "step_id": row.id, "due_on": row.due_on.isoformat()}
        if row.kind == "step":
            found.append(Obligation(
                key=taper_key(row), kind="taper_step", title=f"Taper step {row.number}: {row.daily_mme:g} MME/day from {row.due_on.isoformat()}",
                due_at=context.calendar.end_of_local_day_utc(row.due_on), owner_role="clinician",
                reason=with_citation(f"Taper to {plan.target_mme:g} MME/day ({plan.rate_words}): {row.regimen_words}.", plan.rate_source),
                evidence=evidence, **common))
            if today > row.due_on:
                found.append(Obligation(
                    key=missed_key(row), kind="taper_step_missed", title=f"Missed taper step {row.number} (due {row.due_on.isoformat()}): call the patient",
                    due_at=context.calendar.end_of_local_day_utc(row.due_on + timedelta(days=1)), owner_role="nurse",
                    reason=(f"Step {row.number} of the taper was due on {row.due_on.isoformat()} and is not recorded as made. Ask how the "
                            "patient is doing, whether the step was made, and whether the taper needs a pause"),
                    evidence=evidence, **common))
        else:
            found.append(Obligation(
                key=taper_key(row), kind="taper_follow_up", title=f"Taper follow-up visit due {row.due_on.isoformat()}",
                due_at=context.calendar.end_of_local_day_utc(row.due_on), owner_role="clinician",
                reason=with_citation("Follow up at least monthly during a taper.", FOLLOW_UP_SOURCE), evidence=evidence, **common))
    return _one_cancellation_per_plan(found)


def _one_cancellation_per_plan(found: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept: list[Finding] = []
    for finding in found:
        if isinstance(finding, Cancellation):
            if finding.pattern in seen:
                continue
            seen.add(finding.pattern)
        kept.append(finding)
    return kept


register_provider(MedicationPlanProvider())
