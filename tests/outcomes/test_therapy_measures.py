"""PT order to first PT visit and PT gap days, on a hand-built clinic; the gap-day counting also directly,
with hypothesis."""

from datetime import date, datetime, timedelta, timezone

import time_machine
from hypothesis import given
from hypothesis import strategies as st
from ops_clinic import Desk, episode

from painpath.charting import service as charting
from painpath.charting.schemas import EncounterIn
from painpath.core.clock import BusinessCalendar
from painpath.outcomes.measures import Filters
from painpath.outcomes.therapy_measures import PtGapDays, PtOrderToFirstVisit, Window, gap_days, planned_days
from painpath.therapy import service as therapy
from painpath.therapy.models import PtCourse
from painpath.therapy.schemas import AuthorizationIn, CourseIn

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))
AFTER_THE_VISITS = datetime(2026, 12, 20, 16, tzinfo=timezone.utc)


def _course(session, desk: Desk, e, *, freq: int, weeks: int, start: date, created: datetime, kind: str = "onsite") -> PtCourse:  # noqa: ANN001
    """A PT course ordered at `created` (UTC) through the therapy service."""
    with time_machine.travel(created.replace(tzinfo=timezone.utc), tick=False):
        return therapy.create_course(session, actor=desk.actor("coordinator"), knowledge=desk.ctx.knowledge, episode_id=e.id, data=CourseIn(
            protocol_id="lumbar_stabilization", therapist_id=desk.staff["therapist"].id, practice_name="Riverside PT", practice_kind=kind,
            practice_fax="555-0190" if kind == "partner" else None, frequency_per_week=freq, duration_weeks=weeks, start_date=start))


def _auth(session, desk: Desk, course: PtCourse, visits: int, window_from: date, window_to: date) -> None:  # noqa: ANN001
    therapy.record_authorization(session, actor=desk.actor("coordinator"), course_id=course.id,
                                 data=AuthorizationIn(visits_approved=visits, window_from=window_from, window_to=window_to))


def _visit(session, desk: Desk, e, on: date) -> None:  # noqa: ANN001
    """The therapist's note of a PT visit on `on` (charting's encounter of type pt_visit)."""
    with time_machine.travel(AFTER_THE_VISITS, tick=False):
        charting.create_encounter(session, actor=desk.actor("therapist"), episode_id=e.id,
                                  data=EncounterIn(encounter_type="pt_visit", date_of_service=on, narrative="PT visit"))


def build(db, desk: Desk) -> dict[str, int]:  # noqa: ANN001
    with db.session() as session:
        ea = episode(session, desk, "Ann", payer="aetna_ma")
        eb = episode(session, desk, "Ben", payer="humana_ma")
        ec = episode(session, desk, "Cal", payer="humana_ma")
        ed = episode(session, desk, "Dee", payer="humana_ma")
        # A: twice a week for 2 weeks from Mon 7 Dec (7, 10, 14, 17); 5 visits approved 7-12 Dec: 14 and 17 are gap days.
        a = _course(session, desk, ea, freq=2, weeks=2, start=date(2026, 12, 7), created=datetime(2026, 12, 1, 16))
        _auth(session, desk, a, 5, date(2026, 12, 7), date(2026, 12, 12))
        _visit(session, desk, ea, date(2026, 12, 7))  # 6 days after the order
        _visit(session, desk, ea, date(2026, 12, 10))
        # B: three times a week for 2 weeks (7, 9, 11, 14, 16, 18); 4 visits in December, then 1 from the 18th:
        # 16 Dec is the one gap day.
        b = _course(session, desk, eb, freq=3, weeks=2, start=date(2026, 12, 7), created=datetime(2026, 12, 2, 16))
        _auth(session, desk, b, 4, date(2026, 12, 1), date(2026, 12, 31))
        _auth(session, desk, b, 1, date(2026, 12, 18), date(2026, 12, 31))
        _visit(session, desk, eb, date(2026, 11, 25))  # an earlier PT visit, before this order
        _visit(session, desk, eb, date(2026, 12, 9))  # 7 days after the order
        # C: once a week at a partner practice, fully covered, no visit yet.
        c = _course(session, desk, ec, freq=1, weeks=2, start=date(2026, 12, 7), created=datetime(2026, 12, 3, 16), kind="partner")
        _auth(session, desk, c, 10, date(2026, 12, 1), date(2026, 12, 31))
        # Left out: a course ordered and started in November. (No service cancels a course, so none is built cancelled.)
        _course(session, desk, ed, freq=2, weeks=2, start=date(2026, 11, 2), created=datetime(2026, 10, 30, 16))
        return {"a": a.id, "b": b.id, "c": c.id, "ea": ea.id, "eb": eb.id, "ec": ec.id}


def test_pt_order_to_first_visit_and_gap_days(db, clinic, staff, ctx):
    ids = build(db, Desk(ctx, staff))
    with db.session() as session:
        order = PtOrderToFirstVisit().compute(session, clinic_id=clinic.id, filters=DECEMBER, knowledge=ctx.knowledge, calendar=ctx.calendar)
        gaps = PtGapDays().compute(session, clinic_id=clinic.id, filters=DECEMBER, knowledge=ctx.knowledge, calendar=ctx.calendar)
        humana = PtGapDays().compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                     filters=Filters(DECEMBER.period_from, DECEMBER.period_to, payer_id="humana_ma"))
    rows = {r.key: r for r in order.rows}
    assert rows["all"].cells == ("All courses", 3, 2, 6.5, 6.5, 1)
    assert rows["all"].episode_ids == (ids["ea"], ids["eb"], ids["ec"])
    assert rows["onsite"].cells[1:] == (2, 2, 6.5, 6.5, 0)
    assert rows["partner"].cells[1:] == (1, 0, None, None, 1) and rows["partner"].episode_ids == (ids["ec"],)

    # Course, start, courses, planned visits, gap days, courses with gaps, first gap day
    assert [(r.key, r.cells[2:], r.episode_ids) for r in gaps.rows] == [
        ("all", (3, 12, 3, 2, None), (ids["ea"], ids["eb"], ids["ec"])),
        (f"course-{ids['a']}", (1, 4, 2, 1, date(2026, 12, 14)), (ids["ea"],)),
        (f"course-{ids['b']}", (1, 6, 1, 1, date(2026, 12, 16)), (ids["eb"],)),
    ]
    assert gaps.chart.x == ("0", "1-2", "3-5", "6+") and gaps.chart.series[0].values == (1.0, 2.0, 0.0, 0.0)
    assert [(r.key, r.cells[3:5]) for r in humana.rows] == [("all", (8, 1)), (f"course-{ids['b']}", (6, 1))]


CALENDAR = BusinessCalendar()


def test_planned_days_follow_the_pt_slot_days():
    assert planned_days(date(2026, 12, 7), 2, 2, CALENDAR) == [date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 14), date(2026, 12, 17)]
    assert planned_days(date(2026, 12, 7), 3, 0, CALENDAR) == []


def test_gap_days_by_hand():
    planned = [date(2026, 12, d) for d in (7, 10, 14, 17)]
    assert gap_days(planned, []) == planned
    assert gap_days(planned, [Window(date(2026, 12, 1), date(2026, 12, 31), 4)]) == []
    assert gap_days(planned, [Window(date(2026, 12, 1), date(2026, 12, 31), 3)]) == [date(2026, 12, 17)]  # approved visits used up
    assert gap_days(planned, [Window(date(2026, 12, 8), date(2026, 12, 15), 9)]) == [date(2026, 12, 7), date(2026, 12, 17)]


days = st.lists(st.integers(0, 60), unique=True).map(lambda xs: [date(2026, 12, 1) + timedelta(days=x) for x in sorted(xs)])
windows = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20), st.integers(0, 10)), max_size=4).map(
    lambda ws: [Window(date(2026, 12, 1) + timedelta(days=s), date(2026, 12, 1) + timedelta(days=s + n), v) for s, n, v in ws])


@given(days, windows)
def test_gap_days_properties(planned, found):
    gaps = gap_days(planned, found)
    assert set(gaps) <= set(planned)
    covered = len(planned) - len(gaps)
    assert covered <= sum(w.visits_approved for w in found)
    # A day inside no window at all is always a gap day.
    assert all(d in gaps for d in planned if not any(w.window_from <= d <= w.window_to for w in found))
