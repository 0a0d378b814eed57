"""Relief checks owed after a procedure (pure rules): one per window the procedure's pack gives.

Each due time derives from the procedure date, never from now: the task for "2 weeks after" an
injection done on 1 March is due at the end of the window's last day whatever day the sweep runs.
A relief report measured inside the window meets the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.worklist.engine import Finding, Fulfillment, Obligation

PROVIDER = "charting.procedures"
KIND = "procedures.relief_check"


@dataclass(frozen=True)
class ReliefFacts:
    """What the rules need of one procedure: when it was done, what the pack asks, the reports so far."""

    procedure_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    name: str  # "Lumbar transforaminal epidural steroid injection at L4-5, left"
    performed_on: date
    checks: Sequence  # the pack's ReliefCheck entries, in order
    reports: Sequence[tuple[date, object]]  # (measured_on, recorded_at) of each relief report


def panel_link(episode_id: int, procedure_id: int) -> str:
    return f"/episodes/{episode_id}#procedure-{procedure_id}"


def relief_findings(fact: ReliefFacts, calendar: BusinessCalendar) -> list[Finding]:
    found: list[Finding] = []
    for number, check in enumerate(fact.checks, start=1):
        opens_days, due_days = check.days()
        opens, due = fact.performed_on + timedelta(days=opens_days), fact.performed_on + timedelta(days=due_days)
        key = f"procedures:relief-check:{fact.procedure_id}:{number}"
        report = next(((on, at) for on, at in fact.reports if opens <= on <= due), None)
        if report is not None:
            found.append(Fulfillment(key, PROVIDER, f"Relief report of {report[0]:%d %b %Y} recorded", report[1],
                                     evidence={"procedure_id": fact.procedure_id}))
            continue
        found.append(Obligation(
            key=key, kind=KIND, provider=PROVIDER, clinic_id=fact.clinic_id, episode_id=fact.episode_id,
            patient_id=fact.patient_id, title=f"Relief check {number} due: {check.name}",
            due_at=calendar.end_of_local_day_utc(due), owner_role="nurse",
            reason=(f"{fact.name} was done on {fact.performed_on:%d %b %Y}. Ask the patient how much it helped "
                    f"{check.name} (between {opens:%d %b} and {due:%d %b %Y}) and record the relief: payers judge "
                    "repeat and follow-on procedures on these reports."),
            evidence={"procedure_id": fact.procedure_id, "window_opens": opens.isoformat(), "window_closes": due.isoformat(),
                      "link": panel_link(fact.episode_id, fact.procedure_id)},
        ))
    return found
