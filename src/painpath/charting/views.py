"""JSON API for encounters (visit notes and addenda), functional measures and exam findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from painpath.charting import rules, service
from painpath.charting.schemas import AddendumIn, EncounterIn, EncounterOut, EncounterUpdate, ExamIn, ExamOut, MeasuresIn, SignIn
from painpath.core.auth.roles import Permission
from painpath.core.errors import NotFound
from painpath.core.validation import DbId, SafeText
from painpath.patients import service as patients
from painpath.web.deps import Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["charting"])


def _out(encounter) -> dict:  # noqa: ANN001
    return EncounterOut.model_validate(encounter).model_dump(mode="json")


@router.post("/episodes/{episode_id}/encounters", response_model=EncounterOut, status_code=201)
def create(episode_id: DbId, data: EncounterIn, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    return service.create_encounter(session, actor=caller.actor, episode_id=episode_id, data=data)


@router.get("/episodes/{episode_id}/encounters", response_model=list[EncounterOut])
def list_for_episode(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return service.list_encounters(session, actor=caller.actor, episode_id=episode_id)


@router.get("/encounters/{encounter_id}")
def read(encounter_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict:
    encounter, addenda = service.read_encounter(session, actor=caller.actor, encounter_id=encounter_id)
    exam = service.exam_of(session, encounter_id=encounter.id)
    return {
        "encounter": _out(encounter),
        "addenda": [_out(a) for a in addenda],
        "measures": service.measures_of(session, encounter_id=encounter.id),
        "exam": service.exam_out(exam) if exam is not None else None,
    }


@router.put("/encounters/{encounter_id}", response_model=EncounterOut)
def update(encounter_id: DbId, data: EncounterUpdate, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    return service.update_encounter(session, actor=caller.actor, encounter_id=encounter_id, data=data)


@router.post("/encounters/{encounter_id}/sign", response_model=EncounterOut)
def sign(encounter_id: DbId, data: SignIn, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_SIGN)]):  # noqa: ANN201
    return service.sign_encounter(session, actor=caller.actor, encounter_id=encounter_id, version=data.version)


@router.post("/encounters/{encounter_id}/addenda", response_model=EncounterOut, status_code=201)
def addendum(encounter_id: DbId, data: AddendumIn, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    return service.add_addendum(session, actor=caller.actor, encounter_id=encounter_id, data=data)


@router.put("/encounters/{encounter_id}/measures")
def record_measures(encounter_id: DbId, data: MeasuresIn, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> dict:
    return service.record_measures(session, actor=caller.actor, encounter_id=encounter_id, data=data)


@router.put("/encounters/{encounter_id}/exam", response_model=ExamOut)
def record_exam(encounter_id: DbId, data: ExamIn, session: DbSession, caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> dict:
    return service.exam_out(service.record_exam(session, actor=caller.actor, encounter_id=encounter_id, data=data))


@router.get("/episodes/{episode_id}/measures/latest")
def latest_measures(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict:
    _patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return service.latest_measures(session, episode_id=episode.id)


@router.get("/episodes/{episode_id}/measures/{measure}")
def measure_series(episode_id: DbId, measure: Annotated[SafeText, Path(max_length=40)], session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[dict]:
    if measure not in rules.MEASURES:
        raise NotFound("measure", measure)
    _patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return [{"date": d.isoformat(), "value": v} for d, v in service.measure_series(session, episode_id=episode.id, measure=measure)]
