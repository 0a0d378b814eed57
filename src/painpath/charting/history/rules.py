"""Checks of a patient's history that compare fields or need today's date, and the words pages show.
Pure: no I/O, no clock. Each problem names its field (a list row by its position: `surgeries.1.year`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from painpath.core.errors import FieldProblem

WORK_STATUS_WORDS = {
    "working": "Working", "modified_duty": "Working, modified duty", "off_work": "Off work because of the pain",
    "not_working": "Not working", "retired": "Retired", "student": "Student", "unknown": "Not asked yet",
}
SHIFT_WORDS = {"day": "Day shifts", "night": "Night shifts", "rotating": "Rotating shifts", "none": "No shift work", "unknown": "Not asked yet"}
SMOKING_WORDS = {"never": "Never smoked", "former": "Former smoker", "current": "Smokes now", "unknown": "Not asked yet"}
OUTCOME_WORDS = {"helped": "helped", "partly_helped": "helped partly", "no_relief": "no relief", "worse": "made it worse", "unknown": "outcome not known"}
REGION_WORDS = {
    "cervical": "neck (cervical)", "thoracic": "mid back (thoracic)", "lumbar": "low back (lumbar)", "sacral": "sacrum",
    "sacroiliac": "sacroiliac joint", "knee": "knee", "hip": "hip", "shoulder": "shoulder", "other": "elsewhere",
}
SMOKERS = ("current", "former")
# The three lists, by field, and what one row is called in an error message.
LISTS = {"sports": "Activity", "surgeries": "Surgery", "injuries": "Injury"}


def history_problems(values: Mapping[str, object], *, today: date) -> list[FieldProblem]:
    """Every problem with the history as it would be saved, each naming its field and rule."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    smoking = values.get("smoking_status")
    if values.get("pack_years") is not None and smoking not in SMOKERS:
        bad("pack_years", "smoker_only", "Pack-years apply to a current or former smoker; set the smoking status first")
    quit_year = values.get("quit_year")
    if quit_year is not None:
        if smoking != "former":
            bad("quit_year", "former_smoker_only", "The year smoking stopped applies to a former smoker only")
        elif isinstance(quit_year, int) and quit_year > today.year:
            bad("quit_year", "not_future", f"The year smoking stopped cannot be after {today.year}")
    value, tested_on = values.get("cotinine_ng_ml"), values.get("cotinine_on")
    if value is not None and tested_on is None:
        bad("cotinine_on", "with_value", "Enter the date of the cotinine test together with its value")
    if tested_on is not None and value is None:
        bad("cotinine_ng_ml", "with_date", "Enter the cotinine value (ng/mL) together with the date of the test")
    if isinstance(tested_on, date) and tested_on > today:
        bad("cotinine_on", "not_future", "The cotinine test date cannot be in the future")
    for field in ("surgeries", "injuries"):
        for position, row in enumerate(_rows(values.get(field))):
            year = row.get("year")
            if isinstance(year, int) and year > today.year:
                bad(f"{field}.{position}.year", "not_future", f"The year cannot be after {today.year}")
    return problems


def _rows(rows: object) -> Sequence[Mapping[str, object]]:
    return [row for row in rows if isinstance(row, Mapping)] if isinstance(rows, Sequence) else []


def surgery_words(surgery: Mapping[str, object]) -> str:
    """"Lumbar laminectomy (2019, low back (lumbar)): no relief"."""
    region = REGION_WORDS.get(str(surgery.get("region")), str(surgery.get("region")))
    return f"{surgery.get('procedure')} ({surgery.get('year')}, {region}): {OUTCOME_WORDS.get(str(surgery.get('outcome')), '')}"
