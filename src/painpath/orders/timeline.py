"""Imaging studies on the episode timeline: when each was done, and whether its report is on file."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.orders.models import ImagingStudy
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # Studies are dated, not timed: place them at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


def describe(study: ImagingStudy) -> str:
    """"MRI lumbar spine without contrast (outside), report on file: L5-S1 disc extrusion"."""
    where = "outside" if study.origin == "outside" else "ordered here"
    report = "report on file" if study.report_on_file else "report not on file yet"
    text = f"{study.study} ({where}), {report}"
    return f"{text}: {study.summary}" if study.report_on_file and study.summary else text


@register_source
def imaging_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    return [
        TimelineEntry(_noon(calendar, s.performed_on), "imaging.study", f"{describe(s)}, done {s.performed_on:%d %b %Y}", "orders")
        for s in session.scalars(select(ImagingStudy).where(ImagingStudy.episode_id == episode.id))
    ]
