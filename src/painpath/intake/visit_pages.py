"""Page actions on a visit (the episode's Visits panel and the visit note): check in, complete, no-show,
cancel with a reason, reschedule to a new time. Same schemas and services as the JSON API; a refused action
shows the page again with the rule next to the visit (409 on a stale version or a move the lifecycle refuses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.intake import pages, visits
from painpath.intake.schemas import CancelIn, RescheduleIn, VisitMoveIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, validation_problems

router = APIRouter()

_MOVES = {"check-in": visits.check_in, "complete": visits.complete, "no-show": visits.no_show}


def _back(request: Request, ctx, session, caller: Caller, appointment_id: int, next_path: str, form: dict, exc: Exception) -> Response:  # noqa: ANN001
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, ValidationError):
        problems, status = validation_problems(exc), 422
    elif isinstance(exc, DomainError):
        problems, status = exc.problems, exc.status_code
    else:
        problems, status = [FieldProblem("version", "current_version", "Someone else changed this visit first; the page shows it now. Try again.")], 409
    appointment = visits.get_appointment(session, caller.user.clinic_id, appointment_id)
    state = {"visit": {"appointment_id": appointment_id, "form": form, "problems": problems}}
    return pages._render_back(request, ctx, session, caller, next_path, appointment.episode_id, state, status)


def _next(form: dict, appointment_id: int, session, caller: Caller) -> str:  # noqa: ANN001
    appointment = visits.get_appointment(session, caller.user.clinic_id, appointment_id)
    return pages._safe_next(form.get("next"), f"/episodes/{appointment.episode_id}")


def _move_page(action: str):  # noqa: ANN202
    move = _MOVES[action]

    def route(appointment_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
        next_path = _next(form, appointment_id, session, caller)
        try:
            data = VisitMoveIn.model_validate({"version": form.get("version") or None})
            appointment = move(session, actor=caller.actor, appointment_id=appointment_id, version=data.version)
            ctx.reconcile(session, [appointment.episode_id])
        except (ValidationError, DomainError, StaleDataError) as exc:
            return _back(request, ctx, session, caller, appointment_id, next_path, form, exc)
        return RedirectResponse(next_path, status_code=303)

    route.__name__ = f"visit_{action.replace('-', '_')}_page"
    router.post(f"/appointments/{{appointment_id}}/{action}")(route)


for _action in _MOVES:
    _move_page(_action)


@router.post("/appointments/{appointment_id}/cancel")
def cancel_page(appointment_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
    next_path = _next(form, appointment_id, session, caller)
    try:
        data = CancelIn.model_validate({"version": form.get("version") or None, "reason": form.get("reason") or None})
        appointment = visits.cancel(session, actor=caller.actor, appointment_id=appointment_id, version=data.version, reason=data.reason)
        ctx.reconcile(session, [appointment.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        return _back(request, ctx, session, caller, appointment_id, next_path, form, exc)
    return RedirectResponse(next_path, status_code=303)


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule_page(appointment_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
    next_path = _next(form, appointment_id, session, caller)
    try:
        data = RescheduleIn.model_validate({"version": form.get("version") or None, "start_at": form.get("start_at") or None})
        _old, new = visits.reschedule(session, actor=caller.actor, calendar=ctx.calendar, appointment_id=appointment_id,
                                      version=data.version, start_at=data.start_at)
        ctx.reconcile(session, [new.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        return _back(request, ctx, session, caller, appointment_id, next_path, form, exc)
    return RedirectResponse(next_path, status_code=303)
