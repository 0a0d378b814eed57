"""Payer authorization policies (kind `authorization_policy`): who a policy applies to, whether prior
authorization is required, and the typed criteria the pure engine (`authorizations.criteria`) evaluates.

A policy is `payer x procedures`: the payers (or plan types) it applies to, the procedure ids of the
procedure catalogue it covers, its effective dates, and a list of criteria. Every criterion is one of a
small set of types (a discriminated union on `type`); the numbers live in the YAML, each with the
`source` and research evidence tag it came from (research/prior-auth.md: V primary, S secondary, K
unconfirmed; a K criterion must say `verified: false`).

Cross-pack references (procedure ids, payer ids) are checked by the loader once every pack is read;
references inside one policy (`waives` naming a criterion, duplicate criterion ids) are checked here
through `reference_problems`, so both report the exact path.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field, StrictBool, StringConstraints, model_validator

from painpath.knowledge import icd10cm
from painpath.knowledge.schemas.common import (
    Evidence,
    NonEmptyStr,
    Pack,
    PlanType,
    Slug,
    Strict,
    _refuse_verified_unconfirmed,
)
from painpath.knowledge.terms import CareKind, Modality, Region

__all__ = [
    "AppliesTo",
    "AuthorizationPolicyPack",
    "AuthorizationRule",
    "CRITERION_TYPES",
    "ConservativeCareCriterion",
    "Criterion",
    "DiagnosticBlocksCriterion",
    "DiagnosisCodes",
    "DocumentsCriterion",
    "ExamFindingCriterion",
    "FrequencyLimitCriterion",
    "ImagingCriterion",
    "ImagingFindings",
    "LevelsPerSessionCriterion",
    "MinIntervalCriterion",
    "NicotineTestCriterion",
    "NotCovered",
    "PROCEDURE_REFERENCING_CRITERIA",
    "PainDiagramCriterion",
    "PainDurationCriterion",
    "Policy",
    "PriorResponseCriterion",
    "PsychEvalCriterion",
    "RequestedUnits",
    "RequiredCare",
    "ScoreRequiredCriterion",
    "SharedDecisionCriterion",
    "SharedDecisionRisk",
    "Span",
    "SteroidInjectionFirstCriterion",
    "StudyRecency",
    "Waiver",
    "WaiverWhen",
    "add_months",
]

Count = Annotated[int, Field(gt=0, strict=True)]
Percent = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
PlaceOfService = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]  # CMS POS code: "11", "22"
# A dotted ICD-10-CM code ("B02.9", "S32.010S"), or a subcategory prefix ("M54.1"): never a bare
# 3-character category, which names a whole family with its unrelated sequelae ("S32" is every lumbar
# and pelvic fracture, sequela encounters included).
IcdCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}$")]
# Initial: the episode has no performed procedure of the same id (or repeat group) in the region yet.
AppliesTo = Literal["initial", "repeat", "always"]
Sign = Literal["radicular", "facet_loading"]


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's end (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if day.day <= 28:  # every month has the day: no need to look up the month's length (this runs per criterion per case)
        return date(year, month, day.day)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Span(Strict):
    """A length of time as payers write it: exactly one of `{days: 14}`, `{weeks: 6}`, `{months: 3}`.

    Months are calendar months (3 months after 15 Oct is 15 Jan), not 30-day blocks, because that is
    how a coordinator and a payer reviewer count them.
    """

    days: Count | None = None
    weeks: Count | None = None
    months: Count | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Span:
        given = [n for n in ("days", "weeks", "months") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of days, weeks, months (got {', '.join(given) or 'none'})")
        return self

    def after(self, start: date) -> date:
        if self.months is not None:
            return add_months(start, self.months)
        return start + timedelta(days=self.days if self.days is not None else 7 * (self.weeks or 0))

    def before(self, end: date) -> date:
        if self.months is not None:
            return add_months(end, -self.months)
        return end - timedelta(days=self.days if self.days is not None else 7 * (self.weeks or 0))

    def words(self) -> str:
        for unit in ("months", "weeks", "days"):
            amount = getattr(self, unit)
            if amount is not None:
                return f"{amount} {unit if amount != 1 else unit[:-1]}"
        raise AssertionError("validated: exactly one unit")


class SourcedRule(Strict):
    """Where a rule comes from: the policy or page, and its research evidence tag."""

    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> SourcedRule:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class CriterionBase(SourcedRule):
    id: Slug
    label: NonEmptyStr  # the payer's requirement in its own language, shown on the criteria table
    applies_to: AppliesTo = "always"


class PainDurationCriterion(CriterionBase):
    """Pain for at least `min` since the episode's onset date."""

    type: Literal["pain_duration"]
    min: Span


class RequiredCare(Strict):
    """A component conservative care must include (`physical_therapy`), optionally for at least `min`."""

    kind: CareKind
    min: Span | None = None


class ConservativeCareCriterion(CriterionBase):
    """At least `min` of conservative care, counting the `counts` kinds (all kinds when omitted).

    `min` omitted means "documented failure of conservative care" without a week count (Medicare
    LCDs): some counted care must be on record. `within` keeps only care inside the last N months.
    `concurrent_active_rehab` asks for physical therapy or a home exercise program still going on.
    """

    type: Literal["conservative_care"]
    min: Span | None = None
    counts: list[CareKind] | None = None
    required: list[RequiredCare] = []
    within: Span | None = None
    concurrent_active_rehab: StrictBool = False
    # A spine surgery in the patient's history that did not relieve the pain counts as a failed modality, for
    # payers that list surgery among the modalities tried (Medicare NCD 160.7 for stimulators). Only for the
    # "documented failure" form: a surgery adds no weeks of care and is not a required component.
    failed_surgery_counts: StrictBool = False

    @model_validator(mode="after")
    def _surgery_only_for_documented_failure(self) -> ConservativeCareCriterion:
        if self.failed_surgery_counts and (self.min is not None or self.required or self.concurrent_active_rehab):
            raise ValueError("failed_surgery_counts applies only without min, required and concurrent_active_rehab")
        return self


class StudyRecency(SourcedRule):
    """How recent a prior study must be to count, with where that rule comes from.

    `within`: taken no longer than this before the day the request is judged (the request date).
    `since_onset`: taken on or after the episode's onset date, so a study of an earlier problem (an
    X-ray from years before this pain began) never counts for this one. `any_age`: the policy itself
    says a study of any age will do; it excludes the other two.

    Required on every prior-study rule: a rule that does not say how recent its study must be is
    refused at load. Where the payer's text gives no recency the pack says so: `verified: false`, and
    the source names the clinic's conservative assumption.
    """

    within: Span | None = None
    since_onset: StrictBool
    any_age: StrictBool = False

    @model_validator(mode="after")
    def _says_how_recent(self) -> StudyRecency:
        if self.any_age and (self.within is not None or self.since_onset):
            raise ValueError("any_age excludes within and since_onset")
        if not self.any_age and self.within is None and not self.since_onset:
            raise ValueError(
                "say how recent the study must be: within (e.g. {months: 12}), since_onset: true, or both "
                "(any_age: true only when the policy says a study of any age will do)"
            )
        return self

    def counts(self, performed_on: date, onset: date | None, on: date) -> bool:
        """Whether a study taken on `performed_on` counts on `on`; with since_onset, an unknown onset counts nothing."""
        if performed_on > on or (self.since_onset and (onset is None or performed_on < onset)):
            return False
        return self.within is None or performed_on >= self.within.before(on)

    def words(self) -> str:
        """In plain words: "within the last 24 months", "taken since this problem began", both, or "of any age"."""
        if self.any_age:
            return "of any age"
        parts = [f"within the last {self.within.words()}"] if self.within else []
        if self.since_onset:
            parts.append("taken since this problem began")
        return " and ".join(parts)


class ImagingCriterion(CriterionBase):
    """A study of one of `modalities` of the region (the planned one's when `regions` is omitted), as recent as `recency` says."""

    type: Literal["imaging"]
    modalities: Annotated[list[Modality], Field(min_length=1)]
    regions: list[Region] | None = None
    recency: StudyRecency
    report_on_file: StrictBool = True
    concordant: StrictBool = False  # the report must support the working diagnosis

    @model_validator(mode="before")
    @classmethod
    def _recency_in_one_place(cls, data: object) -> object:
        # The recency used to be two loose keys; a pack still written that way must say where they went.
        if isinstance(data, dict) and ({"within", "after_onset"} & data.keys()):
            raise ValueError("within and after_onset now go in recency: {within: ..., since_onset: ..., source: ...}")
        return data


class DiagnosticBlocksCriterion(CriterionBase):
    """`count` diagnostic blocks (the latest ones, in the region), each with at least `min_relief_percent`.

    `min_days_between` is a rule with individually documented exceptions (Medicare's 2-week spacing):
    blocks closer together are not met unless the later block records a `spacing_exception`.
    """

    type: Literal["diagnostic_blocks"]
    procedures: Annotated[list[Slug], Field(min_length=1)]
    count: Count
    min_relief_percent: Percent
    min_days_between: Count | None = None
    same_scale: StrictBool = True
    same_levels: StrictBool = True


class FrequencyLimitCriterion(CriterionBase):
    """At most `max_sessions` sessions (distinct dates) per region in any `window_days`, the planned one included.

    A session on day D counts for requests on D .. D + window_days - 1; its slot frees on D + window_days.
    """

    type: Literal["frequency_limit"]
    procedures: Annotated[list[Slug], Field(min_length=1)]
    max_sessions: Count
    window_days: Count


class MinIntervalCriterion(CriterionBase):
    """At least `min` since the last of `procedures` in the region."""

    type: Literal["min_interval"]
    procedures: Annotated[list[Slug], Field(min_length=1)]
    min: Span


class PriorResponseCriterion(CriterionBase):
    """The last of `procedures` in the region gave at least `min_relief_percent`, lasting at least `min_lasting`."""

    type: Literal["prior_response"]
    procedures: Annotated[list[Slug], Field(min_length=1)]
    min_relief_percent: Percent
    min_lasting: Span | None = None
    # True when the earlier procedure is itself a prerequisite (no permanent stimulator without a trial);
    # otherwise a request with nothing earlier to judge is not_applicable.
    required_first: StrictBool = False


class LevelsPerSessionCriterion(CriterionBase):
    """At most `max_levels` levels in the planned session (its levels, or else its CPT code lines)."""

    type: Literal["levels_per_session"]
    max_levels: Count


class ScoreRequiredCriterion(CriterionBase):
    """One of `instruments` (scores) or `measures` (charted values) recorded, at least `min_value` if given.

    `what` names it in a sentence: "a disability scale (ODI or NDI)", "average pain on a 0-10 scale".
    """

    type: Literal["score_required"]
    instruments: list[Slug] = []
    measures: list[Slug] = []
    what: NonEmptyStr
    min_value: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    within_days: Count | None = None

    @model_validator(mode="after")
    def _something_to_look_for(self) -> ScoreRequiredCriterion:
        if not self.instruments and not self.measures:
            raise ValueError("name at least one instrument or measure")
        return self


class ExamFindingCriterion(CriterionBase):
    """A structured exam (within `within_days` if given) showing any of `signs` and/or enough SI tests."""

    type: Literal["exam_finding"]
    signs: list[Sign] = []
    min_si_provocation_tests: Annotated[int, Field(ge=1, le=5, strict=True)] | None = None
    within_days: Count | None = None

    @model_validator(mode="after")
    def _something_to_check(self) -> ExamFindingCriterion:
        if not self.signs and self.min_si_provocation_tests is None and self.within_days is None:
            raise ValueError("give signs, min_si_provocation_tests or within_days")
        return self


class DocumentsCriterion(CriterionBase):
    """Every one of `kinds` on file (dated within `within_days` of the request if given)."""

    type: Literal["documents"]
    kinds: Annotated[list[Slug], Field(min_length=1)]
    within_days: Count | None = None


class PsychEvalCriterion(CriterionBase):
    """A psychological evaluation on file (kind `psych_eval`) whose result is one of `acceptable_results`."""

    type: Literal["psych_eval"]
    within_days: Count | None = None
    acceptable_results: Annotated[list[NonEmptyStr], Field(min_length=1)] = ["cleared"]


class NicotineTestCriterion(CriterionBase):
    """A cotinine test (document kind `nicotine_test`) within `within_days`, at most `max_ng_per_ml`."""

    type: Literal["nicotine_test"]
    max_ng_per_ml: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    within_days: Count


class PainDiagramCriterion(CriterionBase):
    """A pain diagram recorded at a visit (within `within_days` if given) marking at least one region.

    Met only by a diagram charted on a visit note (the episode facts' `pain_diagrams`), never by a document
    filed in the kit: the payer reads the coded regions with their sides and dermatomes in the packet."""

    type: Literal["pain_diagram"]
    within_days: Count | None = None


class SteroidInjectionFirstCriterion(CriterionBase):
    """One of `procedures` (a corticosteroid injection) already performed in the region, same side."""

    type: Literal["steroid_injection_first"]
    procedures: Annotated[list[Slug], Field(min_length=1)]


class SharedDecisionRisk(Strict):
    """A risk the payer wants discussed, by the id it has in the pathway pack's decision options."""

    id: Slug
    name: NonEmptyStr  # how the kit says it: "lead migration"


class SharedDecisionCriterion(CriterionBase):
    """A shared decision about the planned procedure recorded on the episode (options from a pathway step's
    `decision` block), in which each of `risks` was discussed with the patient. Met only by the recorded
    decision, read through the episode facts: never ticked by hand."""

    type: Literal["shared_decision"]
    risks: Annotated[list[SharedDecisionRisk], Field(min_length=1)]


Criterion = Annotated[
    Union[
        PainDurationCriterion,
        ConservativeCareCriterion,
        ImagingCriterion,
        DiagnosticBlocksCriterion,
        FrequencyLimitCriterion,
        MinIntervalCriterion,
        PriorResponseCriterion,
        LevelsPerSessionCriterion,
        ScoreRequiredCriterion,
        ExamFindingCriterion,
        DocumentsCriterion,
        PsychEvalCriterion,
        NicotineTestCriterion,
        SteroidInjectionFirstCriterion,
        PainDiagramCriterion,
        SharedDecisionCriterion,
    ],
    Field(discriminator="type"),
]
CRITERION_TYPES: tuple[str, ...] = (
    "pain_duration", "conservative_care", "imaging", "diagnostic_blocks", "frequency_limit", "min_interval",
    "prior_response", "levels_per_session", "score_required", "exam_finding", "documents", "psych_eval",
    "nicotine_test", "steroid_injection_first", "pain_diagram", "shared_decision",
)
# Criteria that name procedures of the catalogue; the loader checks each id.
PROCEDURE_REFERENCING_CRITERIA = (
    DiagnosticBlocksCriterion, FrequencyLimitCriterion, MinIntervalCriterion, PriorResponseCriterion,
    SteroidInjectionFirstCriterion,
)


def _icd_problem(code: str) -> str | None:
    if not icd10cm.is_code(code):
        return f"{code} is not an ICD-10-CM code"
    return None


def _normalized(code: str) -> str:
    return code.upper().replace(".", "").strip()


def _is_sequela_encounter(normalized: str) -> bool:
    return len(normalized) == 7 and normalized.endswith("S")


class DiagnosisCodes(SourcedRule):
    """The diagnoses an exception names, matched exactly, with where the list comes from.

    `codes`: billable ICD-10-CM codes, matched exactly ("B02.9" is acute zoster without complications;
    B02.29, postherpetic nerve involvement, is a different code and does not match). `prefixes`:
    subcategories ("M54.1"), each matching the codes under it except those `excluding` names (exact codes
    or narrower prefixes), and never a sequela encounter (S32.010S). A 3-character category is refused,
    and so is a prefix without `excluding`: a family like S32 holds sequelae and unrelated conditions,
    so whoever writes a prefix must look at what is under it and say what does not belong. Every code
    is checked against the ICD-10-CM tabular list at load.
    """

    codes: list[IcdCode] = []
    prefixes: list[IcdCode] = []
    excluding: list[IcdCode] = []

    @model_validator(mode="after")
    def _exact_or_narrow(self) -> DiagnosisCodes:
        if not self.codes and not self.prefixes:
            raise ValueError("give codes (exact ICD-10-CM codes) or prefixes with excluding")
        problems = [p for c in (*self.codes, *self.prefixes, *self.excluding) if (p := _icd_problem(c))]
        problems += [f"{c} is a category, not a billable code: list its codes, or give it as a prefix with excluding"
                     for c in self.codes if icd10cm.is_code(c) and not icd10cm.is_billable(c)]
        if self.prefixes and not self.excluding:
            problems.append(
                f"prefixes {', '.join(self.prefixes)} need excluding: the codes under them that must not match "
                "(sequelae, unrelated conditions); list exact codes instead when nothing is to be excluded"
            )
        stray = [e for e in self.excluding if not any(_normalized(e).startswith(_normalized(p)) for p in self.prefixes)]
        if stray:
            problems.append(f"excluding {', '.join(stray)} is under none of the prefixes")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def matches(self, code: str) -> bool:
        """Whether a recorded code ("b02.9", "B029") is one of these; dots and case do not matter.

        A prefix never matches a sequela encounter (a 7-character code ending in S, S32.010S: in
        ICD-10-CM every such code is a sequela): the late effect of an injury is not the injury.
        """
        given = _normalized(code)
        if given in {_normalized(c) for c in self.codes}:
            return True
        if _is_sequela_encounter(given):
            return False
        under = any(given.startswith(_normalized(p)) for p in self.prefixes)
        return under and not any(given.startswith(_normalized(e)) for e in self.excluding)

    def words(self) -> str:
        parts = list(self.codes) + [f"{p}* except {', '.join(self.excluding)}" for p in self.prefixes]
        return ", ".join(parts)


class ImagingFindings(Strict):
    """A finding recorded on a study ("acute_disc_injury"), on a study as recent as `recency` says."""

    findings: Annotated[list[Slug], Field(min_length=1)]
    recency: StudyRecency


class WaiverWhen(Strict):
    """When an exception holds: any one of the conditions given is enough.

    Red flags are the ones answered at this episode's triage; diagnoses are the episode's codes and its
    working diagnosis; a finding counts only on a study as recent as its `recency` says.
    """

    any_red_flag: StrictBool = False
    red_flags: list[NonEmptyStr] = []  # red-flag ids of the intake screen ("RF-CES")
    diagnoses: DiagnosisCodes | None = None
    imaging_findings: ImagingFindings | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_bare_prefixes(cls, data: object) -> object:
        if isinstance(data, dict) and "diagnosis_code_prefixes" in data:
            raise ValueError(
                "diagnosis_code_prefixes matched whole code families (B02 also matches postherpetic B02.29); "
                "use diagnoses: {codes: [exact codes], source: ..., evidence: ..., verified: ...}"
            )
        return data

    @model_validator(mode="after")
    def _some_condition(self) -> WaiverWhen:
        if not (self.any_red_flag or self.red_flags or self.diagnoses or self.imaging_findings):
            raise ValueError("give at least one of any_red_flag, red_flags, diagnoses, imaging_findings")
        return self


class Waiver(SourcedRule):
    """An exception that waives other criteria of the same policy: herpes zoster and the ESI duration rule."""

    id: Slug
    label: NonEmptyStr  # "acute herpes zoster", in the payer's words
    waives: Annotated[list[Slug], Field(min_length=1)]
    when: WaiverWhen


class AuthorizationRule(SourcedRule):
    """Whether the payer wants prior authorization: always, never, or only at some places of service.

    `note` says it in the payer's terms ("Medicare requires prior authorization for facet joint
    interventions only in a hospital outpatient department (POS 19/22)").
    """

    rule: Literal["always", "never", "places_of_service"]
    places_of_service: list[PlaceOfService] = []
    note: NonEmptyStr

    @model_validator(mode="after")
    def _places_fit_the_rule(self) -> AuthorizationRule:
        if self.rule == "places_of_service" and not self.places_of_service:
            raise ValueError("rule places_of_service needs places_of_service (e.g. ['19', '22'])")
        if self.rule != "places_of_service" and self.places_of_service:
            raise ValueError(f"places_of_service only goes with rule places_of_service (rule is {self.rule})")
        return self


class NotCovered(SourcedRule):
    """The payer does not cover the procedure at all (experimental/investigational): never eligible."""

    reason: NonEmptyStr


class RequestedUnits(SourcedRule):
    """What is usually asked for and approved at once: 12 PT visits over 8 weeks."""

    units: Count
    over_weeks: Count | None = None


class Policy(Strict):
    id: Slug
    name: NonEmptyStr  # "Acme Commercial: lumbar epidural steroid injection"
    payers: list[Slug] = []  # payer ids; a payer-specific policy beats a plan-type one
    plan_types: list[PlanType] = []
    procedures: Annotated[list[Slug], Field(min_length=1)]
    # Procedure ids that count as "the same procedure" when telling a repeat from an initial request
    # (a lumbar TFESI after a lumbar ILESI is a repeat epidural); the policy's own procedures when empty.
    repeat_group: list[Slug] = []
    effective_from: date
    effective_to: date | None = None
    authorization_required: AuthorizationRule
    not_covered: NotCovered | None = None
    requested_units: RequestedUnits | None = None
    criteria: list[Criterion] = []
    exceptions: list[Waiver] = []
    notes: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _applies_to_someone(self) -> Policy:
        if not self.payers and not self.plan_types:
            raise ValueError("a policy needs payers or plan_types (whom it applies to)")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to ({self.effective_to}) is before effective_from ({self.effective_from})")
        return self

    def in_effect_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def overlaps(self, other: Policy) -> bool:
        starts_before_other_ends = other.effective_to is None or self.effective_from <= other.effective_to
        other_starts_before_self_ends = self.effective_to is None or other.effective_from <= self.effective_to
        return starts_before_other_ends and other_starts_before_self_ends


class AuthorizationPolicyPack(Pack):
    collection: ClassVar[str] = "policies"
    policies: list[Policy]

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for p_index, policy in enumerate(self.policies):
            where = f"policies[{p_index}]"
            criterion_ids: set[str] = set()
            for c_index, criterion in enumerate(policy.criteria):
                if criterion.id in criterion_ids:
                    problems.append((f"{where}.criteria[{c_index}].id", f"duplicate criterion id {criterion.id!r} in this policy"))
                criterion_ids.add(criterion.id)
            exception_ids: set[str] = set()
            for e_index, waiver in enumerate(policy.exceptions):
                if waiver.id in exception_ids or waiver.id in criterion_ids:
                    problems.append((f"{where}.exceptions[{e_index}].id", f"duplicate id {waiver.id!r} in this policy"))
                exception_ids.add(waiver.id)
                for w_index, waived in enumerate(waiver.waives):
                    if waived not in criterion_ids:
                        known = ", ".join(sorted(criterion_ids)) or "(none)"
                        problems.append(
                            (
                                f"{where}.exceptions[{e_index}].waives[{w_index}]",
                                f"unknown criterion id {waived!r}; this policy's criteria: {known}",
                            )
                        )
        return problems
