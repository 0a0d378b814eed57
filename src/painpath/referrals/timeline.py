"""Referrals on the episode timeline: written, sent, and each answer of the receiving practice, the consult
note and the close with the plan adjustment."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source
from painpath.referrals.models import Referral


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # The practice's answers are dated, not timed: place them at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


def entries_of(r: Referral, calendar: BusinessCalendar) -> list[TimelineEntry]:
    what = f"{r.specialty.replace('_', ' ').capitalize()} referral ({r.reference})"
    link = f"/referrals/{r.id}"
    found = [TimelineEntry(r.created_at, "referral.written", f"{what} written: {r.reason}", "referrals", link=link)]
    if r.sent_at:
        found.append(TimelineEntry(r.sent_at, "referral.sent", f"{what} sent", "referrals", link=link))
    for day, kind, words in ((r.acknowledged_on, "acknowledged", "acknowledged by the practice"),
                             (r.appointment_on, "scheduled", "appointment"), (r.seen_on, "seen", "patient seen"),
                             (r.consult_note_on, "consult_received", f"consult note: {r.consult_summary or ''}")):
        if day is not None:
            found.append(TimelineEntry(_noon(calendar, day), f"referral.{kind}", f"{what}: {words}", "referrals", link=link))
    if r.closed_at:
        found.append(TimelineEntry(r.closed_at, "referral.closed", f"{what} closed; plan: {r.plan_adjustment}", "referrals", link=link))
    if r.cancelled_at:
        found.append(TimelineEntry(r.cancelled_at, "referral.cancelled", f"{what} cancelled: {r.cancel_reason}", "referrals", link=link))
    return found


@register_source
def referral_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    return [e for r in session.scalars(select(Referral).where(Referral.episode_id == episode.id)) for e in entries_of(r, calendar)]
