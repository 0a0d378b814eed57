"""JSON API for the patient's history: read it, and save it as it should now read (with the version read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.history import service
from painpath.charting.history.schemas import HistoryIn, HistoryOut
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["patient history"])


@router.get("/patients/{patient_id}/history", response_model=HistoryOut | None)
def read_history(patient_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    """The patient's history; null when nothing is recorded yet."""
    return service.read_history(session, actor=caller.actor, patient_id=patient_id)


@router.put("/patients/{patient_id}/history", response_model=HistoryOut)
def record_history(patient_id: DbId, data: HistoryIn, ctx: AppCtx, session: DbSession,
                   caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    """Save the history; 409 when someone saved it after the version given was read."""
    return service.record_history(session, actor=caller.actor, calendar=ctx.calendar, patient_id=patient_id, data=data)
