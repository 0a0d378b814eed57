"""Workers' compensation rules. Pure: no I/O, no clock; the calendar is a plain object and `now` is given.

What the claim must say to be usable, and the work a claim owes: reconcile the plan with an IME that
disagrees, the carrier's progress report on its cadence, and telling the patient what the carrier's approval
step is while a request waits on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import WorkersCompTimings
from painpath.worklist.engine import Finding, Fulfillment, NextChange, Obligation

PROVIDER = "workcomp"
WORK_STATUS_WORDS = {"full_duty": "Full duty", "modified": "Modified duty (with restrictions)", "off_work": "Off work"}


class Calendar(Protocol):
    def add_business_days(self, start: date, days: int) -> date: ...
    def business_days_before(self, day: date, days: int) -> date: ...
    def local_date(self, moment_utc: datetime) -> date: ...
    def end_of_local_day_utc(self, day: date) -> datetime: ...
    def start_of_local_day_utc(self, day: date) -> datetime: ...


class WorkCompPayer(Protocol):
    plan_type: str


def claim_problems(values: Mapping, payers: Mapping[str, WorkCompPayer], *, today: date) -> list[FieldProblem]:
    """What the claim form cannot accept beyond its shapes: an unknown or non-workers' comp carrier, dates out of order."""
    problems: list[FieldProblem] = []
    carrier = payers.get(values["carrier_payer_id"])
    if carrier is None or carrier.plan_type != "workers_comp":
        problems.append(FieldProblem("carrier_payer_id", "workers_comp_payer", "Choose the workers' compensation carrier from the list"))
    injury = values["injury_date"]
    if injury > today:
        problems.append(FieldProblem("injury_date", "not_future", "The date of injury cannot be in the future"))
    back = values.get("return_to_work_on")
    if back is not None and back < injury:
        problems.append(FieldProblem("return_to_work_on", "after_injury", "The return-to-work date cannot be before the date of injury"))
    if back is not None and values.get("work_status") in (None, "full_duty"):
        problems.append(FieldProblem("work_status", "with_return_date",
                                     "A return-to-work date goes with 'modified duty' or 'off work'; choose the current work status"))
    return problems


def findings_problems(agreement: str, disagreement: str | None) -> list[FieldProblem]:
    if agreement == "disagrees" and not (disagreement or "").strip():
        return [FieldProblem("disagreement", "required_when_disagrees", "Say what in the plan the examiner disagrees with")]
    return []


@dataclass(frozen=True)
class ImeFacts:
    ime_id: int
    examiner: str
    scheduled_on: date
    agreement: str | None
    disagreement: str | None
    findings_recorded_at: datetime | None
    rebuttal_at: datetime | None


@dataclass(frozen=True)
class PendingRequest:
    """An authorization request waiting on the carrier, with the decision due under the carrier's clock."""

    case_id: int
    procedure_name: str
    submitted_at: datetime
    decision_due_at: datetime
    received_on: date | None  # the carrier's receipt day where it has a cut-off rule


@dataclass(frozen=True)
class ClaimFacts:
    claim_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    opened_at: datetime
    carrier_name: str
    report_every_days: int | None
    report_title: str | None
    timings: WorkersCompTimings  # the clinic's own turnarounds on a claim (the workers_comp pack)
    report_days_after_change: int | None = None  # a plan pivot owes a report within these days (California: 20)
    reports_sent: tuple[datetime, ...] = ()  # in order
    imes: tuple[ImeFacts, ...] = ()
    plan_pivots: tuple[datetime, ...] = ()  # when a care plan of the episode was pivoted
    pending: tuple[PendingRequest, ...] = field(default_factory=tuple)


def _obligation(facts: ClaimFacts, key: str, kind: str, title: str, due: datetime, role: str, reason: str, **evidence) -> Obligation:  # noqa: ANN003
    return Obligation(key=key, kind=kind, provider=PROVIDER, clinic_id=facts.clinic_id, episode_id=facts.episode_id,
                      patient_id=facts.patient_id, title=title, due_at=due, owner_role=role, reason=reason,
                      evidence={"claim_id": facts.claim_id, **evidence})


def pivoted_after(findings_recorded_at: datetime | None, plan_pivots: Sequence[datetime]) -> datetime | None:
    """The first plan pivot on or after an IME's findings: the plan was reconciled with the IME then."""
    if findings_recorded_at is None:
        return None
    return min((at for at in plan_pivots if at >= findings_recorded_at), default=None)


def reconcile_findings(facts: ClaimFacts, calendar: Calendar) -> list[Finding]:
    """An IME that disagrees with the plan owes a reconciliation: a plan pivot after the findings, or a rebuttal."""
    found: list[Finding] = []
    for ime in facts.imes:
        if ime.agreement != "disagrees" or ime.findings_recorded_at is None:
            continue
        key = f"workcomp:ime_reconcile:{ime.ime_id}"
        pivoted_at = pivoted_after(ime.findings_recorded_at, facts.plan_pivots)
        if pivoted_at is not None:
            found.append(Fulfillment(key, PROVIDER, "plan pivoted after the IME", pivoted_at, {"ime_id": ime.ime_id}))
            continue
        if ime.rebuttal_at is not None:
            found.append(Fulfillment(key, PROVIDER, "rebuttal letter recorded", ime.rebuttal_at, {"ime_id": ime.ime_id}))
            continue
        within = facts.timings.ime_reconcile_within
        due = calendar.end_of_local_day_utc(within.after(calendar, calendar.local_date(ime.findings_recorded_at)))
        found.append(_obligation(
            facts, key, "workcomp.ime_reconcile", "Reconcile the plan with the IME", due, "clinician",
            f"The independent medical evaluation by {ime.examiner} disagrees with the plan: \u201c{ime.disagreement}\u201d. "
            f"Change the plan (pivot, with the reason) or record a rebuttal letter, within {within.words()} of the findings "
            f"({within.source}).", ime_id=ime.ime_id))
    return found


def ime_findings_findings(facts: ClaimFacts, calendar: Calendar, now: datetime) -> list[Finding]:
    """After the IME date, the coordinator gets the examiner's report and records what it found."""
    found: list[Finding] = []
    today = calendar.local_date(now)
    for ime in facts.imes:
        key = f"workcomp:ime_findings:{ime.ime_id}"
        if ime.findings_recorded_at is not None:
            found.append(Fulfillment(key, PROVIDER, "IME findings recorded", ime.findings_recorded_at, {"ime_id": ime.ime_id}))
            continue
        if today <= ime.scheduled_on:
            found.append(NextChange(PROVIDER, facts.episode_id, calendar.start_of_local_day_utc(ime.scheduled_on + timedelta(days=1)),
                                    "the IME takes place; its findings are to be recorded"))
            continue
        chase = facts.timings.ime_report_chase_after
        due = calendar.end_of_local_day_utc(chase.after(calendar, ime.scheduled_on))
        found.append(_obligation(
            facts, key, "workcomp.ime_findings", "Record the IME findings", due, "coordinator",
            f"The independent medical evaluation by {ime.examiner} took place on {ime.scheduled_on:%d %b %Y}. Ask the carrier for the "
            f"examiner's report and record what it found and whether it agrees with the plan, {chase.words()} after the "
            f"evaluation ({chase.source}).", ime_id=ime.ime_id))
    return found


def report_findings(facts: ClaimFacts, calendar: Calendar, now: datetime) -> list[Finding]:
    """The carrier's progress report: due `report_every_days` after the last one sent (the first from when the
    claim was entered); each report sent meets the one that was due before it."""
    if facts.report_every_days is None:
        return []
    anchors = [facts.opened_at, *facts.reports_sent]
    found: list[Finding] = []

    def key(anchor: datetime) -> str:
        return f"workcomp:progress_report:{facts.claim_id}:{calendar.local_date(anchor).isoformat()}"

    for before, after in zip(anchors, anchors[1:], strict=False):
        found.append(Fulfillment(key(before), PROVIDER, "progress report sent", after))
    last = anchors[-1]
    due_day = calendar.local_date(last) + timedelta(days=facts.report_every_days)
    opens_on = facts.timings.progress_report_opens_before.before(calendar, due_day)
    today = calendar.local_date(now)
    if today < opens_on:
        return [*found, NextChange(PROVIDER, facts.episode_id, calendar.start_of_local_day_utc(opens_on),
                                   "the progress report task opens before the carrier's deadline")]
    since = "the last report" if facts.reports_sent else "the claim was entered"
    found.append(_obligation(
        facts, key(last), "workcomp.progress_report", "Progress report due", calendar.end_of_local_day_utc(due_day), "clinician",
        f"{facts.carrier_name} expects the {facts.report_title or 'progress report'} every {facts.report_every_days} days while "
        f"treatment continues; the last was {since} on {calendar.local_date(last):%d %b %Y}. Generate it and send it to the adjuster."))
    return found


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def change_report_findings(facts: ClaimFacts, calendar: Calendar) -> list[Finding]:
    """A significant change in the treatment plan (a pivot, as after an IME) owes a report within the carrier's
    days (8 CCR 9785(f)(2)); a report sent after the pivot meets it."""
    if facts.report_days_after_change is None:
        return []
    found: list[Finding] = []
    for pivot in facts.plan_pivots:
        key = f"workcomp:change_report:{facts.claim_id}:{calendar.local_date(pivot).isoformat()}"
        after = [sent for sent in facts.reports_sent if sent >= pivot]
        if after:
            found.append(Fulfillment(key, PROVIDER, "progress report sent after the plan changed", after[0]))
            continue
        due_day = calendar.local_date(pivot) + timedelta(days=facts.report_days_after_change)
        found.append(_obligation(
            facts, key, "workcomp.change_report", "Progress report due: the plan changed", calendar.end_of_local_day_utc(due_day), "clinician",
            f"The care plan changed on {calendar.local_date(pivot):%d %b %Y}; {facts.carrier_name} expects the "
            f"{facts.report_title or 'progress report'} within {facts.report_days_after_change} days of a significant change in the "
            "treatment plan. Generate it and send it to the adjuster."))
    return found


def coaching_words(request: PendingRequest, carrier_name: str, calendar: Calendar) -> str:
    """What to tell the patient about the carrier's approval step, in plain words."""
    due = calendar.local_date(request.decision_due_at)
    received = f" They count it as received on {_day(request.received_on)}." if request.received_on else ""
    return (f"We sent your request for {request.procedure_name} to {carrier_name}, your workers' compensation carrier, on "
            f"{_day(calendar.local_date(request.submitted_at))}.{received} The carrier's reviewer has to decide by "
            f"{_day(due)}. You do not need to do anything now; we will call you as soon as we hear. If they approve, "
            "we book the appointment with you; if they say no, we will explain the next step and can ask for a review.")


def coaching_findings(facts: ClaimFacts, calendar: Calendar) -> list[Finding]:
    """While a request waits on the carrier, the coordinator tells the patient what comes next and when."""
    found: list[Finding] = []
    for request in facts.pending:
        day = calendar.local_date(request.submitted_at)
        words = coaching_words(request, facts.carrier_name, calendar)
        found.append(_obligation(
            facts, f"workcomp:coach:{request.case_id}:{day.isoformat()}", "workcomp.coach_patient",
            "Tell the patient the approval step", calendar.end_of_local_day_utc(calendar.add_business_days(day, 1)), "coordinator",
            f"Call the patient and say: \u201c{words}\u201d", case_id=request.case_id, script=words))
    return found


def claim_findings(facts: ClaimFacts, calendar: Calendar, now: datetime) -> list[Finding]:
    return [*ime_findings_findings(facts, calendar, now), *reconcile_findings(facts, calendar), *report_findings(facts, calendar, now), *change_report_findings(facts, calendar),
            *coaching_findings(facts, calendar)]
