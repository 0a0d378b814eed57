"""The episode timeline: facts in time order. Slices register a source; each adds its own facts.

Most entries are the clinic's own records, timed to the minute. An entry the patient told us about (a
2019 injury, a surgery elsewhere) says so in `reported_by` and carries `when`, its date in words as
precisely as it is known ("2019", "Mar 2021"), instead of a time of day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar, iso_utc
from painpath.patients.models import Episode


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str
    source: str
    when: str | None = None  # the date in words when it is not a moment ("2019", "Mar 2021")
    reported_by: str | None = None  # "reported by the patient": not one of the clinic's records
    link: str | None = None  # where the entry is edited, for entries staff may correct

    def as_dict(self) -> dict:
        return {"at": iso_utc(self.at) if isinstance(self.at, datetime) else self.at.isoformat(), "kind": self.kind, "summary": self.summary,
                "source": self.source, "when": self.when, "reported_by": self.reported_by}


# Sources write summaries for people, so they get the calendar to show times on the clinic's clock.
TimelineSource = Callable[[Session, Episode, BusinessCalendar], list[TimelineEntry]]
_sources: list[TimelineSource] = []


def register_source(source: TimelineSource) -> TimelineSource:
    if source not in _sources:
        _sources.append(source)
    return source


def for_episode(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in _sources:
        entries.extend(source(session, episode, calendar))
    return sorted(entries, key=lambda e: e.at)


@register_source
def _episode_facts(_session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = [TimelineEntry(episode.opened_at, "episode.opened", f"Episode opened: {episode.problem_summary}", "patients")]
    if episode.first_visit_booked_at:
        when = f" for {calendar.to_local(episode.first_visit_at):%a %d %b %Y %H:%M}" if episode.first_visit_at else ""
        entries.append(TimelineEntry(episode.first_visit_booked_at, "first_visit.booked", f"First visit booked{when}", "patients"))
    if episode.closed_at:
        entries.append(TimelineEntry(episode.closed_at, "episode.closed", f"Episode {episode.status}", "patients"))
    return entries
