"""The demo clinic's forms queue (issue 17): FMLA certifications and a short-term-disability facts sheet in
every state (received today, drafted from the chart and awaiting the clinician's signature, signed and
waiting to go, sent with its turnaround, closed, and one past its legal deadline), so the queue page, the
episode's Forms panel, the form request page's actions and the worklist's form tasks all show.

Each request is logged and drafted through the service (validated, filled from the chart and audited like
one from the form); its history is then dated in the past directly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.models import FunctionalMeasure
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.paperwork import form_service
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.form_schemas import DraftIn, FormRequestIn
from painpath.patients.models import Episode

# (state, form, requester kind, requester, days back it arrived, days from its arrival to each later step)
FORMS = (
    ("received", "fmla_wh380e", "employer", "Midwest Freight Lines HR", 0, None),
    ("drafted", "fmla_wh380e", "employer", "Lakeshore Schools District Office", 2, 1),
    ("signed", "std_facts_sheet", "insurer", "Harbor Mutual Disability Claims", 3, 1),
    ("sent", "fmla_wh380e", "employer", "Acme Logistics HR", 12, 4),
    ("closed", "fmla_wh380e", "employer", "County Public Works", 30, 3),
    ("overdue", "fmla_wh380e", "employer", "Prairie Hospital Staffing", 19, 2),
)


def _at(ctx: AppContext, day: date) -> datetime:
    return ctx.calendar.to_utc(datetime.combine(day, time(11, 0)))


def add_forms(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Log the forms on the open episodes with functional measures on file; returns how many."""
    coordinator = actor_for(users["coordinator"])
    episodes = list(session.scalars(
        select(Episode.id).join(FunctionalMeasure, FunctionalMeasure.episode_id == Episode.id)
        .where(Episode.clinic_id == clinic_id, Episode.status == "open").group_by(Episode.id).order_by(Episode.id).limit(len(FORMS))))
    if not episodes:
        return 0
    today = ctx.calendar.local_date(now)
    for index, (state, form_id, kind, requester, back, step_days) in enumerate(FORMS):
        received = today - timedelta(days=back)
        request = form_service.create_request(
            session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episodes[index % len(episodes)],
            data=FormRequestIn(form_id=form_id, requester_kind=kind, requester_name=requester, requester_contact="(708) 555-0199",
                               received_on=received, employee_receipt_on=received - timedelta(days=1), owner_id=users["coordinator"].id))
        if state != "received":
            form_service.draft(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, request_id=request.id,
                               data=DraftIn(version=request.version, flare_times=2, flare_per="month", flare_duration=2,
                                            flare_unit="days", expected_duration="About 6 months, with flare-ups"))
        request.created_at = request.state_since = _at(ctx, received)
        if state != "received":
            _history(ctx, request, state, received, step_days, users["clinician"].id)
    session.flush()
    return len(FORMS)


def _history(ctx: AppContext, r: FormRequest, state: str, received: date, step_days: int, clinician_id: int) -> None:
    """Date the request's steps from its arrival, one step every `step_days` days, up to `state`."""
    r.drafted_at = r.state_since = _at(ctx, received + timedelta(days=min(step_days, 1)))
    if state in ("drafted", "overdue"):
        return
    r.status, r.signed_at, r.signed_by_id = "signed", _at(ctx, received + timedelta(days=step_days)), clinician_id
    r.state_since = r.signed_at
    if state == "signed":
        return
    r.status, r.sent_at, r.transport, r.sent_to = "sent", _at(ctx, received + timedelta(days=step_days)), "fax", "demo fax gateway"
    r.transmission, r.attempts = "sent", 1
    r.state_since = r.sent_at
    if state == "closed":
        r.status, r.closed_at = "closed", _at(ctx, received + timedelta(days=step_days + 2))
        r.state_since = r.closed_at
