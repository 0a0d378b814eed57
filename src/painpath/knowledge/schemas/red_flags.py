"""Spine red flags (kind `red_flags`): questions in phone order, flags with sourced rules, yellow flags, routing."""

from __future__ import annotations

from string import Formatter
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictInt, StringConstraints, model_validator

from painpath.knowledge.schemas.common import ClinicalEvidence, DurationUnit, NonEmptyStr, Pack, Slug, Sourced, Strict, _refuse_verified_unconfirmed

# review: a feature that alone predicts little (Henschke 2009; Downie 2013): a clinician looks at the answers,
# the caller keeps the routine booking. It is never an urgent slot nor the emergency department.
Urgency = Literal["emergent", "urgent", "review", "routine"]
QuestionKind = Literal["yes_no", "number", "choice"]
FlagId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]  # RF-CES
YellowCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]  # ABCDEFW

# Most severe last; the triage rules compare urgencies through this.
URGENCY_RANK: dict[str, int] = {"routine": 0, "review": 1, "urgent": 2, "emergent": 3}


def _placeholders(template: str) -> set[str]:
    """The {names} in a str.format template; ValueError for a malformed one such as '{drivers'."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


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
    # A follow-up question: asked, and required, only when an earlier answer makes it apply ("when did the
    # injury happen" only after an injury). Until then it is neither missing nor a problem.
    ask_if: Condition | None = None

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
        {min_count: 4, of: [...], source: ...}  at least that many of the conditions (ASAS: 4 of 5),
                                                a number, so it carries its source like a threshold

    A rule fires on a yes, a chosen option or a number past a threshold, never on a "no": so adding
    a yes can only raise the urgency, and an unanswered question never satisfies a rule.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    any_of: Annotated[list[Condition], Field(min_length=1)] | None = None
    all_of: Annotated[list[Condition], Field(min_length=1)] | None = None
    of: Annotated[list[Condition], Field(min_length=2)] | None = None
    min_count: Annotated[int, Field(ge=1, strict=True)] | None = None
    question: Slug | None = None
    is_: StrictBool | Slug | None = Field(default=None, alias="is")
    at_least: StrictInt | None = None
    at_most: StrictInt | None = None
    source: NonEmptyStr | None = None
    evidence: ClinicalEvidence | None = None
    verified: StrictBool | None = None

    def _operators(self) -> tuple[tuple[str, object], ...]:
        return (
            ("any_of", self.any_of),
            ("all_of", self.all_of),
            ("min_count", self.min_count),
            ("is", self.is_),
            ("at_least", self.at_least),
            ("at_most", self.at_most),
        )

    @property
    def operator(self) -> str:
        return next(
            name
            for name, value in self._operators()
            if value is not None
        )

    @property
    def children(self) -> list[Condition]:
        return self.any_of or self.all_of or self.of or []

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [
            name
            for name, value in self._operators()
            if value is not None
        ]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"a condition needs exactly one of any_of, all_of, min_count, is, at_least, at_most (got {got})")
        op = given[0]
        if (op == "min_count") != (self.of is not None):
            raise ValueError("min_count and of go together: at least min_count of the conditions listed in of")
        if op == "min_count" and self.min_count is not None and self.of is not None and self.min_count > len(self.of):
            raise ValueError(f"min_count {self.min_count} is more than the {len(self.of)} conditions in of")
        if op in ("any_of", "all_of", "min_count"):
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
        if op in ("at_least", "at_most", "min_count"):
            if None in trio:
                raise ValueError(f"a threshold ({op}) needs its source, evidence and verified")
        elif any(x is not None for x in trio):
            raise ValueError("source, evidence and verified belong on a number (a threshold or a count); the rule carries the rest")
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


Question.model_rebuild()  # its ask_if is a Condition, defined after it


class FlagRule(Sourced):
    """When the answers satisfy `when`, the flag is raised at `urgency`.

    `reason` is plain words with {drivers}, which becomes the driving answers ("fever and injects
    drugs"). Every rule cites the source for its urgency: the published evidence where the urgency is
    the source's own, or our reading of it (evidence K, verified: false) where it is not.
    """

    when: Condition
    urgency: Urgency
    reason: NonEmptyStr

    @model_validator(mode="after")
    def _reason_names_its_drivers(self) -> FlagRule:
        if _placeholders(self.reason) != {"drivers"}:
            raise ValueError("reason must name the driving answers with {drivers} and use no other placeholder")
        return self


class RedFlag(Sourced):
    """One row of the red-flag table: the condition suspected, what to do, and the rules that raise it."""

    id: FlagId
    condition: NonEmptyStr
    urgency: Urgency  # the headline urgency; a rule may escalate above it or stay below it
    action: NonEmptyStr
    rules: Annotated[list[FlagRule], Field(min_length=1)]
    # A specialty the flag routes to ("rheumatology"): a clinician makes the referral; the flag is
    # not a work-up for the conditions the other flags suspect.
    referral_to: NonEmptyStr | None = None

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
    review: Routing
    routine: Routing
    incomplete: Routing

    @model_validator(mode="after")
    def _emergent_is_a_hard_stop(self) -> RoutingTable:
        # research/clinical.md 3.1 "Rule for the software": any emergent flag stops the standard
        # pathway with a hard stop and needs clinician acknowledgement. A pack may not relax it.
        if not (self.emergent.hard_stop and self.emergent.clinician_acknowledgement):
            raise ValueError("emergent routing must be a hard stop with clinician_acknowledgement: true")
        # A review is the answer to a low-specificity feature: it must never stop the routine booking.
        if self.review.hard_stop or not self.review.offer_booking:
            raise ValueError("review routing keeps the routine booking: hard_stop: false and offer_booking: true")
        return self

    def for_urgency(self, urgency: str) -> Routing:
        if urgency not in ("emergent", "urgent", "review", "routine", "incomplete"):
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
        for qi, question in enumerate(self.questions):
            if question.ask_if is None:
                continue
            for path, leaf in _leaves(question.ask_if, f"questions[{qi}].ask_if"):
                problem = self._leaf_problem(leaf, index, known)
                if problem is not None:
                    problems.append((f"{path}.{problem[0]}", problem[1]))
                elif index[leaf.question or ""] >= qi:
                    # The screen is read top to bottom: a follow-up comes after the answer it follows.
                    problems.append((f"{path}.question", f"{leaf.question!r} must be asked before {question.id!r}, which it decides"))
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
    key = "of" if condition.operator == "min_count" else condition.operator
    return [leaf for i, child in enumerate(condition.children) for leaf in _leaves(child, f"{path}.{key}[{i}]")]
