"""Pure rules for records requests: what is owed when (follow-up, escalation, fix a failed send,
chase missing items), what a received file is, what is still missing, and when to retry a send.

Nothing here does I/O or reads the clock; `now` and the calendar are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.intake.records.schemas import FOLLOW_UP_LABELS, ITEM_LABELS, TRANSPORT_LABELS
from painpath.interop.transports.wording import send_failure
from painpath.worklist.engine import Finding, Fulfillment, NextChange, Obligation

RECORDS_PROVIDER = "records"
SILENCE_BUSINESS_DAYS = 5  # a request with nothing back this long is followed up, then escalated
INCOMPLETE_BUSINESS_DAYS = 1  # missing items are asked for by the end of the next business day

# Automatic resends: 5, 10, 20, 40, 80 minutes after each failure, then people take over (the task).
RETRY_BASE = timedelta(minutes=5)
RETRY_CAP = timedelta(hours=2)
MAX_AUTOMATIC_ATTEMPTS = 6
# A send that has said "sending" this long died with its process (SMTP timeouts are far shorter).
STUCK_AFTER = timedelta(minutes=15)

OUTSTANDING = ("draft", "sending", "sent", "acknowledged", "incomplete", "failed")
SENDABLE = ("draft", "failed")

# Upload limits and the file types we accept, recognized by their first bytes, not their names.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ACCEPTED_TYPES = tuple(kind for _magic, kind in _MAGIC)


def sniff_content_type(head: bytes) -> str | None:
    """The type the bytes really are (PDF, PNG or JPEG), or None for anything else."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def next_retry_at(last_attempt_at: datetime, attempts: int) -> datetime | None:
    """When the retry job may resend after `attempts` failed attempts; None once it is people's turn."""
    if attempts >= MAX_AUTOMATIC_ATTEMPTS:
        return None
    return last_attempt_at + min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def status_after_documents(requested: Iterable[str], covered: Iterable[str]) -> str:
    """received when every requested item is covered by a filed document, else incomplete."""
    return "received" if set(requested) <= set(covered) else "incomplete"


def missing_items(requested: Sequence[str], covered: Iterable[str]) -> list[str]:
    have = set(covered)
    return [item for item in requested if item not in have]


def label(item: str) -> str:
    return ITEM_LABELS.get(item, item.replace("_", " "))


def business_days_waiting(calendar: BusinessCalendar, since_utc: datetime, now_utc: datetime) -> int:
    """Business days that have passed since `since_utc`, on the clinic's calendar (0 on the same day)."""
    return calendar.business_days_between(calendar.local_date(since_utc), calendar.local_date(now_utc))


# Checklist ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChecklistItem:
    provider: str
    item: str
    status: str  # present | awaiting | not_sent | failed | missing
    label: str = ""
    request_id: int | None = None


@dataclass(frozen=True)
class ChecklistFacts:
    request_id: int
    provider: str
    status: str
    requested: tuple[str, ...]
    covered: frozenset[str]


_WAITING_STATUS = {"draft": "not_sent", "sending": "not_sent", "failed": "failed", "sent": "awaiting",
                   "acknowledged": "awaiting", "incomplete": "missing", "received": "missing"}


def checklist(requests: Iterable[ChecklistFacts]) -> list[ChecklistItem]:
    """One line per provider and requested item: present once a filed document covers it."""
    lines = []
    for r in requests:
        for item in r.requested:
            status = "present" if item in r.covered else _WAITING_STATUS.get(r.status, "awaiting")
            lines.append(ChecklistItem(provider=r.provider, item=item, status=status, label=label(item), request_id=r.request_id))
    return lines


def ready(items: Iterable[ChecklistItem]) -> bool:
    """Records are ready when every requested item is present (nothing requested: nothing to wait for)."""
    return all(i.status == "present" for i in items)


# Obligations ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestFacts:
    request_id: int
    episode_id: int
    patient_id: int
    clinic_id: int
    episode_open: bool
    provider_name: str
    transport: str
    status: str
    attempts: int
    last_error: str | None
    failed_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    received_at: datetime | None
    follow_ups: tuple[tuple[datetime, str], ...] = ()  # (at, method), oldest first
    missing: tuple[str, ...] = ()  # requested items no filed document covers yet


@dataclass(frozen=True)
class _Event:
    kind: str  # sent | acknowledged | follow_up | partial
    at: datetime
    number: int = 0  # which follow-up
    method: str = ""


def _key(facts: RequestFacts, suffix: str) -> str:
    return f"records:request:{facts.request_id}:{suffix}"


def _window_key(facts: RequestFacts, event: _Event) -> str:
    return _key(facts, {
        "sent": "follow_up",
        "acknowledged": "follow_up_after_ack",
        "partial": "incomplete",
        "follow_up": f"escalate:{event.number}",
    }[event.kind])


def _events(facts: RequestFacts) -> list[_Event]:
    """The contacts that restart the silence clock, in time order."""
    order = {"sent": 0, "acknowledged": 1, "partial": 2, "follow_up": 3}
    events = []
    if facts.sent_at is not None:
        events.append(_Event("sent", facts.sent_at))
    if facts.acknowledged_at is not None:
        events.append(_Event("acknowledged", facts.acknowledged_at))
    if facts.status == "incomplete" and facts.received_at is not None:
        events.append(_Event("partial", facts.received_at))
    for number, (at, method) in enumerate(facts.follow_ups, start=1):
        events.append(_Event("follow_up", at, number, method))
    return sorted(events, key=lambda e: (e.at, order[e.kind], e.number))


def _short(name: str, limit: int = 120) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _day(calendar: BusinessCalendar, moment: datetime) -> str:
    return f"{calendar.local_date(moment):%a %d %b %Y}"


def _described(calendar: BusinessCalendar, event: _Event, facts: RequestFacts) -> str:
    when = _day(calendar, event.at)
    if event.kind == "acknowledged":
        return f"{facts.provider_name} acknowledged the request on {when}"
    if event.kind == "partial":
        return f"Part of the records arrived on {when}"
    if event.kind == "follow_up":
        return f"Followed up ({FOLLOW_UP_LABELS.get(event.method, event.method).lower()}) on {when}"
    return f"Request sent on {when}"


def _business_day_on_or_after(calendar: BusinessCalendar, day: date) -> date:
    return day if calendar.is_business_day(day) else calendar.add_business_days(day, 1)


def request_findings(facts: RequestFacts, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    """Obligations and fulfillments for one records request."""
    if not facts.episode_open and facts.status != "received":
        return []  # a discharged episode owes no chasing; its open tasks close as no longer required
    findings: list[Finding] = []
    failed_key = _key(facts, "send_failed")
    if facts.status == "failed" or (facts.status == "sending" and facts.failed_at is not None):
        findings.append(_send_failed(facts, calendar))
        return findings
    if facts.failed_at is not None and facts.sent_at is not None:
        findings.append(Fulfillment(
            key=failed_key, provider=RECORDS_PROVIDER, met_at=facts.sent_at,
            met_by=f"Sent by {TRANSPORT_LABELS.get(facts.transport, facts.transport).lower()} on {_day(calendar, facts.sent_at)} after {facts.attempts} attempts",
        ))
    elif facts.failed_at is not None and facts.received_at is not None:  # the records came another way
        findings.append(Fulfillment(key=failed_key, provider=RECORDS_PROVIDER, met_at=facts.received_at,
                                    met_by=f"Records received on {_day(calendar, facts.received_at)}"))
    if facts.status not in ("sent", "acknowledged", "incomplete", "received"):
        return findings  # draft or sending: the send flow and the retry job own it
    events = _events(facts)
    if facts.status == "received":
        at = facts.received_at or now
        met_by = f"Records received on {_day(calendar, at)}"
        keys = {_window_key(facts, e) for e in events} | {_key(facts, "incomplete")}
        findings.extend(Fulfillment(key=k, provider=RECORDS_PROVIDER, met_at=at, met_by=met_by) for k in sorted(keys))
        return findings
    seen: set[str] = set()
    for earlier, later in zip(events, events[1:]):
        key = _window_key(facts, earlier)
        if key not in seen and key != _window_key(facts, events[-1]):
            seen.add(key)
            findings.append(Fulfillment(key=key, provider=RECORDS_PROVIDER, met_at=later.at, met_by=_described(calendar, later, facts)))
    if events:
        owed = _window_obligation(facts, events[-1], calendar, now)
        if owed is not None:
            findings.append(owed)
        elif (opens := _silence_ends_on(events[-1], calendar)) is not None:
            findings.append(NextChange(RECORDS_PROVIDER, facts.episode_id, calendar.start_of_local_day_utc(opens),
                                       f"records request {facts.request_id}: the silence window runs out"))
    return findings


def _silence_ends_on(event: _Event, calendar: BusinessCalendar) -> date | None:
    """The business day a silence after `event` reaches its limit (none for a partial delivery, owed at once)."""
    if event.kind == "partial":
        return None
    return calendar.add_business_days(calendar.local_date(event.at), SILENCE_BUSINESS_DAYS)


def _send_failed(facts: RequestFacts, calendar: BusinessCalendar) -> Obligation:
    failed_at = facts.failed_at
    assert failed_at is not None
    # Records go out the same day: a failed send is fixed by the end of that business day.
    due_day = _business_day_on_or_after(calendar, calendar.local_date(failed_at))
    how = TRANSPORT_LABELS.get(facts.transport, facts.transport).lower()
    fix = {"fax": "Check the fax number", "direct": "Check the Direct address"}.get(facts.transport, "Check the request")
    return Obligation(
        key=_key(facts, "send_failed"), kind="records.send_failed", provider=RECORDS_PROVIDER,
        clinic_id=facts.clinic_id, episode_id=facts.episode_id, patient_id=facts.patient_id,
        title=f"Records request to {_short(facts.provider_name)} was not sent",
        due_at=calendar.end_of_local_day_utc(due_day), owner_role="coordinator",
        reason=(
            f"The records request to {facts.provider_name} could not be sent by {how} "
            f"({facts.attempts} attempt{'s' if facts.attempts != 1 else ''}): {send_failure(facts.last_error, facts.transport)}. "
            f"{fix}, then retry, or print it and send it another way."
        ),
        evidence={"request_id": facts.request_id, "transport": facts.transport, "attempts": facts.attempts,
                  "first_failed": calendar.local_date(failed_at).isoformat()},
    )


def _window_obligation(facts: RequestFacts, event: _Event, calendar: BusinessCalendar, now: datetime) -> Obligation | None:
    """The duty owed after the latest contact, once its silence window has run (or at once for missing items)."""
    provider = facts.provider_name
    start_day = calendar.local_date(event.at)
    common = {
        "key": _window_key(facts, event), "provider": RECORDS_PROVIDER, "clinic_id": facts.clinic_id,
        "episode_id": facts.episode_id, "patient_id": facts.patient_id,
    }
    if event.kind == "partial":
        due_day = calendar.add_business_days(start_day, INCOMPLETE_BUSINESS_DAYS)
        missing = ", ".join(label(i) for i in facts.missing) or "some requested items"
        return Obligation(
            **common, kind="records.incomplete", title=f"Ask {_short(provider)} for the missing records",
            due_at=calendar.end_of_local_day_utc(due_day), owner_role="coordinator",
            reason=f"Records from {provider} arrived on {start_day:%a %d %b %Y} without: {missing}. Ask {provider} for the rest.",
            evidence={"request_id": facts.request_id, "received": start_day.isoformat(), "missing": list(facts.missing)},
        )
    # The task appears on the business day the silence reaches its limit, due by the end of that day.
    due_day = _silence_ends_on(event, calendar)
    assert due_day is not None
    if calendar.local_date(now) < due_day:
        return None
    due_at = calendar.end_of_local_day_utc(due_day)
    sent = _day(calendar, facts.sent_at) if facts.sent_at else "an unknown date"
    evidence = {"request_id": facts.request_id, "provider": provider, "sent": calendar.local_date(facts.sent_at).isoformat() if facts.sent_at else None,
                "silent_since": start_day.isoformat(), "business_days": SILENCE_BUSINESS_DAYS, "due_date": due_day.isoformat()}
    if event.kind == "follow_up":
        return Obligation(
            **common, kind="records.escalate", title=f"Escalate: records from {_short(provider)} still missing",
            due_at=due_at, owner_role="manager",
            reason=(
                f"Records requested from {provider} (sent {sent}) are still missing {SILENCE_BUSINESS_DAYS} business days after "
                f"follow-up {event.number} on {start_day:%a %d %b %Y}. Escalate: call their records department or practice "
                f"manager, or ask the patient to bring copies."
            ),
            evidence={**evidence, "follow_ups": event.number},
        )
    after = f"acknowledged the request on {start_day:%a %d %b %Y}" if event.kind == "acknowledged" else f"was sent the request on {sent}"
    return Obligation(
        **common, kind="records.follow_up", title=f"Follow up on records from {_short(provider)}",
        due_at=due_at, owner_role="coordinator",
        reason=(
            f"{provider} {after} and nothing has come back in {SILENCE_BUSINESS_DAYS} business days. "
            f"Call or fax them, then record the follow-up on the episode's records page."
        ),
        evidence=evidence,
    )
