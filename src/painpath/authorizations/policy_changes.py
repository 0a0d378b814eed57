"""Payer policy changes: what a new version of a policy changes, in the policy and for one open case.

    change = PolicyChange(old=current, new=next_version)
    change.words(names)               # ["At least 4 weeks of failed conservative care ... now: At least 6 weeks ..."]
    diff = case_difference(change, facts, planned, today, procedures, payer_name="Aetna Commercial")
    diff.eligible_before, diff.eligible_after   # 29 Dec 2026, 12 Jan 2027
    diff.words                        # ["Projected eligibility date: Tue 29 Dec 2026 → Tue 12 Jan 2027", ...]

Pure: no I/O, no wall clock. Which cases change is read on the eve of the change (the last day of the current
version), both versions on that day, projected from today's facts while it is ahead: what switches on the
effective date is what a coordinator must act on. A patient who meets the new rule before it takes effect
(six weeks of care reached in December, the new six-week rule starting in January) is not changed by it, and
reading both versions on today's date would list them. From the effective date on, the eve stays the day read,
so the task says what the preview said. The projected eligibility dates shown are read on today's date (or the
eve, once it has passed): a date before the change under the current version still shows as that date.

Only what a coordinator acts on is compared per case: the outcome, the projected eligibility date, and each
kit item's presence and status. A criterion that is still "not yet" under both versions with another date,
while the eligibility date stays (it is fixed by something else), changes nothing for that case; the
policy's own words (`PolicyChange.words`) say what changed in the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from painpath.authorizations.criteria import PolicyDecision, evaluate
from painpath.authorizations.criteria_words import join, place_words
from painpath.facts.vocabulary import EpisodeFacts, PlannedProcedure
from painpath.knowledge.schemas import Policy, Procedure

OUTCOME_WORDS = {
    "eligible_now": "eligible now",
    "eligible_on": "eligible later",
    "needs_information": "needs information",
    "not_eligible": "not eligible",
}
STATUS_WORDS = {
    "met": "met", "not_yet": "not yet met", "not_met": "not met", "missing_evidence": "to record",
    "waived": "waived", "not_applicable": "does not apply",
}
# Fields of a rule that are where its words come from, not what it asks.
_PROVENANCE = {"source", "evidence", "verified", "notes"}


def day(on: date | None) -> str:
    return f"{on:%a %d %b %Y}" if on is not None else "none"


@dataclass(frozen=True)
class PolicyChange:
    """A new version of a payer's policy (`new`) and the version it replaces (`old`, None for a first policy)."""

    new: Policy
    old: Policy | None = None
    draft: bool = False  # a clinic's draft: previewed, never used for a decision

    @property
    def effective_from(self) -> date:
        return self.new.effective_from

    @property
    def day_before(self) -> date:
        return self.new.effective_from - timedelta(days=1)

    @property
    def key(self) -> str:
        """Stable per version: the policy and the day it starts."""
        return f"{self.new.id}@{self.new.effective_from.isoformat()}"

    def words(self, names: Mapping[str, str] | None = None) -> list[str]:
        """What the version changes in the rule; `names` gives payers', plan types' and procedures' names."""
        return policy_differences(self.old, self.new, names or {})


@dataclass(frozen=True)
class CaseDifference:
    """One open case under the version in force the day before the change and under the new one."""

    before: PolicyDecision | None  # read on the projection day (today, or the eve once passed)
    after: PolicyDecision
    words: tuple[str, ...]  # empty: the change does not change this case

    @property
    def changed(self) -> bool:
        return bool(self.words)

    @property
    def eligible_before(self) -> date | None:
        return _eligible_day(self.before)

    @property
    def eligible_after(self) -> date | None:
        return _eligible_day(self.after)

    @property
    def summary(self) -> str:
        return "; ".join(self.words)


def _eligible_day(decision: PolicyDecision | None) -> date | None:
    """The projected day of eligibility: the decision's date, or its day when already eligible."""
    if decision is None or decision.outcome == "not_eligible":
        return None
    return decision.today if decision.outcome == "eligible_now" else decision.eligible_on


def outcome_words(decision: PolicyDecision | None) -> str:
    if decision is None:
        return "no policy on file"
    if decision.outcome == "eligible_on":
        return f"eligible on {day(decision.eligible_on)}"
    return OUTCOME_WORDS[decision.outcome]


def case_difference(change: PolicyChange, facts: EpisodeFacts, planned: PlannedProcedure, today: date,
                    procedures: Mapping[str, Procedure], *, payer_name: str | None = None) -> CaseDifference:
    """The case under both versions on the eve of the change (whether it changes, and how), with the projected
    eligibility dates read on `today` (or the eve once it has passed)."""
    def both(on: date) -> tuple[PolicyDecision | None, PolicyDecision]:
        before = evaluate(change.old, facts, planned, on, procedures, payer_name=payer_name) if change.old is not None else None
        return before, evaluate(change.new, facts, planned, on, procedures, payer_name=payer_name)

    eve = change.day_before
    before_eve, after_eve = both(eve)
    differences = decision_differences(before_eve, after_eve)
    if not differences:
        return CaseDifference(before_eve, after_eve, ())
    before, after = both(today) if today < eve else (before_eve, after_eve)
    words = [w for w in differences if not w.startswith(_DATE_WORDS)]
    if _eligible_day(before) != _eligible_day(after) and _eligible_day(after) is not None and _eligible_day(before) is not None:
        words.insert(0, f"{_DATE_WORDS}: {date_words(before)} → {date_words(after)}")
    return CaseDifference(before, after, tuple(words))


_DATE_WORDS = "Projected eligibility date"
# A kit item met under one version and "not yet" under the other is met by waiting: what it changes is the date,
# said once for the case (or nothing, when another item fixes the date anyway).
_TIME_ONLY = {"met", "not_yet"}


def date_words(decision: PolicyDecision | None) -> str:
    if decision is None or decision.outcome == "not_eligible":
        return outcome_words(decision)
    on = _eligible_day(decision)
    # A case that needs information has no projected date until it is recorded; "none" read as "never".
    return day(on) if on is not None else "not known until the missing information is recorded"


def decision_differences(before: PolicyDecision | None, after: PolicyDecision) -> list[str]:
    words: list[str] = []
    if before is None or before.outcome != after.outcome:
        words.append(f"Decision: {outcome_words(before)} → {outcome_words(after)}")
    if before is not None and before.eligible_on != after.eligible_on:
        words.append(f"{_DATE_WORDS}: {day(before.eligible_on)} → {day(after.eligible_on)}")
    old = {c.criterion_id: c for c in before.criteria} if before is not None else {}
    new = {c.criterion_id: c for c in after.criteria}
    for criterion_id, result in new.items():
        if result.status == "not_applicable":
            continue
        was = old.get(criterion_id)
        if was is None or was.status == "not_applicable":
            words.append(f"New kit item: {result.label} ({STATUS_WORDS[result.status]})")
        elif was.status != result.status and {was.status, result.status} != _TIME_ONLY:
            words.append(f"{result.label}: {STATUS_WORDS[was.status]} → {STATUS_WORDS[result.status]}")
    for criterion_id, result in old.items():
        if result.status != "not_applicable" and (criterion_id not in new or new[criterion_id].status == "not_applicable"):
            words.append(f"No longer asked: {result.label}")
    return words


# What changed in the policy itself --------------------------------------------------------------------

def policy_differences(old: Policy | None, new: Policy, names: Mapping[str, str] | None = None) -> list[str]:
    """What the new version changes, in words: criteria added, removed or changed (quoting the numbers),
    exceptions, whether authorization is required, coverage, payers and procedures."""
    if old is None:
        return [f"A new policy from {day(new.effective_from)}: {new.name}, with {len(new.criteria)} requirement(s)"]
    names = names or {}
    words: list[str] = []
    if old.name != new.name:
        words.append(f"Now called {new.name!r} (was {old.name!r})")
    for label, before, after in (("Payers", old.payers, new.payers), ("Plan types", old.plan_types, new.plan_types),
                                 ("Procedures", old.procedures, new.procedures)):
        if set(before) != set(after):
            added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
            words.append(f"{label}: " + "; ".join(
                ([f"adds {_named(added, names)}"] if added else []) + ([f"drops {_named(removed, names)}"] if removed else [])))
    if _plain(old.authorization_required) != _plain(new.authorization_required):
        words.append(f"Prior authorization: {_authorization(old)} → {_authorization(new)}")
    if _plain(old.not_covered) != _plain(new.not_covered):
        words.append("Coverage: " + ("not covered" if new.not_covered is not None else "covered again")
                     + (f" ({new.not_covered.reason})" if new.not_covered is not None else ""))
    words += _list_differences("requirement", old.criteria, new.criteria)
    words += _list_differences("exception", old.exceptions, new.exceptions)
    return words


def _list_differences(what: str, old_items: list[Any], new_items: list[Any]) -> list[str]:
    words: list[str] = []
    old = {item.id: item for item in old_items}
    new = {item.id: item for item in new_items}
    for item_id, item in new.items():
        was = old.get(item_id)
        if was is None:
            words.append(f"New {what}: {item.label}")
            continue
        changes = _field_changes(_plain(was), _plain(item))
        if not changes:
            continue
        if was.label != item.label:
            words.append(f"Changed {what}: {item.label} (was: {was.label})")
        else:
            words.append(f"Changed {what}: {item.label} ({'; '.join(changes)})")
    words += [f"{what.capitalize()} removed: {item.label}" for item_id, item in old.items() if item_id not in new]
    return words


def _plain(model: Any) -> Any:  # noqa: ANN401
    return model.model_dump(mode="json") if model is not None else None


def _field_changes(before: Any, after: Any, path: str = "") -> list[str]:  # noqa: ANN401
    """'minimum: 4 weeks → 6 weeks' for each rule field that differs (provenance left out)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if _is_span(before) and _is_span(after):
            return [] if before == after else [f"{path or 'period'}: {_span(before)} → {_span(after)}"]
        out: list[str] = []
        for key in sorted(set(before) | set(after)):
            if key in _PROVENANCE or key == "label":
                continue
            name = key.replace("_", " ") if not path else f"{path} {key.replace('_', ' ')}"
            out += _field_changes(before.get(key), after.get(key), "minimum" if key == "min" else name)
        return out
    if before == after:
        return []
    return [f"{path}: {_value(before)} → {_value(after)}"]


def _is_span(value: dict) -> bool:
    return bool(value) and set(value) <= {"days", "weeks", "months"}


def _span(value: dict) -> str:
    return ", ".join(f"{amount} {unit if amount != 1 else unit.rstrip('s')}" for unit, amount in value.items() if amount is not None)


def _value(value: Any) -> str:  # noqa: ANN401
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    if isinstance(value, dict):
        return _span(value) if _is_span(value) else ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.items())
    return str(value).replace("_", " ")


def _named(ids: list[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(i, i.replace("_", " ")) for i in ids)


def _authorization(policy: Policy) -> str:
    rule = policy.authorization_required
    if rule.rule == "places_of_service":
        return f"required in {join((place_words(p) for p in rule.places_of_service), last='or')}"
    return {"always": "always required", "never": "not required"}.get(rule.rule, rule.rule)
