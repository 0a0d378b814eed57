"""Relief duration after each procedure type, as a Kaplan-Meier survival curve (lifelines.KaplanMeierFitter).

The pure part (`relief_duration`: one procedure's reports -> a duration and an event flag; `fit_curve`: durations
-> the fitted figures) takes plain data and is tested with it; `ReliefDuration.compute` only queries and draws.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from painpath.core.clock import utcnow
from painpath.outcomes import clinical_queries
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure

# What relief counts as meaningful, and when a patient still relieved counts as lost to follow-up, are clinical
# settings with their sources: the outcome_measures pack (knowledge.outcome_measures.relief_duration).
AT_RISK_DAYS = (30, 60, 90, 180)


class Report(NamedTuple):  # the fields relief_duration reads (clinical_queries.ReliefFact has the same)
    measured_on: date
    percent: float
    lasted_days: int | None = None


class Duration(NamedTuple):
    days: float
    ended: bool  # the event: relief fell below the threshold
    lost: bool = False  # censored and with no report for the pack's lost_to_follow_up_days


def relief_duration(performed_on: date, reports: Sequence[Report], *, as_of: date, threshold: float,
                    lost_after: int) -> Duration | None:
    """One procedure's relief as a survival observation; None without any report (nothing to say).

    The event is the first report below the threshold; its time is the `lasted_days` that report gives (how long
    the relief lasted), else the days from the procedure to that report. A procedure that never gave meaningful
    relief has its event at its first report. Without a report below the threshold the observation is censored at
    the last report (still relieved), and counts as lost to follow-up when that report is more than `lost_after`
    days before `as_of`."""
    if not reports:
        return None
    ordered = reports if len(reports) == 1 else sorted(reports, key=lambda r: r.measured_on)
    for report in ordered:
        if report.percent < threshold:
            days = report.lasted_days if report.lasted_days is not None else (report.measured_on - performed_on).days
            return Duration(days=float(max(days, 0)), ended=True)
    last = ordered[-1]
    return Duration(days=float((last.measured_on - performed_on).days), ended=False, lost=(as_of - last.measured_on).days > lost_after)


@dataclass(frozen=True)
class Curve:
    n: int
    events: int
    censored: int
    median: float | None  # None: the curve never falls to 0.5
    median_low: float | None  # the library's 95% confidence interval of the median (None: unbounded)
    median_high: float | None
    at_risk: dict[int, int]
    times: tuple[float, ...]  # the step function: S(t) from each time on
    survival: tuple[float, ...]

    def survival_at(self, t: float) -> float:
        value = 1.0
        for time, s in zip(self.times, self.survival):
            if time > t:
                break
            value = s
        return value


def _finite(x: float) -> float | None:
    return None if x is None or math.isinf(x) or math.isnan(x) else float(x)


def fit_curve(days: Sequence[float], ended: Sequence[bool], *, at: Sequence[int] = AT_RISK_DAYS) -> Curve:
    """Kaplan-Meier fit of durations and event flags, with the median, its 95% CI and the numbers at risk."""
    kmf = KaplanMeierFitter()
    kmf.fit(list(days), event_observed=list(ended))
    interval = median_survival_times(kmf.confidence_interval_)
    low, high = interval.iloc[0, 0], interval.iloc[0, 1]
    return Curve(
        n=len(days), events=sum(1 for e in ended if e), censored=sum(1 for e in ended if not e),
        median=_finite(kmf.median_survival_time_), median_low=_finite(low), median_high=_finite(high),
        at_risk={t: sum(1 for d in days if d >= t) for t in at},
        times=tuple(float(t) for t in kmf.survival_function_.index),
        survival=tuple(float(s) for s in kmf.survival_function_.iloc[:, 0]),
    )


COLUMNS = ("Procedure", "Procedures", "Relief ended", "Still relieved", "Lost to follow-up", "Median relief (days)",
           "Median 95% CI from", "Median 95% CI to", *(f"At risk day {t}" for t in AT_RISK_DAYS))


class ReliefDuration:
    id = "relief_duration"
    title = "How long procedures relieve pain"
    group = "clinical"
    TEXT = (
        "For each procedure done in the period: days of meaningful relief, meaning relief of at least {relief} of the "
        "pain the procedure treated, drawn as a Kaplan-Meier curve (the share of procedures still giving that relief after "
        "each number of days). Relief ends at the first report below {relief} (on the day the patient says it lasted to, "
        "when given; a procedure that never gave {relief} ends at its first report). Procedures whose last report still "
        "shows relief are counted until that report (censored): still relieved, or lost to follow-up when that report is "
        "older than {days}. Procedures with no relief report are left out. The median comes with its 95% confidence "
        "interval. Filters: period (procedure day), procedure, payer, pathway, clinician, location.")
    definition = TEXT.format(relief="the meaningful-relief threshold", days="the clinic's follow-up interval")

    def words(self, knowledge) -> str:  # noqa: ANN001
        """The definition with the clinic's numbers (the outcome_measures pack)."""
        settings = knowledge.outcome_measures.relief_duration
        return self.TEXT.format(relief=f"{settings.meaningful_relief_percent:g}%", days=f"{settings.lost_to_follow_up_days} days")

    def compute(self, session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:  # noqa: ANN001
        as_of = calendar.local_date(utcnow())
        settings = knowledge.outcome_measures.relief_duration
        threshold, lost_after = settings.meaningful_relief_percent, settings.lost_to_follow_up_days
        facts = clinical_queries.procedures_with_relief(session, clinic_id=clinic_id, filters=filters)
        by_key: dict[str, list[tuple[int, Duration]]] = defaultdict(list)
        unreported = 0
        for procedure, reports in facts:
            found = relief_duration(procedure.performed_on, reports, as_of=as_of, threshold=threshold, lost_after=lost_after)
            if found is None:
                unreported += 1
            else:
                by_key[procedure.procedure_key].append((procedure.episode_id, found))
        return figure(by_key, names={p.id: p.name for p in knowledge.procedures.values()}, unreported=unreported,
                      definition=self.words(knowledge))


def figure(by_key: dict[str, list[tuple[int, Duration]]], *, names: dict[str, str], unreported: int = 0,
           definition: str = ReliefDuration.definition) -> Figure:
    """The table and step chart of fitted curves, one per procedure type (pure: durations in, figure out)."""
    rows, curves = [], {}
    for key in sorted(by_key, key=lambda k: names.get(k, k)):
        observations = by_key[key]
        curve = fit_curve([d.days for _, d in observations], [d.ended for _, d in observations])
        curves[key] = curve
        lost = sum(1 for _, d in observations if not d.ended and d.lost)
        rows.append(Row(key=key, episode_ids=tuple(sorted({e for e, _ in observations})), cells=(
            names.get(key, key), curve.n, curve.events, curve.censored - lost, lost, curve.median, curve.median_low,
            curve.median_high, *(curve.at_risk[t] for t in AT_RISK_DAYS))))
    x = tuple(sorted({0.0, *(t for c in curves.values() for t in c.times)}))
    chart = Chart(kind="step", x_label="Days after the procedure", y_label="Share still with meaningful relief",
                  x=x, series=tuple(Series(names.get(k, k), tuple(round(c.survival_at(t), 4) for t in x)) for k, c in curves.items()))
    notes = [f"{unreported} procedure{'s' if unreported != 1 else ''} with no relief report left out"] if unreported else []
    return Figure(measure_id=ReliefDuration.id, title=ReliefDuration.title, definition=definition, columns=COLUMNS,
                  rows=tuple(rows), chart=chart if curves else None, notes=tuple(notes))


register_measure(ReliefDuration())
