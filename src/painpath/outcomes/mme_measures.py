"""Opioid MME on tapers: the daily MME over months since each taper started, and where the tapers stand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import numpy

from painpath.core.clock import utcnow
from painpath.outcomes import clinical_queries
from painpath.outcomes.clinical_queries import TaperFact
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure

MONTH_DAYS = 30  # a month since the taper start is 30 days: tapers step by the month or by the week


def monthly_mme(taper: TaperFact) -> list[float]:
    """The daily MME in effect at the end of each month since the start: month 0 starts at the original MME, and a
    dose step counts from the day it was done. The series stops at the month of the last dose step done."""
    done = sorted((on, mme) for _, _, mme, on in taper.steps if on is not None and mme is not None)
    last_month = max(((on - taper.start_date).days // MONTH_DAYS for on, _ in done), default=0)
    values = []
    for month in range(max(last_month, 0) + 1):
        end = (month + 1) * MONTH_DAYS
        current = taper.original_mme
        for on, mme in done:
            if (on - taper.start_date).days < end:
                current = mme
        values.append(current)
    return values


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    q1, median, q3 = numpy.percentile(values, [25, 50, 75])
    return round(float(q1), 1), round(float(median), 1), round(float(q3), 1)


MME_COLUMNS = ("Months since the taper started", "Tapers", "Median daily MME", "25th percentile", "75th percentile")


class MmeOnTapers:
    id = "mme_on_tapers"
    title = "Opioid dose (MME) on tapers, month by month"
    group = "clinical"
    definition = (
        "For each opioid taper started in the period: the daily morphine milligram equivalent (MME) in effect at "
        "the end of each 30-day month since the start, from the original MME and the dose steps done (a step counts "
        "from the day it was marked done), up to the month of the last step done. Each month shows the median and "
        "the interquartile range over the tapers reaching it. Filters: period (taper start), payer, pathway, "
        "clinician, location; the procedure filter does not apply.")

    def compute(self, session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:  # noqa: ANN001, ARG002
        return mme_figure(clinical_queries.tapers_with_steps(session, clinic_id=clinic_id, filters=filters, calendar=calendar))


def mme_figure(tapers: Sequence[TaperFact]) -> Figure:
    by_month: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for taper in tapers:
        for month, value in enumerate(monthly_mme(taper)):
            by_month[month].append((taper.episode_id, value))
    rows, lows, medians, highs = [], [], [], []
    for month in sorted(by_month):
        q1, median, q3 = _quartiles([v for _, v in by_month[month]])
        rows.append(Row(key=f"month-{month}", episode_ids=tuple(sorted({e for e, _ in by_month[month]})),
                        cells=(month, len(by_month[month]), median, q1, q3)))
        lows.append(q1), medians.append(median), highs.append(q3)
    chart = Chart(kind="line", x_label="Months since the taper started", y_label="Daily MME", x=tuple(sorted(by_month)),
                  series=(Series("Median", tuple(medians)), Series("25th percentile", tuple(lows)),
                          Series("75th percentile", tuple(highs)))) if rows else None
    return Figure(measure_id=MmeOnTapers.id, title=MmeOnTapers.title, definition=MmeOnTapers.definition, columns=MME_COLUMNS,
                  rows=tuple(rows), chart=chart)


STATUSES = (("on_plan", "On plan"), ("behind", "Behind: a dose step overdue"), ("paused", "Paused"), ("completed", "Completed"))


def taper_standing(taper: TaperFact, today: date) -> str:
    """completed or paused as recorded; an active taper is behind when a dose step was due before today and not done."""
    if taper.status in ("completed", "paused"):
        return taper.status
    return "behind" if any(on is None and due < today for _, due, _, on in taper.steps) else "on_plan"


STATUS_COLUMNS = ("Where the taper stands", "Tapers", "Share (%)")


class TaperStatus:
    id = "taper_status"
    title = "Opioid tapers on plan, paused and completed"
    group = "clinical"
    definition = (
        "Opioid tapers started in the period, by where they stand today: completed or paused as recorded; an active "
        "taper is behind when one of its dose steps was due before today and is not marked done, else on plan. "
        "Filters: period (taper start), payer, pathway, clinician, location; the procedure filter does not apply.")

    def compute(self, session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:  # noqa: ANN001, ARG002
        tapers = clinical_queries.tapers_with_steps(session, clinic_id=clinic_id, filters=filters, calendar=calendar)
        return status_figure(tapers, calendar.local_date(utcnow()))


def status_figure(tapers: Sequence[TaperFact], today: date) -> Figure:
    groups: dict[str, list[int]] = defaultdict(list)
    for taper in tapers:
        groups[taper_standing(taper, today)].append(taper.episode_id)
    total = len(tapers)
    rows = tuple(Row(key=key, episode_ids=tuple(sorted(set(groups[key]))),
                     cells=(label, len(groups[key]), round(100 * len(groups[key]) / total, 1) if total else None))
                 for key, label in STATUSES)
    chart = Chart(kind="bar", x_label="Where the taper stands", y_label="Share of tapers (%)", x=tuple(label for _, label in STATUSES),
                  series=(Series("Share of tapers", tuple(r.cells[2] for r in rows)),)) if total else None
    return Figure(measure_id=TaperStatus.id, title=TaperStatus.title, definition=TaperStatus.definition, columns=STATUS_COLUMNS,
                  rows=rows, chart=chart)


register_measure(MmeOnTapers())
register_measure(TaperStatus())
