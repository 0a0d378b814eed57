"""Imaging-study use cases: record a study, record that its report arrived, list an episode's studies,
and read them in bulk for the criteria engine. Every write is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.orders import rules
from painpath.orders.models import ImagingStudy
from painpath.orders.schemas import ReportIn, StudyIn
from painpath.patients import service as patients


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, study: ImagingStudy, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="imaging_study", object_id=study.id, patient_id=study.patient_id, detail=detail)


def get_study(session: Session, *, clinic_id: int | None, study_id: int) -> ImagingStudy:
    found = session.get(ImagingStudy, study_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("imaging_study", study_id)
    return found


# Which records requests an episode has is the records sub-slice's to say. It sits above this slice (its
# pages file imaging reports through this service), so it registers its reader here instead of being
# imported: intake/records/service.py. With none registered every reference is refused.
EpisodeRequestIds = Callable[[Session, int, int], set[int]]  # (session, clinic id, episode id) -> request ids
_request_id_readers: list[EpisodeRequestIds] = []


def register_request_ids(reader: EpisodeRequestIds) -> EpisodeRequestIds:
    if reader not in _request_id_readers:
        _request_id_readers.append(reader)
    return reader


def _reference_problems(session: Session, *, clinic_id: int, episode_id: int, request_id: int | None) -> list[FieldProblem]:
    """A report reference must be one of this episode's records requests."""
    if request_id is None:
        return []
    if not any(request_id in reader(session, clinic_id, episode_id) for reader in _request_id_readers):
        return [FieldProblem("records_request_id", "episode_request", f"Records request {request_id} is not one of this episode's")]
    return []


def record_study(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: StudyIn) -> ImagingStudy:
    """Record a study ordered here or done outside; nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    problems = rules.study_problems(values, today=_today(calendar))
    problems += _reference_problems(session, clinic_id=episode.clinic_id, episode_id=episode.id, request_id=data.records_request_id)
    if problems:
        raise InvalidInput(problems)
    study = ImagingStudy(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id,
                         recorded_by_id=actor.user_id, recorded_at=utcnow(), **values)
    session.add(study)
    session.flush()
    _audit(session, actor, "imaging_study.record", study, modality=study.modality, report_on_file=study.report_on_file)
    return study


def record_report(session: Session, *, actor: Actor, study_id: int, data: ReportIn) -> ImagingStudy:
    """The report of a known study arrived (an outside MRI report faxed back, say)."""
    study = get_study(session, clinic_id=actor.clinic_id, study_id=study_id)
    if study.version != data.version:
        raise StaleWrite("imaging study", data.version, study.version)
    if study.report_on_file:
        raise Conflict(FieldProblem("report_on_file", "not_on_file", "The report of this study is already on file"))
    problems = _reference_problems(session, clinic_id=study.clinic_id, episode_id=study.episode_id, request_id=data.records_request_id)
    if problems:
        raise InvalidInput(problems)
    study.report_on_file = True
    study.records_request_id = data.records_request_id
    study.concordant = data.concordant
    study.summary = data.summary or study.summary
    session.flush()
    _audit(session, actor, "imaging_study.report", study, records_request_id=study.records_request_id, concordant=study.concordant)
    return study


def list_studies(session: Session, *, actor: Actor, episode_id: int) -> list[ImagingStudy]:
    """An episode's studies, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(ImagingStudy).where(ImagingStudy.episode_id == episode.id)
                                .order_by(ImagingStudy.performed_on, ImagingStudy.id)))


def file_report(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: StudyIn) -> ImagingStudy:
    """An imaging report arrived: on the records tracker, in an authorization kit, or typed from an outside
    study. One fact however it came: the episode's study of that modality, region and date awaiting its
    report gets it; a study whose report is already on file is left as it is; otherwise the study is
    recorded with its report. The authorization kit reads this study (gather.py), whatever the route."""
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    same = list(session.scalars(select(ImagingStudy).where(
        ImagingStudy.episode_id == episode_id, ImagingStudy.modality == data.modality, ImagingStudy.region == data.region,
        ImagingStudy.performed_on == data.performed_on,
    ).order_by(ImagingStudy.id)))
    on_file = next((s for s in same if s.report_on_file), None)
    if on_file is not None:
        return on_file
    if same:
        report = ReportIn(records_request_id=data.records_request_id, concordant=data.concordant, summary=data.summary,
                          version=same[0].version)
        return record_report(session, actor=actor, study_id=same[0].id, data=report)
    return record_study(session, actor=actor, calendar=calendar, episode_id=episode_id,
                        data=data.model_copy(update={"report_on_file": True}))


def judge_concordance(session: Session, *, actor: Actor, study_id: int, concordant: str) -> ImagingStudy:
    """A clinician judged whether the study's report supports the working diagnosis (an order's review)."""
    study = get_study(session, clinic_id=actor.clinic_id, study_id=study_id)
    if not study.report_on_file:
        raise Conflict(FieldProblem("concordant", "needs_report", "Concordance is read from the report; record the report first"))
    study.concordant = concordant
    session.flush()
    _audit(session, actor, "imaging_study.concordance", study, concordant=concordant)
    return study
