"""The work a restriction and a return-to-work plan owe, as obligations. Pure: no I/O, no clock (`now` and
the calendar are given).

- A signed restriction owes a clinician's re-evaluation, due on its re-evaluation date or a few business days
  before it expires (the pack's lead), whichever comes first; the task appears that many business days before
  it is due. A later signed restriction of the episode meets it.
- A return-to-work step, once its start date arrives, owes a coordinator's confirmation with the employer and
  a clinician's check of how the step goes; each is met by its recorded date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from painpath.knowledge.schemas import RestrictionTimings
from painpath.paperwork.restrictions_rules import DUTY_LEVELS, day_words, re_evaluation_due
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, NextChange, Obligation

PROVIDER = "work_restrictions"
STEP_KINDS = {"graded": "Graded step", "role_switch": "Role switch", "full_duty": "Full duty"}


class Calendar(Protocol):
    def add_business_days(self, start: date, days: int) -> date: ...
    def business_days_before(self, day: date, days: int) -> date: ...
    def local_date(self, moment_utc: datetime) -> date: ...
    def end_of_local_day_utc(self, day: date) -> datetime: ...
    def start_of_local_day_utc(self, day: date) -> datetime: ...


@dataclass(frozen=True)
class RestrictionFacts:
    restriction_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    duty_level: str
    issued_on: date
    valid_until: date
    re_evaluate_on: date
    superseded_on: date | None  # the issue date of a later signed restriction of the episode
    superseded_at: datetime | None  # when that one was signed
    episode_open: bool


@dataclass(frozen=True)
class StepFacts:
    step_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    kind: str
    description: str
    starts_on: date
    employer_confirmed_on: date | None
    clinician_checked_on: date | None
    episode_open: bool


def restriction_key(restriction_id: int) -> str:
    return f"work_restriction:{restriction_id}:re_evaluate"


def step_key(step_id: int, duty: str) -> str:
    return f"return_to_work_step:{step_id}:{duty}"


def restriction_findings(f: RestrictionFacts, t: RestrictionTimings, calendar: Calendar, now: datetime) -> list[Finding]:
    key = restriction_key(f.restriction_id)
    if f.superseded_at is not None:
        assert f.superseded_on is not None
        return [Fulfillment(key, PROVIDER, f"Re-evaluated: a new restriction issued on {day_words(f.superseded_on)}", f.superseded_at)]
    if not f.episode_open:
        return [Cancellation(key, PROVIDER, "The episode was discharged")]
    lead = t.re_evaluate_before_expiry
    due = re_evaluation_due(calendar, re_evaluate_on=f.re_evaluate_on, valid_until=f.valid_until, lead=lead)
    opens = max(f.issued_on, lead.before(calendar, due))  # on the worklist a lead's length before it is due
    if calendar.local_date(now) < opens:
        return [NextChange(PROVIDER, f.episode_id, calendar.start_of_local_day_utc(opens), f"restriction {f.restriction_id}: re-evaluation nears")]
    duty = DUTY_LEVELS.get(f.duty_level, f.duty_level)
    reason = (f"{duty} restriction issued {day_words(f.issued_on)}, valid until {day_words(f.valid_until)}; re-evaluation set for "
              f"{day_words(f.re_evaluate_on)}. It is due then, or {lead.words()} before the restriction expires, whichever is first "
              f"({lead.source}). Met when a new restriction is signed (an extension needs functional measures newer than "
              f"{day_words(f.issued_on)}).")
    return [Obligation(key, "work_restrictions.re_evaluate", PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
                       f"Re-evaluate the work restrictions before they expire on {day_words(f.valid_until)}",
                       calendar.end_of_local_day_utc(due), "clinician", reason,
                       {"restriction_id": f.restriction_id, "valid_until": f.valid_until.isoformat(), "due_on": due.isoformat()})]


def step_findings(f: StepFacts, t: RestrictionTimings, calendar: Calendar, now: datetime) -> list[Finding]:
    confirm, check = step_key(f.step_id, "confirm_employer"), step_key(f.step_id, "clinician_check")
    found: list[Finding] = []
    for key, done_on, words in ((confirm, f.employer_confirmed_on, "Confirmed with the employer"),
                                (check, f.clinician_checked_on, "Checked by a clinician")):
        if done_on is not None:
            found.append(Fulfillment(key, PROVIDER, f"{words} on {day_words(done_on)}", calendar.start_of_local_day_utc(done_on)))
    if not f.episode_open:
        return [*found, Cancellation(step_key(f.step_id, "*"), PROVIDER, "The episode was discharged")]
    if calendar.local_date(now) < f.starts_on:
        return [*found, NextChange(PROVIDER, f.episode_id, calendar.start_of_local_day_utc(f.starts_on),
                                   f"return-to-work step {f.step_id} starts")]
    what = f"{STEP_KINDS.get(f.kind, f.kind)} from {day_words(f.starts_on)}: {f.description}"
    evidence = {"step_id": f.step_id, "starts_on": f.starts_on.isoformat()}
    if f.employer_confirmed_on is None:
        wait = t.employer_confirmation_within
        found.append(Obligation(confirm, "return_to_work.confirm_employer", PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
                                "Confirm the return-to-work step with the employer", calendar.end_of_local_day_utc(wait.after(calendar, f.starts_on)),
                                "coordinator", f"{what}. Confirm with the employer that the step is in place, within {wait.words()} of its start "
                                f"({wait.source}).", evidence))
    if f.clinician_checked_on is None:
        wait = t.clinician_check_after
        found.append(Obligation(check, "return_to_work.clinician_check", PROVIDER, f.clinic_id, f.episode_id, f.patient_id,
                                "Check how the return-to-work step is going", calendar.end_of_local_day_utc(wait.after(calendar, f.starts_on)),
                                "clinician", f"{what}. A clinician checks how the patient manages it within {wait.words()} of its start "
                                f"({wait.source}); a step that is not working changes the restrictions.", evidence))
    return found
