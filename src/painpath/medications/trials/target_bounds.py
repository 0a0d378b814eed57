"""How high a planned trial's target may go: the pack's maximum, a hard ceiling, and a bounded plan.

A target above the top of the pack's reference range (`reference_dose.high_mg`, the literature's
maximum) can be right for one patient, so it is allowed with the clinician's stated reason, which the
service keeps on the plan and audits. No reason makes a target of many times the maximum safe, and such
a number is nearly always a typing error (100,000,000 mg/day once built steps for six minutes and
3.6 GB), so above the ceiling a target is refused outright. The ceiling and the most steps a plan may have
are the pack's `target_limits`, with their sources. The checks use arithmetic only: they run before any
step is built.
"""

from __future__ import annotations

import math

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import TrialDrug
from painpath.knowledge.schemas.medication_trials import TargetLimits

FIELD_TARGET = "target.daily_mg"
FIELD_REASON = "target.above_max_reason"


def limits(drug: TrialDrug) -> TargetLimits:
    """The drug's target limits from its pack (the loader gives every drug some)."""
    if drug.limits is None:
        raise ValueError(f"{drug.id} has no target limits: the medication-trial packs must give target_limits")
    return drug.limits


def pack_max_mg(drug: TrialDrug) -> float | None:
    """The top of the pack's reference range, in mg a day (None when the pack gives no maximum)."""
    return drug.reference_dose.high_mg


def ceiling_mg(drug: TrialDrug) -> float:
    """The hard ceiling: a multiple of the largest daily figure the pack gives for the drug."""
    figures = [drug.reference_dose.high_mg, drug.reference_dose.low_mg,
               drug.adequate_trial.min_daily_mg.value if drug.adequate_trial.min_daily_mg else None,
               drug.titration.start_dose_mg if drug.titration else None]
    known = [f for f in figures if f is not None]
    bounds = limits(drug)
    absolute = bounds.absolute_ceiling_mg.value
    return min(bounds.ceiling_times_range_top.value * max(known), absolute) if known else absolute


def step_count(drug: TrialDrug, target_daily_mg: float) -> int:
    """How many titration steps the schedule would have (1 without titration), without building it."""
    titration = drug.titration
    if titration is None or target_daily_mg <= titration.start_dose_mg:
        return 1
    return 1 + math.ceil((target_daily_mg - titration.start_dose_mg) / titration.step_daily_mg - 1e-9)


def target_problems(drug: TrialDrug, *, target_daily_mg: float, above_max_reason: str | None) -> list[FieldProblem]:
    """Refusals for a target that is too high (ceiling, unreasoned above the maximum, too many steps)."""
    ceiling = ceiling_mg(drug)
    if target_daily_mg > ceiling:
        return [FieldProblem(
            FIELD_TARGET, "hard_ceiling",
            f"A target of {target_daily_mg:g} mg a day is more than {ceiling:g} mg a day, the most a plan of {drug.name} "
            f"may aim for ({limits(drug).ceiling_times_range_top.value:g} times the top of the pack's range); check the number")]
    problems: list[FieldProblem] = []
    maximum = pack_max_mg(drug)
    if maximum is not None and target_daily_mg > maximum and not (above_max_reason or "").strip():
        problems.append(FieldProblem(
            FIELD_REASON, "required_above_pack_max",
            f"{target_daily_mg:g} mg a day is above {maximum:g} mg a day, the top of the usual range for {drug.name}; "
            "give the clinical reason for going higher, or lower the target"))
    steps, most = step_count(drug, target_daily_mg), limits(drug).max_titration_steps.value
    if steps > most:
        problems.append(FieldProblem(
            FIELD_TARGET, "max_steps",
            f"Reaching {target_daily_mg:g} mg a day would take {steps} titration steps; a plan has at most "
            f"{most}. Aim lower, and plan a further increase once this target is reached"))
    return problems
