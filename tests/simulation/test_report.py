"""The reports from hand-built results: every mean, interval and difference below is worked out by hand here.

Student's t 97.5% quantiles (any table): t(2) = 4.3027, t(4) = 2.7764.
  Baseline referral to first visit 10, 12, 14: mean 12, sd 2, half-width 4.3027 * 2 / sqrt(3) = 4.968 -> 7.0 to 17.0.
  "Kit later" 6, 8, 10: mean 8 -> 3.0 to 13.0. Difference -4, Welch se sqrt(4/3 + 4/3) = 1.633 with
  df = (8/3)^2 / ((4/3)^2/2 * 2) = 4, half-width 2.7764 * 1.633 = 4.534 -> -8.5 to +0.5: no clear difference.
  Eligibility to submission 4, 5, 6 vs 1, 2, 3: difference -3, se sqrt(1/3 + 1/3) = 0.8165, df 4,
  half-width 2.267 -> -5.3 to -0.7: better. Baseline 5 +- 4.3027 / sqrt(3) = 2.484 -> 2.5 to 7.5.
  Overdue tasks 2, 3, 4 vs 6, 7, 8: difference +4 +- 2.267 -> +1.7 to +6.3: worse.
  Coordinators' overdue tasks 1, 2, 3: 2 +- 2.484 -> -0.5 to 4.5, cut at zero (a count is never negative): 0.0 to 4.5.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from rich.console import Console

from painpath.simulation.report import CHART_JS, difference, html_report, print_report, results_json
from painpath.simulation.results import MEASURES, ReplicationResult, ScenarioResult, estimate

OTHER = {  # the measures this test does not work through: the same in both scenarios
    "referral_to_imaging_days": 9.0, "submission_to_decision_days": 6.0, "forms_turnaround_days": 3.0,
}
ASSUMED = (("Missed visits: 12%", "Assumption, not measured: between 8.0% (Marshfield 2021) and 36%"),)


def _replications(first_visit, eligibility, overdue, coordinators, pt_gap) -> tuple[ReplicationResult, ...]:  # noqa: ANN001
    return tuple(
        ReplicationResult(
            seed=1 + i,
            measures={"referral_to_first_visit_days": first_visit[i], "eligibility_to_submission_days": eligibility[i],
                      "overdue_tasks_per_day": overdue[i], "pt_gap_days": pt_gap[i], **OTHER},
            overdue_by_role={"coordinator": coordinators[i], "front_desk": 0.5},
            episodes=40,
            counts={"referral_to_first_visit_days": 30 + i},
        )
        for i in range(3)
    )


BASELINE = ScenarioResult("baseline", "Baseline clinic", 26, 1,
                          _replications([10, 12, 14], [4, 5, 6], [2, 3, 4], [1, 2, 3], [4.0, 5.0, 6.0]), ASSUMED)
LATER = ScenarioResult("kit_after_eligibility", "Kit <later> & co", 26, 1,
                       _replications([6, 8, 10], [1, 2, 3], [6, 7, 8], [2, 2, 2], [None, None, None]),
                       ASSUMED + (("BCBS commercial decides in 20 business days", "Assumption, not measured: a stress case"),))
RESULTS = [LATER, BASELINE]  # given in any order: the report puts the baseline first


def _terminal() -> str:
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=260, color_system=None), RESULTS, baseline_id="baseline")
    return buffer.getvalue()


def _line(text: str, *needles: str) -> str:
    found = [line for line in text.splitlines() if all(n in line for n in needles)]
    assert len(found) == 1, (needles, found)
    return re.sub(r"\s+", " ", found[0])


def test_difference_is_welchs_interval() -> None:
    found = difference([6, 8, 10], [10, 12, 14])
    assert (round(found.mean, 3), round(found.low, 2), round(found.high, 2)) == (-4, -8.53, 0.53)
    assert difference([1.0], [1.0, 2.0]) is None


def test_one_replication_has_no_interval_and_a_count_is_never_below_zero() -> None:
    single = estimate([3.0])
    assert (single.mean, single.low, single.high, single.n) == (3.0, None, None, 1)
    assert not single.has_interval
    # 0, 0, 3: mean 1, sd sqrt(3) = 1.732, half-width 4.3027 * 1.732 / sqrt(3) = 4.303 -> -3.3 to 5.3, cut at zero.
    spread = estimate([0.0, 0.0, 3.0])
    assert (spread.mean, spread.low, round(spread.high, 2)) == (1.0, 0.0, 5.3)
    one_run = ScenarioResult("baseline", "Baseline clinic", 26, 1, BASELINE.replications[:1])
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=260, color_system=None), [one_run], baseline_id="baseline")
    assert "10.0 (one run: no interval)" in _line(buffer.getvalue(), "Referral to first visit")
    page = html_report([one_run], baseline_id="baseline")
    assert "one run: no interval" in page
    assert json.loads(results_json([one_run], baseline_id="baseline"))["scenarios"][0]["summary"]["referral_to_first_visit_days"] == {
        "mean": 10.0, "low": None, "high": None, "n": 1}


def test_terminal_report_gives_means_intervals_n_and_differences_in_words() -> None:
    text = _terminal()
    assert "26 simulated weeks, 3 replications" in text
    assert text.index("Baseline clinic (baseline)") < text.index("Kit <later> & co")
    base_first_visit = _line(text, "Referral to first visit", "│ baseline ")
    assert "12.0 (7.0 to 17.0) │ 3 │ 93 │" in base_first_visit  # 30 + 31 + 32 cases
    later_first_visit = _line(text, "Referral to first visit", "no clear difference")
    assert "8.0 (3.0 to 13.0)" in later_first_visit
    assert "4.0 days shorter, but the 95% interval -8.5 to +0.5 includes no change" in later_first_visit
    assert "3.0 business days shorter: better (95% interval -5.3 to -0.7)" in _line(text, "Eligibility to authorization", "better")
    assert "2.5 to 7.5" in _line(text, "Eligibility to authorization", "│ baseline ")
    assert "4.0 tasks more: worse (95% interval +1.7 to +6.3)" in _line(text, "Overdue tasks per day (all roles)", "worse")
    assert "no case reached it" in _line(text, "PT gap days", "too few replications")
    assert "no clear difference: about the same (95% interval +0.0 to +0.0)" in _line(text, "Forms turnaround", "about the same")


def test_terminal_report_gives_overdue_tasks_per_role_and_the_assumptions() -> None:
    text = _terminal()
    assert "2.0 (0.0 to 4.5) │ 2.0 (2.0 to 2.0)" in _line(text, "Coordinators")
    assert "0.5 (0.5 to 0.5)" in _line(text, "Front desk")
    assert "Missed visits: 12%" in _line(text, "Baseline clinic", "Assumption, not measured: between 8.0%")
    assert "BCBS commercial decides in 20 business days" in _line(text, "Kit <later> & co", "stress case")
    assert len([line for line in text.splitlines() if "Missed visits" in line]) == 1  # shared assumptions once


class _Page(HTMLParser):
    """The parts of the page the test reads: tags with their attributes, scripts, table cells per section."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.sections: dict[str, list[str]] = {}
        self._script: dict | None = None
        self._section: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))
        elif tag == "section":
            self._section = attributes["id"]
            self.sections[self._section] = []
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag) -> None:  # noqa: ANN001
        if tag == "script":
            self._script = None
        elif tag == "td" and self._cell is not None:
            self.sections[self._section].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data) -> None:  # noqa: ANN001
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)
        elif self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page() -> tuple[str, _Page]:
    html = html_report(RESULTS, baseline_id="baseline", descriptions={"baseline": "The clinic as it works today."})
    parsed = _Page()
    parsed.feed(html)
    return html, parsed


def test_the_page_reaches_nothing_outside_itself(page) -> None:  # noqa: ANN001
    html, parsed = page
    for tag, attributes in parsed.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        for name in ("src", "href", "action", "srcset", "data"):
            assert name not in attributes or attributes[name].startswith("#"), (tag, attributes)
    assert "cdn" not in html.lower()
    assert all(not attributes.get("src") for attributes, _ in parsed.scripts)
    scripts = [text for attributes, text in parsed.scripts if attributes.get("type") != "application/json"]
    assert any(text.strip() == CHART_JS.read_text().strip() for text in scripts)  # our vendored Chart.js, whole
    assert any("afterDatasetsDraw" in text for text in scripts)  # the whisker drawing


def test_each_measure_has_a_chart_with_intervals_and_a_table(page) -> None:  # noqa: ANN001
    html, parsed = page
    data = json.loads(next(text for attributes, text in parsed.scripts if attributes.get("id") == "simulation-chart-data"))
    charts = {chart["id"]: chart for chart in data}
    assert set(charts) == {f"chart-{key}" for key in MEASURES} | {"chart-roles"}
    canvases = {attributes["id"] for tag, attributes in parsed.tags if tag == "canvas"}
    assert canvases == set(charts)
    first_visit = charts["chart-referral_to_first_visit_days"]
    assert first_visit["labels"] == ["Baseline clinic", "Kit <later> & co"]
    (dataset,) = first_visit["datasets"]
    assert dataset["means"] == [12, 8]
    assert dataset["lows"] == pytest.approx([7.032, 3.032], abs=0.001)
    assert dataset["highs"] == pytest.approx([16.968, 12.968], abs=0.001)
    assert charts["chart-pt_gap_days"]["datasets"][0]["means"] == [5, None]
    roles = charts["chart-roles"]
    assert roles["labels"] == ["Coordinators", "Front desk"]
    assert [d["label"] for d in roles["datasets"]] == ["Baseline clinic", "Kit <later> & co"]
    assert roles["datasets"][0]["lows"][0] == 0  # 2 - 2.484, cut at zero
    cells = parsed.sections["referral_to_first_visit_days"]
    assert cells[:6] == ["Baseline clinic", "12.0", "7.0 to 17.0", "3", "93", "baseline"]
    assert cells[6:9] == ["Kit <later> & co", "8.0", "3.0 to 13.0"]
    assert cells[-1] == "no clear difference: 4.0 days shorter, but the 95% interval -8.5 to +0.5 includes no change"
    assert parsed.sections["eligibility_to_submission_days"][-1] == "3.0 business days shorter: better (95% interval -5.3 to -0.7)"
    assert "no case reached this step" in parsed.sections["pt_gap_days"]
    assert parsed.sections["overdue-by-role"][:3] == ["Coordinators", "2.0 (0.0 to 4.5)", "2.0 (2.0 to 2.0)"]
    assert "Kit &lt;later&gt; &amp; co" in html  # escaped in the page, and the JSON block cannot end the script early
    assert "<later>" not in html.split('id="simulation-chart-data">')[0]


def test_the_page_lists_the_assumptions_and_explains_itself(page) -> None:  # noqa: ANN001
    html, parsed = page
    cells = parsed.sections["assumptions"]
    assert cells[:3] == ["Baseline clinic", "Missed visits: 12%", "Assumption, not measured: between 8.0% (Marshfield 2021) and 36%"]
    assert cells[3:] == ["Kit <later> & co", "BCBS commercial decides in 20 business days", "Assumption, not measured: a stress case"]
    text = " ".join(html.split())
    assert "95% interval" in text and "better when lower" in text
    assert "The clinic as it works today." in text


def test_results_json_carries_every_replication_and_the_summary() -> None:
    data = json.loads(results_json(RESULTS, baseline_id="baseline"))
    assert data["baseline"] == "baseline"
    assert [s["scenario_id"] for s in data["scenarios"]] == ["baseline", "kit_after_eligibility"]
    base = data["scenarios"][0]
    assert [r["measures"]["referral_to_first_visit_days"] for r in base["replications"]] == [10, 12, 14]
    assert base["summary"]["referral_to_first_visit_days"]["low"] == pytest.approx(7.032, abs=0.001)
    assert data["scenarios"][1]["summary"]["pt_gap_days"] is None
    assert base["assumptions"] == [list(a) for a in ASSUMED]


def test_a_baseline_missing_from_the_results_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline 'elsewhere' is not among the results"):
        html_report(RESULTS, baseline_id="elsewhere")
