"""The criteria engine: a payer policy, an episode's facts and a day in, a decision in plain words out.

    policy = find_policy(knowledge, "bcbs_commercial", "tfesi_cervical", on=today)
    decision = evaluate(policy, facts, planned, today, knowledge.procedures, payer_name="BCBS commercial")
    decision.outcome      # eligible_now | eligible_on | needs_information | not_eligible
    decision.eligible_on  # 19 Feb 2026
    decision.summary      # "Eligible on Thursday 19 February 2026 under BCBS commercial: by then you will ..."

Pure: no I/O, no wall clock. `today` is the clinic's local date; every projected date assumes nothing
changes (ongoing care goes on, ended care stays ended, nothing new is performed or recorded).

Each criterion gives one status:
- met;
- not_yet, with the day it will be met (care reaching 6 weeks, the rolling window freeing a slot, the
  interval since the last procedure passing). A request submitted before that day would be refused;
  that is how the research's "third ablation in 12 months: deny" reads here, with the day it stops
  being refused;
- not_met, with why, quoting the numbers (no waiting will fix it: 78% relief where 80% is needed);
- missing_evidence, with what to record;
- waived, by an exception of the policy (herpes zoster and the ESI duration rule);
- not_applicable (an initial-only criterion on a repeat request, or the reverse).

Spacing rules with individually documented exceptions (Medicare's 2 weeks between diagnostic blocks)
are not met unless the later block records `spacing_exception`; with one they are met, and the decision
carries a warning quoting the reason so a reviewer sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from painpath.authorizations.criteria_checks import (
    CHECKS, DAILY, Check, Context, Status, arriving, earliest, imaging_requirement, region_group, said,
)
from painpath.authorizations.criteria_words import day, join, long_day, place_words, sentence
from painpath.facts.vocabulary import EpisodeFacts, PlannedProcedure
from painpath.knowledge.schemas import Criterion, Policy, Procedure, Waiver

if TYPE_CHECKING:
    from painpath.knowledge.loader import Knowledge

__all__ = ["CriterionResult", "Outcome", "PolicyDecision", "Status", "evaluate", "find_policy", "is_repeat"]

Outcome = Literal["eligible_now", "eligible_on", "needs_information", "not_eligible"]


# The words (explanations, the summary, the lapsing warnings) are built only when read: a batch pass over
# every open case reads the outcomes and dates, a person reads the words of one case. Each result and
# decision carries the means to say itself and caches what it said; equality compares the words too.


@dataclass(eq=False)  # read-only by convention: frozen dataclasses initialise ~3x slower, and one is built per criterion per case
class CriterionResult:
    criterion_id: str
    type: str
    label: str  # the payer's requirement in its own language
    status: Status
    source: str
    evidence: str
    verified: bool
    met_on: date | None = None  # not_yet: the day it will be met if nothing changes
    waived_by: str | None = None  # waived: the exception's label
    check: Check | None = field(default=None, repr=False)  # the check's words, said when read
    criterion: Criterion | None = field(default=None, repr=False)  # for the requirement, said when read
    planned_region: str = field(default="", repr=False)

    @cached_property
    def explanation(self) -> str:
        """Why, in plain words, quoting the numbers."""
        return said(self.check.explanation) if self.check is not None else ""

    @cached_property
    def to_record(self) -> str | None:
        """missing_evidence: what to record."""
        return said(self.check.to_record) if self.check is not None else None

    @cached_property
    def by_then(self) -> str | None:
        """not_yet: what will be true by then, said to the patient."""
        return said(self.check.by_then) if self.check is not None else None

    @cached_property
    def requirement(self) -> str | None:
        """The rule in plain words where the payer's label leaves out what counts ("MRI or CT of the
        lumbar/sacral region, within the last 24 months"): shown with the label on the case page and kit."""
        return _requirement(self.criterion, self.planned_region) if self.criterion is not None else None

    def as_dict(self) -> dict:
        """Every field a reader sees, in the order the API has always given them."""
        return {
            "criterion_id": self.criterion_id, "type": self.type, "label": self.label, "status": self.status,
            "explanation": self.explanation, "source": self.source, "evidence": self.evidence, "verified": self.verified,
            "met_on": self.met_on, "to_record": self.to_record, "waived_by": self.waived_by, "by_then": self.by_then,
            "requirement": self.requirement,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CriterionResult):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.criterion_id, self.type, self.status, self.met_on))


@dataclass(eq=False)  # read-only by convention: frozen dataclasses initialise ~3x slower, and one is built per criterion per case
class PolicyDecision:
    policy_id: str
    policy_name: str
    payer_name: str
    procedure_id: str
    place_of_service: str
    today: date
    outcome: Outcome
    # eligible_on: the day; needs_information: the day the rest would be met (None: already met).
    eligible_on: date | None
    authorization_required: bool
    authorization_note: str
    is_repeat: bool
    criteria: tuple[CriterionResult, ...]
    say_warnings: Callable[[], tuple[str, ...]] = field(default=tuple, repr=False)
    say_summary: Callable[[PolicyDecision], str] = field(default=lambda _decision: "", repr=False)
    say_changes_on: Callable[[], date | None] = field(default=lambda: None, repr=False)

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        return self.say_warnings()

    @cached_property
    def summary(self) -> str:
        return self.say_summary(self)

    @cached_property
    def changes_on(self) -> date | None:
        """The first day after `today` on which the clock alone may change the outcome, a criterion's status or date,
        or the words the worklist quotes; None: only new facts change it (see criteria_checks.Check.changes_on).
        Worked out when asked (the worklist asks; a batch readiness pass does not)."""
        return self.say_changes_on()

    def by_status(self, status: Status) -> list[CriterionResult]:
        return [c for c in self.criteria if c.status == status]

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.criterion_id == criterion_id)

    def _key(self) -> tuple:
        return (self.policy_id, self.policy_name, self.payer_name, self.procedure_id, self.place_of_service, self.today,
                self.outcome, self.eligible_on, self.authorization_required, self.authorization_note, self.is_repeat,
                self.criteria, self.warnings, self.summary)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolicyDecision):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.policy_id, self.procedure_id, self.today, self.outcome, self.eligible_on))


def find_policy(knowledge: Knowledge, payer_id: str, procedure_id: str, on: date) -> Policy | None:
    """The policy for this payer and procedure on that day: one naming the payer beats one for its plan type.
    Among versions, the one in force that day (a new version from its `effective_from`)."""
    payer = knowledge.payers.get(payer_id)
    in_force = [p for p in knowledge.all_policies() if procedure_id in p.procedures and p.in_effect_on(on)]
    specific = [p for p in in_force if payer_id in p.payers]
    if specific:
        return max(specific, key=lambda p: p.effective_from)
    if payer is None:
        return None
    general = [p for p in in_force if payer.plan_type in p.plan_types]
    return max(general, key=lambda p: p.effective_from) if general else None


def _repeat_dates(policy: Policy, facts: EpisodeFacts, planned: PlannedProcedure) -> list[date]:
    """When the same procedure (or one of its repeat group) was, or is dated to be, performed in the region."""
    if not facts.procedures:  # most episodes asking for a first procedure
        return []
    same = set(policy.repeat_group or [planned.kind]) | {planned.kind}
    group = region_group(planned.region)
    return [p.performed_on for p in facts.procedures if p.kind in same and region_group(p.region) == group]


def is_repeat(policy: Policy, facts: EpisodeFacts, planned: PlannedProcedure, today: date) -> bool:
    """Whether the episode already has the same procedure (or one of its repeat group) performed in the region."""
    return any(on <= today for on in _repeat_dates(policy, facts, planned))


def evaluate(
    policy: Policy,
    facts: EpisodeFacts,
    planned: PlannedProcedure,
    today: date,
    procedures: Mapping[str, Procedure],
    *,
    payer_name: str | None = None,
) -> PolicyDecision:
    """Evaluate every criterion of `policy` for `planned` on `today`, and the overall answer."""
    repeat = is_repeat(policy, facts, planned, today)
    results, check_warnings = _results(policy, facts, planned, today, procedures, repeat)
    required, note = _authorization(policy, planned)
    outcome, eligible_on = _overall(policy, results)

    def say_warnings() -> tuple[str, ...]:
        warnings = list(check_warnings)
        booked = planned.planned_on
        if booked is not None and eligible_on is not None and booked < eligible_on:
            warnings.append(f"The booked date {day(booked)} is before the eligible date {day(eligible_on)}.")
        if eligible_on is not None:
            warnings += _lapsing_by(eligible_on, results, policy, facts, planned, procedures)
        return tuple(warnings)

    return PolicyDecision(
        policy_id=policy.id,
        policy_name=policy.name,
        payer_name=payer_name or policy.name,
        procedure_id=planned.kind,
        place_of_service=planned.place_of_service,
        today=today,
        outcome=outcome,
        eligible_on=eligible_on,
        authorization_required=required,
        authorization_note=note,
        is_repeat=repeat,
        criteria=tuple(results),
        say_warnings=say_warnings,
        say_summary=lambda decision: _summary(decision, policy),
        say_changes_on=lambda: _changes_on(results, today, _repeat_arrives(policy, facts, planned, today),
                                           _waivers_change(policy, facts, today)),
    )


def _changes_on(results: list[CriterionResult], today: date, *also: date | None) -> date | None:
    """The first day after today on which any criterion's answer may change with the clock (tomorrow when one
    has not worked it out), or one of `also`."""
    days = []
    for result in results:
        when = result.check.changes_on
        if when is DAILY:
            return today + timedelta(days=1)
        days.append(when() if callable(when) else when)
    return earliest(*days, *also)


def _waivers_change(policy: Policy, facts: EpisodeFacts, today: date) -> date | None:
    """Red flags and diagnoses hold for good; an exception read off imaging starts to hold when a study dated ahead
    arrives, and may stop when the study it rests on grows too old (looked at daily while the recency has a span)."""
    days = []
    for waiver in policy.exceptions:
        wanted = waiver.when.imaging_findings
        if wanted is None:
            continue
        days.append(arriving((s.performed_on for s in facts.imaging), today))
        if wanted.recency.within is not None:
            days.append(today + timedelta(days=1))
    return earliest(*days)


def _repeat_arrives(policy: Policy, facts: EpisodeFacts, planned: PlannedProcedure, today: date) -> date | None:
    """A procedure of the repeat group dated ahead makes the request a repeat from its day (see is_repeat)."""
    return arriving(_repeat_dates(policy, facts, planned), today)


def _lapsing_by(
    eligible_on: date,
    results: list[CriterionResult],
    policy: Policy,
    facts: EpisodeFacts,
    planned: PlannedProcedure,
    procedures: Mapping[str, Procedure],
) -> list[str]:
    """What holds today but will not on the projected day: imaging or a test growing too old, care
    sliding out of a "within the last N months" window. The date alone would mislead, so say it."""
    holding_now = {r.criterion_id for r in results if r.status in ("met", "not_yet", "waived")}
    later, _ = _results(policy, facts, planned, eligible_on, procedures, is_repeat(policy, facts, planned, eligible_on),
                        only=holding_now)
    return [
        f"By {day(eligible_on)} this will no longer hold ({r.label}): {r.explanation}"
        for r in later
        if r.status in ("not_met", "missing_evidence")
    ]


@dataclass(frozen=True)
class _Plan:
    """What a policy's criteria need per case, worked out once per policy: the check, whether it applies to
    first or repeat requests, how confirmed it is, and which exceptions waive it."""

    criterion: Criterion
    check: Callable[[Criterion, Context], Check]
    applies_to: str
    waivers: tuple[Waiver, ...]
    fields: Mapping[str, object]  # the CriterionResult fields that do not depend on the case


_PLANS: dict[int, tuple[Policy, tuple[_Plan, ...]]] = {}


def _plan(policy: Policy) -> tuple[_Plan, ...]:
    # Keyed by identity (the policy is held, so its id is not reused): knowledge is loaded once and not mutated.
    found = _PLANS.get(id(policy))
    if found is None or found[0] is not policy:
        plan = tuple(
            _Plan(c, CHECKS[c.type], c.applies_to, tuple(w for w in policy.exceptions if c.id in w.waives), {
                "criterion_id": c.id, "type": c.type, "label": c.label, "source": c.source, "evidence": c.evidence,
                "verified": _verified(c), "criterion": c if c.type == "imaging" else None,
            })
            for c in policy.criteria
        )
        # _result sets every field itself: a field added to CriterionResult must be given there too.
        assert all(p.fields.keys() | _CASE_FIELDS == _RESULT_FIELDS for p in plan), "CriterionResult fields changed: see _result"
        found = _PLANS[id(policy)] = (policy, plan)
    return found[1]


# Whether a request is a repeat changes only when a procedure dated ahead arrives (evaluate's _repeat_arrives).
_FIRST_ONLY = Check("not_applicable", "Applies to a first request only; this is a repeat.", changes_on=None)
_REPEAT_ONLY = Check("not_applicable", "Applies to a repeat only; this is a first request.", changes_on=None)


def _results(
    policy: Policy,
    facts: EpisodeFacts,
    planned: PlannedProcedure,
    today: date,
    procedures: Mapping[str, Procedure],
    repeat: bool,
    only: set[str] | None = None,
) -> tuple[list[CriterionResult], list[str]]:
    ctx = Context(facts=facts, planned=planned, today=today, catalogue=procedures)
    waivers = {w.id: why for w in policy.exceptions if (why := _waiver_holds(w, facts, today)) is not None} if policy.exceptions else {}
    results: list[CriterionResult] = []
    warnings: list[str] = []
    region = planned.region
    for plan in _plan(policy):
        criterion = plan.criterion
        if only is not None and criterion.id not in only:
            continue
        waived_by = _waived_by(plan, waivers) if waivers else None
        # Inline (not a helper call): this runs for every criterion of every open case.
        if plan.applies_to == "initial" and repeat:
            check = _FIRST_ONLY
        elif plan.applies_to == "repeat" and not repeat:
            check = _REPEAT_ONLY
        elif waived_by is not None:
            # Red flags and diagnoses hold for good; an exception read off imaging can lapse as the study ages.
            check = Check("waived", f"Waived: {waived_by}.", changes_on=None)  # whether it holds: evaluate's _waivers_change
        else:
            check = plan.check(criterion, ctx)
        if check.warnings:
            warnings += check.warnings
        results.append(_result(plan, check, waived_by, region))
    return results, warnings


_new = object.__new__
_CASE_FIELDS = {"status", "met_on", "waived_by", "check", "planned_region"}  # the fields _result gives per case
_RESULT_FIELDS = {f.name for f in fields(CriterionResult)}


def _result(plan: _Plan, check: Check, waived_by: str | None, region: str) -> CriterionResult:
    # Every field set at once, without the dataclass __init__ and its keyword matching: this runs for every
    # criterion of every open case (plan.fields holds the ones that do not depend on the case).
    result = _new(CriterionResult)
    result.__dict__ = {**plan.fields, "status": check.status, "met_on": check.met_on, "waived_by": waived_by, "check": check,
                       "planned_region": region}
    return result


def _verified(criterion: Criterion) -> bool:
    """A rule is only as confirmed as its least confirmed part: an assumed recency makes it pending review."""
    if criterion.type == "imaging":
        return criterion.verified and criterion.recency.verified
    return criterion.verified


def _requirement(criterion: Criterion, region: str) -> str | None:
    if criterion.type == "imaging":
        return imaging_requirement(criterion, region)
    return None


def _waived_by(plan: _Plan, waivers: Mapping[str, str]) -> str | None:
    for waiver in plan.waivers:
        if waiver.id in waivers:
            return f"{waiver.label} ({waivers[waiver.id]})"
    return None


def _waiver_holds(waiver: Waiver, facts: EpisodeFacts, today: date) -> str | None:
    """Why the exception holds (in words), or None when it does not."""
    when = waiver.when
    if when.any_red_flag and facts.red_flags:
        return f"red flag {join(sorted(facts.red_flags))} at triage"
    named = sorted(set(when.red_flags) & facts.red_flags)
    if named:
        return f"red flag {join(named)} at triage"
    if when.diagnoses is not None:
        codes = list(facts.diagnosis_codes) + (list(facts.exam.diagnosis_codes) if facts.exam else [])
        matched = next((code for code in codes if when.diagnoses.matches(code)), None)
        if matched is not None:
            return f"diagnosis {matched} on the episode"
    if when.imaging_findings is not None:
        wanted = when.imaging_findings
        for study in sorted(facts.imaging, key=lambda s: s.performed_on, reverse=True):
            found = sorted(set(wanted.findings) & set(study.findings))
            if found and wanted.recency.counts(study.performed_on, facts.onset_date, today):
                return f"{join(f.replace('_', ' ') for f in found)} on the imaging of {day(study.performed_on)}"
    return None


def _authorization(policy: Policy, planned: PlannedProcedure) -> tuple[bool, str]:
    rule = policy.authorization_required
    if rule.rule == "always":
        return True, rule.note
    if rule.rule == "never":
        return False, rule.note
    required = planned.place_of_service in rule.places_of_service
    return required, rule.note


def _overall(policy: Policy, results: list[CriterionResult]) -> tuple[Outcome, date | None]:
    missing, latest = False, None
    for r in results:  # one pass: this runs for every open case
        status = r.status
        if status == "not_met":
            return "not_eligible", None
        if status == "missing_evidence":
            missing = True
        elif status == "not_yet" and r.met_on is not None and (latest is None or r.met_on > latest):
            latest = r.met_on
    if policy.not_covered is not None:
        return "not_eligible", None
    if missing:
        return "needs_information", latest
    if latest is not None:
        return "eligible_on", latest
    return "eligible_now", None


def _summary(decision: PolicyDecision, policy: Policy) -> str:
    """What a coordinator reads to the patient: the answer, the reason, and the authorization line."""
    under = f"under {decision.payer_name}"
    if policy.not_covered is not None:
        text = f"Not eligible {under}: {policy.not_covered.reason}."
    elif decision.outcome == "not_eligible":
        reasons = [sentence(r.explanation) for r in decision.by_status("not_met")]
        text = f"Not eligible {under}. " + " ".join(reasons)
    elif decision.outcome == "needs_information":
        records = [r.to_record for r in decision.by_status("missing_evidence") if r.to_record]
        text = f"Cannot decide yet {under}: we still need to {join(records)}."
        if decision.eligible_on is not None:
            text += f" Once that is done, the rest is met on {long_day(decision.eligible_on)}."
        else:
            text += " Everything else is met."
    elif decision.outcome == "eligible_on":
        assert decision.eligible_on is not None
        # Name what decides the date; criteria met earlier on the way are not news to the patient.
        phrases = [r.by_then for r in decision.by_status("not_yet") if r.by_then and r.met_on == decision.eligible_on]
        text = f"Eligible on {long_day(decision.eligible_on)} {under}" + (
            f": by then {join(phrases)}." if phrases else "."
        )
    else:
        text = f"Eligible now {under}: every criterion is met."
    return f"{text} {_authorization_sentence(decision, policy)}"


def _authorization_sentence(decision: PolicyDecision, policy: Policy) -> str:
    rule = policy.authorization_required
    if rule.rule == "places_of_service":
        places = join((place_words(p) for p in rule.places_of_service), last="or")
        if decision.authorization_required:
            return f"Prior authorization is required here: {decision.payer_name} requires it in {places}."
        return (
            f"No prior authorization is needed: {decision.payer_name} does not require prior authorization for this "
            f"procedure in {place_words(decision.place_of_service)}, only in {places}."
        )
    if decision.authorization_required:
        return "Prior authorization is required."
    return f"No prior authorization is needed: {rule.note}"
