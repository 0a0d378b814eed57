"""Obligations of an opioid taper (issue 7 item 4), filed under the medication-plan provider
(medications/obligations.py).

Each dose step and each follow-up visit is the clinician's on its day; a step not recorded by the end of
its day is missed, which opens a separate task for the nurse to call the patient. A paused taper owes
nothing until it resumes (its dates then move). Items recorded as done meet their tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.knowledge.citations import with_citation  # pack sources as public citations, never our file paths
from painpath.medications.shared import PLAN_PROVIDER as PROVIDER
from painpath.medications.shared import scoped as _scoped
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.medications.tapers.rules import FOLLOW_UP_SOURCE
from painpath.worklist.engine import Cancellation, EngineContext, Finding, Fulfillment, NextChange, Obligation


def taper_key(row: TaperStep) -> str:
    return f"taper:{row.plan_id}:{row.kind}:{row.number}"


def missed_key(row: TaperStep) -> str:
    return f"taper:{row.plan_id}:missed:{row.number}"


def taper_findings(session: Session, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
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
            if today <= row.due_on:  # the step is missed from the next day on
                found.append(NextChange(PROVIDER, row.episode_id, context.calendar.start_of_local_day_utc(row.due_on + timedelta(days=1)),
                                        f"taper {plan.id} step {row.number} is missed unless recorded by the end of its day"))
            else:
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
