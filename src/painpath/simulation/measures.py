"""A replication's measures, read from its throwaway database after the run (results.MEASURES).

Business days are counted on the clinic's calendar with the outcomes slice's helper (the same counting the
authorization dashboard uses); calendar days are elapsed time over 24 hours.
"""

from __future__ import annotations

from datetime import date
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase
from painpath.context import AppContext
from painpath.intake.models import Appointment
from painpath.orders.models import ImagingOrder
from painpath.outcomes.authorization_measures import local_days
from painpath.outcomes.forms_measures import FormsTurnaround
from painpath.outcomes.measures import Filters
from painpath.outcomes.therapy_measures import Window, gap_days, planned_days
from painpath.patients.models import Episode
from painpath.therapy.models import PtAuthorization, PtCourse

DAY_SECONDS = 86_400.0


def _mean(values: list[float]) -> float | None:
    return mean(values) if values else None


def pt_gap_days_per_course(session: Session, ctx: AppContext, clinic_id: int, *, until: date) -> list[float]:
    """The outcomes measure's PT gap days (outcomes/therapy_measures.py PtGapDays: planned visit days no valid
    authorization covered, with its own `planned_days` and `gap_days`), per course whose planned visits had all
    passed by `until`: a course still running at the run's end is censored, as its last visits' authorization
    may still come."""
    windows: dict[int, list[Window]] = {}
    for course_id, w_from, w_to, approved in session.execute(
            select(PtAuthorization.course_id, PtAuthorization.window_from, PtAuthorization.window_to, PtAuthorization.visits_approved)
            .where(PtAuthorization.clinic_id == clinic_id).order_by(PtAuthorization.id)):
        windows.setdefault(course_id, []).append(Window(w_from, w_to, approved))
    found = []
    for course_id, start, per_week, weeks in session.execute(
            select(PtCourse.id, PtCourse.start_date, PtCourse.frequency_per_week, PtCourse.duration_weeks)
            .where(PtCourse.clinic_id == clinic_id, PtCourse.status != "cancelled")):
        planned = planned_days(start, per_week, weeks, ctx.calendar)
        if planned and planned[-1] < until:
            found.append(float(len(gap_days(planned, windows.get(course_id, [])))))
    return found


def forms_turnaround(session: Session, ctx: AppContext, clinic_id: int, *, start: date, until: date) -> tuple[float | None, int]:
    """The outcomes measure's forms turnaround (outcomes/forms_measures.py, computed by the measure itself): the
    mean business days from received to sent over the forms sent, and how many were sent; forms not sent by the
    run's end are censored there."""
    figure = FormsTurnaround().compute(session, clinic_id=clinic_id, filters=Filters(period_from=start, period_to=until),
                                       knowledge=ctx.knowledge, calendar=ctx.calendar)
    every = next((row for row in figure.rows if row.key == "all"), None)
    if every is None:
        return None, 0
    return every.cells[4], every.cells[2]  # "Mean business days", "Sent"


def replication_measures(session: Session, ctx: AppContext, clinic_id: int, *, start: date,
                         until: date) -> tuple[dict[str, float | None], dict[str, int]]:
    """Each measure's mean over the cases that reached it, and how many cases that is (`start` to `until`: the
    run's days)."""
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

    found["pt_gap_days"] = pt_gap_days_per_course(session, ctx, clinic_id, until=until)

    measures: dict[str, float | None] = {key: _mean(values) for key, values in found.items()}
    counts = {key: len(values) for key, values in found.items()}
    measures["forms_turnaround_days"], counts["forms_turnaround_days"] = forms_turnaround(session, ctx, clinic_id, start=start,
                                                                                         until=until)
    return measures, counts
