"""Chart data for the episode's function view: pain, instrument scores and tolerances over time, and the
minimal-important-change (MIC) target line. Pure: no I/O and no clock; the page loads the facts.

Every chart uses a category axis of dates (one label per date of service or administration), so the
browser needs no date adapter and the accessible table shows exactly the same rows as the canvas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from painpath.charting import rules
from painpath.knowledge.schemas import Instrument

PAIN_MEASURES = ("pain_now", "pain_average", "pain_worst")
TOLERANCE_MEASURES = ("sitting_minutes", "standing_minutes", "walking_minutes")
SERIES_WORDS = {
    "pain_now": "Pain now", "pain_average": "Average pain", "pain_worst": "Worst pain",
    "sitting_minutes": "Sitting", "standing_minutes": "Standing", "walking_minutes": "Walking",
}
MIC_LABEL = "MIC target"


@dataclass(frozen=True)
class Dataset:
    key: str  # "pain_now", or the instrument id
    label: str
    values: tuple[float | None, ...]  # aligned with the chart's dates; None: not recorded that day


@dataclass(frozen=True)
class MicLine:
    """Where the score must reach for the change since baseline to count as important."""

    value: float
    baseline: float
    explanation: str  # "baseline 46 minus 10 points"
    clamped: bool = False  # the target lies beyond the scale; drawn at its end


@dataclass(frozen=True)
class Chart:
    id: str  # the canvas id on the page
    title: str
    unit: str
    y_min: float | None
    y_max: float | None
    dates: tuple[date, ...]
    datasets: tuple[Dataset, ...]
    mic: MicLine | None = None
    mic_note: str | None = None  # why no MIC line is drawn, when it is not
    empty_text: str = "Nothing recorded yet."

    @property
    def is_empty(self) -> bool:
        return not self.dates

    @property
    def point_count(self) -> int:
        return sum(v is not None for d in self.datasets for v in d.values)


@dataclass(frozen=True)
class ScorePoint:
    """One administration's total, on the clinic-local date it was given, in administration order."""

    on: date
    total: float | None


# Measures ----------------------------------------------------------------------------------------

def _by_date(points: Sequence[tuple[date, object]]) -> dict[date, float]:
    """One value a day: a second note on the same day replaces the first (as carry-forward does)."""
    found: dict[date, float] = {}
    for on, value in points:
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[on] = float(value)
    return found


def measure_chart(
    chart_id: str, title: str, series: Mapping[str, Sequence[tuple[date, object]]], measures: Sequence[str], *,
    y_min: float | None, y_max: float | None, unit: str, empty_text: str,
) -> Chart:
    """Several numeric measures on one chart, each a dataset over the union of their dates."""
    daily = {name: _by_date(series.get(name, ())) for name in measures}
    dates = tuple(sorted({on for values in daily.values() for on in values}))
    datasets = tuple(
        Dataset(name, SERIES_WORDS.get(name, rules.NUMERIC[name].label), tuple(daily[name].get(on) for on in dates))
        for name in measures if daily[name]
    )
    return Chart(chart_id, title, unit, y_min, y_max, dates, datasets, empty_text=empty_text)


def pain_chart(series: Mapping[str, Sequence[tuple[date, object]]]) -> Chart:
    return measure_chart(
        "chart-pain", "Pain (NRS 0–10)", series, PAIN_MEASURES, y_min=0, y_max=10, unit="points",
        empty_text="No pain scores recorded on this episode yet.",
    )


def tolerance_chart(series: Mapping[str, Sequence[tuple[date, object]]]) -> Chart:
    return measure_chart(
        "chart-tolerances", "Tolerances (minutes)", series, TOLERANCE_MEASURES, y_min=0, y_max=None, unit="minutes",
        empty_text="No sitting, standing or walking tolerances recorded on this episode yet.",
    )


# Instruments -------------------------------------------------------------------------------------

def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}".rstrip("0").rstrip(".")


def mic_line(instrument: Instrument, baseline: float) -> MicLine | None:
    """The score that reaches the minimal important change from `baseline`, or None without one.

    The engine (scoring.change) counts a change as important when it reaches the points OR the percent
    of baseline, so the target is the nearer of the two: the line then agrees with "reached MIC" in the
    administration list. Lower-is-better instruments aim below the baseline, higher-is-better above.
    """
    mic = instrument.mic
    if mic is None:
        return None
    needed: list[tuple[float, str]] = []
    if mic.points is not None:
        needed.append((mic.points, f"{_num(mic.points)} points"))
    if mic.percent_of_baseline is not None and baseline != 0:
        needed.append((abs(baseline) * mic.percent_of_baseline / 100, f"{_num(mic.percent_of_baseline)}% of baseline"))
    if not needed:  # percent only, and a baseline of 0: no improvement can be a percent of it
        return None
    gain, words = min(needed, key=lambda n: n[0])
    lower_is_better = instrument.direction == "lower_is_better"
    target = baseline - gain if lower_is_better else baseline + gain
    low, high = instrument.scoring.range.min, instrument.scoring.range.max
    clamped = not low <= target <= high
    target = min(max(target, low), high)
    explanation = f"baseline {_num(baseline)} {'minus' if lower_is_better else 'plus'} {words}"
    if clamped:
        explanation += f"; beyond the scale, so drawn at {_num(target)}"
    return MicLine(value=target, baseline=baseline, explanation=explanation, clamped=clamped)


def instrument_chart(instrument: Instrument, points: Sequence[ScorePoint]) -> Chart:
    """One instrument's totals over time, with the MIC target from the first scored administration."""
    scored = [p for p in points if p.total is not None]
    direction = "lower is better" if instrument.direction == "lower_is_better" else "higher is better"
    chart_id = f"chart-instrument-{instrument.id}"
    title = f"{instrument.name} ({direction})"
    score_range = instrument.scoring.range
    base = Chart(
        chart_id, title, "points", score_range.min, score_range.max, tuple(p.on for p in scored),
        (Dataset(instrument.id, instrument.name, tuple(p.total for p in scored)),) if scored else (),
        empty_text=f"No scored {instrument.name} on this episode yet.",
    )
    if not scored:
        return base
    line = mic_line(instrument, scored[0].total)  # type: ignore[arg-type]
    if line is not None:
        return replace(base, mic=line)
    if instrument.mic is None:
        note = f"The {instrument.name} pack gives no minimal important change, so no MIC target line is drawn."
    else:
        note = f"The {instrument.name} minimal important change is a percent of a baseline of 0, so no MIC target line is drawn."
    return replace(base, mic_note=note)


# What the browser reads --------------------------------------------------------------------------

def chart_json(chart: Chart) -> dict:
    """The chart as the page's JSON block gives it to function-chart.js (dates already formatted)."""
    return {
        "id": chart.id,
        "title": chart.title,
        "unit": chart.unit,
        "labels": [f"{d:%d %b %Y}" for d in chart.dates],
        "y": {"min": chart.y_min, "max": chart.y_max},
        "datasets": [{"key": d.key, "label": d.label, "data": list(d.values)} for d in chart.datasets],
        "mic": None if chart.mic is None else {"value": round(chart.mic.value, 1), "label": MIC_LABEL},
    }


def summary_line(instrument: Instrument, points: Sequence[ScorePoint]) -> str | None:
    """'ODI 46 → 30 since 02 Jun 2026 (−16; reached the MIC target 36)', or None with fewer than one score."""
    scored = [p for p in points if p.total is not None]
    if not scored:
        return None
    first, last = scored[0], scored[-1]
    assert first.total is not None and last.total is not None
    if len(scored) == 1:
        return f"{instrument.name} baseline {_num(first.total)} on {first.on:%d %b %Y}"
    delta = last.total - first.total
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    text = f"{instrument.name} {_num(first.total)} → {_num(last.total)} since {first.on:%d %b %Y} ({sign}{_num(abs(delta))}"
    line = mic_line(instrument, first.total)
    if line is None:
        return text + ")"
    lower_is_better = instrument.direction == "lower_is_better"
    reached = last.total <= line.value + 1e-9 if lower_is_better else last.total >= line.value - 1e-9
    return text + f"; {'reached' if reached else 'not yet at'} the MIC target {_num(line.value)})"
