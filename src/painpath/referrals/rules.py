"""A referral's loop: which state may follow which, what each step needs, and the work it owes. Pure: no I/O,
no clock; the calendar is a plain object and `now` is given.

States: drafted -> sent -> acknowledged -> scheduled -> seen -> consult_received -> closed, or cancelled from
any open state. A practice may skip a step in what it tells us (it books the visit without a separate
acknowledgement); a "seen" or a consult note before an appointment is known needs the practice's word for
it (`practice_confirmed`), so a visit is never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import LoopTimings, SourcedWait
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, NextChange, Obligation

PROVIDER = "referrals"
STATES = ("drafted", "sent", "acknowledged", "scheduled", "seen", "consult_received", "closed", "cancelled")
OPEN_STATES = ("drafted", "sent", "acknowledged", "scheduled", "seen", "consult_received")
URGENCIES = ("routine", "urgent")
STATUS_WORDS = {
    "drafted": "Written, not sent", "sent": "Sent, not acknowledged", "acknowledged": "Acknowledged, no appointment yet",
    "scheduled": "Appointment booked", "seen": "Seen, consult note not back", "consult_received": "Consult note back, awaiting review",
    "closed": "Closed: plan adjusted", "cancelled": "Cancelled",
}
# The transitions a person records on the referral page (sending has its own flow: service.send_referral).
RECORDED = ("acknowledged", "scheduled", "seen", "consult_received", "closed", "cancelled")
_FROM = {
    "acknowledged": ("sent",),
    "scheduled": ("sent", "acknowledged", "scheduled"),  # scheduled again: the appointment moved
    "seen": ("scheduled",),
    "consult_received": ("seen",),
    "closed": ("consult_received",),
    "cancelled": OPEN_STATES,
}
# With the practice's word for it, a visit or its note may be recorded before we knew of an appointment.
_FROM_CONFIRMED = {"seen": ("sent", "acknowledged"), "consult_received": ("sent", "acknowledged", "scheduled")}
# Which date a transition records, in the order they happen.
DATE_FIELD = {"acknowledged": "acknowledged_on", "scheduled": "appointment_on", "seen": "seen_on", "consult_received": "consult_note_on"}


class Calendar(Protocol):
    def add_business_days(self, start: date, days: int) -> date: ...
    def local_date(self, moment_utc: datetime) -> date: ...
    def end_of_local_day_utc(self, day: date) -> datetime: ...
    def start_of_local_day_utc(self, day: date) -> datetime: ...


@dataclass(frozen=True)
class Current:
    """What the transition checks need to know of the referral as it stands."""

    status: str
    sent_on: date | None = None
    appointment_on: date | None = None
    seen_on: date | None = None


def offered_steps(status: str) -> list[str]:
    """The steps the referral page offers in this state (with the practice's word, where that is needed)."""
    return [to for to in RECORDED if status in _FROM[to] or status in _FROM_CONFIRMED.get(to, ())]


def transition_problems(current: Current, to: str, values: dict, *, today: date) -> list[FieldProblem]:
    """Every problem with moving the referral to `to` with `values` (dates, summary, adjustment, reason)."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    if to not in RECORDED:
        bad("to", "known_step", f"Unknown step {to!r}")
        return problems
    confirmed = bool(values.get("practice_confirmed"))
    allowed = _FROM[to] + (_FROM_CONFIRMED.get(to, ()) if confirmed else ())
    if current.status not in allowed:
        if to in _FROM_CONFIRMED and current.status in _FROM_CONFIRMED[to]:
            bad("practice_confirmed", "needs_practice_word",
                "No appointment is recorded yet; record it first, or tick that the practice says the patient was seen")
        else:
            bad("to", "allowed_from", f"A referral that is {STATUS_WORDS[current.status].lower()} cannot be marked {to.replace('_', ' ')}")
        return problems
    if to == "cancelled":
        if not (values.get("cancel_reason") or "").strip():
            bad("cancel_reason", "required", "Say why the referral is cancelled (the patient declined, another plan)")
        return problems
    if to == "closed":
        if len((values.get("plan_adjustment") or "").strip()) < 3:
            bad("plan_adjustment", "required", "Say how the plan changes after the consult (or that it stays as it is, and why)")
        return problems
    field = DATE_FIELD[to]
    day = values.get(field)
    if not isinstance(day, date):
        bad(field, "required", "Give the date")
        return problems
    if to != "scheduled" and day > today:
        bad(field, "not_future", "This date cannot be in the future")
    if current.sent_on is not None and day < current.sent_on:
        bad(field, "after_sent", f"This date is before the referral was sent ({current.sent_on:%d %b %Y})")
    if to in ("seen", "consult_received"):
        seen = values.get("seen_on") if to == "consult_received" and current.seen_on is None else current.seen_on
        if to == "consult_received" and current.seen_on is None and not isinstance(seen, date):
            bad("seen_on", "required_when_skipping", "Give the date the patient was seen")
        if to == "seen" and current.appointment_on is not None and day < current.appointment_on and not confirmed:
            bad(field, "after_appointment", f"The appointment is on {current.appointment_on:%d %b %Y}; tick that the practice says the patient was seen earlier")
        if to == "consult_received" and isinstance(seen, date) and day < seen:
            bad(field, "after_visit", f"The consult note cannot be dated before the visit ({seen:%d %b %Y})")
        if to == "consult_received" and len((values.get("consult_summary") or "").strip()) < 3:
            bad("consult_summary", "required", "Summarise what the consultant found and recommends")
    return problems


# The loop's obligations ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoopFacts:
    """One referral's facts as the obligation rules read them."""

    referral_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    specialty_name: str
    practice_name: str
    urgency: str
    status: str
    created_at: datetime
    episode_open: bool = True
    sent_at: datetime | None = None
    acknowledged_on: date | None = None
    appointment_on: date | None = None
    seen_on: date | None = None
    consult_note_on: date | None = None
    closed_at: datetime | None = None
    cancel_reason: str | None = None
    transmission: str = "none"
    last_error: str | None = None


def after(calendar: Calendar, day: date, wait: SourcedWait) -> date:
    """The day `wait` after `day`."""
    if wait.unit == "business_days":
        return calendar.add_business_days(day, wait.amount)
    return day + timedelta(days=wait.amount)


def days_in_words(days: int) -> str:
    return "today" if days <= 0 else f"{days} day{'' if days == 1 else 's'}"


@dataclass(frozen=True)
class _Stage:
    """One step of the loop that owes work: who owes it, from which dated fact, and whether it is met."""

    name: str
    kind: str
    owner: str
    title: str
    waiting_on: str  # whom we wait on, for the escalation's words
    since: date  # the dated fact the wait counts from
    opens_on: date  # the day the task appears
    due_on: date
    reason: str
    met_at: datetime | None = None
    met_by: str = ""


def key(referral_id: int, stage: str) -> str:
    return f"referral:{referral_id}:{stage}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _stages(f: LoopFacts, t: LoopTimings, calendar: Calendar) -> list[_Stage]:
    """The stages the referral has reached, each met or owed."""
    what = f"{f.specialty_name} referral to {f.practice_name}"
    created = calendar.local_date(f.created_at)
    sent = calendar.local_date(f.sent_at) if f.sent_at else None
    stages: list[_Stage] = []
    send_due = after(calendar, created, t.send_within)
    failed = f" The last attempt failed: {f.last_error}." if f.transmission == "failed" and f.last_error else ""
    stages.append(_Stage(
        "send", "referrals.send", "coordinator", f"Send the {what}", "us (sending)", created, created, send_due,
        f"Written on {_day(created)}; {f.urgency} referrals go out within {t.send_within.words()} ({t.send_within.source}).{failed}",
        f.sent_at, f"Sent on {_day(sent)}" if sent else ""))
    if sent is None:
        return stages
    answered = f.acknowledged_on or f.appointment_on or f.seen_on or f.consult_note_on
    receipt_on = after(calendar, sent, t.confirm_receipt_after)
    stages.append(_Stage(
        "receipt", "referrals.confirm_receipt", "coordinator", f"Confirm {f.practice_name} received the {f.specialty_name.lower()} referral",
        f"{f.practice_name} (acknowledgement)", sent, receipt_on, receipt_on,
        f"Sent on {_day(sent)} with no acknowledgement after {t.confirm_receipt_after.words()} ({t.confirm_receipt_after.source})",
        _at(calendar, answered), f"The practice answered on {_day(answered)}" if answered else ""))
    if f.acknowledged_on is not None and f.appointment_on is None and f.seen_on is None and f.consult_note_on is None:
        appt_on = after(calendar, f.acknowledged_on, t.confirm_appointment_after)
        stages.append(_Stage(
            "appointment", "referrals.confirm_appointment", "coordinator", f"Confirm the {f.specialty_name.lower()} appointment with {f.practice_name}",
            f"{f.practice_name} (appointment)", f.acknowledged_on, appt_on, appt_on,
            f"Acknowledged on {_day(f.acknowledged_on)} with no appointment date after {t.confirm_appointment_after.words()} "
            f"({t.confirm_appointment_after.source})"))
    elif f.acknowledged_on is not None:
        booked = f.appointment_on or f.seen_on or f.consult_note_on
        stages.append(_Stage("appointment", "referrals.confirm_appointment", "coordinator", "", "", f.acknowledged_on, f.acknowledged_on,
                             f.acknowledged_on, "", _at(calendar, booked), f"Appointment known ({_day(booked)})" if booked else ""))
    visit = f.seen_on or f.appointment_on
    if visit is not None:
        chase_on = after(calendar, visit, t.chase_consult_note_after)
        which = "Seen on" if f.seen_on else "Appointment on"
        stages.append(_Stage(
            "consult_note", "referrals.chase_consult_note", "coordinator", f"Chase the consult note from {f.practice_name}",
            f"{f.practice_name} (consult note)", visit, chase_on, chase_on,
            f"{which} {_day(visit)}; the consult note is chased after {t.chase_consult_note_after.words()} "
            f"({t.chase_consult_note_after.source})",
            _at(calendar, f.consult_note_on), f"Consult note received on {_day(f.consult_note_on)}" if f.consult_note_on else ""))
    if f.consult_note_on is not None:
        review_due = after(calendar, f.consult_note_on, t.review_within)
        stages.append(_Stage(
            "review", "referrals.review", "clinician", f"Review the {f.specialty_name.lower()} consult note and adjust the plan",
            "our clinician (review)", f.consult_note_on, f.consult_note_on, review_due,
            f"Consult note received on {_day(f.consult_note_on)}; reviewed within {t.review_within.words()} ({t.review_within.source}). "
            "Met when the referral is closed with the plan adjustment",
            f.closed_at, "Closed with the plan adjusted"))
    return stages


def _at(calendar: Calendar, day: date | None) -> datetime | None:
    return None if day is None else calendar.start_of_local_day_utc(day)


def escalation_on(calendar: Calendar, stage_due_on: date, t: LoopTimings) -> date:
    """The day an owed stage counts as stalled."""
    return after(calendar, stage_due_on, t.escalate_after)


def referral_findings(f: LoopFacts, t: LoopTimings, calendar: Calendar, now: datetime) -> list[Finding]:
    """Obligations, fulfillments, cancellations and next changes for one referral."""
    if f.status == "cancelled":
        return [Cancellation(key(f.referral_id, "*"), PROVIDER, f"Referral cancelled: {f.cancel_reason or 'no reason given'}")]
    if not f.episode_open and f.status != "closed":
        return [Cancellation(key(f.referral_id, "*"), PROVIDER, "The episode was discharged")]
    today = calendar.local_date(now)
    found: list[Finding] = []
    for stage in _stages(f, t, calendar):
        stage_key = key(f.referral_id, stage.name)
        if stage.met_at is not None:
            found.append(Fulfillment(stage_key, PROVIDER, stage.met_by, stage.met_at))
            found.append(Fulfillment(f"{stage_key}:escalation", PROVIDER, stage.met_by, stage.met_at))
            continue
        if not stage.title:
            continue
        if today < stage.opens_on:
            found.append(NextChange(PROVIDER, f.episode_id, calendar.start_of_local_day_utc(stage.opens_on),
                                    f"referral {f.referral_id}: {stage.name} falls due"))
            continue
        evidence = {"referral_id": f.referral_id, "stage": stage.name, "since": stage.since.isoformat()}
        found.append(Obligation(stage_key, stage.kind, PROVIDER, f.clinic_id, f.episode_id, f.patient_id, stage.title,
                                calendar.end_of_local_day_utc(stage.due_on), stage.owner, stage.reason, evidence))
        stalled_on = escalation_on(calendar, stage.due_on, t)
        if today < stalled_on:
            found.append(NextChange(PROVIDER, f.episode_id, calendar.start_of_local_day_utc(stalled_on),
                                    f"referral {f.referral_id}: {stage.name} stalls"))
            continue
        waited = (stalled_on - stage.since).days
        to = t.review_escalates_to if stage.owner == "clinician" else t.escalate_to
        found.append(Obligation(
            f"{stage_key}:escalation", "referrals.escalation", PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
            f"Stalled referral: {stage.title[0].lower()}{stage.title[1:]}", calendar.end_of_local_day_utc(stalled_on), to,
            f"Waiting on {stage.waiting_on} since {_day(stage.since)}: {days_in_words(waited)} by {_day(stalled_on)}, "
            f"{t.escalate_after.words()} past the task's due date ({t.escalate_after.source}). {stage.reason}",
            {**evidence, "stalled_on": stalled_on.isoformat(), "waiting_on": stage.waiting_on}))
    return found


# The open-loops board -------------------------------------------------------------------------------------

WAITING_ON = {
    "drafted": "us: to send it", "sent": "the receiving practice: to acknowledge", "acknowledged": "the receiving practice: an appointment",
    "scheduled": "the patient's visit", "seen": "the receiving practice: the consult note", "consult_received": "our clinician: to review",
}
