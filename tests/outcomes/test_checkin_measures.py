"""Check-in adherence, on a hand-built clinic whose check-ins come from PT courses (checkins.service.schedule):
on Sun 20 Dec 2026, of the three PT-block check-ins whose window closed in December, one was done in its window,
one late and one missed; a cancelled one, one still to come and a closed episode's are left out."""

from datetime import date, datetime, timezone

import time_machine
from ops_clinic import Desk, episode, set_status

from painpath.checkins import service as checkins
from painpath.checkins.schedule import ScheduledCheckin
from painpath.outcomes.checkin_measures import CheckinAdherence, closed_in_period, outcome
from painpath.outcomes.measures import Filters
from painpath.therapy import service as therapy
from painpath.therapy.models import PtCourse
from painpath.therapy.schemas import CourseIn

DECEMBER = Filters(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31))
SUNDAY_20_DEC = datetime(2026, 12, 20, 18, 0, tzinfo=timezone.utc)


def _course(session, desk: Desk, e, start: date) -> PtCourse:  # noqa: ANN001
    """A 6-week course twice a week: check-ins open on days 14 and 28 for 3 days (the check-ins pack)."""
    with time_machine.travel(datetime(2026, 10, 20, 16, tzinfo=timezone.utc), tick=False):
        return therapy.create_course(session, actor=desk.actor("coordinator"), knowledge=desk.ctx.knowledge, episode_id=e.id, data=CourseIn(
            protocol_id="lumbar_stabilization", therapist_id=desk.staff["therapist"].id, practice_name="Riverside PT",
            frequency_per_week=2, duration_weeks=6, start_date=start))


def _done(session, desk: Desk, course: PtCourse, n: int, on: date, pain: int) -> None:  # noqa: ANN001
    """The nurse's check-in note of the course's n-th check-in, written on `on` at 10:00 in Chicago."""
    with time_machine.travel(datetime(on.year, on.month, on.day, 16, tzinfo=timezone.utc), tick=False):
        checkins.write_note(session, actor=desk.actor("nurse"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                            episode_id=course.episode_id, key=f"pt:{course.id}:{n}", expected_version=None, pain_now=pain,
                            function_words="Walking to the shop again", side_effects=None, red_flags=False, red_flags_words=None,
                            next_step="Carry on with the exercises")


def _cancel(session, desk: Desk, course: PtCourse, n: int, at: datetime) -> None:  # noqa: ANN001
    with time_machine.travel(at.replace(tzinfo=timezone.utc), tick=False):
        checkins.cancel(session, actor=desk.actor("nurse"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                        episode_id=course.episode_id, key=f"pt:{course.id}:{n}", expected_version=None, reason="Course on hold")


def build(db, desk: Desk) -> dict[str, int]:  # noqa: ANN001
    clinician = desk.staff["clinician"].id
    with db.session() as session:
        e1 = episode(session, desk, "One", clinician_id=clinician)
        e2 = episode(session, desk, "Two")
        e3 = episode(session, desk, "Three")
        e4 = episode(session, desk, "Four")
        p1 = _course(session, desk, e1, date(2026, 11, 23))  # 7-9 Dec (done on the 8th), 21-23 Dec (not closed yet)
        _done(session, desk, p1, 1, date(2026, 12, 8), pain=4)
        p5 = _course(session, desk, e1, date(2026, 11, 23))  # 7-9 Dec, cancelled
        _cancel(session, desk, p5, 1, datetime(2026, 12, 6, 16))
        p2 = _course(session, desk, e2, date(2026, 11, 16))  # 30 Nov-2 Dec (done late on the 4th), 14-16 Dec (missed)
        _done(session, desk, p2, 1, date(2026, 12, 4), pain=5)
        _course(session, desk, e3, date(2026, 11, 16))  # a discharged episode: not scheduled
        set_status(session, desk, e3, "discharged")
        _course(session, desk, e4, date(2026, 10, 26))  # windows closed in November
        return {"e1": e1.id, "e2": e2.id}


def _compute(db, clinic, ctx, filters: Filters):  # noqa: ANN001, ANN202
    with time_machine.travel(SUNDAY_20_DEC, tick=False), db.session() as session:
        return CheckinAdherence().compute(session, clinic_id=clinic.id, filters=filters, knowledge=ctx.knowledge, calendar=ctx.calendar)


def test_checkin_adherence_by_kind(db, clinic, staff, ctx):
    ids = build(db, Desk(ctx, staff))
    figure = _compute(db, clinic, ctx, DECEMBER)
    rows = {r.key: r for r in figure.rows}
    # kind, closed, in window, late, missed, done %, in window %
    assert rows["all"].cells == ("All check-ins", 3, 1, 1, 1, 66.7, 33.3)
    assert rows["all"].episode_ids == (ids["e1"], ids["e2"])
    assert list(rows) == ["all", "pt_block"] and rows["pt_block"].cells[0] == "During a PT course"
    assert figure.chart.series[0].values == (66.7,)

    first_days = _compute(db, clinic, ctx, Filters(date(2026, 12, 1), date(2026, 12, 5)))
    assert first_days.rows[0].cells[1:5] == (1, 0, 1, 0) and first_days.rows[0].episode_ids == (ids["e2"],)
    mine = _compute(db, clinic, ctx, Filters(DECEMBER.period_from, DECEMBER.period_to, clinician_id=staff["clinician"].id))
    assert mine.rows[0].cells[1:5] == (1, 1, 0, 0) and mine.rows[0].episode_ids == (ids["e1"],)


def _checkin(status: str, due: date, done: date | None = None) -> ScheduledCheckin:
    return ScheduledCheckin(key="pt:1:1", clinic_id=1, episode_id=1, patient_id=1, kind="pt_block", title="t", patient_title="t",
                            opens_on=date(2026, 12, 7), due_on=due, how="telehealth", status=status, done_on=done)


def test_outcome_of_a_checkin():
    closed = date(2026, 12, 19)
    assert outcome(_checkin("done", date(2026, 12, 9), date(2026, 12, 8)), closed) == "in_window"
    assert outcome(_checkin("done", date(2026, 12, 9), date(2026, 12, 12)), closed) == "late"
    assert outcome(_checkin("missed", date(2026, 12, 9)), closed) == "missed"
    assert outcome(_checkin("cancelled", date(2026, 12, 9)), closed) is None
    assert outcome(_checkin("open", date(2026, 12, 20)), closed) is None  # its window has not closed
    found = closed_in_period([_checkin("missed", date(2026, 11, 30)), _checkin("missed", date(2026, 12, 2))],
                             DECEMBER, today=date(2026, 12, 20))
    assert [c.due_on for c, _r in found] == [date(2026, 12, 2)]
