"""Is an imaging study appropriate yet? The imaging-rules pack's verdicts on a draft order, shown before the
clinician places it. Pure: facts, the draft, the rules and today in; verdicts out (no I/O, no clock).

Each verdict is one of: met; not yet (with the date it becomes appropriate, when the facts give one);
waived by a red flag (named); prior authorization likely."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from painpath.facts.vocabulary import EpisodeFacts
from painpath.knowledge.schemas import ConservativeCareFirst, ImagingRule, PlainFilmFirst, Policy, PriorAuthorization

Outcome = Literal["met", "not_yet", "waived", "prior_auth_likely", "prior_auth_unlikely"]
MODALITY_WORDS = {"mri": "MRI", "ct": "CT", "xray": "X-ray", "emg_ncs": "EMG/NCS", "ultrasound": "ultrasound",
                  "mri_arthrogram": "MR arthrogram", "other": "study"}


@dataclass(frozen=True)
class OrderDraft:
    modality: str
    region: str
    side: str = "none"


@dataclass(frozen=True)
class Verdict:
    rule_id: str
    label: str
    outcome: Outcome
    words: str  # the verdict in plain words, for the order form
    source: str  # the public source, in words
    appropriate_on: date | None = None  # not yet: the day it becomes appropriate, when known
    waived_by: tuple[str, ...] = ()  # the red flags (their names) that waive it
    first: str | None = None  # not yet: the modality to order first (an X-ray of the joint)

    @property
    def holds_back(self) -> bool:
        """The order is not yet appropriate by this rule."""
        return self.outcome == "not_yet"


def payer_policy(knowledge: Any, facts: EpisodeFacts, draft: OrderDraft, today: date) -> Policy | None:  # noqa: ANN401
    """The patient's payer's authorization policy for the study, when the policy packs have one: the procedure
    named `<modality>_<region>` (mri_lumbar), a policy naming the payer beating one for its plan type."""
    procedure_id = f"{draft.modality}_{draft.region}"
    if procedure_id not in knowledge.procedures or facts.payer_id is None:
        return None
    in_force = [p for p in knowledge.all_policies() if procedure_id in p.procedures and p.in_effect_on(today)]
    chosen = [p for p in in_force if facts.payer_id in p.payers] or [p for p in in_force if facts.plan_type in p.plan_types]
    return max(chosen, key=lambda p: p.effective_from) if chosen else None


def verdicts(facts: EpisodeFacts, draft: OrderDraft, today: date, rules: Iterable[ImagingRule],
             red_flag_names: Mapping[str, str] | None = None, policy: Policy | None = None) -> list[Verdict]:
    """The verdict of every rule about the draft's study and region, in the pack's order; the payer's own
    policy (`payer_policy`), when there is one, decides whether prior authorization is needed."""
    names = red_flag_names or {}
    found = []
    for rule in rules:
        if draft.modality not in rule.modalities or draft.region not in rule.regions:
            continue
        if isinstance(rule, PlainFilmFirst):
            found.append(_plain_film_first(rule, facts, draft))
        elif isinstance(rule, ConservativeCareFirst):
            found.append(_conservative_care_first(rule, facts, draft, today, names))
        elif isinstance(rule, PriorAuthorization):
            found.append(_prior_authorization(rule, facts, draft) if policy is None else _policy_says(rule, policy, draft))
    return found


def _study(draft: OrderDraft) -> str:
    side = f"{draft.side} " if draft.side in ("left", "right") else ""
    return f"{MODALITY_WORDS.get(draft.modality, draft.modality)} of the {side}{draft.region}"


def _plain_film_first(rule: PlainFilmFirst, facts: EpisodeFacts, draft: OrderDraft) -> Verdict:
    films = sorted(s.performed_on for s in facts.imaging if s.modality == "xray" and s.region == draft.region)
    if films:
        return Verdict(rule.id, rule.label, "met", f"An X-ray of the {draft.region} is on file ({films[-1]:%d %b %Y}).", rule.source)
    return Verdict(rule.id, rule.label, "not_yet",
                   f"No X-ray of the {draft.region} is on file: order the X-ray first; the {_study(draft)} follows if it does not answer the question.",
                   rule.source, first="xray")


def care_started_on(facts: EpisodeFacts) -> tuple[date | None, str]:
    """When conservative care began: the first component recorded, else the onset of the pain."""
    starts = [c.start for c in facts.care]
    if starts:
        return min(starts), "conservative care began"
    if facts.onset_date is not None:
        return facts.onset_date, "the pain began"
    return None, ""


def _conservative_care_first(rule: ConservativeCareFirst, facts: EpisodeFacts, draft: OrderDraft, today: date,
                             names: Mapping[str, str]) -> Verdict:
    present = tuple(flag for flag in rule.waived_by if flag in facts.red_flags)
    if present:
        named = tuple(names.get(flag, flag) for flag in present)
        return Verdict(rule.id, rule.label, "waived",
                       f"Appropriate now: a red flag ({', '.join(named)}) calls for imaging without waiting for conservative care.",
                       rule.source, waived_by=named)
    began, what = care_started_on(facts)
    if began is None:
        return Verdict(rule.id, rule.label, "not_yet",
                       f"Neither conservative care nor the onset of the pain is recorded: about {rule.weeks} weeks of conservative care come first.",
                       rule.source)
    ready_on = began + timedelta(weeks=rule.weeks)
    if today >= ready_on:
        return Verdict(rule.id, rule.label, "met",
                       f"{rule.weeks} weeks have passed since {what} on {began:%d %b %Y}.", rule.source, appropriate_on=ready_on)
    return Verdict(rule.id, rule.label, "not_yet",
                   f"Not yet: {what} on {began:%d %b %Y}; the {_study(draft)} becomes appropriate on {ready_on:%d %b %Y} "
                   f"({rule.weeks} weeks), sooner if a red flag appears.",
                   rule.source, appropriate_on=ready_on)


def _policy_says(rule: PriorAuthorization, policy: Policy, draft: OrderDraft) -> Verdict:
    required = policy.authorization_required
    if required.rule == "never":
        return Verdict(rule.id, rule.label, "prior_auth_unlikely",
                       f"The payer's policy ({policy.name}) needs no prior authorization for the {_study(draft)}: {required.note}", required.source)
    return Verdict(rule.id, rule.label, "prior_auth_likely",
                   f"The payer's policy ({policy.name}) needs prior authorization for the {_study(draft)}: {required.note}", required.source)


def _prior_authorization(rule: PriorAuthorization, facts: EpisodeFacts, draft: OrderDraft) -> Verdict:
    if facts.plan_type in rule.plan_types:
        return Verdict(rule.id, rule.label, "prior_auth_likely",
                       f"Prior authorization is likely needed for the {_study(draft)} on this plan; check the payer's policy before booking.",
                       rule.source)
    plan = (facts.plan_type or "no recorded plan").replace("_", " ")
    return Verdict(rule.id, rule.label, "prior_auth_unlikely",
                   f"Prior authorization is not usually needed on this plan ({plan}); the payer's policy decides.", rule.source)
