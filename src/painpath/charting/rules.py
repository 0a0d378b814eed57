"""Charting rules: note states, measure bounds and units, exam vocabularies. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from painpath.core.errors import FieldProblem

ENCOUNTER_TYPES = ("initial", "follow_up", "procedure", "telehealth", "pt_visit")
ENCOUNTER_WORDS = {
    "initial": "Initial visit", "follow_up": "Follow-up visit", "procedure": "Procedure",
    "telehealth": "Telehealth visit", "pt_visit": "PT visit",
}
WORK_STATUSES = ("full_duty", "modified_duty", "off_work", "not_working", "retired", "student")
ADL_LIMITS = ("dressing", "bathing", "toileting", "driving", "housework", "shopping", "stairs", "cooking", "yard_work", "childcare")
SIDES = ("left", "right", "both")


@dataclass(frozen=True)
class NumericMeasure:
    label: str  # "Lifting limit", used in messages
    unit: str  # "pounds"
    low: float
    high: float
    integer: bool = True


# Numeric measures and their ranges. The ranges are physical limits of the unit (a day has 1440
# minutes), not clinical norms.
NUMERIC: dict[str, NumericMeasure] = {
    "sitting_minutes": NumericMeasure("Sitting tolerance", "minutes", 0, 1440),
    "standing_minutes": NumericMeasure("Standing tolerance", "minutes", 0, 1440),
    "walking_minutes": NumericMeasure("Walking tolerance", "minutes", 0, 1440),
    "sleep_hours": NumericMeasure("Sleep", "hours", 0, 24, integer=False),
    "sleep_awakenings": NumericMeasure("Night awakenings", "awakenings", 0, 30),
    "lifting_limit_lb": NumericMeasure("Lifting limit", "pounds", 0, 300),
    "pain_now": NumericMeasure("Pain now (NRS)", "points", 0, 10),
    "pain_average": NumericMeasure("Average pain (NRS)", "points", 0, 10),
    "pain_worst": NumericMeasure("Worst pain (NRS)", "points", 0, 10),
}
MEASURES = (*NUMERIC, "work_status", "adl_limits")
MeasureName = Literal[
    "sitting_minutes", "standing_minutes", "walking_minutes", "sleep_hours", "sleep_awakenings",
    "lifting_limit_lb", "pain_now", "pain_average", "pain_worst", "work_status", "adl_limits",
]


def _number_problem(field: str, spec: NumericMeasure, value: object) -> FieldProblem | None:
    span = f"between {spec.low:g} and {spec.high:g} {spec.unit}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return FieldProblem(field, "number", f"{spec.label} must be a number {span}")
    if spec.integer and value != int(value):
        return FieldProblem(field, "whole_number", f"{spec.label} must be a whole number {span}")
    if value < spec.low:
        return FieldProblem(field, "min_value", f"{spec.label} must be {span}")
    if value > spec.high:
        return FieldProblem(field, "max_value", f"{spec.label} must be {span}")
    return None


def measure_problems(values: Mapping[str, object], goals: Iterable[Mapping[str, object]] = ()) -> list[FieldProblem]:
    """Every out-of-range, unknown or misspelt measure, each naming its field and rule."""
    problems: list[FieldProblem] = []
    for name, value in values.items():
        if value is None:
            continue
        if name in NUMERIC:
            if (problem := _number_problem(name, NUMERIC[name], value)) is not None:
                problems.append(problem)
        elif name == "lifting_side":
            if value not in SIDES:
                problems.append(FieldProblem(name, "allowed_value", f"Lifting side must be one of {', '.join(SIDES)}"))
        elif name == "work_status":
            if value not in WORK_STATUSES:
                problems.append(FieldProblem(name, "allowed_value", f"Work status must be one of {', '.join(WORK_STATUSES)}"))
        elif name == "adl_limits":
            items = list(value) if isinstance(value, list | tuple) else [value]
            for index, item in enumerate(items):
                if item not in ADL_LIMITS:
                    problems.append(FieldProblem(f"adl_limits[{index}]", "allowed_value", f"{item!r} is not an ADL limit; known: {', '.join(ADL_LIMITS)}"))
            if len(set(items)) != len(items):
                problems.append(FieldProblem("adl_limits", "unique", "An ADL limit is listed twice"))
        else:
            problems.append(FieldProblem(name, "known_measure", f"{name!r} is not a functional measure"))
    for index, goal in enumerate(goals):
        target = goal.get("target")
        if not target:
            continue
        measure = target.get("measure")  # type: ignore[union-attr]
        where = f"goals[{index}].target"
        if measure not in NUMERIC:
            problems.append(FieldProblem(f"{where}.measure", "known_measure", f"A measurable target needs a numeric measure: {', '.join(NUMERIC)}"))
        elif (problem := _number_problem(f"{where}.target", NUMERIC[measure], target.get("target"))) is not None:  # type: ignore[union-attr]
            problems.append(problem)
    return problems


def measures_summary(values: Mapping[str, object], lifting_side: str | None = None) -> str:
    """One line for the timeline: "walking 10 min, sitting 20 min, pain 7/10 now, off work"."""
    parts = []
    for name, short in (("walking_minutes", "walking"), ("sitting_minutes", "sitting"), ("standing_minutes", "standing")):
        if values.get(name) is not None:
            parts.append(f"{short} {values[name]:g} min")
    if values.get("lifting_limit_lb") is not None:
        side = f" ({lifting_side})" if lifting_side and lifting_side != "both" else ""
        parts.append(f"lifting {values['lifting_limit_lb']:g} lb{side}")
    if values.get("sleep_hours") is not None:
        parts.append(f"sleep {values['sleep_hours']:g} h")
    for name, word in (("pain_now", "now"), ("pain_average", "average"), ("pain_worst", "worst")):
        if values.get(name) is not None:
            parts.append(f"pain {values[name]:g}/10 {word}")
    if values.get("work_status"):
        parts.append(str(values["work_status"]).replace("_", " "))
    if values.get("adl_limits"):
        parts.append("limited: " + ", ".join(str(v) for v in values["adl_limits"]))  # type: ignore[union-attr]
    return ", ".join(parts) or "no values"


# Exam ----------------------------------------------------------------------------------------------

SI_TESTS = ("distraction", "thigh_thrust", "compression", "sacral_thrust", "gaenslen")
SPINAL_LEVELS = (
    "C2", "C3", "C4", "C5", "C6", "C7", "C8", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10",
    "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4", "S5",
)
REFLEX_WORDS = ("absent", "diminished", "normal", "brisk")
REFLEXES = ("patellar", "achilles", "biceps", "triceps")


def si_positive_count(si_tests: Mapping[str, str | None]) -> int:
    """How many of the five SI provocation tests were positive (untested ones are not positive)."""
    return sum(1 for name in SI_TESTS if si_tests.get(name) == "positive")


# No cluster threshold here: research/clinical.md gives none for the SI provocation cluster. Payers'
# "at least 3 positive provocative tests" (research/prior-auth.md section 3) belongs in their packs.


def exam_problems(exam: Mapping[str, object]) -> list[FieldProblem]:
    """Levels, MRC grades and reflex grades outside their vocabularies, each naming its field and rule."""
    problems: list[FieldProblem] = []
    for key in ("motor_deficits", "sensory_deficits"):
        level_key = "level" if key == "motor_deficits" else "dermatome"
        for index, item in enumerate(exam.get(key) or []):  # type: ignore[union-attr]
            where = f"{key}[{index}]"
            level = str(item.get(level_key, "")).upper()
            if level not in SPINAL_LEVELS:
                problems.append(FieldProblem(f"{where}.{level_key}", "known_level", f"{item.get(level_key)!r} is not a spinal level (C2 to S5)"))
            if key == "motor_deficits":
                grade = item.get("grade")
                if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
                    rule = "max_value" if isinstance(grade, int) and not isinstance(grade, bool) and grade > 5 else "mrc_grade"
                    problems.append(FieldProblem(f"{where}.grade", rule, "MRC motor grade must be a whole number from 0 to 5"))
    for reflex, sides in (exam.get("reflexes") or {}).items():  # type: ignore[union-attr]
        if reflex not in REFLEXES:
            problems.append(FieldProblem(f"reflexes.{reflex}", "known_reflex", f"Reflexes recorded here: {', '.join(REFLEXES)}"))
            continue
        for side, grade in (sides or {}).items():
            if grade is None:
                continue
            numeric = isinstance(grade, int) and not isinstance(grade, bool) and 0 <= grade <= 4
            if not numeric and grade not in REFLEX_WORDS:
                problems.append(FieldProblem(f"reflexes.{reflex}.{side}", "reflex_grade", f"A reflex is graded 0 to 4 or {', '.join(REFLEX_WORDS)}"))
    return problems
