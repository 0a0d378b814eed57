"""Questionnaires at home: what is waiting for the signed-in patient, and their answers going in.

What is waiting comes from the check-in schedule (checkins.service.for_patient): a check-in answered by a
questionnaire (how="questionnaire", e.g. the weekly NDI of a structured program) whose window is open.
The answers go through the same instruments service staff use (charting/instruments): the pack's
scoring engine, the same refusals, the same safety alerts, and a row recorded as given by the patient
(source "patient", no staff member administering it). A score inside the window is what marks the
check-in done: nothing is written to the check-ins' tables here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from painpath.charting.instruments import rules as instrument_rules
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.checkins import service as checkins
from painpath.checkins.schedule import ScheduledCheckin
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.portal.access import PortalPatient

RECENT_DAYS = 28  # "done recently": the last four weeks of questionnaires answered


class NotWaiting(NotFound):
    """A questionnaire the patient was not asked for (or has already answered): 404 in plain words."""

    def __init__(self) -> None:
        DomainError.__init__(self, FieldProblem(
            "instrument_id", "waiting", "This questionnaire is not waiting for you. Your questionnaires page shows the ones that are."))


@dataclass(frozen=True)
class Waiting:
    """The patient's questionnaires: open now, and answered in the last four weeks (dates only)."""

    due: list[ScheduledCheckin]
    done: list[ScheduledCheckin]


def _questionnaires(session: Session, *, who: PortalPatient, knowledge, calendar: BusinessCalendar, today: date) -> list[ScheduledCheckin]:
    found = checkins.for_patient(session, clinic_id=who.clinic_id, patient_id=who.patient_id, knowledge=knowledge,
                                 calendar=calendar, today=today)
    return [c for c in found if c.how == "questionnaire" and c.instrument_id in knowledge.instruments]


def waiting(session: Session, *, who: PortalPatient, knowledge, calendar: BusinessCalendar, today: date) -> Waiting:
    found = _questionnaires(session, who=who, knowledge=knowledge, calendar=calendar, today=today)
    since = today - timedelta(days=RECENT_DAYS)
    done = [c for c in found if c.status == "done" and c.done_on is not None and c.done_on >= since]
    return Waiting(due=[c for c in found if c.status == "open"],
                   done=sorted(done, key=lambda c: (c.done_on, c.key), reverse=True))


def waiting_checkin(session: Session, *, who: PortalPatient, knowledge, calendar: BusinessCalendar, today: date,
                    instrument_id: str, key: str | None = None) -> ScheduledCheckin:
    """The open check-in asking for `instrument_id` (the one named by `key` when given), or NotWaiting."""
    for checkin in waiting(session, who=who, knowledge=knowledge, calendar=calendar, today=today).due:
        if checkin.instrument_id == instrument_id and (not key or checkin.key == key):
            return checkin
    raise NotWaiting()


def submit(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, checkin: ScheduledCheckin,
           answers: dict[str, int | None]) -> InstrumentAdministration:
    """Score and store the patient's answers for `checkin` through the instruments service (refusals raise
    InvalidInput, nothing saved). Recorded as completed by the patient at home."""
    data = AdministrationIn(instrument_id=checkin.instrument_id, answers=answers, source="patient")
    return instruments.administer(session, actor=actor, knowledge=knowledge, calendar=calendar,
                                  episode_id=checkin.episode_id, data=data, source="patient")


def needs_crisis_support(row: InstrumentAdministration) -> bool:
    """An answer raised a safety alert (PHQ-9 item 9 above 0): the patient sees the crisis lines at once."""
    return bool(instrument_rules.safety_alerts(row.alerts))
