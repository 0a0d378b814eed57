"""The episode timeline's check-in entries: each check-in note (done), each cancellation, and each check-in
that was missed (the coordinator's task opened for it, read read-only from the worklist's tasks)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.checkins.models import CheckinRecord
from painpath.checkins.rules import KIND_MISSED, checkin_link
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source
from painpath.worklist.models import Task


@register_source
def checkin_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for record in session.scalars(select(CheckinRecord).where(CheckinRecord.episode_id == episode.id)):
        link = checkin_link(episode.id, record.key)
        if record.done_on is not None:
            at = record.done_at or calendar.to_utc(datetime.combine(record.done_on, time(12, 0)))
            flags = f"; red flags: {record.red_flags_words}" if record.red_flags else ""
            relief = f"; {record.relief_percent:g}% relief" if record.relief_percent is not None else ""
            entries.append(TimelineEntry(at, "checkin.done", f"Check-in done by telehealth: pain {record.pain_now}/10{relief}{flags}. "
                                         f"Next: {record.next_step}", "checkins", link=link))
        if record.cancelled_at is not None:
            entries.append(TimelineEntry(record.cancelled_at, "checkin.cancelled", f"Check-in cancelled: {record.cancel_reason}",
                                         "checkins", link=link))
    for task in session.scalars(select(Task).where(Task.episode_id == episode.id, Task.kind == KIND_MISSED)):
        title = task.title.split("(", 1)[-1].rstrip(")") if "(" in task.title else "a check-in"
        entries.append(TimelineEntry(task.opened_at, "checkin.missed", f"Check-in missed: {title}", "checkins",
                                     link=(task.evidence or {}).get("link")))
    return entries
