"""Care pathways (kind `pathway`): if-then steps with entry conditions, trial lengths, success measures
and the next step on success and on failure. One pathway per file under packs/pathways/.

Success is measured function first: an instrument's change against its minimal important change (the
number lives in the instrument pack, with its source), a functional measure reaching a target, pain at
or below a value, relief from the step's procedure, medication use, return to work. Every number a
pathway states carries its own source and evidence tag (K must say verified: false).

References inside one pathway (next steps) are checked by `reference_problems`; references to other
packs (procedure ids, instrument ids) are checked by the loader once every pack is read, at the exact
path of the reference.
"""

from __future__ import annotations

from string import Formatter
from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field, StrictInt, StringConstraints, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict
from painpath.knowledge.terms import Modality, Region

StepKind = Literal["conservative", "diagnostic", "procedure", "imaging", "referral", "behavioral", "device"]
# Where a pathway ends instead of naming another step.
TERMINAL_NEXT = ("maintain", "discharge")
PathwayRegion = Literal["cervical", "thoracic", "lumbar", "sacral", "sacroiliac", "knee", "hip", "shoulder", "other"]
# Functional measures recorded at visits (charting.rules.NUMERIC) that a pathway may set a target on.
FunctionalMeasure = Literal[
    "sitting_minutes", "standing_minutes", "walking_minutes", "sleep_hours", "sleep_awakenings", "lifting_limit_lb",
]
PainMeasure = Literal["pain_now", "pain_average", "pain_worst"]
ImagingModality = Literal["mri", "ct", "xray", "emg_ncs", "ultrasound", "mri_arthrogram", "other"]
IcdPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9A-Z](?:[0-9A-Z](?:\.[0-9A-Z]{0,4})?)?$")]
Number = StrictInt | float


# --- Success measures (one `type` each) ------------------------------------------------------------

class InstrumentChange(Strict):
    """The instrument's total improved by its minimal important change (`require: mic`), or did not get
    worse (`require: stable_or_better`), from the last score before the step to the latest one in it."""

    type: Literal["instrument_change"]
    instrument: Slug
    require: Literal["mic", "stable_or_better"] = "mic"


class FunctionalTarget(Sourced):
    """A functional measure reaching a target: walking_minutes at least 30, sleep_hours at least 6."""

    type: Literal["functional_target"]
    measure: FunctionalMeasure
    at_least: Annotated[float, Field(ge=0)] | None = None
    at_most: Annotated[float, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> FunctionalTarget:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self


class PainAtMost(Sourced):
    """Pain (0-10) at or below a value at the latest measure in the step."""

    type: Literal["pain_at_most"]
    at_most: Annotated[float, Field(ge=0, le=10)]
    measure: PainMeasure = "pain_average"


class ReliefPercent(Sourced):
    """Relief from the step's procedure (or the one named) of at least `at_least` %, lasting `lasting_days`."""

    type: Literal["relief_percent"]
    at_least: Annotated[float, Field(gt=0, le=100)]
    lasting_days: Annotated[int, Field(ge=1, strict=True)] | None = None
    procedure_id: Slug | None = None  # None: the step's own procedure


class MedicationUse(Strict):
    """Medication use at the end of the step no higher than at its start (of the drug classes named, or all)."""

    type: Literal["medication_use"]
    require: Literal["stable_or_lower"] = "stable_or_lower"
    drug_classes: list[Slug] = Field(default_factory=list)


class ReturnToWork(Strict):
    """The latest recorded work status is one of `statuses`."""

    type: Literal["return_to_work"]
    statuses: Annotated[list[Literal["full_duty", "modified_duty"]], Field(min_length=1)] = ["full_duty", "modified_duty"]


class ImagingOnFile(Strict):
    """A study of this modality (and region) with its report on file: an imaging step is done when it is read."""

    type: Literal["imaging_on_file"]
    modality: ImagingModality
    region: PathwayRegion | None = None


class DocumentOnFile(Strict):
    """A document of this kind on file (a consult note back from a referral, a cleared psychological evaluation)."""

    type: Literal["document_on_file"]
    kind: Slug
    result: NonEmptyStr | None = None  # "cleared": the document must say so


Measure = Annotated[
    Union[InstrumentChange, FunctionalTarget, PainAtMost, ReliefPercent, MedicationUse, ReturnToWork, ImagingOnFile, DocumentOnFile],
    Field(discriminator="type"),
]


class SuccessMeasure(Strict):
    """The step succeeded when `all` (or `any`) of the measures are met."""

    combine: Literal["all", "any"] = "all"
    measures: Annotated[list[Measure], Field(min_length=1)]
    words: NonEmptyStr  # how we will know it works, for the patient's plan


# --- Entry conditions -------------------------------------------------------------------------------

class ProcedureDone(Sourced):
    """The procedure was performed at least `at_least` times on the episode (two blocks before ablation)."""

    type: Literal["procedure_done"]
    procedure_id: Slug
    at_least: Annotated[int, Field(ge=1, strict=True)] = 1


Condition = Annotated[Union[DocumentOnFile, ImagingOnFile, ProcedureDone], Field(discriminator="type")]


class EntryCondition(Strict):
    words: NonEmptyStr  # in plain words, for the clinician and the patient
    conditions: list[Condition] = Field(default_factory=list)  # the typed, checkable part (may be empty)


class TrialLength(Sourced):
    """How long the step is tried before it is judged: `length` units, at the shortest `shortest` (5-7 days)."""

    length: Annotated[int, Field(ge=1, strict=True)]
    unit: Literal["days", "weeks"]
    shortest: Annotated[int, Field(ge=1, strict=True)] | None = None

    @property
    def days(self) -> int:
        return self.length * (7 if self.unit == "weeks" else 1)

    @model_validator(mode="after")
    def _shortest_fits(self) -> TrialLength:
        if self.shortest is not None and self.shortest > self.length:
            raise ValueError(f"shortest ({self.shortest}) cannot be longer than length ({self.length})")
        return self


# --- Steps that are orders (an imaging order, a referral) --------------------------------------------

Urgency = Literal["routine", "urgent"]
Contrast = Literal["none", "iv", "intra_articular"]
# The words a question or reason template may name; the plan fills them from the episode.
TEMPLATE_FIELDS = frozenset({"region", "side"})
# Which step kinds may carry which block, and which must: an imaging or referral step without its block
# would create no work at all (the silent steps of issue 16). A diagnostic step may order imaging or ask a
# specialist (a surgical reassessment); a behavioural step that is a visit with a pain psychologist is a
# referral to one (the psychologist's evaluation comes back like any consult note).
ORDER_KINDS = frozenset({"imaging", "diagnostic"})
REFERRAL_KINDS = frozenset({"referral", "behavioral", "diagnostic"})


def _template_problem(text: str, field_name: str) -> str | None:
    try:
        names = {name for _literal, name, _spec, _conv in Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"{field_name}: {exc}"
    unknown = sorted(names - TEMPLATE_FIELDS)
    if unknown:
        return f"{field_name} names {', '.join('{' + n + '}' for n in unknown)}; it may name only {{region}} and {{side}}"
    return None


class _Templated(Sourced):
    def _check_templates(self, *field_names: str) -> None:
        for field_name in field_names:
            problem = _template_problem(getattr(self, field_name), field_name)
            if problem:
                raise ValueError(problem)


class ImagingOrderPlan(_Templated):
    """The imaging order an imaging step opens, as the requisition will say it: the modality, the protocol in
    words, contrast, the region (None: the episode's), the clinical question and the urgency. `study` names
    it on the task ("Order the {study}")."""

    study: NonEmptyStr  # "hip X-ray", "MR arthrogram of the hip"
    modality: Modality
    protocol: NonEmptyStr  # "AP pelvis and lateral hip"
    contrast: Contrast = "none"
    region: Region | None = None
    question: NonEmptyStr  # may name {region} and {side}
    urgency: Urgency = "routine"

    @model_validator(mode="after")
    def _templates(self) -> ImagingOrderPlan:
        self._check_templates("question")
        return self


class ReferralPlan(_Templated):
    """The referral a referral step opens: the specialty (an id of the referral specialties), the reason and
    the question for the specialist, the urgency."""

    specialty: Slug  # "orthopedics", "spine_surgery", "pain_psychology", ...
    reason: NonEmptyStr  # may name {region} and {side}
    question: NonEmptyStr
    urgency: Urgency = "routine"

    @model_validator(mode="after")
    def _templates(self) -> ReferralPlan:
        self._check_templates("reason", "question")
        return self

    @property
    def specialty_words(self) -> str:
        return self.specialty.replace("_", " ")


class OrderDue(Sourced):
    """How many business days after an order step starts its order or referral should be written."""

    business_days: Annotated[int, Field(ge=0, le=30, strict=True)]


# --- Shared decisions ------------------------------------------------------------------------------

class DecisionRisk(Strict):
    """One risk of an option, as it is said to the patient. `id` lets a payer's kit ask for it by name
    (a stimulator trial's lead migration); `name` is the short form staff see on the kit."""

    id: Slug
    name: NonEmptyStr  # "lead migration"
    words: NonEmptyStr  # "The wires can move out of place; a second procedure may be needed to fix them."


class DecisionOption(Sourced):
    """One choice the patient can make at a step, with what it offers, what it risks and what the patient
    must do, each in plain words, and where those words come from (guideline, device or product label)."""

    id: Slug
    name: NonEmptyStr
    procedure_id: Slug | None = None  # the procedures-pack id the option leads to, if it is a procedure
    benefits: Annotated[list[NonEmptyStr], Field(min_length=1)]
    risks: Annotated[list[DecisionRisk], Field(min_length=1)]
    patient_duties: Annotated[list[NonEmptyStr], Field(min_length=1)]

    @model_validator(mode="after")
    def _risk_ids_unique(self) -> DecisionOption:
        seen = [r.id for r in self.risks]
        doubled = sorted({r for r in seen if seen.count(r) > 1})
        if doubled:
            raise ValueError(f"duplicate risk id {', '.join(doubled)} in option {self.id!r}")
        return self

    def risk(self, risk_id: str) -> DecisionRisk | None:
        return next((r for r in self.risks if r.id == risk_id), None)


class StepDecision(Strict):
    """A decision shared with the patient at this step: the question and the options, two at least (one of
    them may be "not now"). The clinician records which were discussed, the patient's questions and choice."""

    question: NonEmptyStr  # "Which knee injection, if any, to try now"
    options: Annotated[list[DecisionOption], Field(min_length=2)]

    @model_validator(mode="after")
    def _option_ids_unique(self) -> StepDecision:
        seen = [o.id for o in self.options]
        doubled = sorted({o for o in seen if seen.count(o) > 1})
        if doubled:
            raise ValueError(f"duplicate option id {', '.join(doubled)}")
        return self

    def option(self, option_id: str) -> DecisionOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class PathwayStep(Strict):
    id: Slug
    name: NonEmptyStr
    kind: StepKind
    what: NonEmptyStr  # what is done, in plain words for the patient's plan
    entry: EntryCondition | None = None
    trial: TrialLength | None = None
    procedure_id: Slug | None = None  # a procedures-pack id; required for procedure steps
    pt_protocol_id: Slug | None = None  # a PT protocol pack id (checked at load against knowledge.pt_protocols)
    success: SuccessMeasure | None = None  # None: the clinician records the outcome
    decision: StepDecision | None = None  # options shared with the patient at this step
    order: ImagingOrderPlan | None = None  # the imaging order the step opens (imaging steps must have one)
    referral: ReferralPlan | None = None  # the referral the step opens (referral steps must have one)
    on_success: Slug
    on_failure: Slug

    @model_validator(mode="after")
    def _procedure_steps_name_their_procedure(self) -> PathwayStep:
        if self.kind == "procedure" and self.procedure_id is None:
            raise ValueError("a procedure step needs procedure_id (an id from the procedures pack)")
        return self

    @model_validator(mode="after")
    def _order_steps_say_what_they_order(self) -> PathwayStep:
        if self.kind == "imaging" and self.order is None:
            raise ValueError("an imaging step needs an order: block (modality, protocol, question), or it creates no work")
        if self.kind == "referral" and self.referral is None:
            raise ValueError("a referral step needs a referral: block (specialty, reason, question), or it creates no work")
        if self.order is not None and self.kind not in ORDER_KINDS:
            raise ValueError(f"an order: block belongs on an imaging or diagnostic step, not a {self.kind} step")
        if self.referral is not None and self.kind not in REFERRAL_KINDS:
            raise ValueError(f"a referral: block belongs on a referral, behavioral or diagnostic step, not a {self.kind} step")
        if self.order is not None and self.referral is not None:
            raise ValueError("a step opens one order or one referral, not both; split it into two steps")
        return self

    @property
    def opens(self) -> ImagingOrderPlan | ReferralPlan | None:
        """The order or referral this step opens, if any."""
        return self.order or self.referral


class PathwayAudience(Strict):
    """Who the pathway is for: any of the body regions, and (when given) a diagnosis starting with a prefix."""

    body_regions: Annotated[list[PathwayRegion], Field(min_length=1)]
    icd10_prefixes: list[IcdPrefix] = Field(default_factory=list)

    def matches_diagnosis(self, icd10_codes: list[str]) -> bool:
        """True when one of the episode's codes starts with one of the prefixes ("G90.521" under "G90.52")."""
        return any(code.upper().startswith(prefix) for code in icd10_codes for prefix in self.icd10_prefixes)

    def fits(self, *, region: str | None, icd10_codes: list[str]) -> bool:
        """The episode's region is one of ours and, when we name diagnoses, one of its codes is among them."""
        return region in self.body_regions and (not self.icd10_prefixes or self.matches_diagnosis(icd10_codes))


class Pathway(Sourced):
    id: Slug
    name: NonEmptyStr
    summary: NonEmptyStr
    applies_to: PathwayAudience
    steps: Annotated[list[PathwayStep], Field(min_length=1)]
    order_due: OrderDue | None = None  # when a step's order or referral is due (required when a step opens one)

    def step(self, step_id: str) -> PathwayStep:
        for s in self.steps:
            if s.id == step_id:
                return s
        known = ", ".join(s.id for s in self.steps)
        raise KeyError(f"unknown step id {step_id!r} in pathway {self.id}; known step ids: {known}")

    @property
    def first_step(self) -> PathwayStep:
        return self.steps[0]

    def problems(self, at: str) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        first: dict[str, int] = {}
        for i, s in enumerate(self.steps):
            if s.id in TERMINAL_NEXT:
                problems.append((f"{at}.steps[{i}].id", f"{s.id!r} is reserved for the end of a pathway"))
            if s.id in first:
                problems.append((f"{at}.steps[{i}].id", f"duplicate step id {s.id!r}, already at steps[{first[s.id]}]"))
            first.setdefault(s.id, i)
        if self.order_due is None and any(s.opens is not None for s in self.steps):
            problems.append((f"{at}.order_due", "a pathway with order or referral steps needs order_due "
                                                "(business days from the step's start, with its source)"))
        known = ", ".join([*first, *TERMINAL_NEXT])
        for i, s in enumerate(self.steps):
            for field_name in ("on_success", "on_failure"):
                target = getattr(s, field_name)
                if target not in first and target not in TERMINAL_NEXT:
                    problems.append((f"{at}.steps[{i}].{field_name}", f"unknown next step {target!r}; known: {known}"))
        return problems


class PathwayPack(Pack):
    """One pathway per file (kind `pathway`), merged by pathway id."""

    collection: ClassVar[str] = "pathways"
    pathways: Annotated[list[Pathway], Field(min_length=1, max_length=1)]

    def reference_problems(self) -> list[tuple[str, str]]:
        return [p for i, pathway in enumerate(self.pathways) for p in pathway.problems(f"pathways[{i}]")]


def pathway_references(pathway: Pathway, at: str) -> list[tuple[str, str, str]]:
    """(path, kind, id) of each reference to another pack: procedures, PT protocols, instruments
    (`instrument_mic` when its minimal important change is needed) and referral specialties."""
    refs: list[tuple[str, str, str]] = []
    for i, step in enumerate(pathway.steps):
        where = f"{at}.steps[{i}]"
        if step.pt_protocol_id is not None:
            refs.append((f"{where}.pt_protocol_id", "pt_protocol", step.pt_protocol_id))
        if step.procedure_id is not None:
            refs.append((f"{where}.procedure_id", "procedure", step.procedure_id))
        if step.success is not None:
            for m, measure in enumerate(step.success.measures):
                path = f"{where}.success.measures[{m}]"
                if isinstance(measure, InstrumentChange):
                    kind = "instrument_mic" if measure.require == "mic" else "instrument"
                    refs.append((f"{path}.instrument", kind, measure.instrument))
                if isinstance(measure, ReliefPercent):
                    if measure.procedure_id is not None:
                        refs.append((f"{path}.procedure_id", "procedure", measure.procedure_id))
                    elif step.procedure_id is None:
                        refs.append((f"{path}.procedure_id", "missing_procedure", ""))
        if step.decision is not None:
            for o, option in enumerate(step.decision.options):
                if option.procedure_id is not None:
                    refs.append((f"{where}.decision.options[{o}].procedure_id", "procedure", option.procedure_id))
        if step.entry is not None:
            for c, condition in enumerate(step.entry.conditions):
                if isinstance(condition, ProcedureDone):
                    refs.append((f"{where}.entry.conditions[{c}].procedure_id", "procedure", condition.procedure_id))
        if step.referral is not None:
            refs.append((f"{where}.referral.specialty", "referral_specialty", step.referral.specialty))
    return refs


__all__ = [
    "DecisionOption", "DecisionRisk", "DocumentOnFile", "EntryCondition", "FunctionalTarget", "ImagingOnFile", "ImagingOrderPlan",
    "InstrumentChange", "MedicationUse", "OrderDue", "Pathway", "ReferralPlan",
    "PathwayAudience", "PathwayPack", "PathwayStep", "PainAtMost", "ProcedureDone", "ReliefPercent", "ReturnToWork",
    "StepDecision", "SuccessMeasure", "TERMINAL_NEXT", "TrialLength", "pathway_references",
]
