"""Pure rules for authorization cases: the kit checklist and the obligations a case owes.

Facts in, decisions out: no database, no wall clock. The service loads a `CaseFacts` per case (the
stored case, the policy decision computed from the episode's facts, units used from performed
procedures) and these functions say what the worklist must show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from painpath.authorizations import lifecycle
from painpath.core.clock import BusinessCalendar
from painpath.worklist.engine import Finding, Fulfillment, NextChange, Obligation

PROVIDER = "authorizations"

# Who records what a criterion is missing: clinical findings belong to the clinician, everything a
# coordinator can gather (documents, imaging reports, therapy notes) to the coordinator.
CLINICIAN_CRITERIA = frozenset({
    "score_required", "exam_finding", "diagnostic_blocks", "prior_response", "pain_duration", "pain_diagram", "shared_decision",
})

# After a denial the clinician prepares the peer-to-peer packet within this many business days.
# [K] clinic default, not a payer rule: payers set their own peer-to-peer windows; a clinic setting later.
PEER_TO_PEER_PACKET_BUSINESS_DAYS = 1
# An approved case owes a booked procedure inside its window; ask for it this soon after the approval.
BOOK_AFTER_APPROVAL_BUSINESS_DAYS = 2
# A request the policy says is not eligible is reviewed by the clinician this soon after the case opened.
# [K] clinic default: due from the dated fact (the case's opening), never from "now", so it does not slide.
NOT_ELIGIBLE_REVIEW_BUSINESS_DAYS = 1
# A payer answer we refused (or a PAS request we would not send) is looked at this soon.
# [K] clinic default: the payer's decision is unknown until someone checks, so next business day at the latest.
REFUSAL_REVIEW_BUSINESS_DAYS = 1
# Case history actions that record a refused exchange with the payer (authorizations/submission.py).
ANSWER_REFUSED = "answer_refused"
REQUEST_REFUSED = "request_refused"
REFUSAL_ACTIONS = frozenset({ANSWER_REFUSED, REQUEST_REFUSED})


@dataclass(frozen=True)
class Refusal:
    """A payer answer we did not apply (or a request we did not send), and why, from the case history."""

    event_id: int
    at: datetime
    action: str  # answer_refused | request_refused
    reason: str
    settled_at: datetime | None = None  # when a later move of the case (a decision recorded, a resubmission) settled it


def refusals(events: Sequence[tuple[int, datetime, str, str | None]]) -> list[Refusal]:
    """Each refused exchange among the case's history events (id, at, action, note), settled by the first
    later move of the case: the coordinator recorded the payer's decision, resubmitted or withdrew."""
    moves = sorted((event_id, at) for event_id, at, action, _note in events if action in lifecycle.ACTIONS)
    found = []
    for event_id, at, action, note in sorted(events):
        if action in REFUSAL_ACTIONS:
            settled = next((move_at for move_id, move_at in moves if move_id > event_id), None)
            found.append(Refusal(event_id, at, action, note or "", settled))
    return found


@dataclass(eq=False)  # read-only by convention: frozen dataclasses initialise ~3x slower, and one is built per criterion per case
class ChecklistItem:
    """One line of the kit: a criterion or a document, and where it stands. Its words come from the
    criterion's result and are said only when read (a batch pass reads the statuses)."""

    criterion_id: str
    label: str
    status: str  # present | missing | pending | blocked | waived | not_applicable
    pending_until: date | None = None
    owner_role: str = "coordinator"
    result: object = field(default=None, repr=False)  # the criteria.CriterionResult it derives from

    @property
    def detail(self) -> str:
        """The engine's plain-words explanation."""
        return self.result.explanation  # type: ignore[attr-defined]

    @property
    def to_record(self) -> str | None:
        return self.result.to_record if self.status == "missing" else None  # type: ignore[attr-defined]

    @property
    def requirement(self) -> str | None:
        """What counts, in plain words with its recency ("..., within the last 12 months")."""
        return self.result.requirement  # type: ignore[attr-defined]

    @property
    def counts(self) -> bool:
        """Waived and not-applicable lines are shown but are not part of "5 of 7 items ready"."""
        return self.status not in ("waived", "not_applicable")

    def as_dict(self) -> dict:
        """Every field a reader sees, in the order the API has always given them."""
        return {
            "criterion_id": self.criterion_id, "label": self.label, "status": self.status, "detail": self.detail,
            "pending_until": self.pending_until, "to_record": self.to_record, "owner_role": self.owner_role,
            "requirement": self.requirement,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChecklistItem):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.criterion_id, self.status, self.pending_until))


_ITEM_STATUS = {
    "met": "present",
    "not_yet": "pending",
    "missing_evidence": "missing",
    "not_met": "blocked",
    "waived": "waived",
    "not_applicable": "not_applicable",
}


def checklist(decision) -> list[ChecklistItem]:  # noqa: ANN001 - a criteria.PolicyDecision
    """The kit derived from the policy decision: one item per criterion, in the policy's order."""
    items = []
    new = object.__new__
    for result in decision.criteria:
        status = _ITEM_STATUS[result.status]
        # Every field set at once, without the dataclass __init__ (this runs for every criterion of every open case).
        item = new(ChecklistItem)
        item.__dict__ = {
            "criterion_id": result.criterion_id, "label": result.label, "status": status,
            "pending_until": result.met_on if status == "pending" else None,
            "owner_role": "clinician" if result.type in CLINICIAN_CRITERIA else "coordinator",
            "result": result,
        }
        items.append(item)
    return items


assert {f.name for f in fields(ChecklistItem)} == {"criterion_id", "label", "status", "pending_until", "owner_role", "result"}, (
    "ChecklistItem fields changed: checklist sets each of them")


def kit_progress(items: list[ChecklistItem]) -> tuple[int, int]:
    """(items ready, items that count): "5 of 7 kit items ready"."""
    counted = [i for i in items if i.counts]
    return sum(1 for i in counted if i.status == "present"), len(counted)


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    state: str
    procedure_name: str
    payer_name: str
    opened_at: datetime
    submitted_at: datetime | None
    submission_channel: str | None
    decision_due_at: datetime | None  # from the payer clock, when the case waits on the payer
    pend_due_at: datetime | None
    decided_at: datetime | None
    approved_from: date | None
    approved_to: date | None
    approved_units: int | None
    units_used: int
    planned_on: date | None
    peer_to_peer_at: datetime | None
    appealed_at: datetime | None
    decision: object | None  # criteria.PolicyDecision while preparing/ready; None afterwards
    checklist: tuple[ChecklistItem, ...] = ()
    eligible_since: date | None = None  # eligible now: the day it became so (service.eligible_since)
    refusals: tuple[Refusal, ...] = ()  # refused payer answers and requests (rules.refusals)
    pend_request: str | None = None  # what the payer's pend said, in words


def _key(facts: CaseFacts, what: str) -> str:
    return f"auth:{what}:case:{facts.case_id}"


def _obligation(facts: CaseFacts, what: str, title: str, due_at: datetime, owner_role: str, reason: str, **evidence: object) -> Obligation:
    return Obligation(
        key=_key(facts, what), kind=f"authorizations.{what}", provider=PROVIDER, clinic_id=facts.clinic_id,
        episode_id=facts.episode_id, patient_id=facts.patient_id, title=title, due_at=due_at, owner_role=owner_role,
        reason=reason, evidence={"case_id": facts.case_id, **evidence},
    )


def _met(facts: CaseFacts, what: str, met_by: str, met_at: datetime) -> Fulfillment:
    return Fulfillment(key=_key(facts, what), provider=PROVIDER, met_by=met_by, met_at=met_at, evidence={"case_id": facts.case_id})


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def case_findings(facts: CaseFacts, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    """Every obligation the case owes now, and the facts that met earlier ones."""
    found: list[Finding] = []
    found.extend(_submission(facts, calendar))
    found.extend(_kit_items(facts, calendar, now))
    found.extend(_decision_follow_up(facts))
    found.extend(_pend(facts))
    found.extend(_peer_to_peer(facts, calendar))
    found.extend(_approval(facts, calendar))
    found.extend(_refused_exchanges(facts, calendar))
    found.extend(_next_change(facts, calendar, now))
    return found


def _next_change(facts: CaseFacts, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    """A case being prepared is judged against the payer's criteria on the clinic's date: an eligibility date
    arrives, a study or test grows too old, a fact dated ahead comes into force. The decision says the first
    such day (criteria.PolicyDecision.changes_on: tomorrow for a criterion whose words count days, or that has not
    worked its day out); the case's answer holds until that local midnight. The other states' duties are dated
    by their facts alone."""
    if facts.state not in (lifecycle.PREPARING, lifecycle.READY) or facts.decision is None:
        return []
    changes_on = facts.decision.changes_on  # type: ignore[attr-defined]
    if changes_on is None:
        return []
    return [NextChange(PROVIDER, facts.episode_id, calendar.start_of_local_day_utc(changes_on),
                       f"case {facts.case_id}: the payer's criteria give another answer from {_day(changes_on)}")]


def _eligible_day(facts: CaseFacts, calendar: BusinessCalendar) -> date | None:
    """The day the patient is (or became) eligible: the policy's date, never before the case opened.
    Eligible now: since the day it became so (never before the opening), a dated fact, so the due time stays put."""
    decision = facts.decision
    if decision is None or decision.outcome == "not_eligible":
        return None
    opened = calendar.local_date(facts.opened_at)
    since = decision.eligible_on or facts.eligible_since
    return max(since, opened) if since else opened


def _review_due(facts: CaseFacts, calendar: BusinessCalendar) -> datetime:
    return calendar.due_after_business_days(facts.opened_at, NOT_ELIGIBLE_REVIEW_BUSINESS_DAYS)


def _submission(facts: CaseFacts, calendar: BusinessCalendar) -> list[Finding]:
    if facts.state in (lifecycle.PREPARING, lifecycle.READY):
        decision = facts.decision
        if decision is None:
            return []
        if decision.outcome == "not_eligible":
            return [_obligation(
                facts, "not-eligible", f"Not eligible: review the {facts.procedure_name} request", _review_due(facts, calendar),
                "clinician",
                f"{decision.summary} Change the plan, record what is missing, or withdraw the request. Review due "
                f"{NOT_ELIGIBLE_REVIEW_BUSINESS_DAYS} business day after the case was opened "
                f"({_day(calendar.local_date(facts.opened_at))}).",
            )]
        day = _eligible_day(facts, calendar)
        assert day is not None
        return [_obligation(
            facts, "submit", f"Submit authorization: {facts.procedure_name} to {facts.payer_name}",
            calendar.end_of_local_day_utc(day), "coordinator",
            f"{decision.summary} Submit on the day the patient becomes eligible ({_day(day)}).",
            eligible_on=day.isoformat(),
        )]
    if facts.submitted_at is not None:
        how = f" by {facts.submission_channel}" if facts.submission_channel else ""
        return [_met(facts, "submit", f"Submitted{how} on {_day(calendar.local_date(facts.submitted_at))}", facts.submitted_at),
                _met(facts, "not-eligible", "Submitted to the payer", facts.submitted_at)]
    return []


def _kit_items(facts: CaseFacts, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    if facts.state not in (lifecycle.PREPARING, lifecycle.READY):
        return []
    day = _eligible_day(facts, calendar)
    due = calendar.end_of_local_day_utc(day) if day is not None else _review_due(facts, calendar)
    # An item is seen met on the clinic's date (its evidence carries no time of its own): the start of that
    # day, never before the case opened, so the answer holds all day.
    met_at = max(facts.opened_at, calendar.start_of_local_day_utc(calendar.local_date(now)))
    found: list[Finding] = []
    for item in facts.checklist:
        what = f"kit:{item.criterion_id}"
        if item.status == "missing":
            found.append(_obligation(
                facts, what, f"Kit for {facts.procedure_name}: {item.to_record or item.label}", due, item.owner_role,
                f"{item.label}: {item.detail}", criterion=item.criterion_id,
            ))
        elif item.status in ("present", "waived", "not_applicable"):
            found.append(_met(facts, what, f"{item.label}: {item.detail}", met_at))
    return found


def _decision_follow_up(facts: CaseFacts) -> list[Finding]:
    if facts.state in lifecycle.AWAITING_PAYER and facts.decision_due_at is not None:
        since = facts.appealed_at if facts.state == lifecycle.APPEALED else facts.submitted_at
        what = "decision" if facts.state == lifecycle.SUBMITTED else "appeal-decision"
        return [_obligation(
            facts, what, f"Follow up with {facts.payer_name}: decision on {facts.procedure_name} due",
            facts.decision_due_at, "coordinator",
            f"{facts.payer_name}'s decision clock runs out at this time; no answer recorded since "
            f"{'the appeal' if what == 'appeal-decision' else 'submission'}. Call the payer.",
            since=since.isoformat() if since else None,
        )]
    if facts.decided_at is not None:
        return [_met(facts, "decision", "The payer answered", facts.decided_at)]
    return []


def _pend(facts: CaseFacts) -> list[Finding]:
    if facts.state == lifecycle.PENDED and facts.pend_due_at is not None:
        # A pend that asks for nothing (queued, or a notification without a decision) is still followed up on
        # the payer's clock; the reason quotes the pend so the coordinator knows which kind it is.
        said = f"{facts.pend_request.rstrip('.')}. " if facts.pend_request else ""
        return [_obligation(
            facts, "pend", f"Answer {facts.payer_name}'s request for information ({facts.procedure_name})",
            facts.pend_due_at, "coordinator",
            f"{said}The payer pended the request; send what it asks for by this deadline, or, when it asks for nothing, "
            "follow up with the payer by then.",
        )]
    if facts.state not in (lifecycle.PENDED,) and facts.pend_due_at is not None:
        return [_met(facts, "pend", "Information sent to the payer", facts.decided_at or facts.pend_due_at)]
    return []


def _peer_to_peer(facts: CaseFacts, calendar: BusinessCalendar) -> list[Finding]:
    if facts.state == lifecycle.DENIED and facts.decided_at is not None:
        return [_obligation(
            facts, "peer-to-peer", f"Prepare the peer-to-peer packet: {facts.procedure_name} denied by {facts.payer_name}",
            calendar.due_after_business_days(facts.decided_at, PEER_TO_PEER_PACKET_BUSINESS_DAYS), "clinician",
            "The request was denied. Prepare the timeline of conservative care and the guideline citations, then schedule the "
            "peer-to-peer or file an appeal.",
        )]
    if facts.state in (lifecycle.PEER_TO_PEER, lifecycle.APPEALED):
        return [_met(facts, "peer-to-peer", "Peer-to-peer scheduled or appeal filed", facts.peer_to_peer_at or facts.appealed_at or facts.opened_at)]
    return []


def _approval(facts: CaseFacts, calendar: BusinessCalendar) -> list[Finding]:
    if facts.state not in lifecycle.IN_FORCE or facts.decided_at is None:
        return []
    found: list[Finding] = []
    if facts.approved_to is not None and facts.planned_on is not None and facts.planned_on > facts.approved_to:
        found.append(_obligation(
            facts, "expiry", f"Approval ends before the procedure date: {facts.procedure_name}", facts.decided_at, "coordinator",
            f"The approval runs to {_day(facts.approved_to)} but the procedure is booked for {_day(facts.planned_on)}. "
            "Rebook inside the window or ask the payer to extend it.",
        ))
    else:
        found.append(_met(facts, "expiry", "The procedure date is inside the approval window", facts.decided_at))
    if facts.planned_on is None:
        found.append(_obligation(
            facts, "book", f"Book the approved {facts.procedure_name}",
            calendar.due_after_business_days(facts.decided_at, BOOK_AFTER_APPROVAL_BUSINESS_DAYS), "coordinator",
            f"Approved{f' to {_day(facts.approved_to)}' if facts.approved_to else ''}: book it inside the approval window.",
        ))
    else:
        found.append(_met(facts, "book", f"Booked for {_day(facts.planned_on)}", facts.decided_at))
    return found


def _refused_exchanges(facts: CaseFacts, calendar: BusinessCalendar) -> list[Finding]:
    """A refused payer answer leaves the case as it was and the payer's real decision unknown: the
    coordinator checks with the payer and records it. A request we would not send is fixed and sent again."""
    found: list[Finding] = []
    for refusal in facts.refusals:
        what = f"{refusal.action.replace('_', '-')}:{refusal.event_id}"
        if refusal.settled_at is not None:
            found.append(_met(facts, what, "The case moved on after the refusal", refusal.settled_at))
            continue
        if refusal.action == ANSWER_REFUSED:
            title = f"Payer answer not applied: check with {facts.payer_name} ({facts.procedure_name})"
            then = (f"The case was not changed. Check the request's status with {facts.payer_name} and record their "
                    "decision on the authorization case page.")
        else:
            title = f"PAS request not sent: fix it and send again ({facts.procedure_name})"
            then = "Nothing was sent and the case was not changed. Fix what it names and send again, or send the packet by fax."
        found.append(_obligation(
            facts, what, title, calendar.due_after_business_days(refusal.at, REFUSAL_REVIEW_BUSINESS_DAYS), "coordinator",
            f"{refusal.reason} {then}", refused_at=refusal.at.isoformat(),
        ))
    return found


def units_left(approved_units: int | None, units_used: int) -> int | None:
    return None if approved_units is None else max(approved_units - units_used, 0)


def days_from_eligibility_to_submission(eligible_on: date | None, submitted_on: date) -> int | None:
    """The clinic's key measure: 0 when the request went out the day the patient became eligible."""
    return None if eligible_on is None else (submitted_on - eligible_on).days


def hours_to_decision(submitted_at: datetime | None, decided_at: datetime | None) -> float | None:
    if submitted_at is None or decided_at is None:
        return None
    return (decided_at - submitted_at) / timedelta(hours=1)
