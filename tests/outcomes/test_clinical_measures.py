"""MIC share, PT progression and MME on tapers: each rule on plain data, then a hand-built clinic whose answers
are known, computed through the registered measures on the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from ops_clinic import Desk, episode

from painpath.charting import service as charting
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.charting.schemas import EncounterIn
from painpath.knowledge.loader import load_knowledge
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.outcomes.clinical_queries import ScoreFact, TaperFact
from painpath.outcomes.measures import Filters, measure
from painpath.outcomes.mic_measures import Window, baseline_and_latest, tally
from painpath.outcomes.mme_measures import monthly_mme, mme_figure, status_figure, taper_standing
from painpath.outcomes.pt_measures import course_progress
from painpath.patients.models import Episode
from painpath.plans import service as plans
from painpath.plans.schemas import PlanStartIn
from painpath.therapy import service as therapy
from painpath.therapy.schemas import CourseIn

D0 = date(2026, 2, 2)


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def day(n: int) -> date:
    return D0 + timedelta(days=n)


# --- minimal important change --------------------------------------------------------------------------------

def test_the_baseline_is_the_last_score_at_the_start_else_the_first_after(knowledge):
    window = Window(1, "facet_low_back_pain", None, day(10), None)
    scores = [ScoreFact(1, "odi", day(0), 50), ScoreFact(1, "odi", day(9), 48), ScoreFact(1, "odi", day(40), 30), ScoreFact(1, "odi", day(60), 36)]
    assert baseline_and_latest(scores, window) == (scores[1], scores[3])
    assert baseline_and_latest(scores[2:], window) == (scores[2], scores[3])
    assert baseline_and_latest(scores[:2], window) is None  # nothing after the start
    assert baseline_and_latest(scores, Window(1, "p", "s", day(10), day(50))) == (scores[1], scores[2])  # the step ended on day 50


def test_reaching_the_mic_uses_the_instrument_pack(knowledge):
    # ODI: 10 points or 30% of the baseline. 48 -> 38 reaches (10 points); 20 -> 15 reaches (25%? no: 5 points is 25% - not reached)
    windows = [Window(1, "facet_low_back_pain", None, day(10), None), Window(2, "facet_low_back_pain", None, day(10), None),
               Window(3, "facet_low_back_pain", None, day(10), None), Window(4, "facet_low_back_pain", None, day(10), None)]
    scores = {1: [ScoreFact(1, "odi", day(5), 48), ScoreFact(1, "odi", day(50), 38)],
              2: [ScoreFact(2, "odi", day(5), 20), ScoreFact(2, "odi", day(50), 15)],
              3: [ScoreFact(3, "odi", day(5), 20), ScoreFact(3, "odi", day(50), 14)],  # 30% of 20
              4: [ScoreFact(4, "odi", day(50), 14)]}  # no baseline
    found = tally(windows, scores, knowledge.instruments)
    t = found[("facet_low_back_pain", None, "odi")]
    assert (t.measured, t.reached, t.not_measurable) == ((1, 2, 3), (1, 3), (4,))


# --- PT progression ------------------------------------------------------------------------------------------

DIRECTIONS = {"odi": "lower_is_better", "ndi": "lower_is_better", "lefs": "higher_is_better"}


def test_function_change_per_visit_between_the_first_and_last_pt_visit():
    visits = [day(1), day(8), day(15), day(22), day(29)]
    scores = [ScoreFact(1, "odi", day(0), 40), ScoreFact(1, "odi", day(15), 34), ScoreFact(1, "odi", day(29), 30), ScoreFact(1, "odi", day(40), 10)]
    progress = course_progress(day(0), visits, scores, DIRECTIONS)
    assert (progress.instrument_id, progress.gain, progress.visits, progress.per_visit) == ("odi", 10, 5, 2)
    lefs = [ScoreFact(1, "lefs", day(3), 30), ScoreFact(1, "lefs", day(29), 45)]  # higher is better; first score after the first visit
    assert course_progress(day(0), visits, lefs, DIRECTIONS).per_visit == 3
    assert course_progress(day(0), visits[:1], scores, DIRECTIONS) is None  # one visit
    assert course_progress(day(0), visits, scores[:1], DIRECTIONS) is None  # no later score
    assert course_progress(day(10), visits, scores, DIRECTIONS).visits == 3  # visits before the course start are another course's


# --- MME on tapers -------------------------------------------------------------------------------------------

def _taper(id_: int, steps, status: str = "active", original: float = 90) -> TaperFact:  # noqa: ANN001
    return TaperFact(id_, id_, D0, original, status, tuple(steps))


def test_monthly_mme_carries_the_dose_of_the_last_step_done():
    taper = _taper(1, [(1, day(30), 81, day(31)), (2, day(60), 72, day(95)), (3, day(90), 63, None)])
    assert monthly_mme(taper) == [90, 81, 81, 72]  # step 2 done late, in month 3
    assert monthly_mme(_taper(2, [(1, day(30), 81, None)])) == [90]


def test_the_median_and_quartiles_per_month_and_the_standing_of_each_taper():
    tapers = [_taper(1, [(1, day(30), 80, day(30))], original=100), _taper(2, [(1, day(30), 40, day(30))], original=50),
              _taper(3, [(1, day(30), 60, day(30))], original=60), _taper(4, [], original=70)]
    found = mme_figure(tapers)
    assert [r.cells for r in found.rows] == [(0, 4, 65.0, 57.5, 77.5), (1, 3, 60.0, 50.0, 70.0)]
    assert found.rows[1].episode_ids == (1, 2, 3)
    today = day(45)
    assert taper_standing(_taper(5, [(1, day(44), 80, None)]), today) == "behind"
    assert taper_standing(_taper(6, [(1, day(45), 80, None)]), today) == "on_plan"
    assert taper_standing(_taper(7, [(1, day(44), 80, None)], status="paused"), today) == "paused"
    standing = status_figure([_taper(5, [(1, day(44), 80, None)]), _taper(6, []), _taper(7, [], "completed"), _taper(8, [], "completed")], today)
    assert [(r.key, r.cells[1], r.cells[2]) for r in standing.rows] == [("on_plan", 1, 25.0), ("behind", 1, 25.0), ("paused", 0, 0.0), ("completed", 2, 50.0)]


# --- a hand-built clinic -------------------------------------------------------------------------------------

def _at(n: int, hour: int = 10) -> datetime:
    """Day n at `hour` o'clock in the clinic (Chicago; February to April 2026 are UTC-6 then UTC-5), as UTC."""
    return datetime.combine(day(n), datetime.min.time()).replace(hour=hour, tzinfo=ZoneInfo("America/Chicago")).astimezone(timezone.utc)


def _odi(session, desk: Desk, episode_id: int, on: date, total: int) -> None:  # noqa: ANN001
    """An ODI given on `on` whose answers add up to `total` (ten items of 0-5, total = points x 2)."""
    points, extra = divmod(total // 2, 10)
    answers = {f"odi_{i}": points + (1 if i <= extra else 0) for i in range(1, 11)}
    instruments.administer(session, actor=desk.actor("clinician"), knowledge=desk.ctx.knowledge, calendar=desk.ctx.calendar,
                           episode_id=episode_id, data=AdministrationIn(
        instrument_id="odi", answers=answers, administered_at=datetime.combine(on, datetime.min.time()).replace(hour=10)))


def test_a_hand_built_clinic_gives_its_known_shares_gains_and_doses(ctx, clinic, staff):
    cid = clinic.id
    desk = Desk(ctx, staff)
    filters = Filters(date(2026, 1, 1), date(2026, 6, 30))
    with ctx.db.session() as session, time_machine.travel(_at(80), tick=False):
        episodes = [episode(session, desk, f"Test{n}", payer="medicare_noridian_jf").id for n in range(4)]
        for n, (start, end) in enumerate(((48, 30), (40, 36), (30, 20))):  # reached, not reached, reached (10 points)
            e = episodes[n]
            with time_machine.travel(_at(10), tick=False):  # the plan starts at its first block on day 10
                plans.start_plan(session, actor=desk.actor("clinician"), knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=e,
                                 data=PlanStartIn(pathway_id="facet_low_back_pain", first_step_id="first_block"))
            _odi(session, desk, e, day(5), start)
            _odi(session, desk, e, day(70), end)
        # PT: episode 0 on lumbar stabilization, 4 visits, ODI 48 before the first visit, 40 at the last: 2 points a visit
        with time_machine.travel(_at(15), tick=False):
            therapy.create_course(session, actor=desk.actor("coordinator"), knowledge=ctx.knowledge, episode_id=episodes[0], data=CourseIn(
                protocol_id="lumbar_stabilization", therapist_id=staff["therapist"].id, practice_name="Riverside PT",
                frequency_per_week=1, duration_weeks=6, start_date=day(20)))
        for week in range(4):
            charting.create_encounter(session, actor=desk.actor("therapist"), episode_id=episodes[0],
                                      data=EncounterIn(encounter_type="pt_visit", date_of_service=day(21 + 7 * week), narrative="PT visit"))
        _odi(session, desk, episodes[0], day(42), 40)
        # Tapers are still written as rows: the taper service plans its steps from prescriptions and tablet strengths,
        # so steps of exactly 90 and 54 MME would need their own worked example.
        # tapers: 100 -> 90 (done day 31) and 60 -> 54 (done day 40), one step overdue on the second
        for e, original, first in ((episodes[2], 100.0, 90.0), (episodes[3], 60.0, 54.0)):
            taper = TaperPlan(clinic_id=cid, episode_id=e, patient_id=session.get(Episode, e).patient_id, start_date=D0, original_mme=original,
                              target_mme=0, rate="monthly", percent_per_step=10, rate_words="10% a month", rate_source="CDC 2022",
                              factor_set="cdc_2022", regimen=[], status="active")
            session.add(taper)
            session.flush()
            session.add(TaperStep(clinic_id=cid, plan_id=taper.id, episode_id=e, patient_id=taper.patient_id, kind="step", number=1,
                                  due_on=day(30), daily_mme=first, done_at=datetime.combine(day(31 if original == 100 else 40), datetime.min.time()).replace(hour=17)))
            session.add(TaperStep(clinic_id=cid, plan_id=taper.id, episode_id=e, patient_id=taper.patient_id, kind="step", number=2,
                                  due_on=day(60) if original == 100 else day(59), daily_mme=first * 0.9))
    with ctx.db.session() as session:
        compute = lambda measure_id, f=filters: measure(measure_id).compute(session, clinic_id=cid, filters=f, knowledge=ctx.knowledge, calendar=ctx.calendar)  # noqa: E731
        mic = compute("mic_share")
        pt = compute("pt_progression")
        mme = compute("mme_on_tapers")
        status = compute("taper_status")
        elsewhere = compute("mic_share", Filters(date(2026, 1, 1), date(2026, 6, 30), location_id=999))
    rows = {r.key: r for r in mic.rows}
    assert rows["facet_low_back_pain|plan|odi"].cells[3:] == (3, 2, 66.7, 0)
    assert rows["facet_low_back_pain|first_block|odi"].cells[3:6] == (3, 2, 66.7)
    assert rows["facet_low_back_pain|plan|odi"].episode_ids == tuple(sorted(episodes[:3]))
    assert mic.chart.series[0].values == (66.7,)
    assert elsewhere.rows == ()
    (row,) = pt.rows
    assert row.key == "lumbar_stabilization|odi" and row.cells[2:] == (1, 2.0, 2.0, 4) and row.episode_ids == (episodes[0],)
    assert [r.cells for r in mme.rows] == [(0, 2, 80.0, 70.0, 90.0), (1, 2, 72.0, 63.0, 81.0)]
    standing = {r.key: r.cells[1] for r in status.rows}
    assert standing == {"on_plan": 0, "behind": 2, "paused": 0, "completed": 0}  # today (the wall clock) is after both due days
