"""Pain diagram use cases: record or change the diagram of a visit note, read one or an episode's, and find
the diagram before it for the comparison. Every write is audited in the same transaction.

A diagram belongs to its note: it is changed while the note is unsigned (a signed note is immutable, its
diagram too), and every save is version-checked against the diagram as it was loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from painpath.charting import service as charting
from painpath.charting.pain_diagram import rules
from painpath.charting.pain_diagram.models import PainDiagram, PainMarkRow
from painpath.charting.pain_diagram.schemas import DiagramIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.patients import service as patients


@dataclass(frozen=True)
class Recorded:
    """A diagram with its marks, in the region pack's order."""

    diagram: PainDiagram
    marks: tuple[rules.Mark, ...]


def _marks_of(session: Session, diagram_ids: Sequence[int], order: Sequence[str]) -> dict[int, tuple[rules.Mark, ...]]:
    rank = {region: index for index, region in enumerate(order)}
    found: dict[int, list[rules.Mark]] = {i: [] for i in diagram_ids}
    if diagram_ids:
        rows = session.execute(select(PainMarkRow.diagram_id, PainMarkRow.region, PainMarkRow.pain_type, PainMarkRow.intensity)
                               .where(PainMarkRow.diagram_id.in_(list(diagram_ids))))
        for diagram_id, region, pain_type, intensity in rows:
            found[diagram_id].append(rules.Mark(region, pain_type, intensity))
    return {i: tuple(sorted(marks, key=lambda m: (rank.get(m.region, len(rank)), m.region))) for i, marks in found.items()}


def _audit(session: Session, actor: Actor, action: str, diagram: PainDiagram, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="pain_diagram", object_id=diagram.id, patient_id=diagram.patient_id, detail=detail)


def record_diagram(session: Session, *, actor: Actor, regions: Mapping[str, object], encounter_id: int, data: DiagramIn) -> PainDiagram:
    """Record the diagram of a visit note, or replace its marks; nothing is saved if any check fails."""
    encounter = charting.encounter_for(session, actor=actor, encounter_id=encounter_id)
    patients.read_episode(session, actor=actor, episode_id=encounter.episode_id)
    if encounter.status == "signed":
        raise Conflict(FieldProblem("status", "unsigned", "This note is signed, so its pain diagram cannot change; record the change at the next visit"))
    if encounter.addendum_of_id is not None:
        raise InvalidInput(FieldProblem("encounter", "visit_note", "An addendum has no pain diagram; record it on the visit note"))
    marks = [rules.Mark(m.region, m.pain_type, m.intensity) for m in data.marks]
    problems = rules.mark_problems(marks, regions)
    if problems:
        raise InvalidInput(problems)
    diagram = session.scalar(select(PainDiagram).where(PainDiagram.encounter_id == encounter.id))
    if diagram is None:
        if data.version is not None:
            raise StaleWrite("pain diagram", data.version, 0)
        diagram = PainDiagram(clinic_id=encounter.clinic_id, encounter_id=encounter.id, episode_id=encounter.episode_id,
                              patient_id=encounter.patient_id, date_of_service=encounter.date_of_service,
                              recorded_by_id=actor.user_id, recorded_at=utcnow())
        session.add(diagram)
        session.flush()
        action = "pain_diagram.record"
    else:
        if data.version != diagram.version:
            raise StaleWrite("pain diagram", data.version or 0, diagram.version)
        session.execute(delete(PainMarkRow).where(PainMarkRow.diagram_id == diagram.id))
        # Touching the row gives the diagram its next version, so a form loaded before this save is refused.
        diagram.recorded_by_id, diagram.recorded_at = actor.user_id, utcnow()
        diagram.date_of_service = encounter.date_of_service
        flag_modified(diagram, "recorded_at")  # even when the clock and the person are the same
        action = "pain_diagram.update"
    session.add_all(PainMarkRow(clinic_id=diagram.clinic_id, diagram_id=diagram.id, episode_id=diagram.episode_id,
                                region=m.region, pain_type=m.pain_type, intensity=m.intensity) for m in marks)
    session.flush()
    _audit(session, actor, action, diagram, regions=sorted(m.region for m in marks), encounter_id=encounter.id)
    return diagram


def diagram_of_encounter(session: Session, *, encounter_id: int, order: Sequence[str]) -> Recorded | None:
    """A note's diagram, not audited: the caller shows it on a page whose read is audited."""
    diagram = session.scalar(select(PainDiagram).where(PainDiagram.encounter_id == encounter_id))
    if diagram is None:
        return None
    return Recorded(diagram, _marks_of(session, [diagram.id], order)[diagram.id])


def episode_diagrams(session: Session, *, episode_id: int, order: Sequence[str]) -> list[Recorded]:
    """An episode's diagrams, oldest first; not audited (shown on the episode page, whose read is)."""
    diagrams = list(session.scalars(select(PainDiagram).where(PainDiagram.episode_id == episode_id)
                                    .order_by(PainDiagram.date_of_service, PainDiagram.id)))
    marks = _marks_of(session, [d.id for d in diagrams], order)
    return [Recorded(d, marks[d.id]) for d in diagrams]


def list_diagrams(session: Session, *, actor: Actor, episode_id: int, order: Sequence[str]) -> list[Recorded]:
    """An episode's diagrams for the API, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return episode_diagrams(session, episode_id=episode.id, order=order)


def previous_of(found: Sequence[Recorded], diagram_id: int | None, on=None) -> Recorded | None:  # noqa: ANN001
    """The diagram before this one on the episode (by visit date, then by when it was started)."""
    earlier = None
    for recorded in found:
        d = recorded.diagram
        if diagram_id is not None and d.id == diagram_id:
            return earlier
        if diagram_id is None and on is not None and d.date_of_service > on:
            return earlier
        earlier = recorded
    return earlier
