"""The audit viewer (page and JSON twin) for the roles that hold the audit permission: manager and admin.

Filters by patient (MRN or id), user, action and a date range on the clinic's calendar; pages newest
first by id. Every look at the trail is itself an `audit.read` row naming its filter (and the patient,
when the reviewer asked about one), so the trail shows who reviewed whom. The patients listed on the
page are not noted one by one: the reviewer's row already says what was asked for, and a per-patient
row for every look at the trail would make the trail grow with each reading of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core import audit, audit_log
from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.patients.models import Patient
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import clinic_clock
from painpath.web.templating import action_words, templates

router = APIRouter()
FILTER_LABELS = {"patient": "Patient (MRN or id)", "user": "User", "action": "Action", "since": "From", "until": "To", "before": "Page"}
FILTER_FIELDS = tuple(FILTER_LABELS)


@dataclass(frozen=True)
class Shown:
    """One audit row as the reviewer reads it."""

    event: AuditEvent
    who: str
    mrn: str | None


def _date(raw: str, field: str, problems: list[FieldProblem]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(FieldProblem(field, "date", f"Enter {FILTER_LABELS[field].lower()} as a date, for example 2026-11-20"))
        return None


def _positive_int(raw: str, field: str, problems: list[FieldProblem]) -> int | None:
    if not raw:
        return None
    if raw.isdigit() and 0 < int(raw) < 2**63:
        return int(raw)
    problems.append(FieldProblem(field, "positive_integer", f"{FILTER_LABELS[field]} must be a whole number above 0"))
    return None


def _patient_id(session: Session, clinic_id: int, raw: str, problems: list[FieldProblem]) -> int | None:
    """An MRN first (MRNs may be all digits), else a patient id; either must be this clinic's."""
    if not raw:
        return None
    found = session.scalar(select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.mrn == raw))
    if found is None and raw.isdigit() and int(raw) < 2**63:
        found = session.scalar(select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.id == int(raw)))
    if found is None:
        problems.append(FieldProblem("patient", "known_patient", "No patient of this clinic has that MRN or id"))
    return found


def parse_filter(session: Session, ctx: AppContext, clinic_id: int, raw: dict[str, str]) -> audit_log.AuditFilter:
    """The reviewer's filter from query parameters; InvalidInput names every field that is wrong."""
    raw = {key: (raw.get(key) or "").strip()[:80] for key in FILTER_FIELDS}
    problems: list[FieldProblem] = []
    since, until = _date(raw["since"], "since", problems), _date(raw["until"], "until", problems)
    if since and until and until < since:
        problems.append(FieldProblem("until", "after_since", "The end of the range cannot be before its start"))
    f = audit_log.AuditFilter(
        patient_id=_patient_id(session, clinic_id, raw["patient"], problems),
        user_id=_positive_int(raw["user"], "user", problems),
        action=raw["action"] or None,
        # Whole days on the clinic's calendar: from the start of `since` to the end of `until`.
        since=ctx.calendar.to_utc(datetime.combine(since, time())) if since else None,
        until=ctx.calendar.to_utc(datetime.combine(until + timedelta(days=1), time())) if until else None,
        before_id=_positive_int(raw["before"], "before", problems),
    )
    if problems:
        raise InvalidInput(problems)
    return f


def _read(session: Session, caller: Caller, f: audit_log.AuditFilter) -> tuple[list[Shown], int | None]:
    clinic_id = caller.user.clinic_id
    page = audit_log.search(session, clinic_id=clinic_id, f=f)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({e.actor_user_id for e in page.events} - {None})))}
    mrns = dict(session.execute(select(Patient.id, Patient.mrn).where(
        Patient.clinic_id == clinic_id, Patient.id.in_({e.patient_id for e in page.events} - {None}))).all())
    audit.record(session, caller.actor, "audit.read", object_type="audit_log", patient_id=f.patient_id,
                 detail={"filter": f.as_detail(), "rows": len(page.events)})
    shown = []
    for event in page.events:
        user = users.get(event.actor_user_id)
        who = f"{user.display_name} ({user.role.replace('_', ' ')})" if user else event.actor_label
        shown.append(Shown(event=event, who=who, mrn=mrns.get(event.patient_id)))
    return shown, page.next_before_id


@router.get("/audit")
def audit_page(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUDIT_READ)]) -> Response:
    form = {key: request.query_params.get(key, "") for key in FILTER_FIELDS}
    problems: list[FieldProblem] = []
    rows, next_before = [], None
    try:
        rows, next_before = _read(session, caller, parse_filter(session, ctx, caller.user.clinic_id, form))
    except DomainError as exc:
        problems = exc.problems
    clinic_id = caller.user.clinic_id
    people = session.execute(select(User.id, User.display_name, User.role).where(User.clinic_id == clinic_id).order_by(User.display_name)).all()
    next_query = None
    if next_before is not None:
        next_query = "&".join(f"{k}={v}" for k, v in {**form, "before": str(next_before)}.items() if v)
    context = {
        "caller": caller, "rows": rows, "form": form, "problems": problems, "labels": FILTER_LABELS,
        "errors": {p.field: [p.message] for p in problems},
        "users": [(str(uid), f"{name} ({role.replace('_', ' ')})") for uid, name, role in people],
        "actions": [(a, action_words(a)) for a in audit_log.actions(session, clinic_id=clinic_id)],
        "next_query": next_query, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
    }
    return templates.TemplateResponse(request, "audit_log.html", context, status_code=422 if problems else 200)


@router.get("/api/audit")
def audit_api(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUDIT_READ)]) -> dict:
    f = parse_filter(session, ctx, caller.user.clinic_id, dict(request.query_params))
    rows, next_before = _read(session, caller, f)
    return {
        "events": [
            {
                "id": r.event.id, "at": r.event.at.isoformat() + "Z", "who": r.who, "actor_user_id": r.event.actor_user_id,
                "action": r.event.action, "object_type": r.event.object_type, "object_id": r.event.object_id,
                "patient_id": r.event.patient_id, "mrn": r.mrn, "request_id": r.event.request_id, "detail": r.event.detail,
            }
            for r in rows
        ],
        "next_before": next_before,
    }
