"""Administrations on the episode timeline: the score, any safety alert, and the clinician's review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments import rules
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@register_source
def instrument_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    rows = session.scalars(select(InstrumentAdministration).where(InstrumentAdministration.episode_id == episode.id))
    for row in rows:
        name = row.instrument_id.upper().replace("_", " ")
        band = f" ({row.band})" if row.band else ""
        by = {"staff": "given by staff", "patient": "completed by the patient", "fhir_import": "imported from FHIR"}.get(row.source, row.source)
        entries.append(TimelineEntry(row.administered_at, "instrument.administered", f"{name} {_num(row.total)}{band}, {by}", "charting"))
        for alert in rules.safety_alerts(row.alerts):
            entries.append(TimelineEntry(
                row.administered_at, f"instrument.alert.{alert['kind']}",
                f"Safety alert: {alert['message']} Answered {alert['value']}; clinician assessment required now", "charting",
            ))
        if row.safety_reviewed_at is not None:
            entries.append(TimelineEntry(row.safety_reviewed_at, "instrument.safety_review", f"Safety assessment recorded after the {name} alert", "charting"))
    return entries
