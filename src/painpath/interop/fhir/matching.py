"""Is this file about the chart's patient? Family name + first given name + birth date, or the MRN.

Names compare without case, accents, digits, spaces or punctuation: "O'Keefe" and "OKEEFE" agree, and so do
Synthea's generated "Cummings51" and the chart's "Cummings". The birth date must agree exactly.
A file for someone else is refused whole; in a multi-patient export only the matched patient's records
are filed and the others are counted.

The refusal message names both people. It is for the staff member who chose the file: show it to them,
never log it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.interop.fhir.errors import FhirImportError, PatientMismatch

# Identifier types that are not a medical record number, even when the value happens to agree.
_NOT_MRN_TYPES = {"SS", "SB", "DL", "PPN", "TAX", "NI", "NPI"}


@dataclass(frozen=True)
class ChartPatient:
    family_name: str
    given_name: str
    birth_date: date
    mrn: str | None = None

    @property
    def display(self) -> str:
        return f"{self.given_name} {self.family_name}, born {self.birth_date.isoformat()}"


@dataclass(frozen=True)
class FilePatient:
    key: str
    fhir_id: str | None
    names: tuple[tuple[str, str], ...]  # (family, first given) for each of the Patient's names
    birth_date: date | None
    birth_date_text: str | None
    identifiers: tuple[tuple[str | None, str], ...]  # (type code, value)

    @property
    def display(self) -> str:
        family, given = self.names[0] if self.names else ("(no name)", "")
        born = self.birth_date_text or "unknown"
        return f"{given} {family}".strip() + f", born {born}"


def normalize_name(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalpha())


def _names(model: Any) -> tuple[tuple[str, str], ...]:  # noqa: ANN401
    found = []
    # Official and usual names first, so the message shows the name the sender uses.
    ordered = sorted(model.name or [], key=lambda n: 0 if n.use in ("official", "usual", None) else 1)
    for name in ordered:
        family = name.family or ""
        given = (name.given or [""])[0]
        if not family and name.text:  # a name given only as text: "Given ... Family"
            words = name.text.split()
            given, family = (words[0], words[-1]) if len(words) > 1 else ("", words[0] if words else "")
        found.append((family, given))
    return tuple(found)


def file_patient(key: str, model: Any) -> FilePatient:  # noqa: ANN401
    """The facts about a Patient resource matching needs."""
    born = model.birthDate
    identifiers = []
    for identifier in model.identifier or []:
        if not identifier.value:
            continue
        codes = [c.code for c in (identifier.type.coding or [])] if identifier.type is not None else []
        identifiers.append((codes[0] if codes else None, identifier.value))
    return FilePatient(
        key=key,
        fhir_id=model.id,
        names=_names(model),
        birth_date=born if isinstance(born, date) else None,
        birth_date_text=born.isoformat() if isinstance(born, date) else (str(born) if born else None),
        identifiers=tuple(identifiers),
    )


def matches(chart: ChartPatient, patient: FilePatient) -> bool:
    if chart.mrn:
        wanted = chart.mrn.strip().casefold()
        if any(kind not in _NOT_MRN_TYPES and value.strip().casefold() == wanted for kind, value in patient.identifiers):
            return True
    if patient.birth_date != chart.birth_date:
        return False
    family, given = normalize_name(chart.family_name), normalize_name(chart.given_name)
    return any(normalize_name(f) == family and normalize_name(g) == given for f, g in patient.names)


@dataclass(frozen=True)
class PatientMatch:
    matched: tuple[FilePatient, ...]
    others: tuple[FilePatient, ...]

    @property
    def keys(self) -> set[str]:
        return {p.key for p in self.matched}


def match_patient(chart: ChartPatient, patients: Mapping[str, Any]) -> PatientMatch:
    """Split the file's Patients (key -> R4B Patient) into the chart's patient and everyone else."""
    if not patients:
        raise FhirImportError("no_patient", "No Patient resource in the file, so it cannot be matched to the chart.")
    people = [file_patient(key, model) for key, model in patients.items()]
    matched = tuple(p for p in people if matches(chart, p))
    if matched:
        return PatientMatch(matched=matched, others=tuple(p for p in people if p not in matched))
    if len(people) == 1:
        raise PatientMismatch(
            f"This file is for {people[0].display}; the episode is for {chart.display}. Nothing was imported: "
            "check that you chose the right file and episode."
        )
    raise PatientMismatch(
        f"None of the {len(people)} patients in this file is {chart.display} (matched on family name, first given "
        "name and birth date, or MRN). Nothing was imported."
    )
