"""The patient's own events on the episode timeline, beside the clinic's: marked as reported by the
patient (or from imported records), dated as precisely as the patient gave the date."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.orm import Session

from painpath.charting.patient_events import rules
from painpath.charting.patient_events.service import events_of_patient
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


@register_source
def patient_event_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for event in events_of_patient(session, patient_id=episode.patient_id):
        # Dated, not timed: the first day of the period at the clinic's midday, so "2019" sorts at 1 Jan 2019.
        at = calendar.to_utc(datetime.combine(event.occurred_on, time(12, 0)))
        entries.append(TimelineEntry(
            at, f"patient_event.{event.kind}", rules.summary(event.kind, event.description), "patient_events",
            when=rules.when_words(event.occurred_on, event.date_precision),
            reported_by=rules.ORIGIN_WORDS.get(event.origin, event.origin), link=f"/patient-events/{event.id}",
        ))
    return entries
