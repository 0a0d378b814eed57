"""Intake facts on the episode timeline: the call, each attempt, the triage decision, acknowledgement, visits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.intake.models import Appointment, CallAttempt, IntakeCall, Triage
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source

OUTCOME_WORDS = {"reached": "reached the caller", "no_answer": "no answer", "voicemail": "left a voicemail", "busy": "line busy", "wrong_number": "wrong number"}


@register_source
def intake_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries = []
    for call in session.scalars(select(IntakeCall).where(IntakeCall.episode_id == episode.id)):
        entries.append(TimelineEntry(call.received_at, "intake.call", f"{call.source.title()} intake: {call.pain_location} — {call.reason}", "intake"))
        for attempt in session.scalars(select(CallAttempt).where(CallAttempt.call_id == call.id)):
            entries.append(TimelineEntry(attempt.at, "intake.attempt", f"Call attempt: {OUTCOME_WORDS.get(attempt.outcome, attempt.outcome)}", "intake"))
        if call.letter_sent_at:
            entries.append(TimelineEntry(call.letter_sent_at, "intake.letter", f"{(call.letter_channel or 'letter').title()} sent after failed call attempts", "intake"))
    for row in session.scalars(select(Triage).where(Triage.episode_id == episode.id)):
        why = "; ".join(row.reasons) if row.reasons else "no red flags"
        entries.append(TimelineEntry(row.decided_at, f"triage.{row.urgency}", f"Triage {row.urgency}: {why}", "intake"))
        if row.acknowledged_at:
            what = "Emergent decision acknowledged" if row.urgency == "emergent" else "Clinician review recorded"
            entries.append(TimelineEntry(row.acknowledged_at, "triage.acknowledged", f"{what}: {row.acknowledgement_note}", "intake"))
    for visit in session.scalars(select(Appointment).where(Appointment.episode_id == episode.id)):
        when = f"{calendar.to_local(visit.start_at):%a %d %b %Y %H:%M}"
        entries.append(TimelineEntry(visit.booked_at, "appointment.booked", f"{visit.visit_type.replace('_', ' ').title()} visit booked for {when} ({visit.provider_type.upper() if visit.provider_type == 'app' else visit.provider_type}, {visit.modality.replace('_', ' ')})", "intake"))
    return entries
