"""MedicationRequests and MedicationStatements as orders: every RxNorm code the sender gave, the dose,
how often, as needed or not, and the sig, so the medications slice can file each one (a drug the packs
know computes its MME; any other drug is kept as an "other medication"). Pure: no database, no clock.

Read as the CDC MME calculator reads them (cqframework/opioid-mme-r4): the first dosage instruction, its
first dose (a dose range counts its high end, the most that may be taken), the timing's frequency per
period, or the number of times of day.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.interop.fhir.facts import _concept_words, _first_date, group_by_patient, medication_codeable
from painpath.interop.fhir.reader import RawResource, RecordSet, validate

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ORDER_TYPES = ("MedicationRequest", "MedicationStatement")
_PER_DAY = {"h": 24.0, "d": 1.0, "wk": 1 / 7, "min": 1440.0}


@dataclass(frozen=True)
class MedicationOrder:
    resource_type: str
    fhir_id: str | None
    location: str
    status: str | None
    name: str  # the display or text the sender gave, or "RxNorm <code>", or "unnamed medication"
    rxnorm_codes: tuple[str, ...]  # every RxNorm code, in the sender's order
    dose_value: float | None
    dose_unit: str | None  # "mg", "patch", "Tablet", as given
    times_per_day: float | None
    interval_hours: float | None
    as_needed: bool
    sig: str | None
    start_date: date | None

    @property
    def source_ref(self) -> str:
        return f"{self.resource_type}/{self.fhir_id or '?'} ({self.location})"


def _number(value: Any) -> float | None:  # noqa: ANN401
    return float(value) if value is not None else None


def _dose(dosage: Any) -> tuple[float | None, str | None]:  # noqa: ANN401
    for dose_and_rate in dosage.doseAndRate or []:
        quantity = dose_and_rate.doseQuantity or (dose_and_rate.doseRange.high if dose_and_rate.doseRange is not None else None)
        if quantity is not None and quantity.value is not None:
            # The UCUM code says a mass exactly ("mg"); otherwise the words say what was counted ("patch").
            mass = quantity.code if quantity.code in ("mg", "ug", "mcg") else None
            return float(quantity.value), mass or quantity.unit or quantity.code
    return None, None


def _schedule(dosage: Any) -> tuple[float | None, float | None]:  # noqa: ANN401
    """(times a day, every N hours): from timeOfDay, or frequency per period."""
    repeat = dosage.timing.repeat if dosage.timing is not None else None
    if repeat is None:
        return None, None
    if repeat.timeOfDay:
        return float(len(repeat.timeOfDay)), None
    period, frequency = _number(repeat.period), _number(repeat.frequency) or 1.0
    if period is None or period <= 0 or repeat.periodUnit not in _PER_DAY:
        return None, None
    if repeat.periodUnit == "h":
        return None, period / frequency
    return frequency * _PER_DAY[repeat.periodUnit] / period, None


def to_order(raw: RawResource, records: RecordSet) -> MedicationOrder:
    model = validate(raw)
    concept = medication_codeable(model, records)
    codes = tuple(c.code for c in (getattr(concept, "coding", None) or []) if c.system == RXNORM and c.code)
    name = _concept_words(concept) if concept is not None else None
    if raw.resource_type == "MedicationStatement":
        dosages, started = model.dosage or [], _first_date(model, "effectivePeriod", "effectiveDateTime", "dateAsserted")
    else:
        dosages, started = model.dosageInstruction or [], _first_date(model, "authoredOn")
    dosage = dosages[0] if dosages else None
    dose_value, dose_unit = _dose(dosage) if dosage is not None else (None, None)
    times, interval = _schedule(dosage) if dosage is not None else (None, None)
    return MedicationOrder(
        resource_type=raw.resource_type, fhir_id=raw.fhir_id, location=raw.location, status=model.status,
        name=(getattr(concept, "text", None) or name or (f"RxNorm {codes[0]}" if codes else "unnamed medication")),
        rxnorm_codes=codes, dose_value=dose_value, dose_unit=dose_unit, times_per_day=times, interval_hours=interval,
        as_needed=bool(getattr(dosage, "asNeededBoolean", False)) if dosage is not None else False,
        sig=getattr(dosage, "text", None) if dosage is not None else None, start_date=started,
    )


def medication_orders(records: RecordSet, patient_keys: Collection[str]) -> list[MedicationOrder]:
    """The matched patients' MedicationRequests and MedicationStatements, in file order."""
    groups = group_by_patient(records)
    return [to_order(raw, records) for key in patient_keys for raw in groups.get(key, []) if raw.resource_type in ORDER_TYPES]
