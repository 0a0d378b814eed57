"""Imports on the episode timeline: "Records imported from <file>: 12 conditions, 9 medications, ..."."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.interop.fhir import count_phrase
from painpath.intake.imports.service import imports_for_episode
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


@register_source
def import_entries(session: Session, episode: Episode, _calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for row in imports_for_episode(session, episode_id=episode.id):
        summary = f"Records imported from {row.source_filename}: {count_phrase(row.counts)}"
        others = (row.skipped or {}).get("other_patients", 0)
        if others:
            summary += f" ({others} other patient{'s' if others != 1 else ''} in the file not filed)"
        entries.append(TimelineEntry(row.imported_at, "records.imported", summary, "imports"))
    return entries
