"""Checks for an imaging study. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import get_args, get_type_hints

from painpath.core.errors import FieldProblem
from painpath.facts.vocabulary import ImagingStudy as ImagingFact
from painpath.facts.vocabulary import Region

# The facts contract's own vocabulary (its annotations are strings: resolve them once here).
MODALITIES: tuple[str, ...] = get_args(get_type_hints(ImagingFact)["modality"])
REGIONS: tuple[str, ...] = get_args(Region)
MODALITY_WORDS = {"mri": "MRI", "ct": "CT", "xray": "X-ray", "emg_ncs": "EMG/NCS", "ultrasound": "Ultrasound",
                  "mri_arthrogram": "MR arthrogram", "other": "Study"}


def study_problems(values: Mapping[str, object], *, today: date) -> list[FieldProblem]:
    """Every problem with one study's facts, each naming its field and rule."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    if values.get("modality") not in MODALITIES:
        bad("modality", "known_modality", f"Modality must be one of {', '.join(MODALITIES)}")
    if values.get("region") not in REGIONS:
        bad("region", "known_region", f"Region must be one of {', '.join(REGIONS)}")
    performed_on = values.get("performed_on")
    if isinstance(performed_on, date) and performed_on > today:
        bad("performed_on", "not_future", "A study is recorded once it is done; the date is in the future")
    problems.extend(report_problems(values))
    return problems


def report_problems(values: Mapping[str, object]) -> list[FieldProblem]:
    """A report reference or a concordance judgment needs the report on file."""
    problems = []
    if not values.get("report_on_file"):
        if values.get("records_request_id") is not None:
            problems.append(FieldProblem("report_on_file", "required_with_reference",
                                         "A report that came back on a records request is on file; tick report on file"))
        if values.get("concordant") in ("yes", "no"):
            problems.append(FieldProblem("concordant", "needs_report", "Concordance is read from the report; record the report first"))
    return problems


CONCORDANT_FLAGS = {"yes": True, "no": False}  # yes/no/unknown -> True/False/None


def concordant_flag(concordant: str) -> bool | None:
    return CONCORDANT_FLAGS.get(concordant)
