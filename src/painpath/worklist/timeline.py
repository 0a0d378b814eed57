"""Worklist facts on the episode timeline: when each task opened and how it closed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source
from painpath.worklist.models import Task


@register_source
def task_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for task in session.scalars(select(Task).where(Task.episode_id == episode.id)):
        entries.append(TimelineEntry(task.opened_at, "task.opened", f"Task opened: {task.title} (due {calendar.to_local(task.due_at):%a %d %b %Y})", "worklist"))
        if task.closed_at is not None:
            entries.append(TimelineEntry(task.closed_at, f"task.{task.status}", f"Task {task.status}: {task.title} — {task.resolution}", "worklist"))
    return entries
