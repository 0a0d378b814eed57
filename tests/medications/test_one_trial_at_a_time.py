"""Issue 7 item 1 with J4's facts: a planned trial records its target, titration schedule, checks and
evaluation day, and a second new analgesic trial while one is still in progress (J4's label) is refused
unless an override reason is given (stored and audited)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.core.audit import AuditEvent
from painpath.knowledge.loader import load_knowledge
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.models import TrialPlan
from painpath.medications.trials.titration import titration_schedule

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
# J4: gabapentin 300 mg at night for two weeks, stopped: inadequate (dose and duration both short).
AT_NIGHT_TWO_WEEKS = {"drug_key": "gabapentin", "dose_mg": 300, "times_per_day": 1, "start_date": "2026-10-01",
                      "stop_date": "2026-10-14", "reason_stopped": "ineffective"}
# J4: 300 mg three times a day, started a week ago and still taken: in progress.
TID_ONGOING = {"drug_key": "gabapentin", "dose_mg": 300, "times_per_day": 3, "start_date": "2026-11-30"}
DULOXETINE = {"drug_key": "duloxetine", "target": {
    "daily_mg": 60, "success": "night pain under 4/10 and sleep over 6 hours",
    "measures": [{"measure": "night pain", "comparison": "below", "value": 4, "unit": "/10"},
                 {"measure": "sleep", "comparison": "above", "value": 6, "unit": "hours"}]}}

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _trials(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(MedicationTrial))


def test_a_stopped_inadequate_trial_does_not_block_and_the_plan_is_dated_from_the_pack(client_for, episode_id):
    clinician = client_for("clinician")
    earlier = clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=AT_NIGHT_TWO_WEEKS)
    assert earlier.json()["assessment"]["label"] == "inadequate"
    made = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=DULOXETINE)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["override_reason"] is None and plan["overridden_trial_ids"] == []
    assert plan["success_text"] == "night pain under 4/10 and sleep over 6 hours"
    assert plan["success_measures"][0] == {"measure": "night pain", "comparison": "below", "value": 4, "unit": "/10"}
    # Duloxetine: 30 mg for a week, then 60 mg (pack titration); 28 days at 60 mg is adequate.
    assert (plan["target_reached_on"], plan["target_dose_words"]) == ("2026-12-14", "60 mg once a day (60 mg a day)")
    assert plan["evaluation_on"] == "2027-01-10"
    items = {(i["kind"], i["due_on"]): i for i in plan["items"]}
    assert items[("titration", "2026-12-14")]["daily_mg"] == 60
    assert items[("check", "2026-12-07")]["check_id"] == "hepatic_disease"
    assert "night pain under 4/10" in items[("evaluation", "2027-01-10")]["text"]
    listed = clinician.get(f"/api/episodes/{episode_id}/medication-trials").json()
    started = next(t for t in listed if t["drug_key"] == "duloxetine")
    assert (started["dose_mg"], started["times_per_day"], started["start_date"]) == (30, 1, "2026-12-07")
    assert started["assessment"]["label"] == "in_progress"


def test_a_trial_in_progress_blocks_a_new_duloxetine_trial_without_an_override(client_for, episode_id, db):
    clinician = client_for("clinician")
    running = clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=TID_ONGOING).json()
    assert running["assessment"]["label"] == "in_progress"
    before = _trials(db)
    refused = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=DULOXETINE)
    assert refused.status_code == 409, refused.text
    (problem,) = refused.json()["errors"]
    assert (problem["field"], problem["rule"]) == ("override_reason", "one_trial_at_a_time")
    assert "gabapentin (started 2026-11-30)" in problem["message"]
    assert _trials(db) == before  # nothing half-saved
    blank = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json={**DULOXETINE, "override_reason": "   "})
    assert blank.status_code == 409


def test_with_an_override_reason_the_second_trial_is_recorded_and_audited(client_for, episode_id, db):
    clinician = client_for("clinician")
    running = clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=TID_ONGOING).json()
    reason = "Severe depression alongside the pain: duloxetine now, agreed with psychiatry"
    made = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json={**DULOXETINE, "override_reason": reason})
    assert made.status_code == 201, made.text
    assert made.json()["override_reason"] == reason
    assert made.json()["overridden_trial_ids"] == [running["id"]]
    with db.session() as session:
        plan = session.scalars(select(TrialPlan)).one()
        assert plan.override_reason == reason
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "medication_trial.one_at_a_time_override")).one()
        assert event.object_id == str(plan.id)
        assert event.detail["running_trial_ids"] == [running["id"]] and event.detail["new_drug"] == "duloxetine"
        assert reason not in str(event.detail)  # the reason stays on the plan, not in the audit log


def test_a_dose_step_of_the_running_drug_is_not_a_second_trial(client_for, episode_id):
    clinician = client_for("clinician")
    clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=TID_ONGOING)
    more = {"drug_key": "gabapentin", "target": {"daily_mg": 1200, "success": "less burning in the feet"}}
    assert clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=more).status_code == 201


def test_bad_targets_are_refused_with_field_and_rule(client_for, episode_id):
    clinician = client_for("clinician")
    low = {"drug_key": "gabapentin", "target": {"daily_mg": 600, "success": "x"}}
    (problem,) = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=low).json()["errors"]
    assert (problem["field"], problem["rule"]) == ("target.daily_mg", "adequate_dose")
    hurry = {"drug_key": "gabapentin", "target": {"daily_mg": 1800, "reach_by": "2026-12-10", "success": "x"}}
    (problem,) = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=hurry).json()["errors"]
    assert (problem["field"], problem["rule"]) == ("target.reach_by", "reachable")
    unknown = {"drug_name": "meloxicam", "target": {"daily_mg": 15, "success": "x"}}
    (problem,) = clinician.post(f"/api/episodes/{episode_id}/medication-trials/plan", json=unknown).json()["errors"]
    assert (problem["field"], problem["rule"]) == ("drug_key", "known_drug")


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def test_gabapentin_titration_300_mg_then_up_300_every_3_days_to_900(knowledge):
    gabapentin = knowledge.medication_trials.drug("gabapentin")
    schedule = titration_schedule(gabapentin, start=date(2026, 12, 7), target_daily_mg=900, interval_days=3)
    assert [(s.on, s.daily_mg, s.words) for s in schedule.steps] == [
        (date(2026, 12, 7), 300, "300 mg once a day (300 mg a day)"),
        (date(2026, 12, 10), 600, "300 mg twice a day (600 mg a day)"),
        (date(2026, 12, 13), 900, "300 mg three times a day (900 mg a day)"),
    ]
    # 28 days at 900 mg/day (the clinic's adequate trial), the target day counting as day 1.
    assert schedule.evaluation_on == date(2027, 1, 9)
    sedation = [c.on for c in schedule.checks if c.check_id == "daytime_sedation"]
    assert sedation == [date(2026, 12, 10), date(2026, 12, 13)]
    assert [c.on for c in schedule.checks if c.check_id == "renal_dosing"] == [date(2026, 12, 7)]


def test_venlafaxine_checks_blood_pressure_at_each_step(knowledge):
    venlafaxine = knowledge.medication_trials.drug("venlafaxine_xr")
    schedule = titration_schedule(venlafaxine, start=date(2026, 12, 7), target_daily_mg=150)
    assert [c.check_id for c in schedule.checks] == ["blood_pressure"]
    assert schedule.checks[0].on == date(2026, 12, 14)
