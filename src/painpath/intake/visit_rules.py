"""Pure rules for visits: which lifecycle moves are allowed, what the first visit owes (an attended visit,
not a booking), and what a no-show owes (a reschedule that counts the no-shows).

Facts in, findings out; no I/O and no wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from painpath.core.clock import BusinessCalendar, iso_utc
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, Obligation

FIRST_VISIT_PROVIDER = "first_visit"
NO_SHOW_PROVIDER = "visits"
FIRST_VISIT_TYPES = frozenset({"new_patient", "urgent"})
ATTENDED = frozenset({"checked_in", "completed"})
# The note type each kind of visit suggests when its note is started from the visit.
NOTE_TYPE_FOR_VISIT = {"new_patient": "initial", "urgent": "initial", "follow_up": "follow_up", "procedure": "procedure"}

# action -> (the states it may start from, the state it leaves, the rule in plain words when refused)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "check_in": (frozenset({"booked"}), "checked_in", "Only a booked visit can be checked in"),
    "complete": (frozenset({"booked", "checked_in"}), "completed", "Only a booked or checked-in visit can be completed"),
    "no_show": (frozenset({"booked"}), "no_show", "Only a booked visit that the patient did not attend can be marked a no-show"),
    "cancel": (frozenset({"booked"}), "cancelled", "Only a booked visit can be cancelled"),
    "reschedule": (frozenset({"booked"}), "rescheduled", "Only a booked visit can be rescheduled (book a missed one anew)"),
}
STATE_WORDS = {
    "booked": "booked", "checked_in": "checked in", "completed": "completed", "no_show": "a no-show",
    "cancelled": "cancelled", "rescheduled": "rescheduled",
}


def refusal(action: str, status: str) -> str | None:
    """None if `action` is allowed from `status`, else the rule in plain words."""
    allowed, _to, rule = TRANSITIONS[action]
    if status in allowed:
        return None
    return f"{rule}; this visit is {STATE_WORDS.get(status, status)}."


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day(calendar: BusinessCalendar, moment: datetime) -> str:
    return f"{calendar.to_local(moment):%a %d %b %Y %H:%M}"


@dataclass(frozen=True)
class VisitFacts:
    appointment_id: int
    visit_type: str
    status: str
    start_at: datetime
    booked_at: datetime
    checked_in_at: datetime | None
    completed_at: datetime | None
    no_show_at: datetime | None


@dataclass(frozen=True)
class FirstVisitFacts:
    episode_id: int
    patient_id: int
    clinic_id: int
    status: str
    opened_at: datetime
    visits: tuple[VisitFacts, ...]
    # An emergent decision no clinician has acknowledged yet: (when decided, why).
    hard_stop: tuple[datetime, str] | None = None


def attended_at(visit: VisitFacts) -> datetime:
    return visit.checked_in_at or visit.completed_at or visit.start_at


def first_visit_findings(facts: FirstVisitFacts, calendar: BusinessCalendar, target_business_days: int) -> list[Finding]:
    """An open episode owes a first visit the patient attends; a booking alone does not meet it."""
    key = f"first_visit:episode:{facts.episode_id}"
    firsts = [v for v in facts.visits if v.visit_type in FIRST_VISIT_TYPES]
    attended = sorted((v for v in firsts if v.status in ATTENDED), key=attended_at)
    if attended:
        at = attended_at(attended[0])
        return [Fulfillment(key=key, provider=FIRST_VISIT_PROVIDER, met_at=at, met_by=f"First visit attended {_day(calendar, at)}")]
    if facts.status != "open":
        return []
    if facts.hard_stop is not None:
        decided, why = facts.hard_stop
        return [Cancellation(pattern=key, provider=FIRST_VISIT_PROVIDER, reason=(
            f"Superseded by the emergent red flag at triage {_day(calendar, decided)} ({why}): the patient was sent to "
            "the emergency department; the first visit is owed again once a clinician acknowledges."))]
    base = dict(key=key, kind="first_visit.book", provider=FIRST_VISIT_PROVIDER, clinic_id=facts.clinic_id,
                episode_id=facts.episode_id, patient_id=facts.patient_id)
    booked = sorted((v for v in firsts if v.status == "booked"), key=lambda v: v.start_at)
    if booked:
        visit = booked[0]
        return [Obligation(
            **base, title="Check the patient in at the first visit", owner_role="front_desk",
            due_at=calendar.end_of_local_day_utc(calendar.local_date(visit.start_at)),
            reason=(f"First visit booked for {_day(calendar, visit.start_at)}; the first-visit duty is met when the patient "
                    "attends. Check them in, or record a no-show."),
            evidence={"appointment_id": visit.appointment_id, "start_at": iso_utc(visit.start_at)},
        )]
    due = calendar.due_after_business_days(facts.opened_at, target_business_days)
    opened_local = calendar.local_date(facts.opened_at)
    return [Obligation(
        **base, title="Book the first visit", due_at=due, owner_role="coordinator",
        reason=(f"Episode opened {opened_local:%a %d %b %Y} and no first visit is booked; the clinic "
                f"books first visits within {target_business_days} business days of first contact."),
        evidence={"episode_opened": opened_local.isoformat(), "target_business_days": target_business_days,
                  "due_date": calendar.local_date(due).isoformat()},
    )]


def no_show_findings(facts: FirstVisitFacts, calendar: BusinessCalendar) -> list[Finding]:
    """Each no-show owes a new booking, due one business day after the missed visit (a dated fact, never now).
    The reason counts this episode's no-shows; a visit booked after the no-show was recorded meets it."""
    found: list[Finding] = []
    missed = sorted((v for v in facts.visits if v.no_show_at is not None), key=lambda v: v.start_at)
    for number, visit in enumerate(missed, start=1):
        key = f"visits:no-show:{visit.appointment_id}"
        rebooked = sorted((v for v in facts.visits if v.booked_at >= visit.no_show_at and v.appointment_id != visit.appointment_id
                           and v.status != "cancelled"), key=lambda v: v.booked_at)
        if rebooked:
            found.append(Fulfillment(key=key, provider=NO_SHOW_PROVIDER, met_at=rebooked[0].booked_at,
                                     met_by=f"New visit booked for {_day(calendar, rebooked[0].start_at)}"))
            continue
        if facts.status != "open":
            continue
        found.append(Obligation(
            key=key, kind="visits.reschedule", provider=NO_SHOW_PROVIDER, clinic_id=facts.clinic_id,
            episode_id=facts.episode_id, patient_id=facts.patient_id, title="Reschedule the missed visit",
            owner_role="front_desk", due_at=calendar.due_after_business_days(visit.start_at, 1),
            reason=(f"{ordinal(number)} no-show in this episode: the patient missed the visit of "
                    f"{_day(calendar, visit.start_at)}. Call them and book a new visit."),
            evidence={"appointment_id": visit.appointment_id, "no_shows": number, "missed": iso_utc(visit.start_at)},
        ))
    return found
