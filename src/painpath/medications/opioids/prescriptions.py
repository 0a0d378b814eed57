"""Prescription use cases: record (validated against the packs), stop, and list with MME computed on read.

A drug is known when the opioid pack, the medication-trial pack or the cns_depressants pack defines it;
its class (opioid, benzodiazepine, gabapentinoid, z-drug, ...) comes from those packs, never from what was
typed. An opioid the packs
know but cannot convert (no factor for that form) is recorded, and its MME is "unknown": the total then
says "incomplete" and is never a smaller number presented as complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.roles import Role
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.knowledge.schemas import find_depressant
from painpath.medications.opioids import mme
from painpath.medications.opioids import products
from painpath.medications.opioids.models import MedicationPrescription
from painpath.medications.opioids.schemas import PrescriptionIn, PrescriptionStop
from painpath.patients import service as patients

# Sanity bounds that catch a slipped decimal or a unit mix-up, not clinical limits.
MAX_STRENGTH = {"mg": 2000.0, "mcg": 20000.0, "mcg/hr": 400.0}
MAX_DOSE_UNITS = 20.0
MAX_TIMES_PER_DAY = 12.0
MAX_INTERVAL_HOURS = 168.0  # weekly patches are the longest regular interval
MAX_DAYS_SUPPLY = 365
# The unit a form is dosed in (research/clinical.md 1.1: mg/day, patches in mcg/hr, buccal and nasal in mcg).
FORM_UNITS = {"oral": {"mg"}, "transdermal_patch": {"mcg/hr"}, "buccal": {"mcg"}, "buccal_film": {"mcg"}, "nasal": {"mcg"}}
PRESCRIBER_ROLES = {Role.CLINICIAN.value}


@dataclass(frozen=True)
class DrugIdentity:
    key: str
    name: str
    rxnorm: str | None
    drug_class: str
    is_opioid: bool
    is_benzodiazepine: bool
    is_gabapentinoid: bool


def factor_lookup(knowledge):  # noqa: ANN001, ANN201 - the point-of-care factor set, or None without opioid packs
    opioids = getattr(knowledge, "opioids", None)
    return opioids.factor_set() if opioids is not None else None


def identify(knowledge, *, drug: str | None, rxnorm_code: str | None) -> DrugIdentity | None:  # noqa: ANN001
    """The drug as the packs know it (opioid pack first), or None when no pack defines it."""
    drug, rxnorm_code = products.as_ingredient(knowledge, drug=drug, rxnorm_code=rxnorm_code)  # an SCD/SBD code reads as its ingredient
    wanted = [k.strip().lower() for k in (drug, rxnorm_code) if k and k.strip()]
    lookup = factor_lookup(knowledge)
    for opioid in (lookup.vocabulary if lookup is not None else ()):
        if any(k == opioid.rxnorm or k == opioid.id or k in opioid.names() for k in wanted):
            return DrugIdentity(opioid.id, opioid.name, opioid.rxnorm, "opioid", True, False, False)
    trials = knowledge.medication_trials
    for k in wanted if trials is not None else ():
        found = trials.drug(k) or next((d for d in trials.drugs.values() if d.name.lower() == k), None)
        if found is not None:
            return DrugIdentity(
                found.id, found.name, found.rxnorm.code if found.rxnorm else None, found.drug_class,
                found.drug_class == "opioid", found.drug_class == "benzodiazepine", found.drug_class == "gabapentinoid",
            )
    depressant = find_depressant(getattr(knowledge, "depressant_classes", {}), wanted)
    if depressant is not None:
        cls, drug = depressant
        return DrugIdentity(drug.id, drug.name, drug.rxnorm.code if drug.rxnorm else None, cls.id, False,
                            cls.id == "benzodiazepine", cls.id == "gabapentinoid")
    return None


def depressant_class(rx: MedicationPrescription, knowledge) -> str | None:  # noqa: ANN001
    """The cns_depressants class of a prescription with today's packs (its drug's, else its stored class);
    None for an opioid or a drug of no such class. Read on each use, so a pack that adds a class warns
    about prescriptions recorded before it."""
    classes = getattr(knowledge, "depressant_classes", {})
    if rx.is_opioid or not classes:
        return None
    found = find_depressant(classes, [rx.drug_key, rx.rxnorm_code or ""])
    if found is not None:
        return found[0].id
    return rx.drug_class if rx.drug_class in classes else None


def validate(values: dict, identity: DrugIdentity | None) -> list[FieldProblem]:
    """Every problem with one prescription's facts, each naming its field and rule."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    if not (values.get("drug") or values.get("rxnorm_code")):
        bad("drug", "required", "Name the drug (or give its RxNorm code)")
    elif identity is None:
        bad("drug", "known_drug", f"{values.get('drug') or 'RxNorm ' + str(values.get('rxnorm_code'))} is not in the clinic's "
            "drug packs; check the spelling, or record it under Other medications (listed as not assessed by painpath)")
    unit, form = values["strength_unit"], values["form"]
    strength = values["strength"]
    if strength is None:
        bad("strength", "required", "Give the strength of one tablet, patch or spray (or an RxNorm clinical drug code that states it)")
    elif strength <= 0:
        bad("strength", "positive", "The strength must be more than 0")
    elif strength > MAX_STRENGTH[unit]:
        bad("strength", "max_strength", f"{strength:g} {unit} per unit is not plausible; check the units")
    if form in FORM_UNITS and unit not in FORM_UNITS[form]:
        bad("strength_unit", "unit_for_form", f"A {form.replace('_', ' ')} is dosed in {' or '.join(sorted(FORM_UNITS[form]))}, not {unit}")
    dose_units = values["dose_units"]
    if dose_units <= 0:
        bad("dose_units", "positive", "Give how many tablets (patches, sprays) per dose: more than 0")
    elif dose_units > MAX_DOSE_UNITS:
        bad("dose_units", "max_dose_units", f"More than {MAX_DOSE_UNITS:g} units per dose is not plausible")
    _validate_frequency(values, bad)
    supply = values.get("days_supply")
    if supply is not None and not 1 <= supply <= MAX_DAYS_SUPPLY:
        bad("days_supply", "days_supply", f"Days supply runs from 1 to {MAX_DAYS_SUPPLY}")
    quantity = values.get("quantity")
    if quantity is not None and quantity <= 0:
        bad("quantity", "positive", "The quantity must be more than 0")
    end = values.get("end_date")
    if end is not None and end < values["start_date"]:
        bad("end_date", "after_start", "The end date cannot be before the start date")
    return problems


def with_product_strength(knowledge, values: dict) -> dict:  # noqa: ANN001
    """An RxNorm clinical or branded drug code states the strength and form: use them when none was typed."""
    found = products.product(knowledge, values.get("rxnorm_code"))
    if values.get("strength") is not None or found is None or found.unit not in MAX_STRENGTH:
        return values
    return {**values, "strength": found.strength, "strength_unit": found.unit, "form": found.form}


def _product_problems(knowledge, values: dict) -> list[FieldProblem]:  # noqa: ANN001
    """A product code for one drug with another drug's name is refused: which of the two was meant?"""
    found = products.product(knowledge, values.get("rxnorm_code"))
    named = values.get("drug")
    if found is None or not (named and named.strip()):
        return []
    by_name = identify(knowledge, drug=named, rxnorm_code=None)
    by_code = identify(knowledge, drug=found.ingredient, rxnorm_code=None)
    if by_name is not None and by_code is not None and by_name.key != by_code.key:
        return [FieldProblem("rxnorm_code", "drug_and_code_disagree", f"RxNorm {found.rxcui} is {found.name}, but the drug is {named!r}")]
    return []


def _validate_frequency(values: dict, bad) -> None:  # noqa: ANN001
    times, interval, prn_max = values.get("times_per_day"), values.get("interval_hours"), values.get("prn_max_per_day")
    if times is None and interval is None:
        bad("times_per_day", "frequency_required", "Say how often: times a day, or every so many hours")
    if times is not None and interval is not None:
        bad("interval_hours", "one_frequency", "Give times a day or every N hours, not both")
    if times is not None and not 0 < times <= MAX_TIMES_PER_DAY:
        bad("times_per_day", "times_per_day", f"Times a day runs from more than 0 to {MAX_TIMES_PER_DAY:g}")
    if interval is not None and not 0 < interval <= MAX_INTERVAL_HOURS:
        bad("interval_hours", "interval_hours", f"Every N hours runs from more than 0 to {MAX_INTERVAL_HOURS:g}")
    if prn_max is not None:
        if not values.get("as_needed"):
            bad("prn_max_per_day", "needs_as_needed", "A maximum a day applies to an as-needed prescription only")
        elif not 0 < prn_max <= 24:
            bad("prn_max_per_day", "prn_max", "At most a day runs from more than 0 to 24 doses")


def _prescriber(session: Session, actor: Actor, prescriber_id: int | None) -> int:
    """The prescriber: a clinician of this clinic; the recording clinician when none is named."""
    if prescriber_id is None:
        if actor.role in PRESCRIBER_ROLES and actor.user_id is not None:
            return actor.user_id
        raise InvalidInput(FieldProblem("prescriber_id", "required", "Name the prescribing clinician"))
    user = session.get(User, prescriber_id)
    if user is None or user.clinic_id != actor.clinic_id or user.role not in PRESCRIBER_ROLES:
        raise InvalidInput(FieldProblem("prescriber_id", "prescriber", "The prescriber must be a clinician of this clinic"))
    return user.id


def get_prescription(session: Session, *, clinic_id: int, prescription_id: int) -> MedicationPrescription:
    found = session.get(MedicationPrescription, prescription_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("prescription", prescription_id)
    return found


def _audit(session: Session, actor: Actor, action: str, rx: MedicationPrescription, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="medication_prescription", object_id=rx.id, patient_id=rx.patient_id, detail=detail)


def record_prescription(session: Session, *, actor: Actor, knowledge, episode_id: int, data: PrescriptionIn) -> MedicationPrescription:  # noqa: ANN001
    """Record a prescription on an episode; a dose change (`previous_id`) stops the earlier one the day this starts."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = with_product_strength(knowledge, data.model_dump())
    identity = identify(knowledge, drug=values["drug"], rxnorm_code=values["rxnorm_code"])
    problems = validate(values, identity) + _product_problems(knowledge, values)
    previous = _previous(session, actor, episode.id, values, problems)
    if problems:
        raise InvalidInput(problems)
    assert identity is not None
    problems = _engine_problems(values, identity, knowledge)
    if problems:
        raise InvalidInput(problems)
    end = values["end_date"]
    if end is None and values["days_supply"] is not None:
        end = values["start_date"] + timedelta(days=values["days_supply"] - 1)
    rx = MedicationPrescription(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, drug_key=identity.key,
        drug_name=identity.name, rxnorm_code=values["rxnorm_code"] or identity.rxnorm, drug_class=identity.drug_class,
        strength=values["strength"], strength_unit=values["strength_unit"], dose_units=values["dose_units"],
        times_per_day=values["times_per_day"], interval_hours=values["interval_hours"], as_needed=values["as_needed"],
        prn_max_per_day=values["prn_max_per_day"], form=values["form"], quantity=values["quantity"],
        days_supply=values["days_supply"], start_date=values["start_date"], end_date=end,
        prescriber_id=_prescriber(session, actor, values["prescriber_id"]), is_opioid=identity.is_opioid,
        is_benzodiazepine=identity.is_benzodiazepine, is_gabapentinoid=identity.is_gabapentinoid,
        previous_id=previous.id if previous else None, recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(rx)
    if previous is not None and (previous.stopped_on is None or previous.stopped_on > rx.start_date):
        previous.stopped_on = rx.start_date
        previous.stop_reason = "Dose changed"
    session.flush()
    _audit(session, actor, "prescription.record", rx, drug=rx.drug_key, previous_id=rx.previous_id)
    return rx


def _previous(session: Session, actor: Actor, episode_id: int, values: dict, problems: list[FieldProblem]) -> MedicationPrescription | None:
    if values["previous_id"] is None:
        return None
    found = session.get(MedicationPrescription, values["previous_id"])
    if found is None or found.clinic_id != actor.clinic_id or found.episode_id != episode_id:
        problems.append(FieldProblem("previous_id", "same_episode", "The prescription being changed must be on this episode"))
        return None
    if values["start_date"] < found.start_date:
        problems.append(FieldProblem("start_date", "after_previous", "A dose change cannot start before the prescription it changes"))
    return found


def _engine_problems(values: dict, identity: DrugIdentity, knowledge) -> list[FieldProblem]:  # noqa: ANN001
    """What the MME engine refuses (a frequency it cannot read, a dose it cannot believe), as field problems."""
    if not identity.is_opioid:
        return []
    lookup = factor_lookup(knowledge)
    if lookup is None:
        return []
    try:
        mme.prescription_mme(_rx_input(identity.key, values["rxnorm_code"] or identity.rxnorm, values), lookup)
    except mme.MmeRefusal as refusal:
        return [FieldProblem(refusal.field, refusal.rule, refusal.message)]
    return []


def _rx_input(drug: str, rxnorm_code: str | None, values: dict) -> mme.RxInput:
    return mme.RxInput(
        drug=drug, rxnorm_code=rxnorm_code, strength=values["strength"], strength_unit=values["strength_unit"],
        dose_units=values["dose_units"], times_per_day=values["times_per_day"], interval_hours=values["interval_hours"],
        prn_max_per_day=values["prn_max_per_day"] if values["as_needed"] else None, form=values["form"],
        as_needed=values["as_needed"],
    )


def stop_prescription(session: Session, *, actor: Actor, prescription_id: int, data: PrescriptionStop) -> MedicationPrescription:
    rx = get_prescription(session, clinic_id=actor.clinic_id, prescription_id=prescription_id)
    if rx.version != data.version:
        raise StaleWrite("prescription", data.version, rx.version)
    if rx.stopped_on is not None:
        raise Conflict(FieldProblem("stopped_on", "not_stopped", f"This prescription was already stopped on {rx.stopped_on.isoformat()}"))
    if data.stopped_on < rx.start_date:
        raise InvalidInput(FieldProblem("stopped_on", "after_start", "A prescription cannot stop before it starts"))
    rx.stopped_on, rx.stop_reason = data.stopped_on, data.reason
    session.flush()
    _audit(session, actor, "prescription.stop", rx, stopped_on=data.stopped_on.isoformat())
    return rx


# ---- MME on read ------------------------------------------------------------------------------------

def values_of(rx: MedicationPrescription) -> dict:
    return {name: getattr(rx, name) for name in (
        "strength", "strength_unit", "dose_units", "times_per_day", "interval_hours", "prn_max_per_day", "form", "as_needed",
        "rxnorm_code")}


def mme_of(rx: MedicationPrescription, lookup) -> "mme.RxMme | None":  # noqa: ANN001
    """The prescription's MME with today's packs; None for a drug that is not an opioid."""
    if not rx.is_opioid or lookup is None:
        return None
    # A line a pack change made unreadable is shown as unknown (the total says incomplete), never as 0.
    return mme.prescription_mme_or_unknown(_rx_input(rx.drug_key, rx.rxnorm_code, values_of(rx)), lookup)


@dataclass(frozen=True)
class PrescriptionLine:
    prescription: MedicationPrescription
    mme: object | None  # mme.RxMme
    active: bool


@dataclass(frozen=True)
class PrescriptionList:
    lines: list[PrescriptionLine]
    total: object  # mme.TotalMme of the opioids active on `as_of`
    as_of: date


def lines_for(rows: list[MedicationPrescription], knowledge, as_of: date) -> PrescriptionList:  # noqa: ANN001
    lookup = factor_lookup(knowledge)
    lines = [PrescriptionLine(rx, mme_of(rx, lookup), rx.active_on(as_of)) for rx in rows]
    counted = [line.mme for line in lines if line.active and line.prescription.is_opioid and line.mme is not None]
    total = mme.total_mme(counted)
    return PrescriptionList(lines, total, as_of)


def episode_prescriptions(session: Session, episode_ids: list[int]) -> dict[int, list[MedicationPrescription]]:
    """Each episode's prescriptions, oldest first (not audited: the engine reads facts, no person reads a chart)."""
    found: dict[int, list[MedicationPrescription]] = {}
    if episode_ids:
        rows = session.scalars(
            select(MedicationPrescription).where(MedicationPrescription.episode_id.in_(episode_ids))
            .order_by(MedicationPrescription.episode_id, MedicationPrescription.start_date, MedicationPrescription.id)
        )
        for rx in rows:
            found.setdefault(rx.episode_id, []).append(rx)
    return found


def list_prescriptions(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int) -> PrescriptionList:  # noqa: ANN001
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    rows = episode_prescriptions(session, [episode.id]).get(episode.id, [])
    return lines_for(rows, knowledge, calendar.local_date(utcnow()))


def calendar_today(calendar: BusinessCalendar) -> date:
    """The clinic's date now (prescriptions run in calendar days on the clinic's clock)."""
    return calendar.local_date(utcnow())
