"""The simulation's reports: a terminal summary (rich tables) and one standalone HTML page for the clinic manager.

Both say the same things: each measure's mean over replications with its 95% interval, how many replications
it rests on, how each scenario differs from the baseline in words ("2.1 days shorter: better"), overdue tasks
per staff role, and the assumptions with their sources. A difference is called clear only when its 95%
interval (Welch's, over the two scenarios' replications) leaves out zero; otherwise the report says the run
cannot tell the scenarios apart. Every measure here is better when lower (days waited, tasks overdue).

The HTML page carries its own copy of Chart.js (our vendored file under web/static) and its drawing script
inline: it opens from a shared drive or an e-mail attachment with no network at all.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean, variance

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from scipy.stats import t as student_t

from painpath.simulation.results import MEASURES, Estimate, ScenarioResult, estimate, summarise

HERE = Path(__file__).resolve().parent
CHART_JS = HERE.parent / "web" / "static" / "js" / "vendor" / "chart.umd.min.js"  # our vendored copy (MIT)
DRAW_JS = HERE / "report_chart.js"
ROLE_WORDS = {"coordinator": "Coordinators", "nurse": "Nurses", "clinician": "Clinicians", "therapist": "Therapists",
              "front_desk": "Front desk", "billing": "Billing", "manager": "Manager"}
# Words for "less" and "more" of a unit: days are shorter or longer, tasks fewer or more.
LESS_MORE = {"tasks": ("fewer", "more")}


@dataclass(frozen=True)
class Comparison:
    difference: Estimate | None  # scenario minus baseline, with Welch's 95% interval
    words: str  # the difference in words, with its direction and whether it is clear


def values(result: ScenarioResult, key: str) -> list[float]:
    """The measure's value per replication, leaving out replications where no case reached it."""
    return [r.measures[key] for r in result.replications if r.measures.get(key) is not None]


def role_values(result: ScenarioResult, role: str) -> list[float]:
    return [r.overdue_by_role.get(role, 0.0) for r in result.replications]


def roles(results: list[ScenarioResult]) -> list[str]:
    found = {role for result in results for r in result.replications for role in r.overdue_by_role}
    return sorted(found, key=lambda role: (list(ROLE_WORDS).index(role) if role in ROLE_WORDS else len(ROLE_WORDS), role))


def difference(these: list[float], base: list[float]) -> Estimate | None:
    """mean(these) - mean(base) with Welch's 95% interval; None with fewer than two replications on a side."""
    if len(these) < 2 or len(base) < 2:
        return None
    centre = mean(these) - mean(base)
    a, b = variance(these) / len(these), variance(base) / len(base)
    if a + b == 0:
        return Estimate(centre, centre, centre, min(len(these), len(base)))
    df = (a + b) ** 2 / (a**2 / (len(these) - 1) + b**2 / (len(base) - 1))
    half = float(student_t.ppf(0.975, df)) * math.sqrt(a + b)
    return Estimate(centre, centre - half, centre + half, min(len(these), len(base)))


def title(words: str, unit: str) -> str:
    """A measure's heading with its unit, unless the words already name it ("Overdue tasks per day")."""
    return words if unit in words else f"{words} ({unit})"


def _number(value: float) -> str:
    return f"{value:.1f}"


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def compare(these: list[float], base: list[float], unit: str) -> Comparison:
    """The difference from the baseline in words: "2.0 days shorter: better (95% interval -3.1 to -0.9)"."""
    diff = difference(these, base)
    if diff is None:
        return Comparison(None, "too few replications to compare")
    less, more = LESS_MORE.get(unit, ("shorter", "longer"))
    size = f"{_number(abs(diff.mean))} {unit} {less if diff.mean < 0 else more}"
    interval = f"95% interval {_signed(diff.low)} to {_signed(diff.high)}"
    if diff.high < 0:
        return Comparison(diff, f"{size}: better ({interval})")
    if diff.low > 0:
        return Comparison(diff, f"{size}: worse ({interval})")
    if round(abs(diff.mean), 1) == 0:
        return Comparison(diff, f"no clear difference: about the same ({interval})")
    return Comparison(diff, f"no clear difference: {size}, but the {interval} includes no change")


def _estimate_text(found: Estimate | None) -> str:
    if found is None:
        return "no case reached it"
    if not found.has_interval:
        return f"{_number(found.mean)} (one run: no interval)"
    return f"{_number(found.mean)} ({_number(found.low)} to {_number(found.high)})"


def _cases(result: ScenarioResult, key: str) -> int | None:
    counted = [r.counts[key] for r in result.replications if key in r.counts]
    return sum(counted) if counted else None


@dataclass(frozen=True)
class MeasureRow:
    key: str
    words: str
    unit: str
    scenario: ScenarioResult
    found: Estimate | None
    cases: int | None
    comparison: Comparison | None  # None for the baseline itself


def measure_rows(result: ScenarioResult, baseline: ScenarioResult) -> list[MeasureRow]:
    summary = summarise(result)
    rows = []
    for key, (words, unit) in MEASURES.items():
        comparison = None if result is baseline else compare(values(result, key), values(baseline, key), unit)
        rows.append(MeasureRow(key, words, unit, result, summary[key], _cases(result, key), comparison))
    return rows


def _baseline_first(results: list[ScenarioResult], baseline_id: str) -> tuple[ScenarioResult, list[ScenarioResult]]:
    baseline = next((r for r in results if r.scenario_id == baseline_id), None)
    if baseline is None:
        raise ValueError(f"baseline {baseline_id!r} is not among the results ({', '.join(r.scenario_id for r in results)})")
    return baseline, [baseline, *(r for r in results if r is not baseline)]


def assumption_rows(results: list[ScenarioResult], baseline_id: str) -> list[tuple[str, str, str]]:
    """(scenario name, what, source): the baseline's assumptions, then what each other scenario assumes differently."""
    baseline, ordered = _baseline_first(results, baseline_id)
    rows = [(baseline.scenario_name, what, source) for what, source in baseline.assumptions]
    seen = set(baseline.assumptions)
    for result in ordered[1:]:
        rows += [(result.scenario_name, what, source) for what, source in result.assumptions if (what, source) not in seen]
    return rows


def _run_line(results: list[ScenarioResult]) -> str:
    first = results[0]
    replications = sorted({len(r.replications) for r in results})
    return (f"Each scenario: {first.weeks} simulated weeks, {' or '.join(map(str, replications))} replications "
            f"(seeds {first.seed} onward). Means over replications with their 95% intervals; lower is better throughout.")


def terminal_report(results: list[ScenarioResult], *, baseline_id: str) -> Group:
    """The terminal summary as rich renderables: a table per scenario, overdue tasks per role, the assumptions."""
    baseline, ordered = _baseline_first(results, baseline_id)
    parts: list = [Text(_run_line(ordered))]
    for result in ordered:
        is_base = result is baseline
        table = Table(title=f"{result.scenario_name}{' (baseline)' if is_base else ''}", title_justify="left", expand=False)
        table.add_column("Measure", overflow="fold")
        table.add_column("Mean (95% interval)", overflow="fold")
        table.add_column("n", justify="right")
        table.add_column("Cases", justify="right")
        table.add_column("Compared with the baseline", overflow="fold")
        for row in measure_rows(result, baseline):
            table.add_row(title(row.words, row.unit), _estimate_text(row.found), str(row.found.n if row.found else 0),
                          "" if row.cases is None else str(row.cases),
                          "baseline" if row.comparison is None else row.comparison.words)
        parts.append(table)
    staff = Table(title="Overdue tasks per business day, by staff role: mean (95% interval)", title_justify="left")
    staff.add_column("Role")
    for result in ordered:
        staff.add_column(result.scenario_name, overflow="fold")
    for role in roles(ordered):
        staff.add_row(ROLE_WORDS.get(role, role.replace("_", " ").capitalize()),
                      *(_estimate_text(estimate(role_values(result, role))) for result in ordered))
    parts.append(staff)
    assumed = Table(title="Assumptions and their sources", title_justify="left")
    assumed.add_column("Scenario")
    assumed.add_column("Assumed", overflow="fold")
    assumed.add_column("Source", overflow="fold")
    for row in assumption_rows(ordered, baseline_id):
        assumed.add_row(*row)
    parts.append(assumed)
    return Group(*parts)


def print_report(console: Console, results: list[ScenarioResult], *, baseline_id: str) -> None:
    console.print(terminal_report(results, baseline_id=baseline_id))


def _estimate_json(found: Estimate | None) -> dict | None:
    return None if found is None else {"mean": found.mean, "low": found.low, "high": found.high, "n": found.n}


def results_json(results: list[ScenarioResult], *, baseline_id: str) -> str:
    """Every ScenarioResult as JSON (its replications as the model wrote them) with each measure's summary."""
    _, ordered = _baseline_first(results, baseline_id)
    scenarios = [asdict(r) | {"summary": {key: _estimate_json(found) for key, found in summarise(r).items()}} for r in ordered]
    return json.dumps({"baseline": baseline_id, "measures": {k: {"words": w, "unit": u} for k, (w, u) in MEASURES.items()},
                       "scenarios": scenarios}, indent=2)


def _script_safe(text: str) -> str:
    # Inside <script>, only "</" can end the element early; JSON and our JS never need it literally.
    return text.replace("</", "<\\/")


def _chart(chart_id: str, title: str, y_label: str, labels: list[str], datasets: list[dict]) -> dict:
    return {"id": chart_id, "title": title, "y_label": y_label, "labels": labels, "datasets": datasets}


def _dataset(label: str, found: list[Estimate | None]) -> dict:
    return {"label": label, "means": [None if f is None else round(f.mean, 3) for f in found],
            "lows": [None if f is None or f.low is None else round(f.low, 3) for f in found],
            "highs": [None if f is None or f.high is None else round(f.high, 3) for f in found]}


def html_report(results: list[ScenarioResult], *, baseline_id: str, descriptions: dict[str, str] | None = None) -> str:
    """One standalone HTML page: per measure a bar chart with 95% interval whiskers and its table, then overdue
    tasks per role, then the assumptions. No network references: Chart.js and the drawing script are inline."""
    baseline, ordered = _baseline_first(results, baseline_id)
    names = [r.scenario_name for r in ordered]
    measures, charts = [], []
    for key, (words, unit) in MEASURES.items():
        rows = [next(row for row in measure_rows(result, baseline) if row.key == key) for result in ordered]
        chart_id = f"chart-{key}"
        charts.append(_chart(chart_id, words, unit, names, [_dataset(words, [row.found for row in rows])]))
        measures.append({"key": key, "title": title(words, unit), "words": words, "unit": unit, "chart_id": chart_id, "rows": rows})
    role_list = roles(ordered)
    role_table = [(ROLE_WORDS.get(role, role.replace("_", " ").capitalize()),
                   [estimate(role_values(result, role)) for result in ordered]) for role in role_list]
    if role_list:
        charts.append(_chart("chart-roles", "Overdue tasks per business day, by staff role", "tasks",
                             [words for words, _ in role_table],
                             [_dataset(result.scenario_name, [found[i] for _, found in role_table]) for i, result in enumerate(ordered)]))
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["number"] = lambda value: "" if value is None else _number(value)
    return environment.get_template("simulation_report.html").render(
        baseline=baseline, results=ordered, run_line=_run_line(ordered), descriptions=descriptions or {},
        measures=measures, role_table=role_table, assumptions=assumption_rows(ordered, baseline_id),
        chart_data=_script_safe(json.dumps(charts)), chart_js=_script_safe(CHART_JS.read_text(encoding="utf-8")),
        draw_js=_script_safe(DRAW_JS.read_text(encoding="utf-8")),
    )
