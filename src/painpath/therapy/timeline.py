"""Therapy facts on the episode timeline: courses prescribed, authorizations, and the therapist's
progress reports (so the clinician reads the therapist's notes next to their own). PT visit notes
themselves appear through charting's timeline when signed."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source
from painpath.therapy.models import ProgressReport, PtAuthorization, PtCourse, PtProtocolChange

SUMMARY_CHARS = 300  # a timeline line, not the whole report


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


@register_source
def therapy_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:  # noqa: ARG001
    courses = list(session.scalars(select(PtCourse).where(PtCourse.episode_id == episode.id)))
    if not courses:
        return []
    reports = list(session.scalars(select(ProgressReport).where(ProgressReport.episode_id == episode.id)))
    auths = list(session.scalars(select(PtAuthorization).where(PtAuthorization.episode_id == episode.id)))
    switches = list(session.scalars(select(PtProtocolChange).where(PtProtocolChange.episode_id == episode.id)))
    names = _names(session, {c.therapist_id for c in courses} | {c.ended_by_id for c in courses} | {r.author_id for r in reports})
    entries = []
    for c in courses:
        entries.append(TimelineEntry(c.created_at, "pt_course.created",
                                     f"PT course prescribed: {c.protocol_id.replace('_', ' ')}, {c.frequency_per_week}x/week for {c.duration_weeks} weeks "
                                     f"with {names.get(c.therapist_id, 'a therapist')} ({c.practice_name})", "therapy"))
        if c.ended_on is not None:
            words = "PT course completed (discharged from PT)" if c.status == "completed" else "PT course stopped early"
            entries.append(TimelineEntry(datetime.combine(c.ended_on, time(12)), f"pt_course.{c.status}",
                                         f"{words} on {c.ended_on:%d %b %Y} by {names.get(c.ended_by_id, 'unknown user')}: {c.end_reason}", "therapy"))
    for a in auths:
        entries.append(TimelineEntry(a.created_at, "pt_authorization.recorded",
                                     f"PT authorization: {a.visits_approved} visits, {a.window_from:%d %b} to {a.window_to:%d %b %Y}", "therapy"))
        if a.extension_requested_at:
            entries.append(TimelineEntry(a.extension_requested_at, "pt_authorization.extension_requested", "PT extension requested", "therapy"))
        if a.extension_answered_at:
            entries.append(TimelineEntry(a.extension_answered_at, "pt_authorization.extension_answered",
                                         f"PT extension {a.extension_outcome}", "therapy"))
    for change in switches:
        entries.append(TimelineEntry(change.changed_at, "pt_course.protocol_switched",
                                     f"PT protocol switched from {change.from_protocol_id.replace('_', ' ')} to "
                                     f"{change.to_protocol_id.replace('_', ' ')}: {change.reason}", "therapy"))
    for r in reports:
        text = r.summary if len(r.summary) <= SUMMARY_CHARS else r.summary[: SUMMARY_CHARS - 1] + "…"
        at = r.recorded_at or datetime.combine(r.written_on, time(12))
        entries.append(TimelineEntry(at, "pt_progress_report.recorded",
                                     f"PT progress report by {names.get(r.author_id, 'unknown user')} ({r.written_on:%d %b %Y}): {text}", "therapy"))
    return entries
