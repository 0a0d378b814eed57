"""Forms from the chart: what each field says (resolved from a facts object), the form's legal deadline
and the clinic's target, which state may follow which in the forms queue, the turnaround, and the work
the queue owes. Pure: no I/O, no clock; `now` and the calendar are given.

States: received -> drafted -> signed -> sent -> closed, or cancelled from any open state. A draft may be
redone (drafted again) until the clinician signs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import FormDeadline, FormDefinition
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, NextChange, Obligation

PROVIDER = "forms"
STATES = ("received", "drafted", "signed", "sent", "closed", "cancelled")
OPEN_STATES = ("received", "drafted", "signed")
STATUS_WORDS = {
    "received": "Received, not drafted", "drafted": "Drafted, awaiting the clinician's signature",
    "signed": "Signed, not sent", "sent": "Sent", "closed": "Closed", "cancelled": "Cancelled",
}
_FROM = {"drafted": ("received", "drafted"), "signed": ("drafted",), "sent": ("signed",), "closed": ("sent",),
         "cancelled": OPEN_STATES}
REQUESTERS = ("employer", "insurer")
FLARE_PERIODS = ("week", "month")
FLARE_UNITS = ("hours", "days")


def day_words(day: date | None) -> str:
    return "" if day is None else f"{day.day} {day:%b %Y}"


# Facts --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionalLimit:
    words: str  # "Sitting tolerance 20 minutes"
    as_of: date


@dataclass(frozen=True)
class FlareUps:
    """The clinician's estimate of episodic flare-ups over the next 6 months (WH-380-E Part B)."""

    times: int
    per: str  # week | month
    duration: int
    unit: str  # hours | days


@dataclass(frozen=True)
class FormFacts:
    """What the chart says that a form asks, gathered by form_facts.py."""

    patient_name: str
    patient_birth_date: date
    clinician_name: str | None
    clinician_specialty: str
    clinic_name: str
    clinic_address: str | None
    clinic_phone: str | None
    clinic_fax: str | None
    onset_date: date | None
    first_visit: date | None
    diagnoses: tuple[str, ...]  # "M54.16 Radiculopathy, lumbar region"
    visit_dates: tuple[date, ...]  # visits held, oldest first
    planned_visits: tuple[date, ...] = ()  # visits and sessions the care plan has booked ahead
    treatments: tuple[str, ...] = ()  # "Physical therapy", "Lumbar epidural steroid injection"
    limits: tuple[FunctionalLimit, ...] = ()
    work_status: str | None = None
    flare_ups: FlareUps | None = None
    incapacity: str | None = None  # the periods, in words, as the coordinator recorded them
    expected_duration: str | None = None
    expected_return: date | None = None
    # Work restrictions in words, when the restrictions slice has written any (see form_facts.py's hook).
    restrictions: tuple[str, ...] = ()


def _phone_parts(phone: str | None) -> tuple[str | None, str | None]:
    """A US number as (area code, rest): '(555) 010-2000' -> ('555', '010-2000')."""
    if not phone:
        return None, None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None, phone
    return digits[:3], f"{digits[3:6]}-{digits[6:]}"


def _dates(days: Sequence[date], limit: int = 12) -> str | None:
    if not days:
        return None
    shown = [f"{d:%m/%d/%Y}" for d in days[:limit]]
    more = len(days) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _schedule(f: FormFacts) -> str | None:
    if not f.planned_visits:
        return None
    return f"{len(f.planned_visits)} visits planned: {_dates(f.planned_visits)}"


def _limits(f: FormFacts) -> str | None:
    if not f.limits:
        return None
    return "; ".join(f"{limit.words} (measured {limit.as_of:%m/%d/%Y})" for limit in f.limits)


def _flare(get: Callable[[FlareUps], object]) -> Callable[[FormFacts], str | None]:
    return lambda f: None if f.flare_ups is None or get(f.flare_ups) is None else str(get(f.flare_ups))


_SOURCES: dict[str, Callable[[FormFacts], str | None]] = {
    "patient.name": lambda f: f.patient_name,
    "patient.birth_date": lambda f: f"{f.patient_birth_date:%m/%d/%Y}",
    "clinician.name": lambda f: f.clinician_name,
    "clinician.specialty": lambda f: f.clinician_specialty,
    "clinic.name_address": lambda f: ", ".join(x for x in (f.clinician_name, f.clinic_name, f.clinic_address) if x),
    "clinic.phone_area": lambda f: _phone_parts(f.clinic_phone)[0],
    "clinic.phone_number": lambda f: _phone_parts(f.clinic_phone)[1],
    "clinic.fax_area": lambda f: _phone_parts(f.clinic_fax)[0],
    "clinic.fax_number": lambda f: _phone_parts(f.clinic_fax)[1],
    "episode.onset_date": lambda f: None if f.onset_date is None else f"{f.onset_date:%m/%d/%Y}",
    "episode.diagnoses": lambda f: "; ".join(f.diagnoses) or None,
    "episode.probable_duration": lambda f: f.expected_duration,
    "episode.first_visit": lambda f: None if f.first_visit is None else f"{f.first_visit:%m/%d/%Y}",
    "treatment.visit_dates": lambda f: _dates(f.visit_dates),
    "treatment.schedule": _schedule,
    "treatment.nature": lambda f: "; ".join(f.treatments) or None,
    "incapacity.periods": lambda f: f.incapacity,
    "restrictions.limits": lambda f: "; ".join(f"Work restriction: {r}" for r in f.restrictions) or None,
    "function.limits": _limits,
    "flare_ups.times": _flare(lambda x: x.times),
    "flare_ups.per_weeks": _flare(lambda x: 1 if x.per == "week" else None),
    "flare_ups.per_months": _flare(lambda x: 1 if x.per == "month" else None),
    "flare_ups.duration_hours": _flare(lambda x: x.duration if x.unit == "hours" else None),
    "flare_ups.duration_days": _flare(lambda x: x.duration if x.unit == "days" else None),
    "flare_ups.episodic": lambda f: None if f.flare_ups is None else "yes",
    "work.unable": lambda f: None if f.work_status is None else f"Work status: {f.work_status}",
}


@dataclass(frozen=True)
class ResolvedField:
    pdf_field: str
    label: str
    value: str | None  # None: the chart does not say (left blank, listed as missing)
    clinician_attests: bool


def resolve(definition: FormDefinition, facts: FormFacts) -> list[ResolvedField]:
    """Each field of the form with the value the chart gives it; clinician-attested fields stay blank."""
    out = []
    for item in definition.fields:
        value = None if item.clinician_attests or item.source is None else _SOURCES[item.source](facts)
        out.append(ResolvedField(item.pdf_field, item.label, value or None, item.clinician_attests))
    return out


def pdf_values(resolved: Sequence[ResolvedField]) -> dict[str, str]:
    return {r.pdf_field: r.value for r in resolved if r.value is not None and not r.clinician_attests}


# Deadlines ----------------------------------------------------------------------------------------------

def due_on(rule: FormDeadline, *, received_on: date, employee_receipt_on: date | None, add_business_days) -> date:  # noqa: ANN001
    """The day a wait ends: counted from the employee's receipt when the rule says so and it is known, else
    from the form's arrival at the clinic (the employee received it no later than that)."""
    start = employee_receipt_on if rule.counts_from == "employee_receipt" and employee_receipt_on else received_on
    if rule.unit == "business_days":
        return add_business_days(start, rule.amount)
    return start + timedelta(days=rule.amount)


def clinic_target(default: FormDeadline, clinic_days: int | None) -> FormDeadline:
    """The turnaround target a form is held to: the clinic's own (Clinic settings, calendar days from its
    arrival) when it has set one, else the form definition's default."""
    if clinic_days is None:
        return default
    return default.model_copy(update={"amount": clinic_days, "unit": "calendar_days", "counts_from": "received",
                                      "source": "The clinic's own target (Clinic settings)"})


def turnaround_days(received_on: date, sent_on: date | None) -> int | None:
    """Received to sent, in calendar days (a form sent the day it came has a turnaround of 0)."""
    return None if sent_on is None else (sent_on - received_on).days


# Transitions --------------------------------------------------------------------------------------------

def transition_problems(status: str, to: str) -> list[FieldProblem]:
    if to not in _FROM:
        return [FieldProblem("to", "known_step", f"Unknown step {to!r}")]
    if status not in _FROM[to]:
        return [FieldProblem("to", "allowed_step",
                             f"A form that is {STATUS_WORDS[status].lower()} cannot be marked {STATUS_WORDS[to].lower()}")]
    return []


def offered_steps(status: str) -> list[str]:
    return [to for to, sources in _FROM.items() if status in sources and to != "sent"]


# Obligations --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueFacts:
    """One form request as the obligation rules see it."""

    request_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    form_name: str
    requester: str
    status: str
    received_on: date
    target_on: date
    target_words: str
    legal_due_on: date | None
    legal_words: str | None
    drafted_at: datetime | None = None
    signed_at: datetime | None = None
    sent_at: datetime | None = None
    cancel_reason: str | None = None
    owner: Mapping[str, object] = field(default_factory=dict)


def key(request_id: int, stage: str) -> str:
    return f"form:{request_id}:{stage}"


def form_findings(f: QueueFacts, calendar, now: datetime) -> list[Finding]:  # noqa: ANN001
    """Draft (coordinator, by the clinic target), sign (clinician), send (coordinator); each due by the
    clinic's target, and an overdue flag against the form's own deadline while it is not sent."""
    if f.status == "cancelled":
        return [Cancellation(key(f.request_id, "*"), PROVIDER, f"Form request cancelled: {f.cancel_reason or 'no reason given'}")]
    due = calendar.end_of_local_day_utc(f.target_on)
    why = (f"{f.form_name} from {f.requester} received on {day_words(f.received_on)}; the clinic turns forms round within "
           f"{f.target_words} (by {day_words(f.target_on)})")
    if f.legal_due_on is not None:
        why += f"; it is due back by {day_words(f.legal_due_on)} ({f.legal_words})"
    evidence = {"form_request_id": f.request_id, "received_on": f.received_on.isoformat()}
    stages = (
        ("draft", "forms.draft", "coordinator", f"Draft the {f.form_name} from the chart", f.drafted_at, "Drafted"),
        ("sign", "forms.sign", "clinician", f"Review and sign the {f.form_name}", f.signed_at, "Signed by the clinician"),
        ("send", "forms.send", "coordinator", f"Send the signed {f.form_name} to the {f.requester}", f.sent_at, "Sent"),
    )
    found: list[Finding] = []
    previous_met = True
    for name, kind, owner, title, met_at, met_by in stages:
        if met_at is not None:
            found.append(Fulfillment(key(f.request_id, name), PROVIDER, met_by, met_at))
        elif previous_met:
            found.append(Obligation(key(f.request_id, name), kind, PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
                                    title, due, owner, why + ".", evidence))
        previous_met = met_at is not None
    if f.legal_due_on is not None:
        overdue_key = key(f.request_id, "overdue")
        late_from = calendar.start_of_local_day_utc(f.legal_due_on + timedelta(days=1))
        if f.sent_at is not None:
            found.append(Fulfillment(overdue_key, PROVIDER, "Sent", f.sent_at))
        elif now < late_from:
            found.append(NextChange(PROVIDER, f.episode_id, late_from, f"form {f.request_id}: the legal deadline passes"))
        else:
            found.append(Obligation(
                overdue_key, "forms.overdue", PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
                f"Overdue: the {f.form_name} for the {f.requester}", calendar.end_of_local_day_utc(f.legal_due_on), "coordinator",
                f"Due back by {day_words(f.legal_due_on)} ({f.legal_words}) and not sent yet: send it, or tell the "
                f"{f.requester} when it will come.", {**evidence, "legal_due_on": f.legal_due_on.isoformat()}))
    return found
