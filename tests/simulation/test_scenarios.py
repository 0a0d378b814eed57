"""The shipped scenarios load with their bases merged, agree with the packs, and source every number; bad files
are refused naming the field and the rule."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from painpath.knowledge import load_knowledge
from painpath.simulation.scenario import SCENARIO_DIR, Scenario, load_scenario
from painpath.simulation.scenario_files import (
    ScenarioError,
    find_scenario,
    open_scenario,
    pack_problems,
    scenario_assumptions,
    with_baseline,
)

SHIPPED = sorted(SCENARIO_DIR.glob("*.yaml"))
CHANGES = {  # each change scenario, and what it changes against the baseline (a dotted path and the new value)
    "extra_coordinator": ("staffing.coordinators", 3),
    "no_standing_slots": ("imaging.standing_urgent_slots", False),
    "kit_after_eligibility": ("policies.kit_before_eligibility", False),
    "slow_payer": ("payers.bcbs_commercial.decision_business_days.value", 20),
    "pt_lead_time": ("policies.pt_authorization_lead_business_days", 10),
}
# A source either says it is a guess, or cites: the research notes, a dated publication, or a web address.
SOURCED = re.compile(r"assumption, not measured|research/|\b(19|20)\d\d\b|https?://", re.IGNORECASE)


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def _at(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        if data is None:  # the baseline leaves the field unset
            return None
        data = data[part] if isinstance(data, dict) else getattr(data, part)
    return data


def _sources(value: object) -> list[str]:
    """Every `source` string anywhere in a scenario's raw YAML data."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "source"] + [s for v in value.values() for s in _sources(v)]
    if isinstance(value, list):
        return [s for v in value for s in _sources(v)]
    return []


def test_the_folder_holds_the_baseline_and_the_five_changes() -> None:
    assert sorted(p.stem for p in SHIPPED) == sorted(["baseline", *CHANGES])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_scenario_loads_with_its_base_and_agrees_with_the_packs(path: Path, knowledge) -> None:  # noqa: ANN001
    scenario = load_scenario(path)
    assert scenario.id == path.stem
    payer_shares = [p.share for p in scenario.payers.values()]
    assert math.isclose(sum(payer_shares), 1.0, abs_tol=1e-9), payer_shares
    assert math.isclose(sum(scenario.journeys.pathway_shares.values()), 1.0, abs_tol=1e-9)
    assert set(scenario.payers) <= set(knowledge.payers)
    assert set(scenario.journeys.pathway_shares) <= set(knowledge.pathways)
    for key in scenario.journeys.branch_probabilities:
        pathway_id, step_id, outcome = key.split(".")
        assert step_id in {s.id for s in knowledge.pathways[pathway_id].steps}
        assert outcome in ("success", "failure")
    assert pack_problems(scenario, knowledge) == []
    assert open_scenario(path, knowledge) == scenario


@pytest.mark.parametrize("scenario_id", sorted(CHANGES))
def test_a_change_scenario_differs_from_the_baseline_only_where_it_says(scenario_id: str) -> None:
    baseline = load_scenario(SCENARIO_DIR / "baseline.yaml")
    changed = load_scenario(SCENARIO_DIR / f"{scenario_id}.yaml")
    field, value = CHANGES[scenario_id]
    assert changed.base == "baseline"
    assert _at(changed, field) == value
    assert _at(baseline, field) != value
    own = yaml.safe_load((SCENARIO_DIR / f"{scenario_id}.yaml").read_text())
    assert set(own) == {"base", "id", "name", "description", field.split(".")[0]}
    for section in ("arrivals", "journeys"):  # everything not named comes from the baseline
        assert getattr(changed, section) == getattr(baseline, section)


def test_the_baseline_is_the_clinic_the_issue_describes() -> None:
    baseline = load_scenario(SCENARIO_DIR / "baseline.yaml")
    assert sum(baseline.arrivals.per_weekday.values()) == pytest.approx(12)
    assert len(set(baseline.arrivals.per_weekday.values())) > 1  # a weekday pattern, not a flat rate
    staff = baseline.staffing
    assert (staff.coordinators, staff.nurses, staff.clinicians, staff.therapists, staff.front_desk) == (2, 2, 3, 2, 1)
    assert baseline.policies.kit_before_eligibility is True
    assert baseline.journeys.branch_probabilities["facet_low_back_pain.first_block.success"].value > 0


def test_the_published_figures_are_the_published_ones() -> None:
    """KFF's analysis of 2023 prior authorization data (Jan 2025): Humana denied 3.5% of Medicare Advantage
    requests, all MA insurers 6.4%, and CMS 28.8% of traditional Medicare requests; AMA 2024: 39 requests and
    12 hours a week per physician."""
    payers = load_scenario(SCENARIO_DIR / "baseline.yaml").payers
    assert payers["humana_ma"].denial_rate.value == 0.035
    assert payers["aetna_ma"].denial_rate.value == 0.064
    assert payers["medicare_noridian_jf"].denial_rate.value == 0.288
    minutes = load_scenario(SCENARIO_DIR / "baseline.yaml").staffing.minutes_per_task["authorizations"].value
    assert minutes == round(12 * 60 / 39)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_number_says_where_it_comes_from(path: Path) -> None:
    sources = _sources(yaml.safe_load(path.read_text()))
    for source in sources:
        assert SOURCED.search(source), f"{path.name}: a source that neither cites nor says it is a guess: {source!r}"
    if path.stem == "baseline":
        assert len(sources) >= 20
        assert any("assumption, not measured" in s.lower() for s in sources)


def test_the_report_lists_every_assumption_in_words(knowledge) -> None:  # noqa: ANN001
    rows = scenario_assumptions(load_scenario(SCENARIO_DIR / "slow_payer.yaml"), knowledge)
    what = [w for w, _ in rows]
    assert "BCBS commercial decides in 20 business days" in what
    assert any(w.startswith("Humana Medicare Advantage: 10% of patients, 3.5% of authorization requests denied") for w in what)
    assert any(w.startswith("Facet-mediated low back pain, first medial branch block: success") for w in what)
    assert not any("_" in w for w in what)  # pack ids and keys stay out of the manager's report
    assert "New patients whose MRI is ordered urgent: 5%" in what
    assert "PT visits approved at first: 8" in what
    assert "Patients who bring a work or disability form: 10%" in what


# --- refusals -----------------------------------------------------------------------------------------------


def _write(folder: Path, text: str) -> Path:
    shutil.copy(SCENARIO_DIR / "baseline.yaml", folder / "baseline.yaml")
    path = folder / "change.yaml"
    path.write_text(text)
    return path


HEAD = "base: baseline\nid: change\nname: A change\ndescription: a change\n"
BAD = {
    "shares": (HEAD + "payers:\n  bcbs_commercial: {share: 0.5}\n", "payers", "shares must sum to 1 (they sum to 1.3)"),
    "unknown_payer": (HEAD + "payers:\n  acme_health: {share: 0, denial_rate: {value: 0.1, source: 'assumption, not measured'}}\n",
                      "payers.acme_health", "a payer id from the payers pack"),
    "unknown_pathway": (HEAD + "journeys:\n  pathway_shares: {migraine: 0}\n", "journeys.pathway_shares.migraine",
                        "a pathway id from the pathway packs"),
    "unknown_step": (HEAD + "journeys:\n  branch_probabilities:\n    facet_low_back_pain.third_block.success: {value: 0.5, source: 'assumption, not measured'}\n",
                     "journeys.branch_probabilities.facet_low_back_pain.third_block.success", "'third_block' is not a step of facet_low_back_pain"),
    "probability": (HEAD + "payers:\n  bcbs_commercial: {denial_rate: {value: 1.5}}\n", "payers.bcbs_commercial.denial_rate.value",
                    "a probability between 0 and 1 (got 1.5)"),
    "urgent_share": (HEAD + "imaging:\n  urgent_share: {value: 1.2}\n", "imaging.urgent_share.value",
                     "a probability between 0 and 1 (got 1.2)"),
    "form_share": (HEAD + "forms:\n  request_share: {value: 1.5, source: 'assumption, not measured'}\n", "forms.request_share.value",
                   "a probability between 0 and 1 (got 1.5)"),
    "pt_visits_per_week": (HEAD + "therapy:\n  visits_per_week: {value: 7, source: 'assumption, not measured'}\n",
                           "therapy.visits_per_week.value", "PT visits a week: 1 to 5"),
    "negative_staff": (HEAD + "staffing: {coordinators: -1}\n", "staffing.coordinators", "greater than or equal to 0"),
    "no_source": (HEAD + "arrivals: {source: ''}\n", "arrivals.source", "at least 3 characters"),
    "unknown_field": (HEAD + "policies: {kit_first: true}\n", "policies.kit_first", "Extra inputs are not permitted"),
    "unknown_role": (HEAD + "staffing:\n  minutes_per_day: {scribe: 60}\n", "staffing.minutes_per_day.scribe", "a role: one of"),
    "missing_base": ("base: elsewhere\nid: change\nname: x\ndescription: x\n", "base", "elsewhere.yaml not found"),
    "not_yaml": ("id: [unclosed\n", "file", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_scenario_is_refused_naming_the_field_and_the_rule(case: str, tmp_path: Path, knowledge) -> None:  # noqa: ANN001
    text, field, rule = BAD[case]
    with pytest.raises(ScenarioError) as refused:
        open_scenario(_write(tmp_path, text), knowledge)
    problems = {p.field: p.rule for p in refused.value.problems}
    assert field in problems, problems
    assert rule in problems[field]


def test_find_scenario_by_path_package_path_or_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_scenario("simulation/scenarios/baseline.yaml") == SCENARIO_DIR / "baseline.yaml"
    assert find_scenario("slow_payer") == SCENARIO_DIR / "slow_payer.yaml"
    (tmp_path / "simulation" / "scenarios").mkdir(parents=True)
    (tmp_path / "simulation" / "scenarios" / "baseline.yaml").write_text("id: mine\n")
    assert find_scenario("simulation/scenarios/baseline.yaml") == tmp_path / "simulation" / "scenarios" / "baseline.yaml"
    with pytest.raises(ScenarioError) as missing:
        find_scenario("nowhere.yaml")
    assert missing.value.problems[0].field == "file"
    assert "baseline, extra_coordinator" in missing.value.problems[0].rule


def test_the_baseline_is_the_first_scenario_or_the_others_base(knowledge) -> None:  # noqa: ANN001
    def ids(paths: list[str]) -> tuple[str, list[str]]:
        baseline, chosen = with_baseline([find_scenario(p) for p in paths], knowledge)
        assert isinstance(baseline, Scenario)
        return baseline.id, [s.id for s in chosen]

    assert ids(["baseline", "slow_payer"]) == ("baseline", ["baseline", "slow_payer"])
    assert ids(["slow_payer", "pt_lead_time"]) == ("baseline", ["baseline", "slow_payer", "pt_lead_time"])
    assert ids(["slow_payer", "baseline"]) == ("baseline", ["baseline", "slow_payer"])
    assert ids(["extra_coordinator"]) == ("baseline", ["baseline", "extra_coordinator"])
    with pytest.raises(ScenarioError) as doubled:
        ids(["baseline", "baseline"])
    assert doubled.value.problems[0].field == "id"
