"""`painpath simulate` as an operator runs it: arguments, refusals that name the field and the rule, and a tiny
full run through the real model (marked simulation_run)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painpath.cli import app
from painpath.simulation.scenario import SCENARIO_DIR
from staff_words import findings

runner = CliRunner()


def _flat(text: str) -> str:
    """The output with rich's wrapping and box drawing folded away, for matching sentences."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())


def test_the_command_is_listed_with_its_options() -> None:
    result = runner.invoke(app, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--weeks", "--replications", "--seed", "--processes", "--out"):
        assert option in result.output
    assert "[default: 26]" in result.output and "[default: 20]" in result.output


@pytest.mark.parametrize(("args", "says"), [
    ([], "Missing argument"),
    (["baseline", "--replications", "1"], "--replications"),
    (["baseline", "--weeks", "0"], "--weeks"),
    (["baseline", "--processes", "0"], "--processes"),
    (["baseline", "--weeks", "many"], "--weeks"),
])
def test_bad_arguments_stop_before_anything_runs(args: list[str], says: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert says in _flat(result.output)
    assert not (tmp_path / "out").exists()


def test_a_missing_scenario_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["simulate", "baseline", "scenarios/nowhere.yaml", "--out", "out"])
    assert result.exit_code == 2
    text = _flat(result.output)
    assert "Scenario refused" in text
    assert "file: no scenario file 'scenarios/nowhere.yaml' here" in text
    assert not (tmp_path / "out").exists()


def test_a_bad_scenario_file_is_refused_naming_the_field_and_the_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(SCENARIO_DIR / "baseline.yaml", tmp_path / "baseline.yaml")
    (tmp_path / "mine.yaml").write_text(
        "base: baseline\nid: mine\nname: Mine\ndescription: mine\n"
        "payers:\n  bcbs_commercial: {share: 0.4}\n"
        "staffing: {coordinators: -2}\n"
    )
    result = runner.invoke(app, ["simulate", "mine.yaml", "--out", "out"])
    assert result.exit_code == 2
    text = _flat(result.output)
    assert "staffing.coordinators: Input should be greater than or equal to 0" in text
    assert not (tmp_path / "out").exists()
    (tmp_path / "mine.yaml").write_text("base: baseline\nid: mine\nname: Mine\ndescription: mine\npayers:\n  bcbs_commercial: {share: 0.4}\n")
    result = runner.invoke(app, ["simulate", "mine.yaml", "--out", "out"])
    assert result.exit_code == 2
    assert "payers: shares must sum to 1 (they sum to 1.2)" in _flat(result.output)
    assert not (tmp_path / "out").exists()


@pytest.mark.simulation_run
def test_a_tiny_run_writes_the_report_and_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real model: two weeks, two replications, the baseline found under the installed package."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["simulate", "simulation/scenarios/baseline.yaml", "extra_coordinator",
                                 "--weeks", "2", "--replications", "2", "--seed", "1", "--processes", "1", "--out", "out"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["baseline"] == "baseline"
    assert [s["scenario_id"] for s in data["scenarios"]] == ["baseline", "extra_coordinator"]
    for scenario in data["scenarios"]:
        assert scenario["weeks"] == 2
        assert [r["seed"] for r in scenario["replications"]] == [1, 2]
        assert scenario["assumptions"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "A third coordinator" in html and "Chart.js v4" in html
    # A manager reads the page: payers, plan steps and tasks by their names, no internal keys or file paths.
    assert findings(html) == []
    text = _flat(result.output)
    assert "Baseline clinic (baseline)" in text and "Compared with the" in text
    assert not list((tmp_path / "out").glob(".*partial"))
