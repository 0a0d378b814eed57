"""Shared pieces of the operational measures: the episode filters as SQL conditions, and the pure summaries.

The conditions read other slices' tables (episode, coverage, care plan) read-only: a read model, as
DESIGN.md allows for reporting. Every measure applies them inside its one batch query, so a dashboard on a
large clinic runs a handful of queries, never one per episode.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from painpath.outcomes.measures import Chart, Filters, Series
from painpath.patients.models import Coverage, Episode
from painpath.plans.models import CarePlan

FILTER_WORDS = {
    "payer": "payer (the patient's primary coverage)",
    "pathway": "pathway (the episode's care plan)",
    "clinician": "clinician (the episode's responsible clinician)",
    "location": "location (the episode's location)",
    "procedure": "procedure",
}


def episode_conditions(filters: Filters, episode_id: ColumnElement[int], *, clinic_id: int,
                       ignore: Iterable[str] = ()) -> list[ColumnElement[bool]]:
    """SQL conditions that keep the rows whose episode matches the filters' payer, pathway, clinician and
    location (each None: no condition). The procedure filter is never applied here (a measure that has a
    procedure applies it itself). `ignore` names filters the measure does not apply."""
    skip = set(ignore)
    conditions: list[ColumnElement[bool]] = []
    if filters.pathway_id is not None and "pathway" not in skip:
        conditions.append(exists(select(CarePlan.id).where(CarePlan.episode_id == episode_id,
                                                           CarePlan.pathway_id == filters.pathway_id)))
    wanted = {"clinician": filters.clinician_id, "location": filters.location_id, "payer": filters.payer_id}
    if all(value is None or name in skip for name, value in wanted.items()):
        # No condition on the episode row: every measure bounds its own rows by clinic_id already, and a correlated
        # EXISTS per row would cost the planner (SQLite above all) more than the read itself on a large clinic.
        return conditions
    ep = aliased(Episode)  # never correlated with an outer episode (a measure that selects from episode itself)
    on_episode = [ep.id == episode_id, ep.clinic_id == clinic_id]
    if filters.clinician_id is not None and "clinician" not in skip:
        on_episode.append(ep.responsible_clinician_id == filters.clinician_id)
    if filters.location_id is not None and "location" not in skip:
        on_episode.append(ep.location_id == filters.location_id)
    if filters.payer_id is not None and "payer" not in skip:
        on_episode.append(exists(select(Coverage.id).where(
            Coverage.patient_id == ep.patient_id, Coverage.clinic_id == clinic_id, Coverage.priority == 1,
            Coverage.payer_id == filters.payer_id)))
    return [exists(select(ep.id).where(and_(*on_episode))), *conditions]


def ignored_words(ignored: Sequence[str]) -> str:
    if not ignored:
        return "It applies every filter."
    return "It ignores the " + ", ".join(FILTER_WORDS[k] for k in ignored) + " filter" + ("s." if len(ignored) > 1 else ".")


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None for no values."""
    return float(statistics.median(values)) if values else None


def mean(values: Sequence[float]) -> float | None:
    return float(statistics.fmean(values)) if values else None


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal; None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600.0


def period_bounds_utc(filters: Filters, calendar) -> tuple[datetime, datetime]:
    """The period as naive UTC instants: the start of the first local day, the start of the day after the last."""
    return (calendar.start_of_local_day_utc(filters.period_from),
            calendar.start_of_local_day_utc(filters.period_to + timedelta(days=1)))


def in_period(day: date, filters: Filters) -> bool:
    return filters.period_from <= day <= filters.period_to


def bar_chart(x_label: str, y_label: str, categories: Sequence[str], series: dict[str, Sequence[float | None]]) -> Chart:
    return Chart(kind="bar", x_label=x_label, y_label=y_label, x=tuple(categories),
                 series=tuple(Series(label, tuple(values)) for label, values in series.items()))
