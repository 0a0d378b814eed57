"""Pain diagrams on the episode timeline: when each was charted and how many regions it marks."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.charting.pain_diagram.models import PainDiagram, PainMarkRow
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


@register_source
def pain_diagrams(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:  # noqa: ARG001
    counts = (select(PainDiagram.recorded_at, PainDiagram.date_of_service, func.count(PainMarkRow.id))
              .select_from(PainDiagram).outerjoin(PainMarkRow, PainMarkRow.diagram_id == PainDiagram.id)
              .where(PainDiagram.episode_id == episode.id).group_by(PainDiagram.id, PainDiagram.recorded_at, PainDiagram.date_of_service))
    entries = []
    for recorded_at, on, marked in session.execute(counts):
        regions = "no painful region" if marked == 0 else f"{marked} region{'s' if marked != 1 else ''}"
        entries.append(TimelineEntry(recorded_at, "pain_diagram.recorded", f"Pain diagram of the visit of {on:%d %b %Y}: {regions} marked",
                                     "pain_diagram"))
    return entries
