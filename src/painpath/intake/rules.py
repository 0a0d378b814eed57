"""Pure intake rules: what the first contact owes (callback, triage, letter), and what triage routing owes.

Facts in, obligations out; no I/O and no wall clock (the engine passes `now` and the calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, Obligation

PROVIDER = "intake"
FAILED_OUTCOMES = frozenset({"no_answer", "voicemail", "busy", "wrong_number"})


@dataclass(frozen=True)
class IntakeTargets:
    callback_business_days: int
    triage_hours: int
    failed_attempts_before_letter: int


@dataclass(frozen=True)
class CallFacts:
    call_id: int
    episode_id: int
    patient_id: int
    clinic_id: int
    received_at: datetime
    status: str
    failed_attempts: tuple[datetime, ...]
    reached_at: datetime | None
    letter_sent_at: datetime | None
    triaged_at: datetime | None
    episode_open: bool
    records_requested_at: datetime | None = None
    no_prior_records_at: datetime | None = None


@dataclass(frozen=True)
class TriageFacts:
    triage_id: int
    episode_id: int
    patient_id: int
    clinic_id: int
    urgency: str
    decided_at: datetime
    reasons: tuple[str, ...]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    # The first appointment booked for this episode after the decision: (booked_at, start_at).
    first_booking_after: tuple[datetime, datetime] | None
    # When the patient first attended a visit (checked in) after the decision.
    attended_after: datetime | None = None
    # Specialties the raised flags route to ("rheumatology"), in flag order.
    referrals: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartialScreen:
    """Red-flag answers saved on a call before its screen was saved: an emergent one alerts a clinician at once."""

    call_id: int
    episode_id: int
    patient_id: int
    clinic_id: int
    emergent_at: datetime | None
    reasons: tuple[str, ...]
    triaged_at: datetime | None


def _day(calendar: BusinessCalendar, moment: datetime) -> str:
    return f"{calendar.to_local(moment):%a %d %b %Y %H:%M}"


def call_findings(call: CallFacts, targets: IntakeTargets, calendar: BusinessCalendar) -> list[Finding]:
    """The callback, the triage deadline and, after repeated failed attempts, a letter or portal message."""
    base = dict(provider=PROVIDER, clinic_id=call.clinic_id, episode_id=call.episode_id, patient_id=call.patient_id)
    found: list[Finding] = []
    callback_key = f"intake:callback:{call.call_id}"
    letter_key = f"intake:letter:{call.call_id}"
    triage_key = f"intake:triage:{call.call_id}"
    failures = len(call.failed_attempts)
    gave_up = failures >= targets.failed_attempts_before_letter

    if call.reached_at is not None:
        found.append(Fulfillment(callback_key, PROVIDER, f"Caller reached {_day(calendar, call.reached_at)}", call.reached_at))
    elif gave_up:
        last = call.failed_attempts[-1]
        found.append(Fulfillment(callback_key, PROVIDER, f"{failures} call attempts without reaching the caller; a letter or portal message follows", last))
    elif call.episode_open:
        due = calendar.due_after_business_days(call.received_at, targets.callback_business_days)
        tried = f" {failures} attempt(s) so far without an answer." if failures else ""
        found.append(Obligation(
            key=callback_key, kind="intake.callback", title="Return the call", due_at=due, owner_role="front_desk",
            reason=(f"Call received {_day(calendar, call.received_at)}; the clinic returns calls within "
                    f"{targets.callback_business_days} business day(s).{tried}"),
            evidence={"received_at": call.received_at.isoformat(), "failed_attempts": failures,
                      "target_business_days": targets.callback_business_days},
            **base,
        ))

    if gave_up and call.reached_at is None:
        if call.letter_sent_at is not None:
            found.append(Fulfillment(letter_key, PROVIDER, f"Letter or portal message sent {_day(calendar, call.letter_sent_at)}", call.letter_sent_at))
        elif call.episode_open:
            last = call.failed_attempts[-1]
            attempts = ", ".join(_day(calendar, a) for a in call.failed_attempts)
            found.append(Obligation(
                key=letter_key, kind="intake.letter", title="Send a letter or portal message", owner_role="front_desk",
                due_at=calendar.due_after_business_days(last, 1),
                reason=f"{failures} call attempts did not reach the caller ({attempts}); send a letter or portal message asking them to call.",
                evidence={"attempts": [a.isoformat() for a in call.failed_attempts]},
                **base,
            ))

    found.extend(_records_findings(call, calendar, base))

    if call.triaged_at is not None:
        found.append(Fulfillment(triage_key, PROVIDER, f"Red-flag triage completed {_day(calendar, call.triaged_at)}", call.triaged_at))
    elif call.episode_open and call.letter_sent_at is None:
        due = call.received_at + timedelta(hours=targets.triage_hours)
        found.append(Obligation(
            key=triage_key, kind="intake.triage", title="Complete the red-flag triage", due_at=due, owner_role="front_desk",
            reason=(f"First contact {_day(calendar, call.received_at)}; triage is completed within "
                    f"{targets.triage_hours} hours of first contact so urgent cases are not missed."),
            evidence={"received_at": call.received_at.isoformat(), "target_hours": targets.triage_hours},
            **base,
        ))
    return found


def _records_findings(call: CallFacts, calendar: BusinessCalendar, base: dict) -> list[Finding]:
    """Records are requested the same (business) day as first contact, so they arrive before the first visit."""
    key = f"intake:records:{call.call_id}"
    if call.records_requested_at is not None:
        return [Fulfillment(key, PROVIDER, f"Records requested {_day(calendar, call.records_requested_at)}", call.records_requested_at)]
    if call.no_prior_records_at is not None:
        return [Fulfillment(key, PROVIDER, "No outside records to request", call.no_prior_records_at)]
    if not call.episode_open or call.letter_sent_at is not None:
        return []
    return [Obligation(
        key=key, kind="intake.records", title="Request records from prior providers", owner_role="front_desk",
        due_at=calendar.due_after_business_days(call.received_at, 0) if calendar.is_business_day(calendar.local_date(call.received_at))
        else calendar.due_after_business_days(call.received_at, 1),
        reason=(f"First contact {_day(calendar, call.received_at)}; records (MRI reports, notes, medication lists) are "
                "requested the same day so they are here before the first visit."),
        evidence={"received_at": call.received_at.isoformat()},
        **base,
    )]


def triage_findings(triage: TriageFacts, calendar: BusinessCalendar, review_business_days: int = 1) -> list[Finding]:
    """Routing owes work: an emergent decision needs a clinician's acknowledgement; an urgent one a clinician today
    and a slot by the next business day; a review a clinician's look within `review_business_days` (the pack's
    review routing); a referral the clinician's referral in the same window."""
    base = dict(provider=PROVIDER, clinic_id=triage.clinic_id, episode_id=triage.episode_id, patient_id=triage.patient_id)
    why = "; ".join(triage.reasons)
    referrals = [_referral(triage, calendar, base, why, to, review_business_days) for to in triage.referrals]
    if triage.urgency == "emergent":
        key = f"intake:emergent-ack:{triage.triage_id}"
        if triage.acknowledged_at is not None:
            return [Fulfillment(key, PROVIDER, f"Acknowledged by {triage.acknowledged_by} {_day(calendar, triage.acknowledged_at)}", triage.acknowledged_at)]
        return [Obligation(
            key=key, kind="intake.emergent_ack", title="Acknowledge emergent red flag", owner_role="clinician",
            due_at=triage.decided_at,
            reason=f"Emergent at triage {_day(calendar, triage.decided_at)}: {why}. The caller was told to go to the emergency department now; a clinician must acknowledge before anything else is booked.",
            evidence={"urgency": "emergent", "reasons": list(triage.reasons)},
            **base,
        )]
    if triage.urgency == "urgent":
        return [_urgent_review(triage, calendar, base, why), *_urgent_slot(triage, calendar, base, why), *referrals]
    if triage.urgency == "review":
        return [_clinician_review(triage, calendar, base, why, review_business_days), *referrals]
    return referrals


def _reviewed(triage: TriageFacts, calendar: BusinessCalendar, key: str) -> Fulfillment | None:
    """A clinician's recorded review (the triage's acknowledgement, with its note) meets the review and its referrals."""
    if triage.acknowledged_at is None:
        return None
    return Fulfillment(key, PROVIDER, f"Reviewed by {triage.acknowledged_by} {_day(calendar, triage.acknowledged_at)}", triage.acknowledged_at)


def _clinician_review(triage: TriageFacts, calendar: BusinessCalendar, base: dict, why: str, business_days: int) -> Finding:
    """A low-specificity red flag: the routine booking stands and a clinician looks at the answers."""
    key = f"intake:clinician-review:{triage.triage_id}"
    met = _reviewed(triage, calendar, key)
    if met is not None:
        return met
    if triage.attended_after is not None:
        return Fulfillment(key, PROVIDER, f"Patient seen {_day(calendar, triage.attended_after)}", triage.attended_after)
    return Obligation(
        key=key, kind="intake.clinician_review", title="Review the red-flag answers", owner_role="clinician",
        due_at=calendar.due_after_business_days(triage.decided_at, business_days),
        reason=(f"Clinician review at triage {_day(calendar, triage.decided_at)}: {why}. On its own this is not urgent; "
                "a clinician reviews the answers and decides whether anything more is needed."),
        evidence={"urgency": "review", "reasons": list(triage.reasons)},
        **base,
    )


def _referral(triage: TriageFacts, calendar: BusinessCalendar, base: dict, why: str, to: str, business_days: int) -> Finding:
    """A flag that routes to a specialty: the clinician makes the referral (recorded with the review note)."""
    key = f"intake:referral:{triage.triage_id}:{to}"
    met = _reviewed(triage, calendar, key)
    if met is not None:
        return met
    return Obligation(
        key=key, kind="intake.referral", title=f"Refer to {to}", owner_role="clinician",
        due_at=calendar.due_after_business_days(triage.decided_at, business_days),
        reason=f"At triage {_day(calendar, triage.decided_at)}: {why}. Make the {to} referral and record it in the review note.",
        evidence={"referral_to": to, "reasons": list(triage.reasons)},
        **base,
    )


def _urgent_review(triage: TriageFacts, calendar: BusinessCalendar, base: dict, why: str) -> Finding:
    """A clinician looks at an urgent case the same business day (the next one if decided on a closed day)."""
    key = f"intake:urgent-review:{triage.triage_id}"
    if triage.attended_after is not None:
        return Fulfillment(key, PROVIDER, f"Patient seen {_day(calendar, triage.attended_after)}", triage.attended_after)
    same_day = calendar.is_business_day(calendar.local_date(triage.decided_at))
    return Obligation(
        key=key, kind="intake.urgent_review", title="Review the urgent triage today", owner_role="clinician",
        due_at=calendar.due_after_business_days(triage.decided_at, 0 if same_day else 1),
        reason=f"Urgent at triage {_day(calendar, triage.decided_at)}: {why}. A clinician reviews urgent cases the same business day.",
        evidence={"urgency": "urgent", "reasons": list(triage.reasons)},
        **base,
    )


def _urgent_slot(triage: TriageFacts, calendar: BusinessCalendar, base: dict, why: str) -> list[Finding]:
    key = f"intake:urgent-slot:{triage.triage_id}"
    due = calendar.due_after_business_days(triage.decided_at, 1)
    late = ""
    if triage.first_booking_after is not None:
        booked_at, start = triage.first_booking_after
        if start <= due:
            return [Fulfillment(key, PROVIDER, f"Urgent visit booked for {_day(calendar, start)}", booked_at)]
        late = f" The visit booked for {_day(calendar, start)} is later than that."
    return [Obligation(
        key=key, kind="intake.urgent_slot", title="Book a same-day or next-business-day visit", owner_role="coordinator",
        due_at=due,
        reason=f"Urgent at triage {_day(calendar, triage.decided_at)}: {why}. Book a slot today if the clinic has one, otherwise the next business day at the latest.{late}",
        evidence={"urgency": "urgent", "reasons": list(triage.reasons)},
        **base,
    )]


def partial_screen_findings(screen: PartialScreen, calendar: BusinessCalendar) -> list[Finding]:
    """An emergent answer given on the screen opens the clinician's alert before the screen is saved; saving the
    screen meets it (the saved decision carries its own acknowledgement). An answer changed back closes it."""
    key = f"intake:emergent-answer:{screen.call_id}"
    if screen.emergent_at is None:
        return [Cancellation(key, PROVIDER, "The emergent answer was changed before the screen was saved")]
    if screen.triaged_at is not None:
        return [Fulfillment(key, PROVIDER, f"Red-flag screen saved {_day(calendar, screen.triaged_at)}", screen.triaged_at)]
    return [Obligation(
        key=key, kind="intake.emergent_answer", title="Emergent red flag answered on a call", owner_role="clinician",
        due_at=screen.emergent_at, provider=PROVIDER, clinic_id=screen.clinic_id, episode_id=screen.episode_id,
        patient_id=screen.patient_id,
        reason=(f"Emergent answer given {_day(calendar, screen.emergent_at)} during the red-flag screen: {'; '.join(screen.reasons)}. "
                "The caller is told to go to the emergency department now; call the patient back."),
        evidence={"urgency": "emergent", "reasons": list(screen.reasons)},
    )]
