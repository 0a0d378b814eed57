"""Intake measures: referral to first contact, and referral to first visit, by triage urgency.

Reads intake_call, call_attempt, triage and appointment read-only (a read model, as DESIGN.md allows):
three batch queries per measure, whatever the clinic's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.intake.models import Appointment, CallAttempt, IntakeCall, Triage
from painpath.outcomes.measures import Figure, Filters, Row, register_measure
from painpath.outcomes.ops_queries import (
    bar_chart,
    episode_conditions,
    hours_between,
    ignored_words,
    mean,
    median,
    period_bounds_utc,
    rounded,
)

URGENCIES = ("emergent", "urgent", "routine", "not_triaged")
URGENCY_WORDS = {"emergent": "Emergent", "urgent": "Urgent", "routine": "Routine", "not_triaged": "Not triaged"}
FIRST_VISIT_TYPES = ("new_patient", "urgent")
LIVE_VISIT_STATUSES = ("booked", "checked_in", "completed")
IGNORED = ("procedure",)


@dataclass(frozen=True)
class Referral:
    call_id: int
    episode_id: int
    received_at: datetime
    urgency: str
    first_contact_at: datetime | None
    first_visit_at: datetime | None


def referrals(session: Session, *, clinic_id: int, filters: Filters, calendar, contact: bool = True, visit: bool = True) -> list[Referral]:  # noqa: ANN001
    """Each intake call received in the period (clinic-local days), with its urgency, first reach and first visit
    (`contact` / `visit` False: that one is not read and stays None). Plain rows on the session's connection."""
    run = session.connection().execute
    start, end = period_bounds_utc(filters, calendar)
    calls = run(
        select(IntakeCall.id, IntakeCall.episode_id, IntakeCall.received_at, IntakeCall.reached_at)
        .where(IntakeCall.clinic_id == clinic_id, IntakeCall.received_at >= start, IntakeCall.received_at < end,
               *episode_conditions(filters, IntakeCall.episode_id, clinic_id=clinic_id, ignore=IGNORED))
        .order_by(IntakeCall.id)).all()
    if not calls:
        return []
    call_filter = IntakeCall.clinic_id == clinic_id
    in_calls = [IntakeCall.received_at >= start, IntakeCall.received_at < end]
    reached = dict(run(
        select(CallAttempt.call_id, func.min(CallAttempt.at)).join(IntakeCall, IntakeCall.id == CallAttempt.call_id)
        .where(call_filter, *in_calls, CallAttempt.outcome == "reached").group_by(CallAttempt.call_id)).all()) if contact else {}
    # The latest triage decision of each episode (by decision time, then id).
    urgency: dict[int, tuple[datetime, int, str]] = {}
    for episode_id, decided_at, triage_id, level in run(
            select(Triage.episode_id, Triage.decided_at, Triage.id, Triage.urgency)
            .join(IntakeCall, IntakeCall.episode_id == Triage.episode_id).where(call_filter, *in_calls)):
        if episode_id not in urgency or (decided_at, triage_id) > urgency[episode_id][:2]:
            urgency[episode_id] = (decided_at, triage_id, level)
    visits: dict[int, list[datetime]] = {}
    if visit:
        for episode_id, start_at in run(
                select(Appointment.episode_id, Appointment.start_at).join(IntakeCall, IntakeCall.episode_id == Appointment.episode_id)
                .where(call_filter, *in_calls, Appointment.visit_type.in_(FIRST_VISIT_TYPES),
                       Appointment.status.in_(LIVE_VISIT_STATUSES))):
            visits.setdefault(episode_id, []).append(start_at)
    found = []
    untriaged = (None, None, "not_triaged")
    for call_id, episode_id, received_at, reached_at in calls:
        contact_at = (reached.get(call_id) or reached_at) if contact else None
        later = [v for v in visits.get(episode_id, ()) if v >= received_at]
        found.append(Referral(call_id, episode_id, received_at, urgency.get(episode_id, untriaged)[2],
                              contact_at if contact_at is not None and contact_at >= received_at else None,
                              min(later) if later else None))
    return found


def _figure(measure, items: list[Referral], *, attr: str, unit: str, per: float, waiting_words: str) -> Figure:
    rows, medians = [], []
    by_level: dict[str, list[Referral]] = {"all": items}  # one pass: each referral under its urgency
    for r in items:
        by_level.setdefault(r.urgency, []).append(r)
    for level in ("all", *URGENCIES):
        group = by_level.get(level, [])
        if level == "not_triaged" and not group:
            continue
        timed = [(r, hours_between(r.received_at, getattr(r, attr)) / per) for r in group if getattr(r, attr) is not None]
        values = sorted(v for _r, v in timed)
        med = rounded(median(values))
        rows.append(Row(key=level, cells=("All referrals" if level == "all" else URGENCY_WORDS[level], len(group), len(values),
                                          med, rounded(mean(values)), len(group) - len(values)),
                        episode_ids=tuple(sorted({r.episode_id for r in group}))))
        if level != "all":
            medians.append(med)
    chart = bar_chart("Urgency", f"Median {unit}", [r.cells[0] for r in rows if r.key != "all"], {f"Median {unit}": medians})
    waiting = sum(r.cells[5] for r in rows if r.key == "all")
    return Figure(measure_id=measure.id, title=measure.title, definition=measure.definition,
                  columns=("Urgency", "Referrals", "Reached" if attr == "first_contact_at" else "With a first visit",
                           f"Median {unit}", f"Mean {unit}", waiting_words),
                  rows=tuple(rows), chart=chart,
                  notes=(f"{waiting} referrals {waiting_words.lower()}: left out of the median and mean (censored).",) if waiting else ())


class ReferralToFirstContact:
    id = "referral_to_first_contact"
    title = "Referral to first contact"
    group = "operational"
    definition = (
        "For each intake call or referral received in the period (the anchor is the day it was received, on the "
        "clinic's calendar): the hours from receipt to the first call attempt whose outcome was 'reached' (or the "
        "call's reached time when no attempt is recorded). Grouped by the episode's latest triage urgency "
        "(emergent, urgent, routine; not triaged when there is none). Median and mean count only referrals that "
        "were reached; those not reached yet are shown apart (censored), not counted as zero. "
        + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        items = referrals(session, clinic_id=clinic_id, filters=filters, calendar=calendar, visit=False)
        return _figure(self, items, attr="first_contact_at", unit="hours", per=1.0, waiting_words="Not reached yet")


class ReferralToFirstVisit:
    id = "referral_to_first_visit"
    title = "Referral to first visit"
    group = "operational"
    definition = (
        "For each intake call or referral received in the period (the anchor is the day it was received): the days "
        "from receipt to the start of the episode's first new-patient (or urgent) appointment that is booked, "
        "checked in or completed, on or after the receipt. Cancelled, no-show and rescheduled bookings do not count. "
        "Grouped by the episode's latest triage urgency. Referrals with no such appointment yet are shown apart "
        "(censored). " + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        items = referrals(session, clinic_id=clinic_id, filters=filters, calendar=calendar, contact=False)
        return _figure(self, items, attr="first_visit_at", unit="days", per=24.0, waiting_words="No first visit yet")


register_measure(ReferralToFirstContact())
register_measure(ReferralToFirstVisit())
