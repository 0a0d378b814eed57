"""Input and output shapes for prescriptions and opioid-safety facts. Types and lengths only; the clinical
checks (known drug, plausible dose, one frequency, unit fits the form) are in prescriptions.validate so
each names its field and rule."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, DbInt, InputModel, PastDate, PlausibleDate, PlausibleDateTime, UtcDateTime, Version

StrengthUnit = Literal["mg", "mcg", "mcg/hr"]
Form = Literal["oral", "transdermal_patch", "buccal", "buccal_film", "nasal", "topical", "injection", "other"]
UdtResult = Literal["expected", "unexpected", "pending"]
NaloxoneOutcome = Literal["accepted", "declined", "already_has"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class PrescriptionIn(_Input):
    """One prescription. Name the drug (pack id, name or RxNorm code); give times_per_day or
    interval_hours ("every 6 hours"); as needed with prn_max_per_day ("at most 4 a day")."""

    drug: str | None = Field(default=None, max_length=200)
    rxnorm_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    strength: float | None = Field(default=None, allow_inf_nan=False)  # None: the RxNorm product code's strength
    strength_unit: StrengthUnit = "mg"
    dose_units: float = Field(default=1, allow_inf_nan=False)
    times_per_day: float | None = Field(default=None, allow_inf_nan=False)
    interval_hours: float | None = Field(default=None, allow_inf_nan=False)
    as_needed: bool = False
    prn_max_per_day: float | None = Field(default=None, allow_inf_nan=False)
    form: Form = "oral"
    quantity: float | None = Field(default=None, allow_inf_nan=False)
    days_supply: DbInt | None = None
    start_date: PlausibleDate
    end_date: PlausibleDate | None = None
    prescriber_id: DbId | None = None  # default: the clinician recording it
    previous_id: DbId | None = None  # a dose change of this earlier prescription


class PrescriptionStop(_Input):
    stopped_on: PlausibleDate
    reason: str | None = Field(default=None, max_length=2000)
    version: Version


class MmeOut(BaseModel):
    status: Literal["counted", "excluded", "unknown", "not_opioid"]
    daily_mme: float | None
    daily_dose: float | None = None
    unit: str | None = None
    factor: float | None = None
    factor_set: str | None = None
    reason: str | None = None


class PrescriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    drug_key: str
    drug_name: str
    rxnorm_code: str | None
    drug_class: str
    strength: float
    strength_unit: str
    dose_units: float
    times_per_day: float | None
    interval_hours: float | None
    as_needed: bool
    prn_max_per_day: float | None
    form: str
    quantity: float | None
    days_supply: int | None
    start_date: date
    end_date: date | None
    stopped_on: date | None
    stop_reason: str | None
    prescriber_id: int
    is_opioid: bool
    is_benzodiazepine: bool
    is_gabapentinoid: bool
    previous_id: int | None
    recorded_at: UtcDateTime
    version: int
    active: bool = False
    mme: MmeOut | None = None


class TotalMmeOut(BaseModel):
    total: float
    complete: bool
    label: str  # "60 MME/day", or "at least 60 MME/day (incomplete)" when an opioid's factor is unknown
    excluded: list[str]
    unknown: list[str]
    as_of: date


class PrescriptionListOut(BaseModel):
    prescriptions: list[PrescriptionOut]
    total_mme: TotalMmeOut


class AgreementIn(_Input):
    signed_on: PlausibleDate
    clinician_id: DbId | None = None  # default: the clinician recording it
    note: str | None = Field(default=None, max_length=2000)


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    signed_on: date
    clinician_id: int
    note: str | None
    renewal_due: date | None = None


class PdmpCheckIn(_Input):
    """A PDMP check through a plugin; for `manual_attestation` the clinician attests what it showed."""

    plugin: str = "manual_attestation"
    checked_at: PlausibleDateTime | None = None  # default: now; a time without offset is the clinic's wall clock
    state: str = Field(min_length=2, max_length=2)
    summary: str = Field(max_length=2000)
    findings: list[str] = Field(default_factory=list)


class PdmpCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    checked_at: UtcDateTime
    checked_by_id: int
    state: str
    summary: str
    findings: list[str]
    plugin: str
    reference: str | None


class DrugTestIn(_Input):
    collected_on: PastDate
    result: UdtResult = "pending"
    unexpected_findings: str | None = Field(default=None, max_length=2000)


class DrugTestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    collected_on: date
    result: str
    unexpected_findings: str | None


class NaloxoneOfferIn(_Input):
    offered_on: PlausibleDate
    outcome: NaloxoneOutcome
    note: str | None = Field(default=None, max_length=2000)


class NaloxoneOfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    offered_on: date
    outcome: str
    note: str | None


class SafetySummaryOut(BaseModel):
    on_opioids: bool
    since: date | None
    mme_total: float
    mme_complete: bool
    agreement_signed_on: date | None
    agreement_renewal_due: date | None
    last_pdmp_on: date | None
    next_pdmp_due: date | None
    last_drug_test_on: date | None
    next_drug_test_due: date | None
    drug_test_every_months: int
    drug_test_schedule_basis: str
    ort_band: str | None
    naloxone_reasons: list[str]
    last_naloxone_offer_on: date | None
    last_naloxone_outcome: str | None
    mme_label: str  # "60 MME/day", or "no MME total: buprenorphine excluded from the MME total"
    mme_excluded: list[str]  # opioids taken today that the total leaves out (buprenorphine), with the reason
    coprescribing: list[str]  # opioid with a sedative or other CNS depressant (CDC 2022 Rec 11)
    overlaps: list[str]  # a second opioid taken with the first, with the total while both are taken
