"""What the reconciler adds to a provider's reason when it opens a task: why it was born late (opened after
its due time), or why it came back (a person completed it, but the facts still owe the work after the
grace period). The note is kept in the task's evidence too, so a later pass compares the provider's own
reason (unchanged facts write nothing) and keeps the note when the reason does change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from painpath.core.auth.models import User
from painpath.worklist.models import Task

NOTE_KEY = "why_now"
DEFAULT_GRACE_BUSINESS_DAYS = 2


def grace_business_days(settings: Any) -> int:  # noqa: ANN401
    return getattr(settings, "completed_task_grace_business_days", DEFAULT_GRACE_BUSINESS_DAYS)


def note_of(task: Task) -> str | None:
    return (task.evidence or {}).get(NOTE_KEY)


def provider_reason(task: Task) -> str:
    """The stored reason without the reconciler's note: what the provider said."""
    note = note_of(task)
    return task.reason.removesuffix(f" {note}") if note else task.reason


def provider_evidence(task: Task) -> dict:
    """The stored evidence without the reconciler's note: what the provider gave."""
    return {k: v for k, v in (task.evidence or {}).items() if k != NOTE_KEY}


def with_note(reason: str, note: str | None) -> str:
    return f"{reason} {note}" if note else reason


def evidence_with_note(evidence: dict, note: str | None) -> dict:
    return {**evidence, NOTE_KEY: note} if note else evidence


def opening_note(session: Session, ob, context, came_back: Task | None, grace: int) -> str | None:  # noqa: ANN001
    """Why a task opens now, in plain words, when that is not obvious from its reason."""
    calendar = context.calendar
    if came_back is not None:
        closer = session.get(User, came_back.closed_by_id) if came_back.closed_by_id else None
        who = closer.display_name if closer else "Someone"
        when = calendar.local_date(came_back.closed_at)
        return (f"Came back: {who} marked this done on {when:%a %d %b %Y} (\"{came_back.resolution}\"), but it is still "
                f"owed {grace} business day{'s' if grace != 1 else ''} later.")
    if ob.due_at < context.now:
        due_day, today = calendar.local_date(ob.due_at), calendar.local_date(context.now)
        days = (today - due_day).days
        late = f"{days} day{'s' if days != 1 else ''} after" if days else "later on the day"
        return (f"Born late: the facts that call for this were recorded on {today:%a %d %b %Y}, {late} it was due "
                f"({due_day:%a %d %b %Y}), so it opened already overdue.")
    return None
