"""Charting facts on the episode timeline: notes signed, addenda, functional measures recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import rules
from painpath.charting.models import Encounter, FunctionalMeasure
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


@register_source
def charting_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:  # noqa: ARG001
    entries = []
    encounters = {e.id: e for e in session.scalars(select(Encounter).where(Encounter.episode_id == episode.id))}
    names = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_({e.signed_by_id for e in encounters.values() if e.signed_by_id})))}
    for note in encounters.values():
        if note.signed_at is None:
            continue
        kind = rules.ENCOUNTER_WORDS.get(note.encounter_type, note.encounter_type)
        what = f"Addendum to {kind.lower()} note" if note.addendum_of_id else f"{kind} note"
        by = names.get(note.signed_by_id, "unknown user")  # type: ignore[arg-type]
        entries.append(TimelineEntry(note.signed_at, "encounter.addendum_signed" if note.addendum_of_id else "encounter.signed",
                                     f"{what} signed by {by}", "charting"))
    rows = list(session.scalars(select(FunctionalMeasure).where(FunctionalMeasure.episode_id == episode.id).order_by(FunctionalMeasure.id)))
    by_encounter: dict[int, list[FunctionalMeasure]] = {}
    for row in rows:
        by_encounter.setdefault(row.encounter_id, []).append(row)
    for encounter_id, measures in by_encounter.items():
        values = {m.measure: m.value_number if m.value_number is not None else (m.value_code or m.value_list) for m in measures}
        side = next((m.side for m in measures if m.side), None)
        on = encounters[encounter_id].date_of_service if encounter_id in encounters else measures[0].date_of_service
        entries.append(TimelineEntry(measures[0].recorded_at, "measures.recorded",
                                     f"Function on {on:%d %b %Y}: {rules.measures_summary(values, side)}", "charting"))
    return entries
