"""Scenario files as the command line meets them: found, read, validated and checked against the knowledge packs.

`load_scenario` (scenario.py) checks a file's shape; this module adds what the shape cannot know: that the
payers and pathways it names exist in the packs, that shares sum to 1, that probabilities are probabilities.
Every refusal is a `ScenarioError` listing (field, rule) pairs, so a clinic manager editing a YAML file is
told which line to fix and why, and nothing is run on a half-valid scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from painpath.core.auth.roles import Role
from painpath.knowledge import Knowledge
from painpath.simulation.scenario import DEFAULT_STEP_FAILURE, DEFAULT_STEP_FAILURE_SOURCE, SCENARIO_DIR, Scenario, load_scenario

PACKAGE_DIR = SCENARIO_DIR.parents[1]  # src/painpath (or site-packages/painpath when installed)
SHARE_TOLERANCE = 1e-6  # shares are written with two or three decimals; a sum off by rounding only is accepted
# minutes_per_day keys: the staffing roles a scenario counts, by the Role values the worklist assigns tasks to.
STAFF_ROLES = {Role.COORDINATOR: "coordinators", Role.NURSE: "nurses", Role.CLINICIAN: "clinicians",
               Role.THERAPIST: "therapists", Role.FRONT_DESK: "front_desk"}
# What a minutes_per_task key's task is, in the words the assumptions table uses.
TASK_WORDS = {"default": "a worklist task", "authorizations": "a prior-authorization request", "intake": "an intake call",
              "records": "a records request", "therapy": "a PT visit authorization", "forms": "a form"}
OUTCOMES = ("success", "failure")  # a branch outcome: the step's on_success or on_failure (or a decision option id)


@dataclass(frozen=True)
class ScenarioProblem:
    field: str  # dotted path in the file: "payers.bcbs_commercial.share"
    rule: str  # what the value must be, in words


class ScenarioError(Exception):
    def __init__(self, path: Path | str, problems: list[ScenarioProblem]) -> None:
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(f"{p.field}: {p.rule}" for p in problems))


def find_scenario(name: str | Path, *, cwd: Path | None = None) -> Path:
    """The scenario file `name` means: as given (relative to `cwd`), else relative to the installed package
    (`simulation/scenarios/baseline.yaml`), else a shipped scenario's id (`baseline`)."""
    given = Path(name)
    here = given if given.is_absolute() else (cwd or Path.cwd()) / given
    for candidate in (here, PACKAGE_DIR / given, SCENARIO_DIR / given, SCENARIO_DIR / f"{given}.yaml"):
        if candidate.is_file():
            return candidate
    raise ScenarioError(given, [ScenarioProblem("file", f"no scenario file {str(name)!r} here, under the painpath package, "
                                                         f"or among the shipped scenarios ({', '.join(shipped_ids())})")])


def shipped_ids() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def open_scenario(path: Path, knowledge: Knowledge) -> Scenario:
    """The scenario in `path` with its base merged, valid in shape and against the packs, or a ScenarioError."""
    try:
        scenario = load_scenario(path)
    except yaml.YAMLError as exc:
        raise ScenarioError(path, [ScenarioProblem("file", f"not valid YAML: {exc}")]) from exc
    except FileNotFoundError as exc:  # the file names a base that is not beside it
        raise ScenarioError(path, [ScenarioProblem("base", f"the base scenario must be a file beside this one ({Path(exc.filename).name} not found)")]) from exc
    except AttributeError as exc:  # the file's top level is a list or a string, not fields
        raise ScenarioError(path, [ScenarioProblem("file", "must be a mapping of fields (id, name, arrivals, ...)")]) from exc
    except ValidationError as exc:
        raise ScenarioError(path, [ScenarioProblem(".".join(str(part) for part in error["loc"]) or "file", error["msg"])
                                   for error in exc.errors()]) from exc
    problems = pack_problems(scenario, knowledge)
    if problems:
        raise ScenarioError(path, problems)
    return scenario


def _share_problem(field: str, shares: dict[str, float]) -> list[ScenarioProblem]:
    total = sum(shares.values())
    if math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
        return []
    return [ScenarioProblem(field, f"shares must sum to 1 (they sum to {total:.4g})")]


def _probability_problem(field: str, value: float) -> list[ScenarioProblem]:
    return [] if 0 <= value <= 1 else [ScenarioProblem(field, f"a probability between 0 and 1 (got {value:g})")]


def pack_problems(scenario: Scenario, knowledge: Knowledge) -> list[ScenarioProblem]:
    """What the scenario gets wrong against the packs and arithmetic (empty: nothing)."""
    problems: list[ScenarioProblem] = []
    if not any(rate > 0 for rate in scenario.arrivals.per_weekday.values()):
        problems.append(ScenarioProblem("arrivals.per_weekday", "at least one weekday must have referrals"))
    roles = {str(role) for role in STAFF_ROLES}
    for role, minutes in scenario.staffing.minutes_per_day.items():
        if role not in roles:
            problems.append(ScenarioProblem(f"staffing.minutes_per_day.{role}", f"a role: one of {', '.join(sorted(roles))}"))
        elif minutes < 0:
            problems.append(ScenarioProblem(f"staffing.minutes_per_day.{role}", "minutes cannot be negative"))
    for task, minutes in scenario.staffing.minutes_per_task.items():
        if minutes.value <= 0:
            problems.append(ScenarioProblem(f"staffing.minutes_per_task.{task}.value", "a task takes more than 0 minutes"))
    for payer_id, payer in scenario.payers.items():
        if payer_id not in knowledge.payers:
            problems.append(ScenarioProblem(f"payers.{payer_id}", f"a payer id from the payers pack ({', '.join(sorted(knowledge.payers))})"))
        problems += _probability_problem(f"payers.{payer_id}.denial_rate.value", payer.denial_rate.value)
        if payer.decision_business_days is not None and payer.decision_business_days.value <= 0:
            problems.append(ScenarioProblem(f"payers.{payer_id}.decision_business_days.value", "a payer takes more than 0 business days"))
    problems += _share_problem("payers", {k: p.share for k, p in scenario.payers.items()})
    journeys = scenario.journeys
    for pathway_id, share in journeys.pathway_shares.items():
        if pathway_id not in knowledge.pathways:
            problems.append(ScenarioProblem(f"journeys.pathway_shares.{pathway_id}", f"a pathway id from the pathway packs ({', '.join(sorted(knowledge.pathways))})"))
        elif share < 0:
            problems.append(ScenarioProblem(f"journeys.pathway_shares.{pathway_id}", "a share cannot be negative"))
    problems += _share_problem("journeys.pathway_shares", journeys.pathway_shares)
    for key, probability in journeys.branch_probabilities.items():
        problems += _branch_problems(f"journeys.branch_probabilities.{key}", key, knowledge)
        problems += _probability_problem(f"journeys.branch_probabilities.{key}.value", probability.value)
    problems += _probability_problem("journeys.missed_visit_rate.value", journeys.missed_visit_rate.value)
    problems += _probability_problem("journeys.red_flag_rate.value", journeys.red_flag_rate.value)
    if scenario.imaging.urgent_share is not None:
        problems += _probability_problem("imaging.urgent_share.value", scenario.imaging.urgent_share.value)
    if scenario.imaging.routine_wait_business_days.value < 0:
        problems.append(ScenarioProblem("imaging.routine_wait_business_days.value", "a wait cannot be negative"))
    problems += _therapy_and_forms_problems(scenario)
    return problems


def _therapy_and_forms_problems(scenario: Scenario) -> list[ScenarioProblem]:
    therapy, forms = scenario.therapy, scenario.forms
    problems: list[ScenarioProblem] = []
    if therapy.visits_per_week is not None and not 1 <= therapy.visits_per_week.value <= 5:
        problems.append(ScenarioProblem("therapy.visits_per_week.value", "PT visits a week: 1 to 5 (the PT schedule's weekdays)"))
    for field in ("initial_visits_approved", "window_days", "extension_decision_business_days"):
        if getattr(therapy, field).value < 1:
            problems.append(ScenarioProblem(f"therapy.{field}.value", "at least 1"))
    for field in ("start_business_days",):
        if getattr(therapy, field).value < 0:
            problems.append(ScenarioProblem(f"therapy.{field}.value", "cannot be negative"))
    problems += _probability_problem("therapy.extension_denial_rate.value", therapy.extension_denial_rate.value)
    problems += _probability_problem("forms.request_share.value", forms.request_share.value)
    problems += _probability_problem("forms.employer_share.value", forms.employer_share.value)
    if forms.within_business_days.value < 0:
        problems.append(ScenarioProblem("forms.within_business_days.value", "cannot be negative"))
    return problems


def _branch_problems(field: str, key: str, knowledge: Knowledge) -> list[ScenarioProblem]:
    parts = key.split(".")
    if len(parts) != 3:
        return [ScenarioProblem(field, "a key of the form <pathway>.<step>.<outcome>")]
    pathway_id, step_id, outcome = parts
    pathway = knowledge.pathways.get(pathway_id)
    if pathway is None:
        return [ScenarioProblem(field, f"{pathway_id!r} is not a pathway id from the pathway packs")]
    step = next((s for s in pathway.steps if s.id == step_id), None)
    if step is None:
        return [ScenarioProblem(field, f"{step_id!r} is not a step of {pathway_id} ({', '.join(s.id for s in pathway.steps)})")]
    options = [o.id for o in step.decision.options] if step.decision else []
    if outcome not in (*OUTCOMES, *options):
        return [ScenarioProblem(field, f"the outcome must be one of {', '.join((*OUTCOMES, *options))}")]
    return []


def _branch_words(key: str, knowledge: Knowledge) -> str:
    pathway_id, step_id, outcome = key.split(".")
    pathway = knowledge.pathways[pathway_id]
    step = next(s for s in pathway.steps if s.id == step_id)
    return f"{pathway.name}, {step.name.lower()}: {outcome.replace('_', ' ')}"


def scenario_assumptions(scenario: Scenario, knowledge: Knowledge) -> tuple[tuple[str, str], ...]:
    """(what is assumed, in words, its source) for every number a checked scenario assumes, for the report."""
    rows: list[tuple[str, str]] = []
    days = ", ".join(f"{day.capitalize()} {rate:g}" for day, rate in scenario.arrivals.per_weekday.items())
    rows.append((f"New referrals per weekday: {days}", scenario.arrivals.source))
    for task, minutes in scenario.staffing.minutes_per_task.items():
        kind = TASK_WORDS.get(task, f"a {task.replace('_', ' ')} task")
        rows.append((f"Minutes for {kind}: {minutes.value:g}", minutes.source))
    for payer_id, payer in scenario.payers.items():
        name = knowledge.payers[payer_id].name
        rows.append((f"{name}: {payer.share:.0%} of patients, {payer.denial_rate.value:.1%} of authorization requests denied",
                     payer.denial_rate.source))
        if payer.decision_business_days is not None:
            rows.append((f"{name} decides in {payer.decision_business_days.value:g} business days", payer.decision_business_days.source))
    rows.append((f"Routine imaging wait: {scenario.imaging.routine_wait_business_days.value:g} business days",
                 scenario.imaging.routine_wait_business_days.source))
    if scenario.imaging.urgent_share is not None:
        rows.append((f"New patients whose MRI is ordered urgent: {scenario.imaging.urgent_share.value:.0%}",
                     scenario.imaging.urgent_share.source))
    rows.append((f"Outside imaging report arrives in: {scenario.imaging.outside_report_business_days.value:g} business days",
                 scenario.imaging.outside_report_business_days.source))
    rows.append((f"New patients without usable imaging: {scenario.imaging.imaging_needed_share.value:.0%}",
                 scenario.imaging.imaging_needed_share.source))
    for key, probability in scenario.journeys.branch_probabilities.items():
        rows.append((f"{_branch_words(key, knowledge)}, probability {probability.value:g}", probability.source))
    rows.append((f"Any other plan step: {DEFAULT_STEP_FAILURE:.0%} of patients do not improve enough", DEFAULT_STEP_FAILURE_SOURCE))
    rows.append((f"Weeks of PT before the first visit: {scenario.journeys.prior_conservative_weeks.value:g}",
                 scenario.journeys.prior_conservative_weeks.source))
    rows.append((f"Missed visits: {scenario.journeys.missed_visit_rate.value:.0%}", scenario.journeys.missed_visit_rate.source))
    rows.append((f"Calls with a red flag: {scenario.journeys.red_flag_rate.value:.0%}", scenario.journeys.red_flag_rate.source))
    therapy = scenario.therapy
    if therapy.visits_per_week is not None:
        rows.append((f"PT visits a week: {therapy.visits_per_week.value:g}", therapy.visits_per_week.source))
    rows.append((f"First PT visit after the course is ordered: {therapy.start_business_days.value:g} business days",
                 therapy.start_business_days.source))
    rows.append((f"PT visits approved at first: {therapy.initial_visits_approved.value:g}", therapy.initial_visits_approved.source))
    rows.append((f"PT authorization window: {therapy.window_days.value:g} days", therapy.window_days.source))
    rows.append((f"Payer's answer to a PT extension: {therapy.extension_decision_business_days.value:g} business days",
                 therapy.extension_decision_business_days.source))
    rows.append((f"PT extensions denied: {therapy.extension_denial_rate.value:.0%}", therapy.extension_denial_rate.source))
    rows.append((f"PT extension asked {scenario.policies.pt_authorization_lead_business_days} business days before the visits run out",
                 "The scenario's policy (the clinic's way of working, not a measured figure)"))
    forms = scenario.forms
    rows.append((f"Patients who bring a work or disability form: {forms.request_share.value:.0%}", forms.request_share.source))
    rows.append((f"Forms arrive up to {forms.within_business_days.value:g} business days after the first visit",
                 forms.within_business_days.source))
    rows.append((f"Forms that are an employer's FMLA certification: {forms.employer_share.value:.0%}", forms.employer_share.source))
    return tuple(rows)


def with_baseline(paths: list[Path], knowledge: Knowledge) -> tuple[Scenario, list[Scenario]]:
    """(the baseline, every scenario to run with the baseline first). The baseline is the first scenario given
    when it stands alone, else the first one's `base`, read from beside it when it was not given."""
    if not paths:
        raise ScenarioError("", [ScenarioProblem("scenarios", "name at least one scenario file")])
    scenarios = [open_scenario(path, knowledge) for path in paths]
    ids = [s.id for s in scenarios]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise ScenarioError(paths[0], [ScenarioProblem("id", f"each scenario is named once (given twice: {', '.join(doubled)})")])
    first = scenarios[0]
    if first.base is None:
        baseline = first
    else:
        baseline = next((s for s in scenarios if s.id == first.base), None) or open_scenario(paths[0].parent / f"{first.base}.yaml", knowledge)
    return baseline, [baseline, *(s for s in scenarios if s is not baseline)]
