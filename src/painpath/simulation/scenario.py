"""A simulation scenario: the clinic a run models, as a validated YAML file (`simulation/scenarios/*.yaml`).

A scenario either stands alone (the baseline) or names a `base` and changes some of its values; `load_scenario`
merges the change over the base, so a scenario file says only what it changes ("a second coordinator").
Every assumption that is not the clinic's own measured figure says so in its `source` text, which the
report prints beside the results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# When the scenario gives no branch probability for a step (model.py draws the step's outcome with it).
DEFAULT_STEP_FAILURE = 0.5
DEFAULT_STEP_FAILURE_SOURCE = "Assumption, not measured: half of the patients do not improve enough in a step (no clinic outcome given)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Assumed(_Strict):
    """A number the model assumes, with where it comes from (a study, the clinic's outcomes, or a guess said so)."""

    value: float
    source: str = Field(min_length=3)


class Arrivals(_Strict):
    """New referrals per weekday (mean of a Poisson count); weekend and holiday referrals wait for the next business day."""

    per_weekday: dict[str, float]
    source: str = Field(min_length=3)

    @field_validator("per_weekday")
    @classmethod
    def _known_days(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r}: use {', '.join(WEEKDAYS)}")
        if any(v < 0 for v in value.values()):
            raise ValueError("a referral rate cannot be negative")
        return value


class Staffing(_Strict):
    """How many people of each role work, and how many minutes of worklist work each does per business day."""

    coordinators: int = Field(ge=0)
    nurses: int = Field(ge=0)
    clinicians: int = Field(ge=0)
    therapists: int = Field(ge=0)
    front_desk: int = Field(ge=0)
    minutes_per_day: dict[str, int]  # role -> minutes of task work a person of that role does per business day
    minutes_per_task: dict[str, Assumed]  # task kind (provider key or "default") -> mean minutes it takes
    # Added by the model: first-visit (new patient) slots each clinician offers per business day.
    new_patient_slots_per_clinician_day: int = Field(default=3, ge=1)


class PayerBehaviour(_Strict):
    """How a payer answers: its decision clock comes from the payers pack unless `decision_business_days` overrides it."""

    share: float = Field(ge=0, le=1)  # share of the clinic's patients with this payer (shares sum to 1)
    denial_rate: Assumed
    decision_business_days: Assumed | None = None  # None: the payer pack's own clock


class ImagingCentres(_Strict):
    standing_urgent_slots: bool = True  # the imaging centres pack's standing slots, or none
    routine_wait_business_days: Assumed
    # Added by the model: how long an outside centre takes to send a report the clinic asks for (the kit's
    # "get the report on file"), and the share of new patients who arrive with no usable imaging (ordered here).
    outside_report_business_days: Assumed = Assumed(
        value=3, source="assumption: records requests to imaging centres are answered in 2-5 business days (not measured)")
    imaging_needed_share: Assumed = Assumed(
        value=0.3, source="assumption: about a third of new spine patients arrive without recent imaging (not measured)")
    # Share of new patients whose MRI is ordered urgent at the first visit (a progressive neurological deficit or
    # suspected serious pathology): booked into a standing urgent slot when the centres hold one. None: the
    # red-flag rate (journeys.red_flag_rate) is the share.
    urgent_share: Assumed | None = None


class Journeys(_Strict):
    """Branch probabilities of the pathways, and patients' behaviour."""

    pathway_shares: dict[str, float]  # pathways pack id -> share of new episodes
    branch_probabilities: dict[str, Assumed]  # "<pathway>.<step>.<outcome>" -> probability (else the pack's first outcome)
    missed_visit_rate: Assumed
    red_flag_rate: Assumed  # share of calls with a red flag (routed urgent or emergent by the real screen)
    # Added by the model: weeks of physical therapy patients have already had when they are first seen (the
    # payers count it toward their conservative-care weeks).
    prior_conservative_weeks: Assumed = Assumed(
        value=0, source="assumption: patients start their structured program at the first visit (not measured)")


class Therapy(_Strict):
    """PT courses the plans start: how often the patient is seen, what the payer approves and how fast it answers
    an extension request. The defaults are stated guesses; a scenario says where its own numbers come from."""

    # Visits per week; None: the PT protocol pack's frequency for the course (each protocol's number has its source).
    visits_per_week: Assumed | None = None
    # The first PT visit this many business days after the plan step that prescribes the course starts.
    start_business_days: Assumed = Assumed(
        value=5, source="Assumption, not measured: the first PT visit about a week after the course is ordered")
    # Visits the payer approves for the course before the first visit (the first authorization).
    initial_visits_approved: Assumed = Assumed(
        value=8, source="Assumption, not measured: 8 visits approved at first, the rest of the course on an extension request")
    # Each authorization's window, in calendar days from its first day.
    window_days: Assumed = Assumed(
        value=60, source="Assumption, not measured: PT approvals span about 60-90 days (eviCore and Cohere musculoskeletal therapy guidelines)")
    # Business days the payer takes to answer an extension request (drawn from half to one and a half times it).
    extension_decision_business_days: Assumed = Assumed(
        value=5, source="Assumption, not measured: CMS-0057-F (2024) holds Medicare Advantage, Medicaid and marketplace plans to 7 calendar days (about 5 business days) for a standard prior authorization decision from 2026")
    extension_denial_rate: Assumed = Assumed(
        value=0.05, source="Assumption, not measured: a PT extension with a progress note showing gains is rarely denied")


class Forms(_Strict):
    """Work and disability forms (FMLA certification, an insurer's facts sheet) patients bring."""

    request_share: Assumed = Assumed(
        value=0.1, source="Assumption, not measured: one new patient in ten brings an FMLA or disability form")
    # The form reaches the clinic from the first visit to this many business days after it (uniform).
    within_business_days: Assumed = Assumed(
        value=20, source="Assumption, not measured: forms arrive at the first visit or in the four weeks after it")
    employer_share: Assumed = Assumed(
        value=0.6, source="Assumption, not measured: three in five forms are an employer's FMLA certification, the rest an insurer's disability form")


class Policies(_Strict):
    """The clinic's ways of working the scenarios change."""

    kit_before_eligibility: bool = True  # assemble the authorization kit while conservative care runs
    pt_authorization_lead_business_days: int = Field(default=5, ge=0)  # ask for a PT extension this long before visits run out
    extra_standing_mri_slots_per_week: int = Field(default=0, ge=0)


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    description: str
    base: str | None = None  # another scenario's id this one changes (merged by load_scenario)
    start: str = "2027-01-04"  # ISO date the simulated clinic opens its doors (a Monday)
    arrivals: Arrivals
    staffing: Staffing
    payers: dict[str, PayerBehaviour]  # payers pack id -> behaviour
    imaging: ImagingCentres
    journeys: Journeys
    therapy: Therapy = Therapy()
    forms: Forms = Forms()
    policies: Policies = Policies()


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in change.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def read_scenario_data(path: Path) -> dict[str, Any]:
    """A scenario file's data with its base merged under it (bases may chain; a loop is refused)."""
    seen: list[str] = []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    while data.get("base") and data["base"] not in seen:
        seen.append(data["base"])
        base_path = path.parent / f"{data['base']}.yaml"
        base_data = read_scenario_data(base_path)
        own = {k: v for k, v in data.items() if k not in ("base",)}
        data = _merge(base_data, own) | {"base": seen[0]}
        break
    return data


def load_scenario(path: str | Path) -> Scenario:
    """The validated scenario; a bad file raises pydantic's ValidationError naming the field and the rule."""
    return Scenario.model_validate(read_scenario_data(Path(path)))
