"""Conservative-care history on the episode timeline: when each stretch of care started and ended."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.conservative_care.models import CareEntry
from painpath.charting.conservative_care.rules import KIND_WORDS, SOURCE_WORDS
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source

_OUTCOME = {"yes": " (did not help enough)", "no": " (helped)", "unknown": ""}


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # History is dated, not timed: place it at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


def describe(entry: CareEntry) -> str:
    """"Physical therapy (reported): twice weekly at Elm PT"."""
    return f"{KIND_WORDS.get(entry.kind, entry.kind)} ({SOURCE_WORDS.get(entry.source, entry.source)}): {entry.description}"


@register_source
def care_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for entry in session.scalars(select(CareEntry).where(CareEntry.episode_id == episode.id)):
        what = describe(entry)
        entries.append(TimelineEntry(_noon(calendar, entry.start_date), "care.started", f"{what}, from {entry.start_date:%d %b %Y}", "conservative_care"))
        if entry.end_date is not None:
            entries.append(TimelineEntry(_noon(calendar, entry.end_date), "care.ended",
                                         f"{what}, ended {entry.end_date:%d %b %Y}{_OUTCOME.get(entry.failed, '')}", "conservative_care"))
    return entries
