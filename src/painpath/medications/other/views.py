"""JSON API for other medications (issue 13 item 2): drugs outside the packs, listed "not assessed by painpath"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.medications.opioids import prescriptions as rx_service
from painpath.medications.other import service as other_service
from painpath.medications.other.schemas import (
    OtherAssessmentOut, OtherMedicationIn, OtherMedicationOut, OtherMedicationStop,
)
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["medications"])


def other_out(line: other_service.OtherLine) -> OtherMedicationOut:
    a = line.assessment
    assessment = OtherAssessmentOut(status=a.status, words=a.words, drug_key=a.drug_key,  # type: ignore[arg-type]
                                    daily_mme=a.mme.daily_mme if a.mme is not None and a.status == "counted" else None)
    return OtherMedicationOut.model_validate(line.medication).model_copy(update={"assessment": assessment})


def _other_line(ctx, row) -> OtherMedicationOut:  # noqa: ANN001
    return other_out(other_service.lines_for([row], ctx.knowledge, rx_service.calendar_today(ctx.calendar))[0])


@router.post("/episodes/{episode_id}/other-medications", response_model=OtherMedicationOut, status_code=201)
def record_other_medication(episode_id: DbId, data: OtherMedicationIn, ctx: AppCtx, session: DbSession,
                            caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> OtherMedicationOut:
    return _other_line(ctx, other_service.record_other(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data))


@router.get("/episodes/{episode_id}/other-medications", response_model=list[OtherMedicationOut])
def list_other_medications(episode_id: DbId, ctx: AppCtx, session: DbSession,
                           caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[OtherMedicationOut]:
    found = other_service.list_others(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return [other_out(line) for line in found]


@router.post("/other-medications/{other_id}/stop", response_model=OtherMedicationOut)
def stop_other_medication(other_id: DbId, data: OtherMedicationStop, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> OtherMedicationOut:
    return _other_line(ctx, other_service.stop_other(session, actor=caller.actor, other_id=other_id, data=data))
