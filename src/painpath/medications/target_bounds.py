"""How high a planned trial's target may go: the pack's maximum, a hard ceiling, and a bounded plan.

A target above the top of the pack's reference range (`reference_dose.high_mg`, the literature's
maximum) can be right for one patient, so it is allowed with the clinician's stated reason, which the
service keeps on the plan and audits. No reason makes a target of many times the maximum safe, and such
a number is nearly always a typing error (100,000,000 mg/day once built steps for six minutes and
3.6 GB), so above the ceiling a target is refused outright. The checks use arithmetic only: they run
before any step is built.
"""

from __future__ import annotations

import math

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import TrialDrug

# Twice the top of the pack's range. In the shipped pack that is at or above every drug's labelled
# daily maximum (gabapentin 7,200 against 3,600; ibuprofen 4,800 against 3,200; duloxetine 240 against
# 120), so a reasoned high-dose target fits and a slipped digit (ten times) does not.
CEILING_TIMES_PACK_MAX = 2

# With no mg figure in the pack at all (patches, creams), only this applies: 10 g a day is above the daily
# maximum of any oral analgesic (acetaminophen 4 g), so only a typing error reaches it.
ABSOLUTE_CEILING_MG = 10_000.0

# The longest schedule the shipped pack makes up to its ceiling is 30 steps (amitriptyline, 10 mg to
# 300 mg by 10 mg); a clinic pack with smaller steps still gets a plan a person can follow, and never an
# unbounded one.
MAX_TITRATION_STEPS = 40

FIELD_TARGET = "target.daily_mg"
FIELD_REASON = "target.above_max_reason"


def pack_max_mg(drug: TrialDrug) -> float | None:
    """The top of the pack's reference range, in mg a day (None when the pack gives no maximum)."""
    return drug.reference_dose.high_mg


def ceiling_mg(drug: TrialDrug) -> float:
    """The hard ceiling: a multiple of the largest daily figure the pack gives for the drug."""
    figures = [drug.reference_dose.high_mg, drug.reference_dose.low_mg,
               drug.adequate_trial.min_daily_mg.value if drug.adequate_trial.min_daily_mg else None,
               drug.titration.start_dose_mg if drug.titration else None]
    known = [f for f in figures if f is not None]
    return min(CEILING_TIMES_PACK_MAX * max(known), ABSOLUTE_CEILING_MG) if known else ABSOLUTE_CEILING_MG


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
            f"may aim for ({CEILING_TIMES_PACK_MAX} times the top of the pack's range); check the number")]
    problems: list[FieldProblem] = []
    maximum = pack_max_mg(drug)
    if maximum is not None and target_daily_mg > maximum and not (above_max_reason or "").strip():
        problems.append(FieldProblem(
            FIELD_REASON, "required_above_pack_max",
            f"{target_daily_mg:g} mg a day is above {maximum:g} mg a day, the top of the usual range for {drug.name}; "
            "give the clinical reason for going higher, or lower the target"))
    steps = step_count(drug, target_daily_mg)
    if steps > MAX_TITRATION_STEPS:
        problems.append(FieldProblem(
            FIELD_TARGET, "max_steps",
            f"Reaching {target_daily_mg:g} mg a day would take {steps} titration steps; a plan has at most "
            f"{MAX_TITRATION_STEPS}. Aim lower, and plan a further increase once this target is reached"))
    return problems
