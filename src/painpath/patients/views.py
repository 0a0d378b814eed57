"""JSON API for patients, coverages and episodes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.validation import BirthDate, DbId, SafeText
from painpath.patients import service, timeline
from painpath.patients.schemas import (
    CoverageEnd,
    CoverageIn,
    CoverageOut,
    CoverageUpdate,
    EpisodeIn,
    EpisodeOut,
    EpisodeUpdate,
    PatientIn,
    PatientOut,
    PatientUpdate,
)
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["patients"])


@router.get("/patients", response_model=list[PatientOut])
def search(
    session: DbSession,
    caller: Annotated[Caller, requires(Permission.PATIENT_SEARCH)],
    q: Annotated[SafeText, Query(max_length=100)] = "",
    birth_date: BirthDate | None = None,
) -> list:
    found = service.search_patients(session, clinic_id=caller.user.clinic_id, text=q, birth_date=birth_date, viewer=caller.actor)
    audit_access.note_listed(session, caller.actor, list_name="patient_search", patient_ids=[p.id for p in found])
    return found


@router.post("/patients", response_model=PatientOut, status_code=201)
def create(data: PatientIn, session: DbSession, caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)]):  # noqa: ANN201
    return service.create_patient(session, actor=caller.actor, data=data)


@router.get("/patients/{patient_id}")
def chart(patient_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> dict:
    patient, coverages, episodes = service.read_chart(session, actor=caller.actor, patient_id=patient_id)
    return {
        "patient": PatientOut.model_validate(patient).model_dump(mode="json"),
        "coverages": [CoverageOut.model_validate(c).model_dump(mode="json") for c in coverages],
        "episodes": [EpisodeOut.model_validate(e).model_dump(mode="json") for e in episodes],
    }


@router.put("/patients/{patient_id}", response_model=PatientOut)
def update(patient_id: DbId, data: PatientUpdate, session: DbSession, caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)]):  # noqa: ANN201
    return service.update_patient(session, actor=caller.actor, patient_id=patient_id, data=data)


@router.post("/patients/{patient_id}/coverages", response_model=CoverageOut, status_code=201)
def add_coverage(  # noqa: ANN201
    patient_id: DbId, data: CoverageIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
):
    return service.add_coverage(session, actor=caller.actor, knowledge=ctx.knowledge, patient_id=patient_id, data=data)


@router.put("/coverages/{coverage_id}", response_model=CoverageOut)
def update_coverage(  # noqa: ANN201
    coverage_id: DbId, data: CoverageUpdate, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
):
    return service.update_coverage(session, actor=caller.actor, knowledge=ctx.knowledge, coverage_id=coverage_id, data=data)


@router.post("/coverages/{coverage_id}/end", response_model=CoverageOut)
def end_coverage(  # noqa: ANN201
    coverage_id: DbId, data: CoverageEnd, session: DbSession, caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)],
):
    return service.end_coverage(session, actor=caller.actor, coverage_id=coverage_id, data=data)


@router.post("/patients/{patient_id}/episodes", response_model=EpisodeOut, status_code=201)
def open_episode(  # noqa: ANN201
    patient_id: DbId, data: EpisodeIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)],
):
    episode = service.open_episode(session, actor=caller.actor, patient_id=patient_id, data=data)
    ctx.reconcile(session, [episode.id])
    return episode


@router.get("/episodes/{episode_id}", response_model=EpisodeOut)
def episode(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]):  # noqa: ANN201
    _patient, found = service.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return found


@router.put("/episodes/{episode_id}", response_model=EpisodeOut)
def update_episode(  # noqa: ANN201
    episode_id: DbId, data: EpisodeUpdate, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)],
):
    found = service.update_episode(session, actor=caller.actor, episode_id=episode_id, data=data)
    ctx.reconcile(session, [found.id])
    return found


@router.get("/episodes/{episode_id}/timeline")
def episode_timeline(
    episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)],
) -> list[dict]:
    _patient, found = service.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return [entry.as_dict() for entry in timeline.for_episode(session, found, ctx.calendar)]
