"""Pure rules for patients and episodes: diagnosis codes, and the episode facts the first-visit rule
(intake/visit_rules.py, where visits live) starts from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from painpath.core.errors import FieldProblem
from painpath.knowledge import icd10cm

def icd10_problems(codes: list[str], field: str = "icd10_codes") -> list[FieldProblem]:
    """Each code must exist in ICD-10-CM and be billable (a leaf, not a category header)."""
    problems = []
    for index, raw in enumerate(codes):
        code = raw.strip().upper()
        where = f"{field}[{index}]"
        if not icd10cm.is_code(code):
            problems.append(FieldProblem(where, "icd10_cm_exists", f"{raw!r} is not an ICD-10-CM code"))
        elif not icd10cm.is_billable(code):
            problems.append(
                FieldProblem(where, "icd10_cm_billable", f"{code} ({icd10cm.description(code)}) is a category; choose a more specific, billable code")
            )
    seen = [c.strip().upper() for c in codes]
    if len(set(seen)) != len(seen):
        problems.append(FieldProblem(field, "unique", "A diagnosis code is listed twice"))
    return problems


def coverage_problems(*, payer_known: bool, payer_id: str, effective_from: date, effective_to: date | None,
                      subscriber_relationship: str, subscriber_name: str | None) -> list[FieldProblem]:
    """A coverage's cross-field rules, each reported on the field a person would fix."""
    problems = []
    if not payer_known:
        problems.append(FieldProblem("payer_id", "known_payer", f"{payer_id!r} is not in the payer directory"))
    if effective_to is not None and effective_to < effective_from:
        problems.append(FieldProblem("effective_to", "after_effective_from", "The end date cannot be before the effective date"))
    if subscriber_relationship != "self" and not (subscriber_name or "").strip():
        problems.append(FieldProblem("subscriber_name", "required_unless_self",
                                     "Enter the subscriber's name when the patient is not the card holder"))
    return problems


def normalize_icd10(codes: list[str]) -> list[str]:
    """Codes in their dotted form (M5416 -> M54.16); call after icd10_problems found none."""
    return [icd10cm.dotted(c.strip().upper()) for c in codes]


@dataclass(frozen=True)
class EpisodeFacts:
    episode_id: int
    patient_id: int
    clinic_id: int
    status: str
    opened_at: datetime
    first_visit_booked_at: datetime | None
    first_visit_at: datetime | None
