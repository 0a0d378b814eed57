"""JSON API for opioid tapers (issue 7 item 4): start from the episode's prescriptions, read, pause, resume,
record a step done, print the schedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.medications.shared import DoneIn
from painpath.medications.tapers import rules as taper_rules
from painpath.medications.tapers import service as taper_service
from painpath.medications.tapers.schemas import PauseIn, ResumeIn, TaperIn, TaperOut, TaperStepOut
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["medications"])


def taper_out(session, plan) -> TaperOut:  # noqa: ANN001
    steps = [TaperStepOut.model_validate(s) for s in taper_service.steps_of(session, plan.id)]
    return TaperOut.model_validate(plan).model_copy(update={"steps": steps, "naloxone_prompt": taper_rules.NALOXONE_PROMPT})


@router.post("/episodes/{episode_id}/tapers", response_model=TaperOut, status_code=201)
def create_taper(episode_id: DbId, data: TaperIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    plan = taper_service.create_taper(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return taper_out(session, plan)


@router.get("/episodes/{episode_id}/tapers", response_model=list[TaperOut])
def list_tapers(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[TaperOut]:
    return [taper_out(session, p) for p in taper_service.tapers_for_episode(session, actor=caller.actor, episode_id=episode_id)]


@router.get("/tapers/{taper_id}", response_model=TaperOut)
def read_taper(taper_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> TaperOut:
    return taper_out(session, taper_service.get_taper(session, actor=caller.actor, taper_id=taper_id))


@router.post("/tapers/{taper_id}/pause", response_model=TaperOut)
def pause_taper(taper_id: DbId, data: PauseIn, ctx: AppCtx, session: DbSession,
                caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    return taper_out(session, taper_service.pause_taper(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id, data=data))


@router.post("/tapers/{taper_id}/resume", response_model=TaperOut)
def resume_taper(taper_id: DbId, data: ResumeIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    return taper_out(session, taper_service.resume_taper(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id, data=data))


@router.post("/taper-steps/{step_id}/done", response_model=TaperStepOut)
def taper_step_done(step_id: DbId, data: DoneIn, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperStepOut:
    return TaperStepOut.model_validate(taper_service.mark_step_done(session, actor=caller.actor, step_id=step_id, data=data))


@router.get("/tapers/{taper_id}/schedule.pdf")
def taper_schedule_pdf(taper_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    pdf = taper_service.schedule_pdf(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id)
    headers = {"Content-Disposition": f'inline; filename="taper-schedule-{taper_id}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)
