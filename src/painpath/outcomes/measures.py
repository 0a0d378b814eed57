"""What a measure is, and the one registry the dashboard reads (the contract every measure module keeps).

A measure is defined once, in code, with its definition in words shown on the page next to the figure. It
computes from the same facts the engine uses (the slices' tables, read-only, in the measure module's own
queries: a read model, as DESIGN.md allows), for one clinic and one set of filters, and returns a `Figure`:
a table (columns and rows) that the page draws as a chart and shows as a table under it, and exports as CSV.
Every row says which episodes stand behind it, so every number links to its cases.

Measure modules register themselves (`register_measure`) at import, like obligation providers; the dashboard
finds them through `outcomes.discovery`, which imports every `outcomes/*_measures.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

MeasureGroup = Literal["operational", "clinical"]
ChartKind = Literal["bar", "line", "step", "none"]  # step: a survival curve


@dataclass(frozen=True)
class Filters:
    """What the manager chose on the dashboard. `period_*` bound the measure's anchor date (the referral, the
    eligibility day, the procedure day ...: each measure says which in its definition)."""

    period_from: date
    period_to: date
    payer_id: str | None = None  # payers pack id
    procedure_id: str | None = None  # procedures pack id
    pathway_id: str | None = None  # pathways pack id
    clinician_id: int | None = None  # app_user id of the episode's clinician
    location_id: int | None = None


@dataclass(frozen=True)
class Row:
    """One line of a figure's table: its cells in column order, and the episodes behind it."""

    key: str  # stable within the figure ("bcbs_commercial|tfesi_cervical", "day-30"): the cases link names it
    cells: tuple[Any, ...]  # str, int, float, date or None (shown as "-")
    episode_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Series:
    """One line or set of bars of the chart: a label and one value per x (None: no point)."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    x_label: str
    y_label: str
    x: tuple[Any, ...]  # categories (bar) or numbers/dates (line, step)
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Figure:
    measure_id: str
    title: str
    definition: str  # the measure's definition in words, shown with it
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: Chart | None = None
    notes: tuple[str, ...] = ()  # e.g. "3 episodes censored: still relieved at their last report"
    extra: dict = field(default_factory=dict)


class Measure(Protocol):
    id: str  # "time_to_first_visit", "relief_duration" ... (URL-safe)
    title: str
    definition: str
    group: MeasureGroup

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge: Any, calendar: Any) -> Figure: ...


_measures: dict[str, Measure] = {}


def register_measure(measure: Measure) -> Measure:
    if measure.id in _measures and _measures[measure.id] is not measure:
        raise ValueError(f"two measures are called {measure.id!r}")
    _measures[measure.id] = measure
    return measure


def registered_measures(group: MeasureGroup | None = None) -> Sequence[Measure]:
    return [m for m in _measures.values() if group is None or m.group == group]


def measure(measure_id: str) -> Measure | None:
    return _measures.get(measure_id)
