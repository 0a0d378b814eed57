"""Performed procedures and relief reports on the episode timeline."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.charting.procedures.rules import SCALE_WORDS
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # Procedures and relief are dated, not timed: place them at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


def describe(procedure: PerformedProcedure) -> str:
    """"Lumbar medial branch block (diagnostic) at L4-5, L5-S1, left"."""
    where = [", ".join(procedure.levels)] if procedure.levels else []
    if procedure.side != "none":
        where.append(procedure.side)
    return f"{procedure.procedure_name} at {', '.join(where)}" if where else procedure.procedure_name


def relief_words(relief: ProcedureRelief, procedure: PerformedProcedure) -> str:
    """"85% relief (NRS 8 -> 1.2), 6 h after"."""
    scale = SCALE_WORDS.get(relief.scale, relief.scale)
    how = f"{scale} {procedure.baseline_pain:g} -> {relief.pain_score:g}" if relief.method == "pain_score" and procedure.baseline_pain is not None else scale
    parts = [f"{relief.percent:g}% relief ({how})"]
    if relief.hours_after is not None:
        parts.append(f"{relief.hours_after:g} h after")
    if relief.lasted_days is not None:
        parts.append(f"lasting {relief.lasted_days} days")
    return ", ".join(parts)


@register_source
def procedure_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    procedures = {p.id: p for p in session.scalars(select(PerformedProcedure).where(PerformedProcedure.episode_id == episode.id))}
    entries = [
        TimelineEntry(_noon(calendar, p.performed_on), "procedure.performed", f"{describe(p)} performed {p.performed_on:%d %b %Y}", "procedures")
        for p in procedures.values()
    ]
    for relief in session.scalars(select(ProcedureRelief).where(ProcedureRelief.episode_id == episode.id)):
        procedure = procedures[relief.procedure_id]
        entries.append(TimelineEntry(
            _noon(calendar, relief.measured_on), "procedure.relief",
            f"After the {procedure.procedure_name[:1].lower() + procedure.procedure_name[1:]} of {procedure.performed_on:%d %b %Y}: "
            f"{relief_words(relief, procedure)}", "procedures",
        ))
    return entries
