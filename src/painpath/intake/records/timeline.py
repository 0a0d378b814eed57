"""Records facts on the episode timeline: requested, sent, failed, acknowledged, followed up, received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.intake.records import rules
from painpath.intake.records.models import PriorProvider, RecordsDocument, RecordsRequest
from painpath.intake.records.schemas import FOLLOW_UP_LABELS, TRANSPORT_LABELS
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source

SOURCE = "records"


@register_source
def records_entries(session: Session, episode: Episode, _calendar: BusinessCalendar) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    requests = session.execute(
        select(RecordsRequest, PriorProvider.name)
        .join(PriorProvider, PriorProvider.id == RecordsRequest.provider_id)
        .where(RecordsRequest.episode_id == episode.id)
    ).all()
    names = {}
    for request, provider in requests:
        names[request.id] = provider
        how = TRANSPORT_LABELS.get(request.transport, request.transport).lower()
        items = ", ".join(rules.label(i["item"]) for i in request.items)
        entries.append(TimelineEntry(request.created_at, "records.requested", f"Records requested from {provider}: {items} ({request.reference})", SOURCE))
        if request.failed_at is not None:
            entries.append(TimelineEntry(request.failed_at, "records.send_failed", f"Records request to {provider} could not be sent: {request.last_error or 'see the request'}", SOURCE))
        if request.sent_at is not None:
            verb = "marked for printing" if request.transport == "print" else f"sent by {how}"
            entries.append(TimelineEntry(request.sent_at, "records.sent", f"Records request to {provider} {verb}", SOURCE))
        if request.acknowledged_at is not None:
            entries.append(TimelineEntry(request.acknowledged_at, "records.acknowledged", f"{provider} acknowledged the records request", SOURCE))
        for number, follow_up in enumerate(request.follow_ups or [], start=1):
            method = FOLLOW_UP_LABELS.get(follow_up.get("method", ""), "contact").lower()
            entries.append(TimelineEntry(datetime.fromisoformat(follow_up["at"]), "records.follow_up", f"Follow-up {number} with {provider} ({method})", SOURCE))
        if request.status in ("received", "incomplete") and request.received_at is not None:
            state = "all requested records received" if request.status == "received" else "records received, some items still missing"
            entries.append(TimelineEntry(request.received_at, f"records.{request.status}", f"{provider}: {state}", SOURCE))
    for document in session.scalars(select(RecordsDocument).where(RecordsDocument.episode_id == episode.id)):
        whose = f" from {names[document.request_id]}" if document.request_id in names else ""
        covers = f": {', '.join(rules.label(i) for i in document.items)}" if document.items else ""
        entries.append(TimelineEntry(document.uploaded_at, "records.document", f"Document filed{whose} ({document.filename}){covers}", SOURCE))
    return entries
