"""The pain diagram's fact reader (`painpath.facts.gather`): each episode's recorded diagrams with their
marked regions, oldest first, for the payer criteria (a kit's "pain diagram" item) and the packet. Not
audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.pain_diagram.models import PainDiagram, PainMarkRow
from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import PainDiagramFact, PainMark

_diagram = PainDiagram.__table__.c
_mark = PainMarkRow.__table__.c
_MARKS = FactSelect(lambda episode_in: select(
    _diagram.episode_id, _diagram.id, _diagram.date_of_service, _mark.region, _mark.pain_type, _mark.intensity,
).select_from(PainDiagram.__table__.outerjoin(PainMarkRow.__table__, _mark.diagram_id == _diagram.id))
 .where(episode_in(_diagram.episode_id)).order_by(_diagram.episode_id, _diagram.date_of_service, _diagram.id, _mark.id))


@register_reader("pain_diagrams")
def pain_diagram_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's diagrams, oldest first; a diagram with no region marked has no marks (no pain marked)."""
    found: dict[int, dict[int, tuple]] = {}  # episode -> diagram id -> (date, marks)
    for episode_id, diagram_id, on, region, pain_type, intensity in _MARKS.rows(session, episode_ids):
        diagrams = found.setdefault(episode_id, {})
        _on, marks = diagrams.setdefault(diagram_id, (on, []))
        if region is not None:
            marks.append(PainMark(region, pain_type, intensity))
    return {episode_id: {"pain_diagrams": tuple(PainDiagramFact(on, tuple(marks), f"pain_diagram:{diagram_id}")
                                                for diagram_id, (on, marks) in diagrams.items())}
            for episode_id, diagrams in found.items()}
