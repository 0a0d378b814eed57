"""Medication trials on the episode timeline: each trial's start and, once it ends, its stop."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.schemas import REASON_WORDS
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source

_TIMES = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


def frequency_words(times_per_day: int) -> str:
    return _TIMES.get(times_per_day, f"{times_per_day} times a day")


def dose_words(trial: MedicationTrial) -> str:
    """"300 mg three times a day", "900 mg a day", or "" when no mg dose applies (a patch)."""
    if trial.dose_mg is not None and trial.times_per_day is not None:
        return f"{trial.dose_mg:g} mg {frequency_words(trial.times_per_day)}"
    if trial.daily_mg is not None:
        return f"{trial.daily_mg:g} mg a day"
    return ""


def describe(trial: MedicationTrial) -> str:
    """"Gabapentin 300 mg three times a day"."""
    name = trial.drug_name[:1].upper() + trial.drug_name[1:]
    dose = dose_words(trial)
    return f"{name} {dose}" if dose else name


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # Trials are dated, not timed: place them at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


@register_source
def medication_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for trial in session.scalars(select(MedicationTrial).where(MedicationTrial.episode_id == episode.id)):
        what = describe(trial)
        entries.append(TimelineEntry(_noon(calendar, trial.start_date), "medication.started", f"{what} started {trial.start_date:%d %b %Y}", "medications"))
        if trial.stop_date is not None:
            why = f" ({REASON_WORDS[trial.reason_stopped].lower()})" if trial.reason_stopped in REASON_WORDS else ""
            entries.append(TimelineEntry(_noon(calendar, trial.stop_date), "medication.stopped", f"{what} stopped {trial.stop_date:%d %b %Y}{why}", "medications"))
    return entries
