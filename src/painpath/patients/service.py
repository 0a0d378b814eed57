"""Patient, coverage and episode use cases. Every change is audited in its own transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from painpath.core import audit, audit_access
from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth.models import User
from painpath.core.clock import utcnow
from painpath.core.db import ids_in, memoized
from painpath.core.errors import FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.patients import rules
from painpath.patients.models import Coverage, Episode, Location, Patient
from painpath.patients.schemas import (
    CoverageEnd,
    CoverageIn,
    CoverageUpdate,
    EpisodeIn,
    EpisodeUpdate,
    PatientIn,
    PatientUpdate,
)

T = TypeVar("T", bound=Any)  # a clinic-scoped row of an episode's record, with episode_id and patient_id


def _patient(session: Session, clinic_id: int, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != clinic_id:
        raise NotFound("patient", patient_id)
    return patient


def _episode(session: Session, clinic_id: int, episode_id: int) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None or episode.clinic_id != clinic_id:
        raise NotFound("episode", episode_id)
    return episode


def _check_version(what: str, row: Patient | Episode | Coverage, version: int) -> None:
    if row.version != version:
        raise StaleWrite(what, version, row.version)


def _check_location(session: Session, clinic_id: int, location_id: int | None, field: str) -> None:
    if location_id is None:
        return
    location = session.get(Location, location_id)
    if location is None or location.clinic_id != clinic_id:
        raise InvalidInput(FieldProblem(field, "exists", f"No location {location_id} in this clinic"))


def _check_staff(session: Session, clinic_id: int, user_id: int | None, field: str, roles: set[str]) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or user.clinic_id != clinic_id or user.role not in roles:
        raise InvalidInput(FieldProblem(field, "staff_role", f"User {user_id} is not a {' or '.join(sorted(roles))} here"))


def _apply(row: Patient | Episode | Coverage, values: dict) -> list[str]:
    """Set the new values; return the names of the fields that changed, for the audit row."""
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    for name in changed:
        setattr(row, name, values[name])
    return changed


# Patients -----------------------------------------------------------------------------------

def create_patient(session: Session, *, actor: Actor, data: PatientIn) -> Patient:
    """Register a patient; the MRN must be unique in the clinic."""
    clinic_id = actor.clinic_id
    if session.scalar(select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.mrn == data.mrn)):
        raise InvalidInput(FieldProblem("mrn", "unique", f"MRN {data.mrn} is already in use"))
    _check_location(session, clinic_id, data.home_location_id, "home_location_id")
    patient = Patient(clinic_id=clinic_id, **data.model_dump())
    session.add(patient)
    session.flush()
    audit.record(session, actor, "patient.create", object_type="patient", object_id=patient.id, patient_id=patient.id)
    return patient


def assign_mrn(session: Session, *, clinic_id: int) -> str:
    """The next clinic MRN (P000001, ...) for a person registered at first contact."""
    taken = session.scalar(select(func.count()).select_from(Patient).where(Patient.clinic_id == clinic_id)) or 0
    number = taken + 1
    while session.scalar(select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.mrn == f"P{number:06d}")):
        number += 1
    return f"P{number:06d}"


def update_patient(session: Session, *, actor: Actor, patient_id: int, data: PatientUpdate) -> Patient:
    patient = _patient(session, actor.clinic_id, patient_id)
    _check_version("patient", patient, data.version)
    values = data.model_dump(exclude={"version"})
    if values["mrn"] != patient.mrn and session.scalar(
        select(Patient.id).where(Patient.clinic_id == actor.clinic_id, Patient.mrn == values["mrn"])
    ):
        raise InvalidInput(FieldProblem("mrn", "unique", f"MRN {values['mrn']} is already in use"))
    _check_location(session, actor.clinic_id, data.home_location_id, "home_location_id")
    changed = _apply(patient, values)
    session.flush()
    # Field names only: the audit trail records what changed, not the PHI itself.
    audit.record(session, actor, "patient.update", object_type="patient", object_id=patient.id, patient_id=patient.id, detail={"fields": changed})
    return patient


LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """Make % and _ in what a person typed match themselves, not any characters."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


PHONE_PUNCTUATION = (" ", "-", "(", ")", ".", "+")


def phone_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_digits_column():
    """The stored phone with its punctuation taken out, in SQL both databases run (no regex functions)."""
    column = Patient.phone
    for mark in PHONE_PUNCTUATION:
        column = func.replace(column, mark, "")
    return column


def _on_caseload(query, viewer: Actor | None):
    """Only patients with an episode on the viewer's caseload, when their role is narrowed (a therapist)."""
    if viewer is not None and chart_access.narrows(viewer):
        query = query.where(Patient.id.in_(select(Episode.patient_id).where(chart_access.caseload_filter(viewer, Episode.id))))
    return query


def search_patients(session: Session, *, clinic_id: int, text: str = "", birth_date: date | None = None, limit: int = 50,
                    viewer: Actor | None = None, phone: str = "") -> list[Patient]:
    """Find patients by MRN (exact), name fragments ("family, given" or "given family"), birth date and
    phone (its digits, however punctuated). With `viewer`, only patients with an episode on their
    caseload (a therapist finds their own patients)."""
    query = _on_caseload(select(Patient).where(Patient.clinic_id == clinic_id), viewer)
    terms = [t for t in text.replace(",", " ").split() if t]
    for term in terms:
        like = f"{escape_like(term.lower())}%"
        query = query.where(
            or_(
                func.lower(Patient.family_name).like(like, escape=LIKE_ESCAPE),
                func.lower(Patient.given_name).like(like, escape=LIKE_ESCAPE),
                Patient.mrn == term,
            )
        )
    if birth_date is not None:
        query = query.where(Patient.birth_date == birth_date)
    digits = phone_digits(phone)
    if digits:
        query = query.where(_phone_digits_column() == digits)
    if not terms and birth_date is None and not digits:
        return []
    return list(session.scalars(query.order_by(Patient.family_name, Patient.given_name).limit(limit)))


def possible_duplicates(session: Session, *, clinic_id: int, given_name: str | None, family_name: str | None,
                        birth_date: date | None, phone: str | None, mrn: str | None, viewer: Actor | None = None,
                        limit: int = 10) -> list[Patient]:
    """Registered patients a new caller may be: same name and date of birth, or same phone, or same MRN.
    With `viewer`, only patients on their caseload (as search_patients)."""
    matches = []
    if given_name and family_name and birth_date is not None:
        matches.append((func.lower(Patient.given_name) == given_name.strip().lower())
                       & (func.lower(Patient.family_name) == family_name.strip().lower()) & (Patient.birth_date == birth_date))
    digits = phone_digits(phone or "")
    if len(digits) >= 7:
        matches.append(_phone_digits_column() == digits)
    if mrn and mrn.strip():
        matches.append(Patient.mrn == mrn.strip())
    if not matches:
        return []
    query = _on_caseload(select(Patient).where(Patient.clinic_id == clinic_id, or_(*matches)), viewer)
    return list(session.scalars(query.order_by(Patient.family_name, Patient.given_name, Patient.id).limit(limit)))


def read_chart(session: Session, *, actor: Actor, patient_id: int) -> tuple[Patient, list[Coverage], list[Episode]]:
    """Open a patient's chart. Every read is audited: who looked at whose chart, and when."""
    patient = _patient(session, actor.clinic_id, patient_id)
    coverages = list(session.scalars(select(Coverage).where(Coverage.patient_id == patient.id).order_by(Coverage.priority)))
    episodes = list(session.scalars(select(Episode).where(Episode.patient_id == patient.id).order_by(Episode.opened_at.desc())))
    _check_chart_access(session, actor, patient, episodes, object_type="patient", object_id=patient.id)
    audit_access.note_shown(session, actor, patient_id=patient.id, object_type="patient", object_id=patient.id)
    return patient, coverages, episodes


def read_episode(session: Session, *, actor: Actor, episode_id: int) -> tuple[Patient, Episode]:
    episode = _episode(session, actor.clinic_id, episode_id)
    patient = _patient(session, actor.clinic_id, episode.patient_id)
    _check_chart_access(session, actor, patient, [episode], object_type="episode", object_id=episode.id)
    audit_access.note_shown(session, actor, patient_id=patient.id, object_type="episode", object_id=episode.id)
    return patient, episode


def clinic_record(session: Session, model: type[T], record_id: int, *, clinic_id: int | None, what: str) -> T:
    """A row of an episode's record (an order, a referral, a form ...) by id, only in the caller's clinic:
    another clinic's row is 'not found', never 'forbidden', so ids say nothing across clinics."""
    found = session.get(model, record_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound(what, record_id)
    return found


def read_record(session: Session, model: type[T], record_id: int, *, actor: Actor, what: str, object_type: str) -> T:
    """Such a row for a person to see: its episode's chart-access policy checked, the read audited (once per
    request). `model` has episode_id and patient_id."""
    record = clinic_record(session, model, record_id, clinic_id=actor.clinic_id, what=what)
    read_episode(session, actor=actor, episode_id=record.episode_id)
    audit_access.note_shown(session, actor, patient_id=record.patient_id, object_type=object_type, object_id=record.id)
    return record


# Chart access -------------------------------------------------------------------------------
# The policy lives in core/auth/chart_access.py; this slice tells it how a patient id and an episode
# id reach a chart (patients/access.py). The names below stay importable for callers of this module.

ChartAccessRefused = chart_access.ChartAccessRefused
_audit_refusal_after_transaction = chart_access.audit_refusal_after_transaction


def _check_chart_access(session: Session, actor: Actor, patient: Patient, episodes: list[Episode], *, object_type: str, object_id: int) -> None:
    target = chart_access.ChartTarget(object_type, object_id, patient.id, tuple(e.id for e in episodes))
    chart_access.check(session, actor, target)


# Coverages ----------------------------------------------------------------------------------

def _checked_payer(knowledge, data: CoverageIn):
    """The directory entry of the coverage's payer, after the cross-field rules pass."""
    payer = knowledge.payers.get(data.payer_id)
    problems = rules.coverage_problems(
        payer_known=payer is not None, payer_id=data.payer_id, effective_from=data.effective_from, effective_to=data.effective_to,
        subscriber_relationship=data.subscriber_relationship, subscriber_name=data.subscriber_name,
    )
    if problems:
        raise InvalidInput(problems)
    return payer


def _coverage_values(data: CoverageIn) -> dict:
    values = data.model_dump(exclude={"version"})
    if data.subscriber_relationship == "self":
        values["subscriber_name"] = None  # the patient holds the card: their own name is on the chart
    return values


def add_coverage(session: Session, *, actor: Actor, knowledge, patient_id: int, data: CoverageIn) -> Coverage:
    """Attach insurance; the payer must be in the payer directory, which gives the plan type."""
    patient = _patient(session, actor.clinic_id, patient_id)
    payer = _checked_payer(knowledge, data)
    coverage = Coverage(clinic_id=patient.clinic_id, patient_id=patient.id, plan_type=payer.plan_type, **_coverage_values(data))
    session.add(coverage)
    session.flush()
    audit.record(session, actor, "coverage.create", object_type="coverage", object_id=coverage.id, patient_id=patient.id, detail={"payer_id": data.payer_id})
    return coverage


def get_coverage(session: Session, *, clinic_id: int, coverage_id: int) -> Coverage:
    coverage = session.get(Coverage, coverage_id)
    if coverage is None or coverage.clinic_id != clinic_id:
        raise NotFound("coverage", coverage_id)
    return coverage


def update_coverage(session: Session, *, actor: Actor, knowledge, coverage_id: int, data: CoverageUpdate) -> Coverage:
    """Correct a coverage (a new member id, the group, the dates); a stale version is refused."""
    coverage = get_coverage(session, clinic_id=actor.clinic_id, coverage_id=coverage_id)
    _check_version("coverage", coverage, data.version)
    payer = _checked_payer(knowledge, data)
    changed = _apply(coverage, {**_coverage_values(data), "plan_type": payer.plan_type})
    session.flush()
    audit.record(session, actor, "coverage.update", object_type="coverage", object_id=coverage.id, patient_id=coverage.patient_id, detail={"fields": changed})
    return coverage


def end_coverage(session: Session, *, actor: Actor, coverage_id: int, data: CoverageEnd) -> Coverage:
    """The coverage stops: it stays on the chart with its last day, for claims of the days it covered."""
    coverage = get_coverage(session, clinic_id=actor.clinic_id, coverage_id=coverage_id)
    _check_version("coverage", coverage, data.version)
    if data.effective_to < coverage.effective_from:
        raise InvalidInput(FieldProblem("effective_to", "after_effective_from",
                                        f"The end date cannot be before the effective date ({coverage.effective_from:%d %b %Y})"))
    coverage.effective_to = data.effective_to
    session.flush()
    audit.record(session, actor, "coverage.end", object_type="coverage", object_id=coverage.id, patient_id=coverage.patient_id,
                 detail={"effective_to": data.effective_to.isoformat()})
    return coverage


def coverage_from_intake(session: Session, *, actor: Actor, knowledge, patient_id: int, payer_id: str, member_id: str,
                         group_number: str | None, on: date) -> Coverage | None:
    """The payer named on an intake call becomes a coverage from the call's day, unless the patient already
    has that payer in effect. Primary when no primary is in effect that day, else secondary."""
    in_effect = list(session.scalars(select(Coverage).where(
        Coverage.patient_id == patient_id, Coverage.effective_from <= on,
        or_(Coverage.effective_to.is_(None), Coverage.effective_to >= on),
    )))
    if any(c.payer_id == payer_id for c in in_effect):
        return None
    priority = 2 if any(c.priority == 1 for c in in_effect) else 1
    return add_coverage(session, actor=actor, knowledge=knowledge, patient_id=patient_id, data=CoverageIn(
        payer_id=payer_id, member_id=member_id, group_number=group_number, effective_from=on, priority=priority,
    ))


def primary_payer_id(session: Session, *, patient_id: int, on: date) -> str | None:
    """The payer of the primary coverage (priority 1) in effect on `on`, for rules that depend on the payer.

    Not a chart read: callers use it inside a request that has already audited its look at the chart.
    """
    return session.scalar(
        select(Coverage.payer_id)
        .where(
            Coverage.patient_id == patient_id, Coverage.priority == 1, Coverage.effective_from <= on,
            or_(Coverage.effective_to.is_(None), Coverage.effective_to >= on),
        )
        .order_by(Coverage.id)
        .limit(1)
    )


# Episodes -----------------------------------------------------------------------------------

def _validate_episode(session: Session, clinic_id: int, data: EpisodeIn) -> None:
    problems = rules.icd10_problems(data.icd10_codes)
    if data.onset_date is not None and data.onset_date > utcnow().date():
        problems.append(FieldProblem("onset_date", "not_future", "Onset date cannot be in the future"))
    if problems:
        raise InvalidInput(problems)
    _check_staff(session, clinic_id, data.responsible_clinician_id, "responsible_clinician_id", {"clinician"})
    _check_staff(session, clinic_id, data.coordinator_id, "coordinator_id", {"coordinator"})
    _check_location(session, clinic_id, data.location_id, "location_id")


def open_episode(session: Session, *, actor: Actor, patient_id: int, data: EpisodeIn, opened_at: datetime | None = None) -> Episode:
    patient = _patient(session, actor.clinic_id, patient_id)
    _validate_episode(session, patient.clinic_id, data)
    values = data.model_dump()
    values["icd10_codes"] = rules.normalize_icd10(data.icd10_codes)
    episode = Episode(clinic_id=patient.clinic_id, patient_id=patient.id, status="open", opened_at=opened_at or utcnow(), **values)
    session.add(episode)
    session.flush()
    audit.record(session, actor, "episode.open", object_type="episode", object_id=episode.id, patient_id=patient.id)
    return episode


def update_episode(session: Session, *, actor: Actor, episode_id: int, data: EpisodeUpdate) -> Episode:
    episode = _episode(session, actor.clinic_id, episode_id)
    _check_version("episode", episode, data.version)
    _validate_episode(session, episode.clinic_id, data)
    values = data.model_dump(exclude={"version"})
    values["icd10_codes"] = rules.normalize_icd10(data.icd10_codes)
    changed = _apply(episode, values)
    if data.status == "discharged" and episode.closed_at is None:
        episode.closed_at = utcnow()
    elif data.status != "discharged":
        episode.closed_at = None
    session.flush()
    audit.record(session, actor, "episode.update", object_type="episode", object_id=episode.id, patient_id=episode.patient_id, detail={"fields": changed})
    return episode


def add_diagnoses(session: Session, *, actor: Actor, episode_id: int, codes: list[str], source: str) -> list[str]:
    """Add diagnoses (from a signed note) to the episode's problem list; codes already on it are kept once.
    Returns the codes that were new. The codes must be billable ICD-10-CM codes."""
    problems = rules.icd10_problems(codes, field="diagnosis_codes")
    if problems:
        raise InvalidInput(problems)
    episode = _episode(session, actor.clinic_id, episode_id)
    current = list(episode.icd10_codes or [])
    added = [code for code in dict.fromkeys(rules.normalize_icd10(codes)) if code not in current]
    if added:
        episode.icd10_codes = current + added  # a new list, so the JSON column is seen as changed
        session.flush()
        audit.record(session, actor, "episode.diagnoses_added", object_type="episode", object_id=episode.id,
                     patient_id=episode.patient_id, detail={"codes_added": len(added), "source": source})
    return added


def clear_first_visit_booking(session: Session, *, actor: Actor, episode_id: int) -> Episode:
    """The first visit was cancelled: the first-visit obligation is owed again."""
    episode = _episode(session, actor.clinic_id, episode_id)
    episode.first_visit_booked_at = None
    episode.first_visit_at = None
    session.flush()
    audit.record(session, actor, "episode.first_visit_cancelled", object_type="episode", object_id=episode.id, patient_id=episode.patient_id)
    return episode


def record_first_visit_booked(
    session: Session, *, actor: Actor, episode_id: int, visit_at: datetime, booked_at: datetime | None = None,
) -> Episode:
    """The fact that meets the first-visit obligation; the intake slice's scheduler calls this.

    `booked_at` defaults to now; an import of history (the demo) passes when the booking happened.
    """
    episode = _episode(session, actor.clinic_id, episode_id)
    if episode.status != "open":
        raise InvalidInput(FieldProblem("episode_id", "episode_open", f"Episode is {episode.status}; reopen it before booking"))
    booked_at = booked_at or utcnow()
    if visit_at < booked_at:
        raise InvalidInput(FieldProblem("visit_at", "not_past", "A visit cannot be booked for a time already past"))
    episode.first_visit_booked_at = booked_at
    episode.first_visit_at = visit_at
    session.flush()
    audit.record(session, actor, "episode.first_visit_booked", object_type="episode", object_id=episode.id, patient_id=episode.patient_id, detail={"visit_at": visit_at.isoformat()})
    return episode


def episode_facts(session: Session, *, episode_ids: list[int] | None) -> list[rules.EpisodeFacts]:
    """Facts the first-visit rule needs, for the given episodes or every open one (asked once per provider pass,
    core.db.read_memo, though several providers ask)."""
    key = ("patients.episode_facts", None if episode_ids is None else tuple(episode_ids))
    return memoized(session, key, lambda: _episode_facts(session, episode_ids))


def _episode_facts(session: Session, episode_ids: list[int] | None) -> list[rules.EpisodeFacts]:
    query = select(
        Episode.id, Episode.patient_id, Episode.clinic_id, Episode.status, Episode.opened_at,
        Episode.first_visit_booked_at, Episode.first_visit_at,
    )
    if episode_ids is None:
        query = query.where(Episode.status == "open")
    else:
        query = query.where(ids_in(session, Episode.id, episode_ids))
    return [rules.EpisodeFacts(*row) for row in session.execute(query)]


def list_locations(session: Session, *, clinic_id: int) -> list[Location]:
    return list(session.scalars(select(Location).where(Location.clinic_id == clinic_id).order_by(Location.name)))


# ---- Batch read for the authorization packet (authorizations/submission.py) --------------------------
# One query for any number of episodes; not audited: the caller audits what a person is shown.

def episodes_with_primary_coverage(session: Session, *, episode_ids: list[int], on: date) -> list[tuple[Episode, Coverage | None]]:
    """Each episode with the primary coverage (priority 1) in effect on `on`, or None; the oldest such
    coverage when a patient has two (as primary_payer_id picks)."""
    if not episode_ids:
        return []
    in_effect = (
        (Coverage.patient_id == Episode.patient_id) & (Coverage.priority == 1) & (Coverage.effective_from <= on)
        & or_(Coverage.effective_to.is_(None), Coverage.effective_to >= on)
    )
    rows = session.execute(
        select(Episode, Coverage).outerjoin(Coverage, in_effect).where(Episode.id.in_(episode_ids)).order_by(Episode.id, Coverage.id)
    )
    found: dict[int, tuple[Episode, Coverage | None]] = {}
    for episode, coverage in rows:
        found.setdefault(episode.id, (episode, coverage))
    return list(found.values())


# ---- Read for the authorization packet and PAS request (authorizations/submission.py) ----------------
# Not a chart read: the caller has already audited its look at the episode (authorizations.service.get_case).

def patient_of_episode(session: Session, *, episode_id: int) -> Patient | None:
    """The patient an episode belongs to, without a second chart-read audit row."""
    return session.scalar(select(Patient).join(Episode, Episode.patient_id == Patient.id).where(Episode.id == episode_id))
