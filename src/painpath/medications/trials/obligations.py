"""Obligations of a planned trial (issue 7 item 1), filed under the medication-plan provider
(medications/obligations.py).

Each titration step is a nurse check-in due on its day, each monitoring check is due on its day, and the
evaluation is the clinician's on the day the adequate-trial duration is reached. A trial that was
stopped owes nothing more. Items recorded as done meet their tasks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.knowledge.citations import with_citation  # pack sources as public citations, never our file paths
from painpath.medications.shared import PLAN_PROVIDER as PROVIDER
from painpath.medications.shared import scoped as _scoped
from painpath.medications.trials.models import MedicationTrial, TrialPlan, TrialPlanItem
from painpath.worklist.engine import Cancellation, EngineContext, Finding, Fulfillment, Obligation

_TRIAL_KINDS = {  # item kind -> (task kind, owner)
    "titration": ("trial_titration_step", "nurse"),
    "check": ("trial_monitoring_check", "nurse"),
    "evaluation": ("trial_evaluation", "clinician"),
}


def trial_item_key(item: TrialPlanItem) -> str:
    return f"trial-plan:{item.plan_id}:{item.kind}:{item.number}"


def trial_findings(session: Session, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
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
