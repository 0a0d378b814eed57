"""Therapy measures: PT order to first PT visit, and PT gap days (planned visits no authorization covered).

Reads pt_course, pt_authorization and encounter read-only (a read model, as DESIGN.md allows): one batch query
per kind of fact, whatever the clinic's size. The planned visit days come from therapy.rules.slot_days, the
same projection the PT slice uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.models import Encounter
from painpath.outcomes.measures import Chart, Figure, Filters, Row, Series, register_measure
from painpath.outcomes.ops_queries import (
    bar_chart,
    episode_conditions,
    ignored_words,
    mean,
    median,
    period_bounds_utc,
    rounded,
)
from painpath.therapy.models import PtAuthorization, PtCourse
from painpath.therapy.rules import slot_days

IGNORED = ("procedure",)
PRACTICE_WORDS = {"onsite": "Our therapists", "partner": "Partner practices"}


# ---- pure parts ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    window_from: date
    window_to: date
    visits_approved: int


def planned_days(start: date, frequency_per_week: int, duration_weeks: int, calendar) -> list[date]:
    """The course's planned visit days from its start: its frequency over its weeks, on the slot days the PT
    slice projects (therapy.rules.slot_days)."""
    return list(islice(slot_days(start, frequency_per_week, calendar), max(frequency_per_week * duration_weeks, 0)))


def gap_days(planned: Sequence[date], windows: Sequence[Window]) -> list[date]:
    """The planned days no valid authorization covered. A day is covered by a window that contains it and
    still has an approved visit left (each covered day uses one, earliest windows first); otherwise it is a
    gap day."""
    left = [w.visits_approved for w in windows]
    order = sorted(range(len(windows)), key=lambda i: (windows[i].window_from, windows[i].window_to, i))
    gaps = []
    for day in sorted(planned):
        for i in order:
            if windows[i].window_from <= day <= windows[i].window_to and left[i] > 0:
                left[i] -= 1
                break
        else:
            gaps.append(day)
    return gaps


# ---- queries ------------------------------------------------------------------------------------------

def _courses(session: Session, *, clinic_id: int, filters: Filters, anchor_utc: bool, calendar):
    query = select(PtCourse.id, PtCourse.episode_id, PtCourse.start_date, PtCourse.frequency_per_week, PtCourse.duration_weeks,
                   PtCourse.practice_name).where(PtCourse.clinic_id == clinic_id, PtCourse.status != "cancelled",
                                   *episode_conditions(filters, PtCourse.episode_id, clinic_id=clinic_id, ignore=IGNORED))
    if anchor_utc:
        start, end = period_bounds_utc(filters, calendar)
        query = query.where(PtCourse.created_at >= start, PtCourse.created_at < end)
    else:
        query = query.where(PtCourse.start_date >= filters.period_from, PtCourse.start_date <= filters.period_to)
    return session.connection().execute(query.order_by(PtCourse.id)).all()  # plain rows: no ORM entity per course


class PtOrderToFirstVisit:
    id = "pt_order_to_first_visit"
    title = "PT order to first PT visit"
    group = "operational"
    definition = (
        "For each PT course ordered in the period (the anchor is the day the course was created, which is when the "
        "PT order was written, on the clinic's calendar): the calendar days from that day to the first PT visit note "
        "on the episode dated on or after it. Grouped by where the therapy is given (our therapists, partner "
        "practices). Cancelled courses are excluded; courses with no PT visit yet are shown apart (censored), not in "
        "the median or mean. " + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        start, end = period_bounds_utc(filters, calendar)
        courses = session.execute(
            select(PtCourse.id, PtCourse.episode_id, PtCourse.created_at, PtCourse.practice_kind)
            .where(PtCourse.clinic_id == clinic_id, PtCourse.status != "cancelled", PtCourse.created_at >= start,
                   PtCourse.created_at < end,
                   *episode_conditions(filters, PtCourse.episode_id, clinic_id=clinic_id, ignore=IGNORED))
            .order_by(PtCourse.id)).all()
        visits: dict[int, list[date]] = {}
        if courses:
            for episode_id, on in session.execute(
                    select(Encounter.episode_id, Encounter.date_of_service).join(PtCourse, PtCourse.episode_id == Encounter.episode_id)
                    .where(PtCourse.clinic_id == clinic_id, PtCourse.created_at >= start, PtCourse.created_at < end,
                           Encounter.encounter_type == "pt_visit", Encounter.addendum_of_id.is_(None)).distinct()):
                visits.setdefault(episode_id, []).append(on)
        timed = []
        for course_id, episode_id, created_at, kind in courses:
            ordered_on = calendar.local_date(created_at)
            later = [d for d in visits.get(episode_id, []) if d >= ordered_on]
            timed.append((course_id, episode_id, kind, (min(later) - ordered_on).days if later else None))
        rows, medians = [], []
        for kind in ("all", "onsite", "partner"):
            group = [t for t in timed if kind == "all" or t[2] == kind]
            if kind != "all" and not group:
                continue
            days = sorted(t[3] for t in group if t[3] is not None)
            rows.append(Row(key=kind, cells=("All courses" if kind == "all" else PRACTICE_WORDS.get(kind, kind), len(group), len(days),
                                             rounded(median(days)), rounded(mean(days)), len(group) - len(days)),
                            episode_ids=tuple(sorted({t[1] for t in group}))))
            if kind != "all":
                medians.append(rounded(median(days)))
        waiting = rows[0].cells[5] if rows else 0
        return Figure(
            measure_id=self.id, title=self.title, definition=self.definition,
            columns=("Where", "Courses ordered", "With a first visit", "Median days", "Mean days", "No visit yet"),
            rows=tuple(rows),
            chart=bar_chart("Where", "Days", [r.cells[0] for r in rows if r.key != "all"], {"Median days": medians}),
            notes=(f"{waiting} courses with no PT visit yet: censored, not in the median or mean.",) if waiting else ())


class PtGapDays:
    id = "pt_gap_days"
    title = "PT gap days"
    group = "operational"
    definition = (
        "For each PT course starting in the period (the anchor is the course's start date): its planned visit days "
        "(its visits per week over its weeks, from its start, on the days the PT schedule uses) on which no valid PT "
        "authorization covered a visit: no authorization window contained the day, or the windows that did had used "
        "all their approved visits on earlier planned days. The first row is the total over all courses; then one row "
        "per course with gap days. Cancelled courses are excluded. " + ignored_words(IGNORED))

    def compute(self, session: Session, *, clinic_id: int, filters: Filters, knowledge, calendar) -> Figure:
        courses = _courses(session, clinic_id=clinic_id, filters=filters, anchor_utc=False, calendar=calendar)
        windows: dict[int, list[Window]] = {}
        if courses:
            for course_id, w_from, w_to, approved in session.execute(
                    select(PtAuthorization.course_id, PtAuthorization.window_from, PtAuthorization.window_to,
                           PtAuthorization.visits_approved).join(PtCourse, PtCourse.id == PtAuthorization.course_id)
                    .where(PtCourse.clinic_id == clinic_id, PtCourse.start_date >= filters.period_from,
                           PtCourse.start_date <= filters.period_to).order_by(PtAuthorization.id)):
                windows.setdefault(course_id, []).append(Window(w_from, w_to, approved))
        per_course, plans = [], {}
        for c in courses:
            shape = (c.start_date, c.frequency_per_week, c.duration_weeks)  # many courses share one: plan it once
            if shape not in plans:
                plans[shape] = planned_days(*shape, calendar)
            planned = plans[shape]
            gaps = gap_days(planned, windows.get(c.id, []))
            per_course.append((c, len(planned), gaps))
        total_gaps = sum(len(g) for _c, _p, g in per_course)
        with_gaps = [(c, p, g) for c, p, g in per_course if g]
        rows = [Row(key="all", cells=("All courses", None, len(per_course), sum(p for _c, p, _g in per_course), total_gaps,
                                      len(with_gaps), None),
                    episode_ids=tuple(sorted({c.episode_id for c, _p, _g in per_course})))]
        for c, p, g in with_gaps:
            rows.append(Row(key=f"course-{c.id}", cells=(f"Course {c.id} at {c.practice_name}", c.start_date, 1, p, len(g), 1, g[0]),
                            episode_ids=(c.episode_id,)))
        buckets = {"0": 0, "1-2": 0, "3-5": 0, "6+": 0}
        for _c, _p, g in per_course:
            n = len(g)
            buckets["0" if n == 0 else "1-2" if n <= 2 else "3-5" if n <= 5 else "6+"] += 1
        chart = Chart(kind="bar", x_label="Gap days in the course", y_label="Courses", x=tuple(buckets),
                      series=(Series("Courses", tuple(float(v) for v in buckets.values())),))
        return Figure(
            measure_id=self.id, title=self.title, definition=self.definition,
            columns=("Course", "Start", "Courses", "Planned visits", "Gap days", "Courses with gaps", "First gap day"),
            rows=tuple(rows), chart=chart, extra={"mean_gap_days": rounded(mean([len(g) for _c, _p, g in per_course])),
                                                  "median_gap_days": rounded(median([len(g) for _c, _p, g in per_course]))})


register_measure(PtOrderToFirstVisit())
register_measure(PtGapDays())
