"""A replication's measures, read from its throwaway database after the run (results.MEASURES).

Business days are counted on the clinic's calendar with the outcomes slice's helper (the same counting the
authorization dashboard uses); calendar days are elapsed time over 24 hours.
"""

from __future__ import annotations

from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase
from painpath.context import AppContext
from painpath.intake.models import Appointment
from painpath.orders.models import ImagingOrder
from painpath.outcomes.authorization_measures import local_days
from painpath.patients.models import Episode

DAY_SECONDS = 86_400.0
NOT_MODELLED = ("pt_gap_days", "forms_turnaround_days")


def _mean(values: list[float]) -> float | None:
    return mean(values) if values else None


def replication_measures(session: Session, ctx: AppContext, clinic_id: int) -> tuple[dict[str, float | None], dict[str, int]]:
    """Each measure's mean over the cases that reached it, and how many cases that is."""
    calendar = ctx.calendar
    local = local_days(calendar)
    found: dict[str, list[float]] = {}

    # Referral (the episode opened) to the first visit attended.
    first: dict[int, object] = {}
    for episode_id, start_at in session.execute(
            select(Appointment.episode_id, Appointment.start_at).where(
                Appointment.clinic_id == clinic_id, Appointment.visit_type == "new_patient", Appointment.status == "completed")
            .order_by(Appointment.start_at)):
        first.setdefault(episode_id, start_at)
    opened = dict(session.execute(select(Episode.id, Episode.opened_at).where(Episode.clinic_id == clinic_id)).all())
    found["referral_to_first_visit_days"] = [(at - opened[eid]).total_seconds() / DAY_SECONDS for eid, at in first.items()]

    # Imaging order to the study done (its slot): all orders, and the urgent ones apart (a handful among many
    # routine orders, so the standing urgent slots they use would not show in the mean of all).
    imaging: list[float] = []
    urgent: list[float] = []
    for ordered, booked, urgency in session.execute(
            select(ImagingOrder.ordered_at, ImagingOrder.booked_for, ImagingOrder.urgency).where(
                ImagingOrder.clinic_id == clinic_id, ImagingOrder.performed_on.is_not(None))):
        days = (booked - ordered).total_seconds() / DAY_SECONDS
        imaging.append(days)
        if urgency == "urgent":
            urgent.append(days)
    found["referral_to_imaging_days"] = imaging
    found["urgent_imaging_days"] = urgent

    # Authorizations: eligibility to submission, submission to the payer's first decision (business days).
    # The eligibility day is the engine's (recorded at submission), never before the case opened: the worklist's
    # "submit on the day the patient becomes eligible" dates it so (authorizations/rules.py _eligible_day), and a
    # patient eligible before the clinic opened the case is measured from the opening.
    eligible, decided = [], []
    for eligible_on, opened_at, submitted_at, decided_at in session.execute(
            select(AuthorizationCase.eligible_on_at_submission, AuthorizationCase.opened_at, AuthorizationCase.submitted_at,
                   AuthorizationCase.decided_at)
            .where(AuthorizationCase.clinic_id == clinic_id, AuthorizationCase.submitted_at.is_not(None))):
        if eligible_on is not None:
            since = max(eligible_on, local(opened_at))
            eligible.append(float(calendar.business_days_between(since, local(submitted_at))))
        if decided_at is not None:
            decided.append(float(calendar.business_days_between(local(submitted_at), local(decided_at))))
    found["eligibility_to_submission_days"] = eligible
    found["submission_to_decision_days"] = decided

    measures: dict[str, float | None] = {key: _mean(values) for key, values in found.items()}
    counts = {key: len(values) for key, values in found.items()}
    for key in NOT_MODELLED:
        measures[key] = None
        counts[key] = 0
    return measures, counts
