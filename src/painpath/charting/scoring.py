"""Score a validated instrument from its pack: pure functions, no I/O, nothing instrument-specific.

    result = score(knowledge.instrument("odi"), {"odi_1": 3, ..., "odi_10": None})
    result.total, result.band, result.alerts
    change(instrument, baseline=60, current=44).reached_mic

Everything an instrument does (items and their points, the method, reverse-scored items, subscales,
the missing-item rule, bands, minimal important change, alerts, sex weights) is data in
`knowledge/packs/instruments/*.yaml`; this module only applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from painpath.core.errors import FieldProblem, InvalidInput
from painpath.knowledge.schemas import Instrument

_EPS = 1e-9  # published thresholds meet float arithmetic (30% of 6.0 is 1.7999999999999998)


@dataclass(frozen=True)
class Alert:
    """A special answer the chart must act on (PHQ-9 item 9 -> suicide-risk workflow)."""

    kind: str
    item: str
    value: int
    message: str


@dataclass(frozen=True)
class ScoreResult:
    total: float | None
    subscales: dict[str, float | None]
    band: str | None
    answered: int  # scored items answered
    missing: tuple[str, ...]  # scored items not answered, in item order
    scorable: bool
    reason_unscorable: str | None
    alerts: tuple[Alert, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Change:
    delta: float  # current - baseline
    improved: bool  # moved in the instrument's better direction
    reached_mic: bool  # improved by at least the minimal important change (False when none is known)
    mic_known: bool = True


def validate_answers(instrument: Instrument, answers: Mapping[str, int | None]) -> list[FieldProblem]:
    """One FieldProblem per unknown item (`known_item`) and per answer that is not an option (`allowed_value`).

    None means "not answered" and is always allowed; whether the instrument can then be scored is the
    missing-item rule's business, not an input error.
    """
    problems: list[FieldProblem] = []
    items = {it.id: it for it in instrument.items}
    for item_id, value in answers.items():
        field_name = f"answers.{item_id}"
        if item_id not in items:
            known = ", ".join(items)
            problems.append(
                FieldProblem(field_name, "known_item", f"{instrument.name} has no item {item_id!r}; its items are {known}")
            )
            continue
        if value is None:
            continue
        options = instrument.answer_sets[items[item_id].answers]
        allowed = [o.value for o in options]
        # bool is an int in Python; True is not an answer to a 0-3 question.
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            problems.append(
                FieldProblem(
                    field_name,
                    "allowed_value",
                    f"{value!r} is not an answer to {instrument.name} {item_id}; allowed: {', '.join(map(str, allowed))}",
                )
            )
    return problems


def score(
    instrument: Instrument, answers: Mapping[str, int | None], *, sex: str | None = None
) -> ScoreResult:
    """Score `answers` (item id -> answer value, None or absent = unanswered).

    Raises InvalidInput for an unknown item, an answer that is not an option, or an unknown sex.
    An incomplete questionnaire is not an error: it comes back scorable=False with the reason, and
    its alerts are still reported (a positive PHQ-9 item 9 matters even without a total).
    """
    problems = validate_answers(instrument, answers)
    weighted = any(it.weight_by_sex for it in instrument.items)
    if sex is not None and sex not in ("female", "male"):
        problems.append(FieldProblem("sex", "allowed_value", f"sex must be female or male, got {sex!r}"))
    if problems:
        raise InvalidInput(problems)

    alerts = tuple(
        Alert(kind=a.kind, item=a.when.item, value=value, message=a.message)
        for a in instrument.alerts
        if (value := answers.get(a.when.item)) is not None and value >= a.when.at_least
    )
    scored = instrument.scored_items
    missing = tuple(i for i in scored if answers.get(i) is None)
    answered = len(scored) - len(missing)

    def unscorable(reason: str) -> ScoreResult:
        return ScoreResult(
            total=None,
            subscales={s.id: None for s in instrument.subscales},
            band=None,
            answered=answered,
            missing=missing,
            scorable=False,
            reason_unscorable=reason,
            alerts=alerts,
        )

    rule = instrument.scoring.missing
    if len(missing) > rule.max_missing:
        allowed = "no item may be missing" if rule.max_missing == 0 else f"at most {rule.max_missing} may be missing"
        return unscorable(
            f"{len(missing)} of {len(scored)} items unanswered ({', '.join(missing)}); {allowed} for {instrument.name}"
        )
    if weighted and sex is None:
        return unscorable(f"{instrument.name} weights answers by sex; sex (female or male) is required")

    points = {i: _points(instrument, i, answers, sex) for i in scored if answers.get(i) is not None}
    total = _combine(instrument, scored, points, instrument.scoring.method, sex, factor=instrument.scoring.factor)
    assert total is not None  # at least one item answered: the pack guarantees max_missing < len(scored)
    total = _round(total, instrument.scoring.decimals)

    subscales: dict[str, float | None] = {}
    for sub in instrument.subscales:
        sub_points = {
            i: points.get(i, _points(instrument, i, answers, sex) if answers.get(i) is not None else None)
            for i in sub.items
        }
        present = {i: p for i, p in sub_points.items() if p is not None}
        if sub.method == "sum" and len(present) < len(sub.items):
            subscales[sub.id] = None  # a sum over fewer items would read as a lower score
        else:
            value = _combine(instrument, sub.items, present, sub.method, sex)
            subscales[sub.id] = None if value is None else _round(value, instrument.scoring.decimals)

    return ScoreResult(
        total=total,
        subscales=subscales,
        band=_band(instrument, total, subscales),
        answered=answered,
        missing=missing,
        scorable=True,
        reason_unscorable=None,
        alerts=alerts,
    )


def change(instrument: Instrument, baseline: float, current: float) -> Change:
    """Compare two totals of the same instrument against its direction and minimal important change."""
    delta = current - baseline
    gain = -delta if instrument.direction == "lower_is_better" else delta
    improved = gain > _EPS
    mic = instrument.mic
    if mic is None:
        return Change(delta=delta, improved=improved, reached_mic=False, mic_known=False)
    reached = False
    if improved and mic.points is not None and gain >= mic.points - _EPS:
        reached = True
    if improved and mic.percent_of_baseline is not None and baseline != 0:
        reached = reached or gain / abs(baseline) * 100 >= mic.percent_of_baseline - _EPS
    return Change(delta=delta, improved=improved, reached_mic=reached)


def _points(instrument: Instrument, item_id: str, answers: Mapping[str, int | None], sex: str | None) -> float:
    item = instrument.item(item_id)
    option = next(o for o in instrument.answer_sets[item.answers] if o.value == answers[item_id])
    points = option.scored
    if item_id in instrument.scoring.reverse_items:
        lo, hi = instrument.item_points_range(item_id)
        points = lo + hi - points
    if item.weight_by_sex is not None:
        assert sex is not None
        points *= item.weight_by_sex[sex]  # type: ignore[index]
    return points


def _combine(
    instrument: Instrument,
    item_ids: list[str],
    points: Mapping[str, float],
    method: str,
    sex: str | None,
    factor: float = 1,
) -> float | None:
    """Sum, percent or mean over `item_ids`; a missing item counts as the mean of the answered ones."""
    answered = [i for i in item_ids if i in points]
    if not answered:
        return None
    raw = sum(points[i] for i in answered)
    if method == "percent":
        # ODI: sum / (5 x answered sections) x 100, i.e. the answered items' maximum points.
        ceiling = sum(instrument.item_points_range(i, sex)[1] for i in answered)
        return raw / ceiling * 100
    if method == "mean":
        return raw / len(answered) * factor
    return raw * len(item_ids) / len(answered)  # prorated sum; equals raw when nothing is missing


def _round(value: float, decimals: int) -> float:
    # Half up, as published score sheets and awell's Math.round do; Python's round() is half-even.
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _band(instrument: Instrument, total: float, subscales: Mapping[str, float | None]) -> str | None:
    for override in instrument.band_overrides:
        value = subscales.get(override.subscale)
        if value is not None and value >= override.at_least - _EPS:
            return override.label
    bands = instrument.bands
    if bands is None:
        return None
    # Read the score at the bands' precision (ODI 35.56 -> 36 with integer bands), half up.
    step = Decimal(repr(bands.step))
    x = float((Decimal(repr(total)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)
    for band in bands.ranges:
        if band.min - _EPS <= x <= band.max + _EPS:
            return band.label
    return None  # unreachable for a validated pack: bands cover the score range
