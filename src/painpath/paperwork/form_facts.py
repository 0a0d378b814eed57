"""Gather what the chart says that a form asks (form_rules.FormFacts) for one form request: the patient,
the responsible clinician and the clinic, the episode's onset and diagnoses, the visits held and the ones
planned (the care plan's calendar), the latest functional measures in words, and what the coordinator
recorded on the request (flare-up estimate, incapacity periods). The caller has checked chart access.

Work restrictions: the one in force (the newest signed) goes onto the form in words, beside the functional
limits read straight from the latest functional measures.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import service as charting
from painpath.charting.models import Encounter
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar
from painpath.core.tenancy import Clinic
from painpath.knowledge import icd10cm
from painpath.paperwork import restrictions_service, restrictions_words
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.form_rules import FlareUps, FormFacts, FunctionalLimit
from painpath.patients.models import Episode, Location, Patient
from painpath.plans import calendar as plan_calendar

def restriction_words(session: Session, episode_id: int) -> list[str]:
    """The work restriction in force, in words ("Light duty", "No lifting over 15 pounds ..."); none signed: []."""
    signed = restrictions_service.latest_signed(session, episode_id)
    return restrictions_words.limits_in_words(signed) if signed is not None else []

_TOLERANCE_WORDS = {"sitting_minutes": "Sitting", "standing_minutes": "Standing", "walking_minutes": "Walking"}
_WORK_WORDS = {"full_duty": "Full duty", "modified_duty": "Modified duty", "off_work": "Off work", "not_working": "Not working",
               "retired": "Retired", "student": "Student"}
_ENCOUNTER_WORDS = {"pt_visit": "Physical therapy", "procedure": "Interventional pain procedures",
                    "telehealth": "Telehealth follow-up", "follow_up": "Office follow-up visits"}


def limits_in_words(latest: dict) -> list[FunctionalLimit]:
    """The latest functional measures as the limits a form asks for, each with the day it was measured."""
    values, as_of = latest["values"], latest["as_of"]
    out = []
    for measure, word in _TOLERANCE_WORDS.items():
        if measure in values:
            out.append(FunctionalLimit(f"{word} tolerated for {values[measure]:g} minutes at a time", date.fromisoformat(as_of[measure])))
    if "lifting_limit_lb" in values:
        side = values.get("lifting_side") or "both"
        arms = "" if side == "both" else f" with the {side} arm"
        out.append(FunctionalLimit(f"Lifting limited to {values['lifting_limit_lb']:g} pounds{arms}", date.fromisoformat(as_of["lifting_limit_lb"])))
    if values.get("adl_limits"):
        words = ", ".join(item.replace("_", " ") for item in values["adl_limits"])
        out.append(FunctionalLimit(f"Limited in {words}", date.fromisoformat(as_of["adl_limits"])))
    return out


def _clinic_address(session: Session, episode: Episode) -> str | None:
    if episode.location_id is None:
        return None
    location = session.get(Location, episode.location_id)
    return location.address if location else None


def gather(session: Session, *, request: FormRequest, calendar: BusinessCalendar, now: datetime) -> FormFacts:
    patient = session.get(Patient, request.patient_id)
    episode = session.get(Episode, request.episode_id)
    clinic = session.get(Clinic, request.clinic_id)
    assert patient is not None and episode is not None and clinic is not None
    clinician = session.get(User, episode.responsible_clinician_id) if episode.responsible_clinician_id else None
    encounters = list(session.scalars(select(Encounter).where(Encounter.episode_id == episode.id, Encounter.addendum_of_id.is_(None))
                                      .order_by(Encounter.date_of_service, Encounter.id)))
    visit_dates = tuple(sorted({e.date_of_service for e in encounters}))
    planned = plan_calendar.follow_ups(session, calendar=calendar, episode_id=episode.id, clinic_name=clinic.name, now=now)
    treatments = list(dict.fromkeys(_ENCOUNTER_WORDS[e.encounter_type] for e in encounters if e.encounter_type in _ENCOUNTER_WORDS))
    if any(f.kind == plan_calendar.PT_VISIT for f in planned) and "Physical therapy" not in treatments:
        treatments.append("Physical therapy")
    latest = charting.latest_measures(session, episode_id=episode.id)
    flare = None
    if request.flare_times and request.flare_per and request.flare_duration and request.flare_unit:
        flare = FlareUps(request.flare_times, request.flare_per, request.flare_duration, request.flare_unit)
    work = latest["values"].get("work_status")
    return FormFacts(
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date,
        clinician_name=clinician.display_name if clinician else None, clinician_specialty="Pain medicine",
        clinic_name=clinic.name, clinic_address=_clinic_address(session, episode), clinic_phone=clinic.phone, clinic_fax=clinic.return_fax,
        onset_date=episode.onset_date, first_visit=calendar.local_date(episode.first_visit_at) if episode.first_visit_at else (visit_dates[0] if visit_dates else None),
        diagnoses=tuple(f"{icd10cm.dotted(c) if icd10cm.describe(c) != 'Not an ICD-10-CM code' else c} {icd10cm.describe(c)}" for c in episode.icd10_codes),
        visit_dates=visit_dates, planned_visits=tuple(f.on for f in planned), treatments=tuple(treatments),
        limits=tuple(limits_in_words(latest)), work_status=_WORK_WORDS.get(work) if work else None,
        flare_ups=flare, incapacity=request.incapacity, expected_duration=request.expected_duration,
        expected_return=request.expected_return_on,
        restrictions=tuple(restriction_words(session, episode.id)),
    )
