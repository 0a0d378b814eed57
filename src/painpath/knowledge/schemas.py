"""Pydantic models for knowledge packs.

Every model forbids unknown keys and is frozen: a typo in a pack must fail at load, not silently
drop a rule, and loaded knowledge is shared by every request, so nobody may mutate it.
"""

from __future__ import annotations

from datetime import date
from string import Formatter
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]

# Research evidence tags (see research/prior-auth.md "How to read the tables"):
# V = read in a primary/official source, S = read in a secondary summary, K = unconfirmed background.
Evidence = Literal["V", "S", "K"]
DurationUnit = Literal["business_days", "calendar_days", "hours"]
PlanType = Literal["medicare", "medicare_advantage", "medicaid", "commercial", "workers_comp"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackHeader(Strict):
    """The `pack:` mapping every pack file starts with."""

    id: NonEmptyStr
    kind: NonEmptyStr  # checked against PACK_KINDS by the loader, so the error can list known kinds
    version: Annotated[int, Field(ge=1, strict=True)]
    effective_date: date
    last_verified: date


class SourcedDuration(Strict):
    """A time limit with where it came from.

    `amount` is a whole number: business-day arithmetic has no meaning for fractions, and every
    published clock we encode (7 days, 72 hours, 2 business days) is whole.
    """

    amount: Annotated[int, Field(gt=0, strict=True)]
    unit: DurationUnit
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> SourcedDuration:
        # A K number is a placeholder by definition; calling it verified would hide it from review.
        if self.evidence == "K" and self.verified:
            raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")
        return self


class DecisionClock(Strict):
    standard: SourcedDuration
    expedited: SourcedDuration


class BusinessCalendar(Strict):
    # holidays.US() includes 11 Nov, but many private payers work that day; each payer says which.
    veterans_day_is_business_day: StrictBool
    reason: NonEmptyStr


class Payer(Strict):
    id: Slug
    name: NonEmptyStr
    plan_type: PlanType
    decision_clock: DecisionClock
    business_calendar: BusinessCalendar
    notes: NonEmptyStr | None = None


class Pack(Strict):
    """Base of every pack kind.

    `collection` names the list field whose items carry an `id`; the loader merges that list across
    files into one id-keyed mapping and refuses duplicate ids. A `single` kind is not merged: the
    loader keeps the one pack of that kind whole and refuses a second (see RedFlagPack).
    """

    collection: ClassVar[str]
    single: ClassVar[bool] = False
    pack: PackHeader

    def reference_problems(self) -> list[tuple[str, str]]:
        """(path, message) for each cross-reference inside the pack that does not resolve.

        Field validators cannot see sibling lists, and a model-level validator can only report at the
        top of the file; this hook lets the loader name the exact path (`flags[2].rules[0].when.question`).
        """
        return []


class PayerDirectory(Pack):
    collection: ClassVar[str] = "payers"
    payers: list[Payer]


# --- Spine red flags (kind `red_flags`) ------------------------------------------------------------
# Clinical research tags (research/clinical.md "Provenance tags"): R = read in the cited source,
# V = confirmed in a later fact-check pass, S = seen only in a secondary source, K = unconfirmed
# background knowledge. As for payers, a K item must say verified: false.
ClinicalEvidence = Literal["R", "V", "S", "K"]
Urgency = Literal["emergent", "urgent", "routine"]
QuestionKind = Literal["yes_no", "number", "choice"]
FlagId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]  # RF-CES
YellowCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]  # ABCDEFW

# Most severe last; the triage rules compare urgencies through this.
URGENCY_RANK: dict[str, int] = {"routine": 0, "urgent": 1, "emergent": 2}


def _refuse_verified_unconfirmed(evidence: str | None, verified: bool | None) -> None:
    # A K item is a placeholder by definition; calling it verified would hide it from review.
    if evidence == "K" and verified:
        raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")


def _placeholders(template: str) -> set[str]:
    """The {names} in a str.format template; ValueError for a malformed one such as '{drivers'."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


class Sourced(Strict):
    """Where a clinical statement comes from, with its research evidence tag."""

    source: NonEmptyStr
    evidence: ClinicalEvidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> Sourced:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class ChoiceOption(Strict):
    value: Slug
    label: NonEmptyStr  # what staff read out or click
    finding: NonEmptyStr  # how this answer reads in a reason ("a major injury (crash or fall from a height)")


class Question(Strict):
    """One question of the phone screen, in plain words a caller understands.

    `label` names the question in lists ("not yet answered: saddle numbness"); `finding` is how a
    driving answer reads in a reason ("age {value}" for a number). A choice question has a finding
    per option instead. A number question states the range of plausible answers.
    """

    id: Slug
    section: NonEmptyStr
    text: NonEmptyStr
    label: NonEmptyStr
    kind: QuestionKind
    required: StrictBool
    help: NonEmptyStr | None = None
    finding: NonEmptyStr | None = None
    options: list[ChoiceOption] | None = None
    min: StrictInt | None = None
    max: StrictInt | None = None
    unit: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> Question:
        if self.kind == "choice":
            if not self.options or len(self.options) < 2:
                raise ValueError("a choice question needs options (at least two)")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"option values must be unique (got {values})")
            extra = [n for n in ("finding", "min", "max", "unit") if getattr(self, n) is not None]
            if extra:
                raise ValueError(f"a choice question has no {', '.join(extra)} (each option carries its finding)")
            return self
        if self.options is not None:
            raise ValueError(f"only a choice question has options (this one is {self.kind})")
        if self.finding is None:
            raise ValueError("finding is required: how a driving answer reads in a reason")
        names = _placeholders(self.finding)
        if self.kind == "number":
            if self.min is None or self.max is None:
                raise ValueError("a number question needs min and max (the range of plausible answers)")
            if self.min > self.max:
                raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
            if names != {"value"}:
                raise ValueError("a number question's finding must show the answer with {value}, e.g. 'age {value}'")
        else:
            extra = [n for n in ("min", "max", "unit") if getattr(self, n) is not None]
            if extra:
                raise ValueError(f"a yes_no question has no {', '.join(extra)}")
            if names:
                raise ValueError("a yes_no question's finding has no placeholders")
        return self


class Condition(Strict):
    """One node of a rule's `when`: a test on one answer, or any_of / all_of over nested conditions.

        {question: fever, is: true}           a yes to a yes_no question
        {question: injury, is: major}         an option of a choice question
        {question: age, at_least: 51, ...}    a number at or past a threshold, with the threshold's source
        {any_of: [...]} / {all_of: [...]}

    A rule fires on a yes, a chosen option or a number past a threshold, never on a "no": so adding
    a yes can only raise the urgency, and an unanswered question never satisfies a rule.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    any_of: Annotated[list[Condition], Field(min_length=1)] | None = None
    all_of: Annotated[list[Condition], Field(min_length=1)] | None = None
    question: Slug | None = None
    is_: StrictBool | Slug | None = Field(default=None, alias="is")
    at_least: StrictInt | None = None
    at_most: StrictInt | None = None
    source: NonEmptyStr | None = None
    evidence: ClinicalEvidence | None = None
    verified: StrictBool | None = None

    @property
    def operator(self) -> str:
        return next(
            name
            for name, value in (
                ("any_of", self.any_of),
                ("all_of", self.all_of),
                ("is", self.is_),
                ("at_least", self.at_least),
                ("at_most", self.at_most),
            )
            if value is not None
        )

    @property
    def children(self) -> list[Condition]:
        return self.any_of or self.all_of or []

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [
            name
            for name, value in (
                ("any_of", self.any_of),
                ("all_of", self.all_of),
                ("is", self.is_),
                ("at_least", self.at_least),
                ("at_most", self.at_most),
            )
            if value is not None
        ]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"a condition needs exactly one of any_of, all_of, is, at_least, at_most (got {got})")
        op = given[0]
        if op in ("any_of", "all_of"):
            if self.question is not None:
                raise ValueError(f"{op} combines conditions; put question: inside each of them")
        elif self.question is None:
            raise ValueError(f"'{op}' needs the question it tests (question: <id>)")
        if self.is_ is False:
            raise ValueError(
                "a rule fires on a yes (is: true), never on a no; otherwise answering yes could lower "
                "the urgency and an unanswered question could look like a no"
            )
        trio = (self.source, self.evidence, self.verified)
        if op in ("at_least", "at_most"):
            if None in trio:
                raise ValueError(f"a threshold ({op}) needs its source, evidence and verified")
        elif any(x is not None for x in trio):
            raise ValueError("source, evidence and verified belong on a numeric threshold; the flag carries the rest")
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class FlagRule(Strict):
    """When the answers satisfy `when`, the flag is raised at `urgency`.

    `reason` is plain words with {drivers}, which becomes the driving answers ("fever and injects
    drugs"). A rule whose urgency is a reading of the table rather than the flag's own source says
    so with its own source, evidence and verified.
    """

    when: Condition
    urgency: Urgency
    reason: NonEmptyStr
    source: NonEmptyStr | None = None
    evidence: ClinicalEvidence | None = None
    verified: StrictBool | None = None

    @model_validator(mode="after")
    def _reason_names_its_drivers(self) -> FlagRule:
        if _placeholders(self.reason) != {"drivers"}:
            raise ValueError("reason must name the driving answers with {drivers} and use no other placeholder")
        trio = (self.source, self.evidence, self.verified)
        if any(x is not None for x in trio) and None in trio:
            raise ValueError("a rule's own source needs all of source, evidence and verified (or none of them)")
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class RedFlag(Sourced):
    """One row of the red-flag table: the condition suspected, what to do, and the rules that raise it."""

    id: FlagId
    condition: NonEmptyStr
    urgency: Urgency  # the table's headline urgency; a rule may escalate above it
    action: NonEmptyStr
    rules: Annotated[list[FlagRule], Field(min_length=1)]

    @model_validator(mode="after")
    def _headline_matches_a_rule(self) -> RedFlag:
        rule_urgencies = sorted({r.urgency for r in self.rules}, key=URGENCY_RANK.__getitem__)
        if self.urgency not in rule_urgencies:
            raise ValueError(
                f"urgency {self.urgency!r} is not the urgency of any of its rules ({', '.join(rule_urgencies)})"
            )
        return self


class YellowFlag(Sourced):
    """A psychosocial prognostic factor: carried forward for screening, never changes urgency."""

    code: YellowCode
    domain: NonEmptyStr
    examples: NonEmptyStr
    instrument: NonEmptyStr
    questions: list[Slug] = Field(default_factory=list)  # intake questions that raise it (yes_no)


class DueWithin(Strict):
    amount: Annotated[int, Field(ge=0, strict=True)]  # 0 means now
    unit: DurationUnit


class Routing(Sourced):
    """What the clinic does with a triage decision of one urgency."""

    label: NonEmptyStr
    instruction: NonEmptyStr  # plain words for the person on the phone
    hard_stop: StrictBool  # the standard pathway stops here
    clinician_acknowledgement: StrictBool
    offer_booking: StrictBool  # may staff book the normal first visit now?
    due_within: DueWithin | None = None  # None: the clinic's own first-visit target applies
    first_visit_with: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _hard_stop_books_nothing(self) -> Routing:
        if self.hard_stop and self.offer_booking:
            raise ValueError("a hard stop cannot offer booking")
        return self


class RoutingTable(Strict):
    emergent: Routing
    urgent: Routing
    routine: Routing
    incomplete: Routing

    @model_validator(mode="after")
    def _emergent_is_a_hard_stop(self) -> RoutingTable:
        # research/clinical.md 3.1 "Rule for the software": any emergent flag stops the standard
        # pathway with a hard stop and needs clinician acknowledgement. A pack may not relax it.
        if not (self.emergent.hard_stop and self.emergent.clinician_acknowledgement):
            raise ValueError("emergent routing must be a hard stop with clinician_acknowledgement: true")
        return self

    def for_urgency(self, urgency: str) -> Routing:
        if urgency not in ("emergent", "urgent", "routine", "incomplete"):
            raise ValueError(f"unknown urgency {urgency!r}")
        return getattr(self, urgency)


class RedFlagPack(Pack):
    """The spine red-flag screen: questions in phone order, flags with their rules, yellow flags, routing.

    A `single` kind: exactly one is loaded, because two screens cannot both be the one staff follow.
    """

    single: ClassVar[bool] = True
    questions: Annotated[list[Question], Field(min_length=1)]
    flags: Annotated[list[RedFlag], Field(min_length=1)]
    yellow_flags: list[YellowFlag]
    routing: RoutingTable

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"unknown question id {question_id!r}; known question ids: {known}")

    def flag(self, flag_id: str) -> RedFlag:
        for f in self.flags:
            if f.id == flag_id:
                return f
        known = ", ".join(f.id for f in self.flags)
        raise KeyError(f"unknown red flag id {flag_id!r}; known: {known}")

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for name, items, key in (
            ("questions", self.questions, "id"),
            ("flags", self.flags, "id"),
            ("yellow_flags", self.yellow_flags, "code"),
        ):
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                value = getattr(item, key)
                if value in first:
                    problems.append(
                        (f"{name}[{i}].{key}", f"duplicate {key} {value!r}, already at {name}[{first[value]}].{key}")
                    )
                else:
                    first[value] = i

        index = {q.id: i for i, q in reversed(list(enumerate(self.questions)))}
        known = ", ".join(q.id for q in self.questions)
        must_be_required: dict[str, str] = {}  # question id -> first flag it drives
        for fi, flag in enumerate(self.flags):
            for ri, rule in enumerate(flag.rules):
                for path, leaf in _leaves(rule.when, f"flags[{fi}].rules[{ri}].when"):
                    problem = self._leaf_problem(leaf, index, known)
                    if problem is not None:
                        problems.append((f"{path}.{problem[0]}", problem[1]))
                    elif leaf.question is not None:
                        must_be_required.setdefault(leaf.question, flag.id)
        for qid, flag_id in must_be_required.items():
            if not self.questions[index[qid]].required:
                problems.append(
                    (
                        f"questions[{index[qid]}].required",
                        f"{qid!r} drives red flag {flag_id}, so it must be required: true "
                        "(a red-flag question cannot be skipped)",
                    )
                )
        for yi, yellow in enumerate(self.yellow_flags):
            for k, qid in enumerate(yellow.questions):
                if qid not in index:
                    problems.append(
                        (f"yellow_flags[{yi}].questions[{k}]", f"unknown question id {qid!r}; known question ids: {known}")
                    )
                elif self.questions[index[qid]].kind != "yes_no":
                    problems.append(
                        (f"yellow_flags[{yi}].questions[{k}]", f"{qid!r} must be a yes_no question to raise a yellow flag")
                    )
        return problems

    def _leaf_problem(self, leaf: Condition, index: dict[str, int], known: str) -> tuple[str, str] | None:
        qid = leaf.question
        assert qid is not None
        if qid not in index:
            return "question", f"unknown question id {qid!r}; known question ids: {known}"
        q = self.questions[index[qid]]
        op = leaf.operator
        if op == "is" and leaf.is_ is True:
            if q.kind != "yes_no":
                return "is", f"is: true tests a yes_no question; {qid!r} is a {q.kind} question"
        elif op == "is":
            options = [o.value for o in q.options or []]
            if q.kind != "choice":
                return "is", f"is: <option> tests a choice question; {qid!r} is a {q.kind} question"
            if leaf.is_ not in options:
                return "is", f"{leaf.is_!r} is not an option of {qid!r} (options: {', '.join(options)})"
        else:
            value = leaf.at_least if op == "at_least" else leaf.at_most
            if q.kind != "number":
                return op, f"{op} tests a number question; {qid!r} is a {q.kind} question"
            assert q.min is not None and q.max is not None and value is not None
            if not q.min <= value <= q.max:
                return op, f"{value} is outside the answers {qid!r} accepts ({q.min} to {q.max})"
        return None


def _leaves(condition: Condition, path: str) -> list[tuple[str, Condition]]:
    """Every answer test under `condition`, with its path in the pack."""
    if condition.question is not None:
        return [(path, condition)]
    op = condition.operator
    return [leaf for i, child in enumerate(condition.children) for leaf in _leaves(child, f"{path}.{op}[{i}]")]


# --- Medication trials (kind `medication_trials`) --------------------------------------------------
# What counts as an adequate trial of each drug (research/clinical.md section 4 and the clinic's own
# defaults), and the payers whose step-therapy rules are stricter. Clinical evidence tags as above.
Route = Literal["oral", "topical"]
PositiveNumber = Annotated[float, Field(gt=0, strict=True, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0, strict=True)]
RxCui = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]


class SourcedNumber(Sourced):
    """A number the rules act on, with where it came from: `{value: 900, source, evidence, verified}`."""

    value: PositiveNumber


class SourcedDays(Sourced):
    value: PositiveInt  # whole days: a trial is counted in calendar days


class RxNormCode(Sourced):
    code: RxCui  # RxNorm ingredient RxCUI, a string of digits ("25480")


class ReferenceDose(Sourced):
    """The literature's target daily dose, shown to staff; the rules read `adequate_trial` instead.

    A range (`low_mg`..`high_mg`), an open "titrated to" (`text` only, e.g. label dosing), or both.
    """

    text: NonEmptyStr  # "1200-3600 mg/day in 3 divided doses"
    low_mg: PositiveNumber | None = None
    high_mg: PositiveNumber | None = None

    @model_validator(mode="after")
    def _range_in_order(self) -> ReferenceDose:
        if self.low_mg is not None and self.high_mg is not None and self.low_mg > self.high_mg:
            raise ValueError(f"low_mg ({self.low_mg:g}) is greater than high_mg ({self.high_mg:g})")
        return self


class AdequateTrial(Strict):
    """What the clinic counts as an adequate trial: at least `min_daily_mg` for at least `min_days`.

    A drug not dosed in mg/day (a patch, a cream) has no `min_daily_mg` and says in `dose_rule` what
    dose counts; the rules then check the duration only and say so.
    """

    min_daily_mg: SourcedNumber | None = None
    dose_rule: NonEmptyStr | None = None
    min_days: SourcedDays

    @model_validator(mode="after")
    def _dose_is_defined(self) -> AdequateTrial:
        if self.min_daily_mg is None and self.dose_rule is None:
            raise ValueError("give min_daily_mg, or dose_rule saying in words what dose counts (patches, creams)")
        return self


class TrialDrug(Strict):
    id: Slug  # what TrialFacts.drug names ("gabapentin")
    name: NonEmptyStr
    drug_class: Slug
    route: Route
    rxnorm: RxNormCode | None = None  # None: not known yet; the drug is then found by id only
    reference_dose: ReferenceDose
    adequate_trial: AdequateTrial
    notes: NonEmptyStr | None = None


class PayerTrialRule(Sourced):
    """A payer's stricter step-therapy rule for one drug, with the payer's own wording shown to staff."""

    min_daily_mg: PositiveNumber | None = None
    min_days: PositiveInt | None = None
    wording: NonEmptyStr  # the payer's policy text, quoted, not paraphrased

    @model_validator(mode="after")
    def _says_something(self) -> PayerTrialRule:
        if self.min_daily_mg is None and self.min_days is None:
            raise ValueError("a payer rule needs min_daily_mg, min_days or both")
        return self


class MedicationTrialPack(Pack):
    """Adequate-trial definitions per drug, and payer step-therapy overrides keyed by payer id, then drug id.

    Drugs merge across files by id like payers. The payer and drug ids in `payer_overrides` may name
    entries of other packs, so the loader checks them once every pack is read.
    """

    collection: ClassVar[str] = "drugs"
    drugs: list[TrialDrug]
    payer_overrides: dict[Slug, dict[Slug, PayerTrialRule]] = Field(default_factory=dict)

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, drug in enumerate(self.drugs):
            if drug.rxnorm is None:
                continue
            if drug.rxnorm.code in seen:
                other = seen[drug.rxnorm.code]
                message = f"RxNorm code {drug.rxnorm.code} is already drugs[{other}] ({self.drugs[other].id})"
                problems.append((f"drugs[{i}].rxnorm.code", message))
            else:
                seen[drug.rxnorm.code] = i
        return problems


class MedicationTrials(Strict):
    """Every loaded medication-trial pack merged: the rules in painpath.charting.trials read this."""

    drugs: dict[str, TrialDrug] = Field(default_factory=dict)
    payer_overrides: dict[str, dict[str, PayerTrialRule]] = Field(default_factory=dict)

    def drug(self, key: str) -> TrialDrug | None:
        """The drug named by pack id or RxNorm ingredient code; None when the packs do not define it."""
        key = key.strip()
        found = self.drugs.get(key.lower())
        if found is not None:
            return found
        return next((d for d in self.drugs.values() if d.rxnorm is not None and d.rxnorm.code == key), None)

    def payer_rule(self, payer_id: str, drug_id: str) -> PayerTrialRule | None:
        return self.payer_overrides.get(payer_id, {}).get(drug_id)


# --- Validated instruments (kind `instrument`) -----------------------------------------------------
# One instrument per file under packs/instruments/. The scoring engine (painpath.charting.scoring)
# reads everything from here: items and their answer sets, the scoring method, reverse-scored items,
# subscales, the missing-item rule, bands, the minimal important change, alerts and LOINC codes.
# Clinical evidence tags as for red flags (R, V, S, K); a K number must say verified: false.
ScoringMethod = Literal["sum", "percent", "mean"]
MissingRule = Literal["none", "prorate"]
Direction = Literal["lower_is_better", "higher_is_better"]
Sex = Literal["female", "male"]
LoincCodeStr = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,7}-[0-9]$")]
Points = StrictInt | float


class LoincCode(Sourced):
    code: LoincCodeStr


class InstrumentLoinc(Strict):
    panel: LoincCode | None = None
    total: LoincCode | None = None


class AnswerOption(Strict):
    """One answer: `value` is what is stored for the answer, `points` what it scores (default: value)."""

    value: StrictInt
    label: NonEmptyStr
    points: Points | None = None

    @property
    def scored(self) -> float:
        return self.value if self.points is None else self.points


class InstrumentItem(Strict):
    id: Slug
    text: NonEmptyStr  # verbatim only where the license allows it; otherwise a short paraphrased label
    answers: Slug  # an id in the instrument's answer_sets
    loinc: LoincCode | None = None
    # ORT: an item scores its answer's points times the weight for the patient's sex.
    weight_by_sex: dict[Sex, StrictInt] | None = None

    @model_validator(mode="after")
    def _both_sexes(self) -> InstrumentItem:
        if self.weight_by_sex is not None and set(self.weight_by_sex) != {"female", "male"}:
            raise ValueError("weight_by_sex needs a weight for both female and male")
        return self


class MissingItems(Sourced):
    """How many scored items may be unanswered, and what happens then.

    `prorate`: each missing item counts as the mean of the answered ones (for a percent score this is
    the reduced denominator of ODI: 9 answered -> /45). `none`: any missing item means no score.
    """

    rule: MissingRule
    max_missing: Annotated[int, Field(ge=0, strict=True)]

    @model_validator(mode="after")
    def _rule_fits_max(self) -> MissingItems:
        if self.rule == "none" and self.max_missing != 0:
            raise ValueError("rule none means no score if any item is missing: max_missing must be 0")
        if self.rule == "prorate" and self.max_missing == 0:
            raise ValueError("rule prorate needs max_missing of at least 1 (use rule: none for 0)")
        return self


class ScoreRange(Strict):
    min: Points
    max: Points


class Scoring(Sourced):
    """The total: `sum` of item points; `percent` = sum / (sum of the answered items' maximum points) x 100
    (ODI); `mean` = mean of item points x `factor` (PEG). Missing items are handled by `missing`."""

    method: ScoringMethod
    items: list[Slug] | None = None  # None: every item
    reverse_items: list[Slug] = Field(default_factory=list)  # points become (min + max) - points
    factor: Points = 1
    decimals: Annotated[int, Field(ge=0, le=3, strict=True)] = 0
    range: ScoreRange  # declared for readers; checked against the items at load
    missing: MissingItems

    @model_validator(mode="after")
    def _factor_is_for_mean(self) -> Scoring:
        if self.factor != 1 and self.method != "mean":
            raise ValueError("factor applies to the mean method only")
        return self


class Subscale(Sourced):
    """A part score. Computed only when the whole instrument is scorable; a `sum` subscale with a
    missing item has no value, `percent` and `mean` subscales prorate like the total."""

    id: Slug
    label: NonEmptyStr
    items: Annotated[list[Slug], Field(min_length=1)]
    method: ScoringMethod = "sum"


class Band(Strict):
    min: Points
    max: Points
    label: NonEmptyStr


class Bands(Sourced):
    """Score ranges -> label, inclusive at both ends, each starting one `step` after the last ended.

    A score is rounded half up to `step` before lookup (ODI 35.56 -> 36 -> moderate), which is how the
    published integer ranges are read.
    """

    step: Annotated[float, Field(gt=0)] = 1
    ranges: Annotated[list[Band], Field(min_length=1)]


class BandOverride(Sourced):
    """A label that wins over the total's band when a subscale reaches a value (STarT Back high risk)."""

    subscale: Slug
    at_least: Points
    label: NonEmptyStr


class MinimalImportantChange(Sourced):
    """Improvement of at least `points`, or of at least `percent_of_baseline` %, counts as important."""

    points: Annotated[float, Field(gt=0)] | None = None
    percent_of_baseline: Annotated[float, Field(gt=0, le=100)] | None = None

    @model_validator(mode="after")
    def _some_threshold(self) -> MinimalImportantChange:
        if self.points is None and self.percent_of_baseline is None:
            raise ValueError("a minimal important change needs points, percent_of_baseline or both")
        return self


class AlertWhen(Strict):
    item: Slug
    at_least: StrictInt


class InstrumentAlert(Sourced):
    """Raised whenever the item's answer reaches `at_least`, whatever the total and even if unscorable."""

    when: AlertWhen
    kind: Slug
    message: NonEmptyStr


class InstrumentLicense(Sourced):
    note: NonEmptyStr
    item_text: Literal["verbatim", "paraphrased"]


class Instrument(Strict):
    id: Slug
    name: NonEmptyStr
    title: NonEmptyStr
    direction: Direction  # for the total: which way is better
    license: InstrumentLicense
    loinc: InstrumentLoinc | None = None
    answer_sets: dict[Slug, Annotated[list[AnswerOption], Field(min_length=2)]]
    items: Annotated[list[InstrumentItem], Field(min_length=1)]
    scoring: Scoring
    subscales: list[Subscale] = Field(default_factory=list)
    bands: Bands | None = None
    band_overrides: list[BandOverride] = Field(default_factory=list)
    mic: MinimalImportantChange | None = None
    alerts: list[InstrumentAlert] = Field(default_factory=list)
    notes: NonEmptyStr | None = None

    def item(self, item_id: str) -> InstrumentItem:
        for it in self.items:
            if it.id == item_id:
                return it
        known = ", ".join(it.id for it in self.items)
        raise KeyError(f"unknown item id {item_id!r} in {self.id}; known item ids: {known}")

    def options(self, item_id: str) -> list[AnswerOption]:
        return self.answer_sets[self.item(item_id).answers]

    @property
    def scored_items(self) -> list[str]:
        return list(self.scoring.items) if self.scoring.items is not None else [it.id for it in self.items]

    def item_points_range(self, item_id: str, sex: str | None = None) -> tuple[float, float]:
        """(lowest, highest) points the item can score; with a sex weight, for that sex (both if None)."""
        points = [o.scored for o in self.options(item_id)]
        weights = self.item(item_id).weight_by_sex
        if weights is not None:
            ws = [weights[sex]] if sex in weights else list(weights.values())  # type: ignore[index]
            points = [p * w for p in points for w in ws]
        return min(points), max(points)

    def computed_range(self) -> tuple[float, float]:
        """The total's range implied by the items and the method, over both sexes when weights differ."""
        sexes: list[str | None] = ["female", "male"] if any(it.weight_by_sex for it in self.items) else [None]
        lows, highs = [], []
        for sex in sexes:
            ranges = [self.item_points_range(i, sex) for i in self.scored_items]
            lo, hi = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
            if self.scoring.method == "percent":
                lo, hi = lo / hi * 100, 100.0
            elif self.scoring.method == "mean":
                lo, hi = lo / len(ranges) * self.scoring.factor, hi / len(ranges) * self.scoring.factor
            lows.append(lo)
            highs.append(hi)
        return min(lows), max(highs)

    def problems(self, at: str) -> list[tuple[str, str]]:
        """Cross-references and band coverage; `at` is this instrument's path in the pack."""
        problems: list[tuple[str, str]] = []
        first: dict[str, int] = {}
        for i, it in enumerate(self.items):
            if it.id in first:
                problems.append((f"{at}.items[{i}].id", f"duplicate item id {it.id!r}, already at items[{first[it.id]}]"))
            else:
                first[it.id] = i
            if it.answers not in self.answer_sets:
                known_sets = ", ".join(self.answer_sets) or "(none)"
                problems.append((f"{at}.items[{i}].answers", f"unknown answer set {it.answers!r}; known: {known_sets}"))
        for name, options in self.answer_sets.items():
            values = [o.value for o in options]
            if len(set(values)) != len(values):
                problems.append((f"{at}.answer_sets.{name}", f"answer values must be unique (got {values})"))
        known = ", ".join(it.id for it in self.items)

        def check_refs(path: str, ids: list[str]) -> None:
            for k, item_id in enumerate(ids):
                if item_id not in first:
                    problems.append((f"{path}[{k}]", f"unknown item id {item_id!r}; known item ids: {known}"))
            if len(set(ids)) != len(ids):
                problems.append((path, "an item is listed twice"))

        if self.scoring.items is not None:
            check_refs(f"{at}.scoring.items", self.scoring.items)
        check_refs(f"{at}.scoring.reverse_items", self.scoring.reverse_items)
        for k, item_id in enumerate(self.scoring.reverse_items):
            if item_id in first and item_id not in self.scored_items:
                problems.append((f"{at}.scoring.reverse_items[{k}]", f"{item_id!r} is reversed but not scored"))
        if self.scoring.missing.max_missing >= len(self.scored_items):
            problems.append((f"{at}.scoring.missing.max_missing", "must leave at least one scored item answered"))
        sub_ids: dict[str, int] = {}
        for s, sub in enumerate(self.subscales):
            if sub.id in sub_ids:
                problems.append((f"{at}.subscales[{s}].id", f"duplicate subscale id {sub.id!r}"))
            sub_ids[sub.id] = s
            check_refs(f"{at}.subscales[{s}].items", sub.items)
        for a, alert in enumerate(self.alerts):
            path = f"{at}.alerts[{a}].when"
            if alert.when.item not in first:
                problems.append((f"{path}.item", f"unknown item id {alert.when.item!r}; known item ids: {known}"))
            elif self.item(alert.when.item).answers in self.answer_sets:
                values = [o.value for o in self.options(alert.when.item)]
                if not min(values) < alert.when.at_least <= max(values):
                    problems.append(
                        (f"{path}.at_least", f"{alert.when.at_least} must be above the lowest and at most the highest answer ({values})")
                    )
        for o, override in enumerate(self.band_overrides):
            if override.subscale not in sub_ids:
                problems.append((f"{at}.band_overrides[{o}].subscale", f"unknown subscale {override.subscale!r}"))
        if problems:  # the range below needs every reference to resolve
            return problems

        lo, hi = self.computed_range()
        declared = self.scoring.range
        if not (_close(lo, declared.min) and _close(hi, declared.max)):
            problems.append(
                (f"{at}.scoring.range", f"declared {declared.min} to {declared.max}, but the items score {_num(lo)} to {_num(hi)}")
            )
        if self.bands is not None:
            problems += _band_problems(self.bands, declared, f"{at}.bands")
        return problems


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _band_problems(bands: Bands, score_range: ScoreRange, at: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    ranges = bands.ranges
    for i, band in enumerate(ranges):
        if band.min > band.max:
            problems.append((f"{at}.ranges[{i}]", f"min {band.min} is above max {band.max}"))
        if i and not _close(band.min, ranges[i - 1].max + bands.step):
            prev = ranges[i - 1]
            kind = "overlaps" if band.min <= prev.max else "leaves a gap after"
            problems.append(
                (f"{at}.ranges[{i}].min", f"{band.label!r} starts at {band.min}: it {kind} {prev.label!r} "
                 f"(ends at {prev.max}); bands must be contiguous, the next starting {bands.step} after")
            )
    if not _close(ranges[0].min, score_range.min):
        problems.append((f"{at}.ranges[0].min", f"the first band must start at the lowest score {score_range.min}"))
    if not _close(ranges[-1].max, score_range.max):
        problems.append((f"{at}.ranges[{len(ranges) - 1}].max", f"the last band must end at the highest score {score_range.max}"))
    return problems


class InstrumentPack(Pack):
    """One validated instrument per file (kind `instrument`), merged by instrument id."""

    collection: ClassVar[str] = "instruments"
    instruments: Annotated[list[Instrument], Field(min_length=1, max_length=1)]

    def reference_problems(self) -> list[tuple[str, str]]:
        return [p for i, inst in enumerate(self.instruments) for p in inst.problems(f"instruments[{i}]")]


# kind -> model. Later slices add their kinds here (pathways, instruments, opioids, ...).
PACK_KINDS: dict[str, type[Pack]] = {
    "payers": PayerDirectory,
    "red_flags": RedFlagPack,
    "medication_trials": MedicationTrialPack,
    "instrument": InstrumentPack,
}
