"""The charting slice's fact readers (`painpath.facts.gather`): PT visits as a course of conservative care,
numeric functional measures, and the latest structured exam. Not audited: the rules read facts, no person
reads a chart."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import rules
from painpath.charting.models import Encounter, ExamFindings, FunctionalMeasure
from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import CareComponent, ExamFact, MeasureFact

# A PT course whose last visit is this recent is still going (the next visit is usually within two weeks).
PT_ONGOING_DAYS = 14

_encounter, _measures, _exam_row = Encounter.__table__.c, FunctionalMeasure.__table__.c, ExamFindings.__table__.c
_PT_VISITS = FactSelect(lambda episode_in: select(_encounter.episode_id, _encounter.date_of_service).where(
    episode_in(_encounter.episode_id), _encounter.encounter_type == "pt_visit", _encounter.addendum_of_id.is_(None),
).order_by(_encounter.episode_id, _encounter.date_of_service))
_MEASURES = FactSelect(lambda episode_in: select(_measures.episode_id, _measures.measure, _measures.date_of_service, _measures.value_number)
                       .where(episode_in(_measures.episode_id), _measures.value_number.is_not(None))
                       .order_by(_measures.episode_id, _measures.date_of_service, _measures.recorded_at, _measures.id))
_EXAMS = FactSelect(lambda episode_in: select(_exam_row.episode_id, _encounter.date_of_service, _exam_row.findings, _exam_row.diagnosis_codes,
                                              _exam_row.reasoning)
                    .join_from(ExamFindings.__table__, Encounter.__table__, _encounter.id == _exam_row.encounter_id)
                    .where(episode_in(_exam_row.episode_id))
                    .order_by(_exam_row.episode_id, _encounter.date_of_service, _encounter.created_at, _encounter.id))


@register_reader("pt_visits")
def pt_course_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """PT visit notes (signed or not, addenda apart) as one course from the first to the last visit."""
    visits: dict[int, list[date]] = {}
    rows = _PT_VISITS.rows(session, episode_ids)
    for episode_id, on in rows:
        if (known := visits.get(episode_id)) is None:
            visits[episode_id] = [on]
        else:
            known.append(on)
    return {episode_id: {"care": (pt_course(dates, query.today),)} for episode_id, dates in visits.items()}


def pt_course(visits: list[date], today: date) -> CareComponent:
    """The visits, oldest first, as one course: ongoing while the last visit is recent."""
    first, last = visits[0], visits[-1]
    ongoing = today - last <= timedelta(days=PT_ONGOING_DAYS)
    count = f"{len(visits)} PT visit{'s' if len(visits) != 1 else ''}"
    return CareComponent(kind="physical_therapy", start=first, end=None if ongoing else last,
                         description=f"{count} at this clinic, {first:%d %b %Y} to {last:%d %b %Y}", source="pt_visits")


@register_reader("measures")
def measure_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's numeric functional measures, oldest first."""
    found: dict[int, list[MeasureFact]] = {}
    rows = _MEASURES.rows(session, episode_ids)
    for episode_id, measure, on, value in rows:
        made = MeasureFact(measure, on, value)
        if (known := found.get(episode_id)) is None:
            found[episode_id] = [made]
        else:
            known.append(made)
    return {episode_id: {"measures": tuple(measures)} for episode_id, measures in found.items()}


@register_reader("exam")
def exam_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's latest structured exam (signed or not), dated by its encounter."""
    latest: dict[int, tuple] = {}
    rows = _EXAMS.rows(session, episode_ids)
    for episode_id, *exam in rows:  # oldest first: the latest exam of each episode wins
        latest[episode_id] = exam
    return {episode_id: {"exam": _exam(*exam)} for episode_id, exam in latest.items()}


def _exam(on: date, findings: dict | None, codes: list | None, reasoning: str) -> ExamFact:
    findings = dict(findings or {})
    return ExamFact(on, findings, rules.si_positive_count(findings.get("si_tests") or {}), tuple(codes or ()), reasoning)
