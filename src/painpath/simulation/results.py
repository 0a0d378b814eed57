"""What a simulation run answers: per replication, the measures the report compares between scenarios.

`ReplicationResult` is written by the model (simulation/model.py) after one replication; `ScenarioResult`
holds the replications of one scenario, and `summarise` gives each measure's mean with a 95% confidence
interval over replications (Student's t), which the report shows and compares with the baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import mean, stdev

from scipy.stats import t as student_t

# The measures every replication reports, in the report's order, with their words and unit.
MEASURES: dict[str, tuple[str, str]] = {
    "referral_to_first_visit_days": ("Referral to first visit", "days"),
    "referral_to_imaging_days": ("Imaging order to imaging done", "days"),
    "urgent_imaging_days": ("Urgent imaging order to imaging done", "days"),
    "eligibility_to_submission_days": ("Eligibility to authorization submission", "business days"),
    "submission_to_decision_days": ("Submission to payer decision", "business days"),
    "pt_gap_days": ("PT gap days per course", "days"),
    "forms_turnaround_days": ("Forms turnaround", "business days"),
    "overdue_tasks_per_day": ("Overdue tasks per day (all roles)", "tasks"),
}


@dataclass(frozen=True)
class ReplicationResult:
    seed: int
    measures: dict[str, float | None]  # MEASURES key -> the replication's mean (None: no case reached it)
    overdue_by_role: dict[str, float]  # role -> mean open overdue tasks per simulated business day
    episodes: int  # episodes opened in the run
    counts: dict[str, int] = field(default_factory=dict)  # measure key -> how many cases the mean is over


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float | None  # 95% confidence interval over replications; None from a single replication
    high: float | None
    n: int

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class ScenarioResult:
    scenario_id: str
    scenario_name: str
    weeks: int
    seed: int
    replications: tuple[ReplicationResult, ...]
    assumptions: tuple[tuple[str, str], ...] = ()  # (what, source) printed with the report


def _t95(df: int) -> float:
    """Student's t two-sided 95% quantile for `df` degrees of freedom."""
    return float(student_t.ppf(0.975, df))


def estimate(values: list[float]) -> Estimate | None:
    """The mean with its 95% interval. One replication has no spread to measure, so no interval: showing the value
    as its own interval would claim a certainty the run cannot give. Every measure is a number of days or tasks,
    never negative, so the interval's lower end is cut at zero (a symmetric t interval around a small mean of a
    skewed quantity would otherwise promise "-0.5 days")."""
    if not values:
        return None
    centre = mean(values)
    if len(values) == 1:
        return Estimate(centre, None, None, 1)
    half = _t95(len(values) - 1) * stdev(values) / math.sqrt(len(values))
    return Estimate(centre, max(0.0, centre - half), centre + half, len(values))


def summarise(result: ScenarioResult) -> dict[str, Estimate | None]:
    """Each measure's mean over replications with its 95% interval (replications where no case reached it left out)."""
    return {key: estimate([r.measures[key] for r in result.replications if r.measures.get(key) is not None]) for key in MEASURES}
