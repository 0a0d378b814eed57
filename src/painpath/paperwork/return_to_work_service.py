"""The graded return-to-work plan: its dated steps on the episode, the coordinator's confirmation with the
employer and the clinician's check of each step, and the steps as the obligation rules read them. Audited;
recording on a step carries the version it was read at."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound, StaleWrite
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.paperwork.models import ReturnToWorkStep
from painpath.paperwork.restrictions_duties import StepFacts
from painpath.paperwork.restrictions_schemas import StepIn, StepRecordIn


def _audit(session: Session, actor: Actor, action: str, step: ReturnToWorkStep, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="return_to_work_step", object_id=step.id, patient_id=step.patient_id, detail=detail)


def episode_steps(session: Session, *, actor: Actor, episode_id: int) -> list[ReturnToWorkStep]:
    """The plan's steps in date order; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(ReturnToWorkStep).where(ReturnToWorkStep.episode_id == episode.id)
                                .order_by(ReturnToWorkStep.starts_on, ReturnToWorkStep.id)))


def add_step(session: Session, *, actor: Actor, episode_id: int, data: StepIn) -> ReturnToWorkStep:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    same_day = session.scalar(select(ReturnToWorkStep.id).where(ReturnToWorkStep.episode_id == episode.id,
                                                                ReturnToWorkStep.starts_on == data.starts_on))
    if same_day is not None:
        raise InvalidInput([FieldProblem("starts_on", "one_step_a_day", "Another step of the plan starts that day; choose another date")])
    step = ReturnToWorkStep(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, starts_on=data.starts_on,
                            kind=data.kind, description=data.description.strip(), hours_per_week=data.hours_per_week,
                            created_by_id=actor.user_id)
    session.add(step)
    session.flush()
    _audit(session, actor, "return_to_work_step.add", step, starts_on=step.starts_on.isoformat(), kind=step.kind)
    return step


def step_episode(session: Session, *, clinic_id: int | None, step_id: int) -> int:
    """The episode a step belongs to (to show its page again after a refused form)."""
    step = session.get(ReturnToWorkStep, step_id)
    if step is None or step.clinic_id != clinic_id:
        raise NotFound("return-to-work step", step_id)
    return step.episode_id


def record_on_step(session: Session, *, actor: Actor, step_id: int, data: StepRecordIn, may_check: bool) -> ReturnToWorkStep:
    """Record the employer's confirmation (coordinator) or the clinician's check (`may_check`: holds PLAN_WRITE)."""
    step = session.get(ReturnToWorkStep, step_id)
    if step is None or step.clinic_id != actor.clinic_id:
        raise NotFound("return-to-work step", step_id)
    patients.read_episode(session, actor=actor, episode_id=step.episode_id)
    if step.version != data.version:
        raise StaleWrite("return-to-work step", data.version, step.version)
    if data.what == "clinician_checked" and not may_check:
        raise Forbidden("plan:write")
    if data.on < step.starts_on:
        raise InvalidInput([FieldProblem("on", "after_start", "The step had not started on that date; give the date it was done")])
    if data.what == "employer_confirmed":
        if step.employer_confirmed_on is not None:
            raise Conflict(FieldProblem("what", "once", "The employer's confirmation is already recorded"))
        step.employer_confirmed_on, step.employer_confirmed_by_id = data.on, actor.user_id
    else:
        if step.clinician_checked_on is not None:
            raise Conflict(FieldProblem("what", "once", "The clinician's check is already recorded"))
        step.clinician_checked_on, step.clinician_checked_by_id = data.on, actor.user_id
        step.check_note = (data.note or "").strip() or None
    session.flush()
    _audit(session, actor, f"return_to_work_step.{data.what}", step, on=data.on.isoformat())
    return step


def step_facts(session: Session, *, episode_ids: Sequence[int] | None) -> list[StepFacts]:
    query = select(ReturnToWorkStep, Episode.status).join(Episode, Episode.id == ReturnToWorkStep.episode_id)
    if episode_ids is not None:
        query = query.where(ReturnToWorkStep.episode_id.in_(list(episode_ids)))
    return [StepFacts(step_id=s.id, clinic_id=s.clinic_id, episode_id=s.episode_id, patient_id=s.patient_id, kind=s.kind,
                      description=s.description, starts_on=s.starts_on, employer_confirmed_on=s.employer_confirmed_on,
                      clinician_checked_on=s.clinician_checked_on, episode_open=status == "open")
            for s, status in session.execute(query.order_by(ReturnToWorkStep.id))]
