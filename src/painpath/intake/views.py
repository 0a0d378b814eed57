"""JSON API for intake: calls, attempts, the callback queue, triage, acknowledgement and appointments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.intake import partial_screen, service, visits
from painpath.intake.schemas import (
    AcknowledgeIn,
    AppointmentIn,
    AppointmentOut,
    AttemptIn,
    CallIn,
    CallOut,
    CancelIn,
    LetterIn,
    RescheduleIn,
    TriageIn,
    TriageOut,
    VisitMoveIn,
)
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["intake"])


@router.post("/intake/calls", response_model=CallOut, status_code=201)
def record_call(data: CallIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]):  # noqa: ANN201
    call = service.record_call(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, data=data)
    ctx.reconcile(session, [call.episode_id])
    return call


@router.get("/intake/callbacks")
def callback_queue(session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]) -> list[dict]:
    queue = service.callback_queue(session, clinic_id=caller.user.clinic_id)
    audit_access.note_listed(session, caller.actor, list_name="intake_callbacks", patient_ids=[call.patient_id for call, _ in queue])
    return [{**CallOut.model_validate(call).model_dump(mode="json"), "failed_attempts": failures} for call, failures in queue]


@router.post("/intake/calls/{call_id}/attempts", response_model=CallOut)
def record_attempt(  # noqa: ANN201
    call_id: DbId, data: AttemptIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)],
):
    call = service.record_attempt(
        session, actor=caller.actor, call_id=call_id, outcome=data.outcome, note=data.note,
        failed_before_letter=ctx.settings.failed_attempts_before_letter,
    )
    ctx.reconcile(session, [call.episode_id])
    return call


@router.post("/intake/calls/{call_id}/letter", response_model=CallOut)
def letter_sent(call_id: DbId, data: LetterIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]):  # noqa: ANN201
    call = service.record_letter_sent(session, actor=caller.actor, call_id=call_id, channel=data.channel)
    ctx.reconcile(session, [call.episode_id])
    return call


@router.post("/intake/calls/{call_id}/no-prior-records", response_model=CallOut)
def no_prior_records(call_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]):  # noqa: ANN201
    call = service.record_no_prior_records(session, actor=caller.actor, call_id=call_id)
    ctx.reconcile(session, [call.episode_id])
    return call


@router.post("/intake/triage/preview")
def preview_triage(data: TriageIn, ctx: AppCtx, caller: Annotated[Caller, requires(Permission.INTAKE)]) -> dict:
    """The decision so far and the answers that drove it; nothing is saved."""
    decision = service.preview(ctx.knowledge, data.answers)
    return {
        "urgency": decision.urgency, "reasons": list(decision.reasons), "missing": list(decision.missing),
        "yellow_flags": list(decision.yellow_flags), "flags": [hit.flag_id for hit in decision.hits],
        "referrals": list(decision.referrals),
    }


@router.post("/intake/calls/{call_id}/triage", response_model=TriageOut, status_code=201)
def record_triage(call_id: DbId, data: TriageIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]):  # noqa: ANN201
    row = service.record_triage(session, actor=caller.actor, knowledge=ctx.knowledge, call_id=call_id, answers=data.answers)
    ctx.reconcile(session, [row.episode_id])
    return row


@router.post("/triage/{triage_id}/acknowledge", response_model=TriageOut)
def acknowledge(  # noqa: ANN201
    triage_id: DbId, data: AcknowledgeIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.TRIAGE_ACKNOWLEDGE)],
):
    row = service.acknowledge_emergent(session, actor=caller.actor, triage_id=triage_id, note=data.note)
    ctx.reconcile(session, [row.episode_id])
    return row


@router.get("/episodes/{episode_id}/appointments", response_model=list[AppointmentOut])
def list_appointments(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]):  # noqa: ANN201
    from painpath.patients import service as patients

    patients.read_episode(session, actor=caller.actor, episode_id=episode_id)  # clinic check + chart-read audit
    return service.appointments(session, episode_id=episode_id)


@router.post("/episodes/{episode_id}/appointments", response_model=AppointmentOut, status_code=201)
def book(  # noqa: ANN201
    episode_id: DbId, data: AppointmentIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.VISIT_BOOK)],
):
    appointment = service.book_appointment(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return appointment


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(  # noqa: ANN201
    appointment_id: DbId, data: CancelIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.VISIT_BOOK)],
):
    appointment = visits.cancel(session, actor=caller.actor, appointment_id=appointment_id, version=data.version, reason=data.reason)
    ctx.reconcile(session, [appointment.episode_id])
    return appointment


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentOut, status_code=201)
def reschedule(  # noqa: ANN201
    appointment_id: DbId, data: RescheduleIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.VISIT_BOOK)],
):
    """The new booking; the old visit is marked rescheduled and points at it."""
    _old, new = visits.reschedule(session, actor=caller.actor, calendar=ctx.calendar, appointment_id=appointment_id,
                                  version=data.version, start_at=data.start_at)
    ctx.reconcile(session, [new.episode_id])
    return new


def _move_route(action: str):  # noqa: ANN202
    """check-in, complete and no-show share one shape: the version in, the visit out."""
    move = {"check-in": visits.check_in, "complete": visits.complete, "no-show": visits.no_show}[action]

    def route(  # noqa: ANN202
        appointment_id: DbId, data: VisitMoveIn, ctx: AppCtx, session: DbSession,
        caller: Annotated[Caller, requires(Permission.VISIT_BOOK)],
    ):
        appointment = move(session, actor=caller.actor, appointment_id=appointment_id, version=data.version)
        ctx.reconcile(session, [appointment.episode_id])
        return appointment

    route.__name__ = f"appointment_{action.replace('-', '_')}"
    router.post(f"/appointments/{{appointment_id}}/{action}", response_model=AppointmentOut)(route)


for _action in ("check-in", "complete", "no-show"):
    _move_route(_action)


@router.post("/intake/calls/{call_id}/triage/answers")
def save_partial_answers(call_id: DbId, data: TriageIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]) -> dict:
    """Save red-flag answers as they are given; an emergent one alerts a clinician before the screen is saved."""
    call = partial_screen.save_answers(session, actor=caller.actor, knowledge=ctx.knowledge, call_id=call_id, answers=data.answers)
    ctx.reconcile(session, [call.episode_id])
    return {"call_id": call.id, "answers": call.partial_answers["answers"], "emergent": call.partial_emergent_at is not None}
