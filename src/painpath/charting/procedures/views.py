"""JSON API for performed procedures and their relief reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.procedures import service
from painpath.charting.procedures.schemas import ProcedureIn, ProcedureOut, ReliefIn, ReliefOut
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["procedures"])


def procedure_out(found: service.WithRelief) -> ProcedureOut:
    procedure, reliefs = found
    return ProcedureOut.model_validate(procedure).model_copy(update={"relief": [service.relief_out(r, procedure) for r in reliefs]})


@router.post("/episodes/{episode_id}/procedures", response_model=ProcedureOut, status_code=201)
def record_procedure(episode_id: DbId, data: ProcedureIn, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> ProcedureOut:
    row = service.record_procedure(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                   episode_id=episode_id, data=data)
    return procedure_out(service.with_relief(session, row))


@router.get("/episodes/{episode_id}/procedures", response_model=list[ProcedureOut])
def list_procedures(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[ProcedureOut]:
    return [procedure_out(found) for found in service.list_procedures(session, actor=caller.actor, episode_id=episode_id)]


@router.post("/procedures/{procedure_id}/relief", response_model=ReliefOut, status_code=201)
def add_relief(procedure_id: DbId, data: ReliefIn, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> ReliefOut:
    row = service.add_relief(session, actor=caller.actor, calendar=ctx.calendar, procedure_id=procedure_id, data=data)
    procedure = service.get_procedure(session, clinic_id=caller.actor.clinic_id, procedure_id=procedure_id)
    return service.relief_out(row, procedure)
