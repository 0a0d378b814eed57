"""Validated instruments (kind `instrument`): items, scoring as data, missing-item rules, bands, MIC, alerts."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictInt, StringConstraints, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

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
# A LOINC answer code (LA...): how other systems send an answer without our own code system.
LoincAnswerStr = Annotated[str, StringConstraints(pattern=r"^LA[0-9]{1,7}-[0-9]$")]
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
    loinc: LoincAnswerStr | None = None  # the answer's LOINC code, from the instrument's LOINC answer list

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
