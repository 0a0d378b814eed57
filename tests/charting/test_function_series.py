"""The function view's chart data, as plain data: series over a shared date axis, and the minimal-important-
change target line for both directions, by points, by percent of baseline, and without a MIC."""

from datetime import date

import pytest

from painpath.charting import scoring
from painpath.charting.function import series
from painpath.charting.function.series import ScorePoint
from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas.instruments import MinimalImportantChange


@pytest.fixture(scope="module")
def packs() -> dict:
    return load_knowledge().instruments


def _mic(**values: float) -> MinimalImportantChange:
    return MinimalImportantChange(source="test", evidence="R", verified=True, **values)


# Measures ----------------------------------------------------------------------------------------

def test_pain_series_share_one_date_axis_with_gaps_where_a_visit_skipped_a_measure():
    measured = {
        "pain_now": [(date(2026, 9, 1), 8), (date(2026, 10, 1), 6), (date(2026, 11, 2), 3)],
        "pain_average": [(date(2026, 9, 1), 7), (date(2026, 11, 2), 4)],
        "pain_worst": [],
    }
    chart = series.pain_chart(measured)
    assert chart.dates == (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 2))
    assert [(d.key, d.label, d.values) for d in chart.datasets] == [
        ("pain_now", "Pain now", (8.0, 6.0, 3.0)),
        ("pain_average", "Average pain", (7.0, None, 4.0)),
    ]  # worst pain was never recorded: no empty dataset for it
    assert (chart.y_min, chart.y_max, chart.point_count) == (0, 10, 5)
    assert not chart.is_empty


def test_a_second_note_on_the_same_day_replaces_the_first_value():
    chart = series.tolerance_chart({"walking_minutes": [(date(2026, 9, 1), 10), (date(2026, 9, 1), 15), (date(2026, 9, 8), 20)]})
    assert chart.dates == (date(2026, 9, 1), date(2026, 9, 8))
    assert chart.datasets[0].values == (15.0, 20.0)
    assert chart.y_max is None  # minutes have no fixed ceiling on the chart


def test_no_measures_give_an_empty_chart_with_its_words():
    chart = series.pain_chart({})
    assert chart.is_empty and chart.datasets == () and chart.point_count == 0
    assert chart.empty_text == "No pain scores recorded on this episode yet."
    assert series.chart_json(chart)["labels"] == []


# The MIC line ------------------------------------------------------------------------------------

def test_lower_is_better_by_points_aims_below_the_baseline(packs):
    line = series.mic_line(packs["ndi"], 30)  # NDI: 5 raw points
    assert line.value == 25 and line.explanation == "baseline 30 minus 5 points" and not line.clamped


def test_higher_is_better_by_points_aims_above_the_baseline(packs):
    line = series.mic_line(packs["lefs"], 32)  # LEFS: 9 points, higher is better
    assert line.value == 41 and line.explanation == "baseline 32 plus 9 points"


def test_percent_of_baseline_when_the_pack_gives_no_points(packs):
    line = series.mic_line(packs["peg"], 8)  # PEG: a 30% drop
    assert line.value == pytest.approx(5.6)
    assert line.explanation == "baseline 8 minus 30% of baseline"
    higher = packs["lefs"].model_copy(update={"mic": _mic(percent_of_baseline=25)})
    assert series.mic_line(higher, 40).value == pytest.approx(50)


def test_with_points_and_percent_the_nearer_target_counts_as_the_engine_does(packs):
    odi = packs["odi"]  # 10 points or 30% of baseline, whichever is reached first
    high = series.mic_line(odi, 60)  # 30% of 60 is 18: 10 points is nearer
    assert high.value == 50 and high.explanation == "baseline 60 minus 10 points"
    low = series.mic_line(odi, 20)  # 30% of 20 is 6: nearer than 10 points
    assert low.value == pytest.approx(14) and low.explanation == "baseline 20 minus 30% of baseline"
    # The line agrees with the scoring engine's "reached MIC" on either side of it.
    for baseline in (20, 33.3, 46, 60):
        target = series.mic_line(odi, baseline).value
        assert scoring.change(odi, baseline=baseline, current=target).reached_mic
        assert not scoring.change(odi, baseline=baseline, current=target + 0.5).reached_mic


def test_a_target_beyond_the_scale_is_drawn_at_its_end(packs):
    line = series.mic_line(packs["ndi"], 3)  # 3 - 5 would be below 0
    assert line.value == 0 and line.clamped and "beyond the scale" in line.explanation
    top = series.mic_line(packs["lefs"], 76)  # 76 + 9 is above 80
    assert top.value == 80 and top.clamped


def test_no_mic_in_the_pack_draws_no_line_and_says_so(packs):
    assert packs["pcs"].mic is None
    assert series.mic_line(packs["pcs"], 30) is None
    chart = series.instrument_chart(packs["pcs"], [ScorePoint(date(2026, 9, 1), 30), ScorePoint(date(2026, 10, 1), 22)])
    assert chart.mic is None
    assert chart.mic_note == "The PCS pack gives no minimal important change, so no MIC target line is drawn."
    assert series.chart_json(chart)["mic"] is None


def test_percent_only_mic_with_a_zero_baseline_draws_no_line(packs):
    assert series.mic_line(packs["peg"], 0) is None
    chart = series.instrument_chart(packs["peg"], [ScorePoint(date(2026, 9, 1), 0)])
    assert chart.mic is None and "baseline of 0" in chart.mic_note


# Instrument charts -------------------------------------------------------------------------------

def test_instrument_chart_takes_the_first_scored_administration_as_baseline(packs):
    points = [
        ScorePoint(date(2026, 8, 3), None),  # unscorable: not drawn and not the baseline
        ScorePoint(date(2026, 8, 4), 46),
        ScorePoint(date(2026, 9, 15), 38),
        ScorePoint(date(2026, 11, 2), 30),
    ]
    chart = series.instrument_chart(packs["odi"], points)
    assert chart.id == "chart-instrument-odi" and chart.title == "ODI (lower is better)"
    assert chart.dates == (date(2026, 8, 4), date(2026, 9, 15), date(2026, 11, 2))
    assert chart.datasets[0].values == (46, 38, 30)
    assert (chart.y_min, chart.y_max) == (0, 100)
    assert chart.mic.value == 36 and chart.mic.baseline == 46
    assert series.chart_json(chart) == {
        "id": "chart-instrument-odi", "title": "ODI (lower is better)", "unit": "points",
        "labels": ["04 Aug 2026", "15 Sep 2026", "02 Nov 2026"], "y": {"min": 0, "max": 100},
        "datasets": [{"key": "odi", "label": "ODI", "data": [46, 38, 30]}],
        "mic": {"value": 36, "label": "MIC target"},
    }


def test_summary_line_compares_latest_with_baseline_against_the_target(packs):
    odi = packs["odi"]
    reached = series.summary_line(odi, [ScorePoint(date(2026, 8, 4), 46), ScorePoint(date(2026, 11, 2), 30)])
    assert reached == "ODI 46 → 30 since 04 Aug 2026 (−16; reached the MIC target 36)"
    short = series.summary_line(odi, [ScorePoint(date(2026, 8, 4), 46), ScorePoint(date(2026, 11, 2), 40)])
    assert short == "ODI 46 → 40 since 04 Aug 2026 (−6; not yet at the MIC target 36)"
    lefs = series.summary_line(packs["lefs"], [ScorePoint(date(2026, 8, 4), 30), ScorePoint(date(2026, 9, 4), 41)])
    assert lefs == "LEFS 30 → 41 since 04 Aug 2026 (+11; reached the MIC target 39)"
    assert series.summary_line(odi, [ScorePoint(date(2026, 8, 4), 46)]) == "ODI baseline 46 on 04 Aug 2026"
    assert series.summary_line(packs["pcs"], [ScorePoint(date(2026, 8, 4), 30), ScorePoint(date(2026, 9, 4), 30)]) == \
        "PCS 30 → 30 since 04 Aug 2026 (±0)"
    assert series.summary_line(odi, []) is None
