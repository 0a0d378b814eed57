"""The plugin base every PDMP query implements, and the patient, clinician and result it deals in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime

# What a PDMP report can show that matters for opioid safety (CDC 2022 Rec 9: look for multiple
# prescribers or pharmacies, overlapping opioids, opioids with benzodiazepines, high total dosage).
FINDING_FLAGS = {
    "multiple_prescribers": "Prescriptions from several prescribers",
    "multiple_pharmacies": "Fills at several pharmacies",
    "overlapping_opioids": "Overlapping opioid prescriptions",
    "concurrent_benzodiazepine": "A benzodiazepine filled in the same period",
    "high_total_mme": "High total daily MME across prescribers",
    "early_refills": "Early refills",
    "unreported_controlled_substance": "A controlled substance this clinic did not prescribe",
}


class PdmpError(Exception):
    """The query could not be answered. The message says why in words staff can act on, without PHI."""


@dataclass(frozen=True)
class PdmpPatient:
    """Who the report is about (a gateway matches on these; nothing of it goes into logs)."""

    patient_id: int
    given_name: str
    family_name: str
    birth_date: date
    sex: str | None = None


@dataclass(frozen=True)
class PdmpClinician:
    """Who asked: PDMP access is per licensed prescriber or their delegate."""

    user_id: int
    display_name: str
    role: str


@dataclass(frozen=True)
class PdmpResult:
    checked_at: datetime  # naive UTC, like every stored time
    state: str  # two-letter state whose PDMP was checked
    summary: str
    findings: frozenset[str] = field(default_factory=frozenset)  # keys of FINDING_FLAGS
    plugin: str = ""
    reference: str | None = None  # the gateway's report id, when there is one

    @property
    def concerning(self) -> bool:
        return bool(self.findings)


class PdmpPlugin(ABC):
    name: str = ""

    @abstractmethod
    def query(self, patient: PdmpPatient, clinician: PdmpClinician) -> PdmpResult:
        """The patient's PDMP report as of now, or raise PdmpError."""
