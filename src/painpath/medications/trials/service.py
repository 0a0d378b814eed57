"""Medication-trial use cases: record, change, stop, and list each trial with its assessment.

The assessment (painpath.charting.trials.assess) is computed on every read with the patient's primary
coverage payer and the clinic's today, so a trial still running becomes adequate on its own, and a
pack added later labels a drug that was unknown when it was recorded. Labels are never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.trials import TrialAssessment, TrialFacts, assess
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.knowledge.schemas import MedicationTrials, TrialDrug
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.schemas import StopIn, TrialIn, TrialUpdate
from painpath.patients import service as patients
from painpath.patients.models import Episode, Patient

# Sanity bounds that catch a slipped decimal or a unit mix-up (mcg typed as mg), not clinical limits.
MAX_DOSE_MG = 5000.0  # per administration
MAX_DAILY_MG = 10000.0
MAX_TIMES_PER_DAY = 12

_TRIAL_FIELDS = (
    "drug_key", "rxnorm_code", "drug_name", "dose_mg", "times_per_day", "daily_mg", "route",
    "start_date", "stop_date", "reason_stopped", "response", "relief_percent",
)


@dataclass(frozen=True)
class AssessedTrial:
    trial: MedicationTrial
    assessment: TrialAssessment
    payer_id: str | None
    as_of: date


def pack(knowledge) -> MedicationTrials:  # noqa: ANN001
    """The merged medication-trial packs (empty when none are loaded: every drug is then unknown)."""
    return knowledge.medication_trials or MedicationTrials()


def today(calendar: BusinessCalendar) -> date:
    """The clinic's date now (a trial's days are calendar days on the clinic's clock)."""
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, trial: MedicationTrial, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="medication_trial", object_id=trial.id, patient_id=trial.patient_id, detail=detail)


def get_trial(session: Session, *, clinic_id: int, trial_id: int) -> MedicationTrial:
    trial = session.get(MedicationTrial, trial_id)
    if trial is None or trial.clinic_id != clinic_id:
        raise NotFound("medication_trial", trial_id)
    return trial


def resolve_drug(knowledge_trials: MedicationTrials, *, drug_key: str | None, rxnorm_code: str | None, drug_name: str | None) -> TrialDrug | None:
    """The pack drug named by id, RxNorm code or name (in that order); None when no pack defines it."""
    for key in (drug_key, rxnorm_code, drug_name):
        if key:
            found = knowledge_trials.drug(key)
            if found is not None:
                return found
    return None


def validate(values: dict, *, today: date) -> list[FieldProblem]:
    """Every problem with one trial's facts, each naming its field and rule."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    if not (values.get("drug_key") or values.get("rxnorm_code") or values.get("drug_name")):
        bad("drug_name", "required", "Name the drug (or give its RxNorm code)")
    dose, times, daily = values.get("dose_mg"), values.get("times_per_day"), values.get("daily_mg")
    if dose is not None:
        if dose <= 0:
            bad("dose_mg", "positive", "The dose must be more than 0 mg")
        elif dose > MAX_DOSE_MG:
            bad("dose_mg", "max_dose", f"A dose over {MAX_DOSE_MG:g} mg at a time is not plausible; check the units (mg, not mcg)")
        if times is None and daily is None:
            bad("times_per_day", "required_with_dose", "Say how many times a day the dose is taken")
    if times is not None:
        if times < 1:
            bad("times_per_day", "positive", "Times a day must be at least 1")
        elif times > MAX_TIMES_PER_DAY:
            bad("times_per_day", "max_times_per_day", f"At most {MAX_TIMES_PER_DAY} times a day")
        if dose is None:
            bad("dose_mg", "required_with_frequency", "Give the dose taken each time")
    if daily is not None:
        if dose is not None:
            bad("daily_mg", "one_dose_form", "Give the dose and times a day, or the total per day, not both")
        elif daily <= 0:
            bad("daily_mg", "positive", "The daily dose must be more than 0 mg")
        elif daily > MAX_DAILY_MG:
            bad("daily_mg", "max_dose", f"A daily dose over {MAX_DAILY_MG:g} mg is not plausible; check the units")
    if dose is not None and times is not None and 0 < dose <= MAX_DOSE_MG and 1 <= times <= MAX_TIMES_PER_DAY and dose * times > MAX_DAILY_MG:
        bad("dose_mg", "max_daily_dose", f"{dose * times:g} mg a day is over {MAX_DAILY_MG:g} mg; check the dose and the times a day")
    start, stop = values.get("start_date"), values.get("stop_date")
    if start is not None and start > today:
        bad("start_date", "not_future", "The start date cannot be in the future; record a trial once it has started")
    if stop is not None:
        if start is not None and stop < start:
            bad("stop_date", "after_start", "The stop date cannot be before the start date")
        if stop > today:
            bad("stop_date", "not_future", "The stop date cannot be in the future; stop the trial once it has happened")
    if values.get("reason_stopped") is not None and stop is None:
        bad("reason_stopped", "needs_stop_date", "A reason for stopping needs a stop date")
    relief = values.get("relief_percent")
    if relief is not None and not 0 <= relief <= 100:
        bad("relief_percent", "percent", "Relief is a percentage from 0 to 100")
    return problems


def _normalised(values: dict, knowledge_trials: MedicationTrials) -> dict:
    """Fill the pack's id, RxNorm code, name and route for a known drug; keep what was typed for an unknown one."""
    values = dict(values)
    drug = resolve_drug(knowledge_trials, drug_key=values.get("drug_key"), rxnorm_code=values.get("rxnorm_code"), drug_name=values.get("drug_name"))
    if drug is not None:
        values["drug_key"] = drug.id
        if not values.get("rxnorm_code") and drug.rxnorm is not None:
            values["rxnorm_code"] = drug.rxnorm.code
        values["drug_name"] = values.get("drug_name") or drug.name
        values["route"] = values.get("route") or drug.route
    else:
        values["drug_key"] = (values.get("drug_key") or "").lower() or None
        values["drug_name"] = values.get("drug_name") or values.get("drug_key") or f"RxNorm {values.get('rxnorm_code')}"
        values["route"] = values.get("route") or "oral"
    return values


def record_trial(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                 episode_id: int, data: TrialIn) -> MedicationTrial:
    """Record one trial on an episode (from the patient, outside records or this clinic)."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    problems = validate(values, today=today(calendar))
    if problems:
        raise InvalidInput(problems)
    trial = MedicationTrial(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id,
        recorded_by_id=actor.user_id, recorded_at=utcnow(), **_normalised(values, knowledge_trials),
    )
    session.add(trial)
    session.flush()
    _audit(session, actor, "medication_trial.record", trial, drug=trial.drug_key or trial.drug_name)
    return trial


def update_trial(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                 trial_id: int, data: TrialUpdate) -> MedicationTrial:
    """Correct a trial's facts; refused (409) when someone saved it since `data.version` was read."""
    trial = get_trial(session, clinic_id=actor.clinic_id, trial_id=trial_id)
    if trial.version != data.version:
        raise StaleWrite("medication trial", data.version, trial.version)
    values = data.model_dump(exclude={"version"})
    problems = validate(values, today=today(calendar))
    if problems:
        raise InvalidInput(problems)
    values = _normalised(values, knowledge_trials)
    changed = sorted(name for name in _TRIAL_FIELDS if getattr(trial, name) != values[name])
    for name in changed:
        setattr(trial, name, values[name])
    session.flush()
    _audit(session, actor, "medication_trial.update", trial, changed=changed)
    return trial


def stop_trial(session: Session, *, actor: Actor, calendar: BusinessCalendar, trial_id: int, data: StopIn) -> MedicationTrial:
    """Record the last day an ongoing trial was taken, and why it stopped."""
    trial = get_trial(session, clinic_id=actor.clinic_id, trial_id=trial_id)
    if trial.version != data.version:
        raise StaleWrite("medication trial", data.version, trial.version)
    if trial.stop_date is not None:
        raise Conflict(FieldProblem("stop_date", "not_stopped", f"This trial was already stopped on {trial.stop_date.isoformat()}"))
    values = {
        **{name: getattr(trial, name) for name in _TRIAL_FIELDS},
        "stop_date": data.stop_date, "reason_stopped": data.reason_stopped,
        "response": data.response if data.response is not None else trial.response,
        "relief_percent": data.relief_percent if data.relief_percent is not None else trial.relief_percent,
    }
    problems = validate(values, today=today(calendar))
    if problems:
        raise InvalidInput(problems)
    for name in ("stop_date", "reason_stopped", "response", "relief_percent"):
        setattr(trial, name, values[name])
    session.flush()
    _audit(session, actor, "medication_trial.stop", trial, reason_stopped=data.reason_stopped)
    return trial


def facts_of(trial: MedicationTrial) -> TrialFacts:
    return TrialFacts(
        drug=trial.drug_key or trial.rxnorm_code or trial.drug_name, start=trial.start_date, stop=trial.stop_date,
        dose_mg=trial.dose_mg, times_per_day=trial.times_per_day, daily_mg=trial.daily_mg,
        reason_stopped=trial.reason_stopped, response=trial.response,  # type: ignore[arg-type]
    )


def assess_trial(trial: MedicationTrial, knowledge_trials: MedicationTrials, *, payer_id: str | None, as_of: date) -> AssessedTrial:
    # A clock moved back (a demo, a test) can put today before a stored date; assess as of the later one.
    when = max(as_of, trial.start_date, trial.stop_date or trial.start_date)
    return AssessedTrial(trial, assess(facts_of(trial), knowledge_trials, payer_id=payer_id, as_of=when), payer_id, when)


def trials_for(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
               patient: Patient, episode: Episode) -> list[AssessedTrial]:
    """An episode's trials, oldest first, each assessed today with the patient's primary payer."""
    as_of = today(calendar)
    payer_id = patients.primary_payer_id(session, patient_id=patient.id, on=as_of)
    rows = session.scalars(
        select(MedicationTrial).where(MedicationTrial.episode_id == episode.id).order_by(MedicationTrial.start_date, MedicationTrial.id)
    )
    return [assess_trial(t, knowledge_trials, payer_id=payer_id, as_of=as_of) for t in rows]


def list_trials(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                episode_id: int) -> list[AssessedTrial]:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return trials_for(session, actor=actor, knowledge_trials=knowledge_trials, calendar=calendar, patient=patient, episode=episode)


def assessed_one(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                 trial: MedicationTrial) -> AssessedTrial:
    """One trial with its assessment (after a write, for the API answer)."""
    as_of = today(calendar)
    payer_id = patients.primary_payer_id(session, patient_id=trial.patient_id, on=as_of)
    return assess_trial(trial, knowledge_trials, payer_id=payer_id, as_of=as_of)


# ---- Batch reads for the episode facts (episode_facts.py) and the plans slice ----------------------
# One query for any number of episodes; not audited: rules read facts, no person reads a chart.

def trials_for_episodes(session: Session, episode_ids: list[int]) -> dict[int, list[MedicationTrial]]:
    """Each episode's medication trials, oldest first."""
    found: dict[int, list[MedicationTrial]] = {}
    if episode_ids:
        rows = session.scalars(
            select(MedicationTrial).where(MedicationTrial.episode_id.in_(episode_ids))
            .order_by(MedicationTrial.episode_id, MedicationTrial.start_date, MedicationTrial.id)
        )
        for trial in rows:
            found.setdefault(trial.episode_id, []).append(trial)
    return found
