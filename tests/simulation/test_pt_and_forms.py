"""PT courses and forms in the simulated clinic, through the real therapy and paperwork services.

- Asking for the PT extension earlier closes the gap: with the request ten business days before the authorized
  visits run out, the payer's 3-9 business days come back in time; five days ahead, most answers come after
  the first visit the authorization does not cover, and those planned visits are gap days (the outcomes
  measure's definition).
- Forms patients bring are drafted, signed and sent through the forms queue: their turnaround (business days
  from received to sent, the outcomes measure) is produced and plausible.
- A course whose planned visits were all given is ended by the therapist (discharged from PT, through the
  therapy slice's course end), and an ended course leaves no PT task open.

A quarter of small_clinic's referrals over 8 weeks, so the first PT courses (6 weeks, from the business day after the
first visit) finish inside the run; a course still running at the end is censored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy import select

from painpath.charting.models import Encounter
from painpath.simulation.model import Simulation, run_replication
from painpath.simulation.scenario import load_scenario
from painpath.therapy.models import PtCourse
from painpath.worklist.models import Task

DATA = Path(__file__).parent / "data"
WEEKS = 8
SEED = 11


@pytest.fixture(scope="module")
def five_days_ahead_clinic():  # noqa: ANN201
    """The replication, with its database kept open until the module's tests have read it."""
    simulation = Simulation(load_scenario(DATA / "small_clinic_pt.yaml"), weeks=WEEKS, seed=SEED)
    try:
        yield simulation, simulation.run()
    finally:
        simulation.clinic.close()


@pytest.fixture(scope="module")
def five_days_ahead(five_days_ahead_clinic):  # noqa: ANN001, ANN201
    return five_days_ahead_clinic[1]


def test_asking_for_the_pt_extension_earlier_gives_fewer_gap_days(five_days_ahead):
    ten_days_ahead = run_replication(load_scenario(DATA / "small_clinic_pt_early.yaml"), weeks=WEEKS, seed=SEED)
    late, early = five_days_ahead, ten_days_ahead
    assert late.counts["pt_gap_days"] >= 3 and early.counts["pt_gap_days"] >= 3, (late, early)
    # Five days ahead: the answer usually comes after visit 9's day, a gap of a visit or two per course.
    assert late.measures["pt_gap_days"] >= 0.5, late
    # Ten days ahead: answered before the visits run out, no gap.
    assert early.measures["pt_gap_days"] <= 0.25, early
    assert early.measures["pt_gap_days"] < late.measures["pt_gap_days"]


def test_forms_turnaround_is_produced_and_plausible(five_days_ahead):
    assert five_days_ahead.counts["forms_turnaround_days"] >= 3, five_days_ahead
    # Drafted, signed and sent on successive mornings (each step's task appears at the next morning's review),
    # within the clinic's target of four calendar days when the staff keep up.
    assert 1.0 <= five_days_ahead.measures["forms_turnaround_days"] <= 6.0, five_days_ahead


def test_a_course_whose_planned_visits_were_given_is_ended_and_leaves_no_pt_task_open(five_days_ahead_clinic):
    simulation, _result = five_days_ahead_clinic
    with simulation.ctx.db.session() as session:
        courses = session.scalars(select(PtCourse)).all()
        ended = [c for c in courses if c.status != "active"]
        completed = [c for c in ended if c.status == "completed"]
        assert completed, [(c.id, c.status) for c in courses]
        for course in completed:
            visits = session.scalars(select(Encounter.date_of_service).where(
                Encounter.episode_id == course.episode_id, Encounter.encounter_type == "pt_visit")).all()
            assert course.ended_on == max(visits), course.id  # discharged on the day of the last visit
            assert course.end_reason and course.ended_by_id is not None
        open_for_ended = [(t.kind, t.evidence) for t in session.scalars(select(Task).where(Task.status == "open", Task.kind.startswith("pt_")))
                          if t.evidence.get("course_id") in {c.id for c in ended}]
        assert open_for_ended == []
