"""Checks for a conservative-care entry. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import get_args

from painpath.core.errors import FieldProblem
from painpath.facts.vocabulary import CareKind

KINDS: tuple[str, ...] = get_args(CareKind)
KIND_WORDS = {
    "physical_therapy": "Physical therapy", "home_exercise": "Home exercise program", "medication": "Medication",
    "chiropractic": "Chiropractic care", "activity_modification": "Activity modification", "bracing": "Bracing",
    "weight_loss": "Weight loss", "injection": "Injection", "behavioral_therapy": "Behavioral therapy", "other": "Other care",
}
SOURCE_WORDS = {"reported": "reported", "clinic": "at this clinic"}
_DRUG_CLASS = re.compile(r"^[a-z][a-z0-9_]*$")


def care_problems(values: Mapping[str, object], *, today: date) -> list[FieldProblem]:
    """Every problem with one entry, each naming its field and rule."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    kind = values.get("kind")
    if kind not in KINDS:
        bad("kind", "known_kind", f"{kind!r} is not a kind of conservative care; known: {', '.join(KINDS)}")
    start, end = values.get("start_date"), values.get("end_date")
    if isinstance(start, date) and start > today:
        bad("start_date", "not_future", "Care that has not started yet is not history; record it once it starts")
    if isinstance(end, date):
        if isinstance(start, date) and end < start:
            bad("end_date", "after_start", "The end date cannot be before the start date")
        if end > today:
            bad("end_date", "not_future", "The end date cannot be in the future; leave it empty while the care goes on")
    drug_class = values.get("drug_class")
    if drug_class is not None:
        if kind != "medication":
            bad("drug_class", "medication_only", "A drug class belongs to a medication entry only")
        elif not _DRUG_CLASS.match(str(drug_class)):
            bad("drug_class", "slug", "Write the drug class in lower case with underscores, like nsaid or oral_steroid")
    return problems


FAILED_FLAGS = {"yes": True, "no": False}  # yes/no/unknown -> True/False/None


def failed_flag(failed: str) -> bool | None:
    """yes/no/unknown as the facts contract says it: True (did not help enough), False (helped), None."""
    return FAILED_FLAGS.get(failed)
