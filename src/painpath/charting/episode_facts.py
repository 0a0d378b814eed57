"""The charting slice's fact readers (`painpath.facts.gather`): PT visits as a course of conservative care,
numeric functional measures, and the latest structured exam. Not audited: the rules read facts, no person
reads a chart."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import rules
from painpath.charting.models import Encounter, ExamFindings, FunctionalMeasure
from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import CareComponent, ExamFact, MeasureFact

# A PT course whose last visit is this recent is still going (the next visit is usually within two weeks).
PT_ONGOING_DAYS = 14


@register_reader("pt_visits")
def pt_course_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """PT visit notes (signed or not, addenda apart) as one course from the first to the last visit."""
    visits: dict[int, list[date]] = {}
    rows = session.execute(
        select(Encounter.episode_id, Encounter.date_of_service)
        .where(ids_in(session, Encounter.episode_id, episode_ids), Encounter.encounter_type == "pt_visit", Encounter.addendum_of_id.is_(None))
        .order_by(Encounter.episode_id, Encounter.date_of_service)
    )
    for episode_id, on in rows:
        visits.setdefault(episode_id, []).append(on)
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
    rows = session.execute(
        select(FunctionalMeasure.episode_id, FunctionalMeasure.measure, FunctionalMeasure.date_of_service, FunctionalMeasure.value_number)
        .where(ids_in(session, FunctionalMeasure.episode_id, episode_ids), FunctionalMeasure.value_number.is_not(None))
        .order_by(FunctionalMeasure.episode_id, FunctionalMeasure.date_of_service, FunctionalMeasure.recorded_at, FunctionalMeasure.id)
    )
    for episode_id, measure, on, value in rows:
        found.setdefault(episode_id, []).append(MeasureFact(measure=measure, on=on, value=value))
    return {episode_id: {"measures": tuple(measures)} for episode_id, measures in found.items()}


@register_reader("exam")
def exam_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's latest structured exam (signed or not), dated by its encounter."""
    latest: dict[int, tuple] = {}
    rows = session.execute(
        select(ExamFindings.episode_id, Encounter.date_of_service, ExamFindings.findings, ExamFindings.diagnosis_codes,
               ExamFindings.reasoning)
        .join(Encounter, Encounter.id == ExamFindings.encounter_id).where(ids_in(session, ExamFindings.episode_id, episode_ids))
        .order_by(ExamFindings.episode_id, Encounter.date_of_service, Encounter.created_at, Encounter.id)
    )
    for episode_id, *exam in rows:  # oldest first: the latest exam of each episode wins
        latest[episode_id] = exam
    return {episode_id: {"exam": _exam(*exam)} for episode_id, exam in latest.items()}


def _exam(on: date, findings: dict | None, codes: list | None, reasoning: str) -> ExamFact:
    findings = dict(findings or {})
    return ExamFact(on=on, findings=findings, si_positive_count=rules.si_positive_count(findings.get("si_tests") or {}),
                    diagnosis_codes=tuple(codes or ()), reasoning=reasoning)
