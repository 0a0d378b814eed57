"""What painpath can say about an other medication, computed on read (pure: the row's facts and the packs).

A drug typed by a clinician is "not assessed by painpath": no rule reads it. An imported one whose code
names an opioid the packs know, with a coded dose and schedule, has its MME computed the way a
prescription's is (an SCD code brings the strength), so a MedicationRequest from another system counts;
anything less is "not assessed by painpath", with the reason, and never a number it cannot stand behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from painpath.medications.opioids import mme
from painpath.medications.opioids import products
from painpath.medications.opioids.prescriptions import factor_lookup, identify

NOT_ASSESSED = "not assessed by painpath"


@dataclass(frozen=True)
class OtherAssessment:
    status: str  # counted | excluded | not_assessed
    words: str
    drug_key: str | None = None
    mme: mme.RxMme | None = None


def assess(row, knowledge) -> OtherAssessment:  # noqa: ANN001 - other_models.OtherMedication (or the same fields)
    identity = identify(knowledge, drug=None, rxnorm_code=row.rxnorm_code) if row.rxnorm_code else None
    if identity is None:
        return OtherAssessment("not_assessed", NOT_ASSESSED)
    if not identity.is_opioid:
        return OtherAssessment("not_assessed", f"{NOT_ASSESSED} ({identity.name}, {identity.drug_class.replace('_', ' ')}: "
                               "record it as a prescription to have it checked)", identity.key)
    lookup = factor_lookup(knowledge)
    dose = products.dose_of(products.product(knowledge, row.rxnorm_code), dose_value=row.dose_value, dose_unit=row.dose_unit)
    if lookup is None or dose is None or (row.times_per_day is None and row.interval_hours is None and dose.form != "transdermal_patch"):
        return OtherAssessment("not_assessed", f"{NOT_ASSESSED} ({identity.name}: the record does not code the dose and how often)",
                               identity.key)
    found = mme.prescription_mme_or_unknown(mme.RxInput(
        drug=identity.key, strength=dose.strength, strength_unit=dose.strength_unit, dose_units=dose.dose_units,
        times_per_day=row.times_per_day, interval_hours=row.interval_hours, form=dose.form, as_needed=bool(row.as_needed),
    ), lookup)
    if found.status == "counted":
        return OtherAssessment("counted", f"{found.daily_mme:g} MME/day from the record's dose", identity.key, found)
    if found.status == "excluded":
        return OtherAssessment("excluded", f"{identity.name}: {found.reason}", identity.key, found)
    return OtherAssessment("not_assessed", f"{NOT_ASSESSED} ({identity.name}: {found.reason})", identity.key, found)
