"""J4 through the API: was that a real medication trial? Labels are computed on read, never stored."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from authorization_setup import frozen_clock, plain_episode
from painpath.core.audit import AuditEvent
from painpath.medications.trials.models import MedicationTrial

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
AT_NIGHT_TWO_WEEKS = {"drug_key": "gabapentin", "dose_mg": 300, "times_per_day": 1, "start_date": "2026-10-01",
                      "stop_date": "2026-10-14", "reason_stopped": "ineffective", "response": "no change in pain"}
TID_A_MONTH = {"drug_name": "Gabapentin", "dose_mg": 300, "times_per_day": 3, "start_date": "2026-10-15", "stop_date": "2026-11-11"}

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _count(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(MedicationTrial))


def test_j4_at_night_for_two_weeks_is_inadequate_for_dose_and_duration(client_for, episode_id, db):
    nurse = client_for("nurse")
    response = nurse.post(f"/api/episodes/{episode_id}/medication-trials", json=AT_NIGHT_TWO_WEEKS)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["drug_key"], body["rxnorm_code"], body["drug_name"], body["route"]) == ("gabapentin", "25480", "gabapentin", "oral")
    a = body["assessment"]
    assert a["label"] == "inadequate"
    assert a["days"] == 14 and a["daily_mg"] == 300
    assert "dose 300 mg/day is below the 900 mg/day target" in a["reasons"]
    assert any(r.startswith("lasted 14 days; an adequate trial is at least 28 days") for r in a["reasons"])
    assert "response: no change in pain" in a["reasons"]
    assert a["target"]["min_daily_mg"] == 900 and a["target"]["min_days"] == 28
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "medication_trial.record")).one()
        assert event.object_id == str(body["id"])


def test_j4_three_times_a_day_for_a_month_is_adequate_and_listed_oldest_first(client_for, episode_id):
    clinician = client_for("clinician")
    assert clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=TID_A_MONTH).status_code == 201
    assert clinician.post(f"/api/episodes/{episode_id}/medication-trials", json=AT_NIGHT_TWO_WEEKS).status_code == 201
    listed = client_for("manager").get(f"/api/episodes/{episode_id}/medication-trials")
    assert listed.status_code == 200
    labels = [(t["start_date"], t["assessment"]["label"]) for t in listed.json()]
    assert labels == [("2026-10-01", "inadequate"), ("2026-10-15", "adequate")]
    adequate = listed.json()[1]["assessment"]
    assert adequate["reasons"][0] == "900 mg/day for 28 days meets the adequate trial (at least 900 mg/day for 28 days)"
    assert adequate["payer_id"] is None and adequate["payer_reasons"] == []


def test_an_ongoing_trial_is_in_progress_until_the_clock_reaches_its_length(client_for, episode_id, clock, ctx):
    ctx.settings.session_hours = 24 * 60  # the signed-in session outlives the jump
    nurse = client_for("nurse")
    ongoing = {**TID_A_MONTH, "start_date": "2026-11-30", "stop_date": None}
    trial = nurse.post(f"/api/episodes/{episode_id}/medication-trials", json=ongoing).json()
    assert trial["assessment"]["label"] == "in_progress"
    assert trial["assessment"]["days"] == 8
    clock.move_to(datetime(2026, 12, 28, 16, 0, tzinfo=timezone.utc))
    (again,) = nurse.get(f"/api/episodes/{episode_id}/medication-trials").json()
    assert again["assessment"]["label"] == "adequate"  # computed on read: nothing stored changed


def test_an_unknown_drug_is_recorded_and_labelled_unknown(client_for, episode_id):
    body = client_for("nurse").post(f"/api/episodes/{episode_id}/medication-trials",
                                    json={"drug_name": "Meloxicam", "daily_mg": 15, "start_date": "2026-09-01", "stop_date": "2026-09-30"}).json()
    assert body["drug_key"] is None and body["drug_name"] == "Meloxicam"
    assert body["assessment"]["label"] == "unknown_drug"
    assert body["assessment"]["target"] is None


def test_side_effects_before_an_adequate_trial_is_not_tolerated(client_for, episode_id):
    body = client_for("nurse").post(f"/api/episodes/{episode_id}/medication-trials",
                                    json={**AT_NIGHT_TWO_WEEKS, "reason_stopped": "side_effects"}).json()
    assert body["assessment"]["label"] == "not_tolerated"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"dose_mg": 0}, "dose_mg", "positive"),
        ({"dose_mg": 300000}, "dose_mg", "max_dose"),
        ({"dose_mg": 3000, "times_per_day": 6}, "dose_mg", "max_daily_dose"),
        ({"times_per_day": None}, "times_per_day", "required_with_dose"),
        ({"dose_mg": None}, "dose_mg", "required_with_frequency"),
        ({"daily_mg": 900}, "daily_mg", "one_dose_form"),
        ({"start_date": "2026-12-08", "stop_date": None, "reason_stopped": None}, "start_date", "not_future"),
        ({"stop_date": "2026-09-30"}, "stop_date", "after_start"),
        ({"stop_date": "2026-12-09"}, "stop_date", "not_future"),
        ({"stop_date": None}, "reason_stopped", "needs_stop_date"),
        ({"relief_percent": 120}, "relief_percent", "percent"),
        ({"drug_key": None, "drug_name": None}, "drug_name", "required"),
        ({"reason_stopped": "bored"}, "reason_stopped", "literal_error"),
    ],
)
def test_invalid_trials_name_the_field_and_rule_and_save_nothing(client_for, episode_id, db, change, field, rule):
    response = client_for("nurse").post(f"/api/episodes/{episode_id}/medication-trials", json={**AT_NIGHT_TWO_WEEKS, **change})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]
    assert _count(db) == 0


def test_a_stale_update_is_refused_with_409_and_changes_nothing(client_for, episode_id):
    nurse, clinician = client_for("nurse"), client_for("clinician")
    trial = nurse.post(f"/api/episodes/{episode_id}/medication-trials", json=AT_NIGHT_TWO_WEEKS).json()
    first = clinician.put(f"/api/medication-trials/{trial['id']}", json={**AT_NIGHT_TWO_WEEKS, "dose_mg": 600, "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    assert first.json()["assessment"]["reasons"][0] == "dose 600 mg/day is below the 900 mg/day target"
    stale = nurse.put(f"/api/medication-trials/{trial['id']}", json={**AT_NIGHT_TWO_WEEKS, "dose_mg": 100, "version": 1})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version" and stale.json()["errors"][0]["rule"] == "current_version"
    (kept,) = nurse.get(f"/api/episodes/{episode_id}/medication-trials").json()
    assert kept["dose_mg"] == 600


def test_stopping_a_trial_records_the_last_day_and_why(client_for, episode_id):
    nurse = client_for("nurse")
    trial = nurse.post(f"/api/episodes/{episode_id}/medication-trials", json={**TID_A_MONTH, "stop_date": None}).json()
    assert trial["assessment"]["label"] == "adequate"  # 15 Oct to today is well over 28 days
    bad = nurse.post(f"/api/medication-trials/{trial['id']}/stop", json={"stop_date": "2026-10-01", "version": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "after_start"
    stopped = nurse.post(f"/api/medication-trials/{trial['id']}/stop", json={"stop_date": "2026-11-11", "reason_stopped": "cost", "version": 1})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["stop_date"] == "2026-11-11"
    assert stopped.json()["assessment"]["reasons"][-1] == "stopped after an adequate trial (cost)"
    again = nurse.post(f"/api/medication-trials/{trial['id']}/stop", json={"stop_date": "2026-11-12", "version": 2})
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "not_stopped"


def test_front_desk_cannot_record_a_trial_and_the_timeline_shows_them(client_for, episode_id):
    assert client_for("front_desk").post(f"/api/episodes/{episode_id}/medication-trials", json=AT_NIGHT_TWO_WEEKS).status_code == 403
    client_for("nurse").post(f"/api/episodes/{episode_id}/medication-trials", json=TID_A_MONTH)
    summaries = [e["summary"] for e in client_for("nurse").get(f"/api/episodes/{episode_id}/timeline").json()]
    assert "Gabapentin 300 mg three times a day started 15 Oct 2026" in summaries
    assert "Gabapentin 300 mg three times a day stopped 11 Nov 2026" in summaries


# A clinic pack adds one payer's stricter step-therapy rule for gabapentin (made-up policy text: the
# shipped packs quote no payer, see medication_trials.yaml).
STRICTER = """\
pack:
  id: clinic.test_payer_trials
  kind: medication_trials
  version: 1
  effective_date: 2026-11-29
  last_verified: 2026-11-29
drugs: []
payer_overrides:
  aetna_commercial:
    gabapentin:
      min_daily_mg: 1800
      min_days: 42
      wording: "Test policy: gabapentin at 1800 mg per day for at least 6 weeks"
      source: "test fixture, not a real policy"
      evidence: K
      verified: false
"""


def test_a_stricter_payer_says_so_in_its_own_words(client_for, patient_payload, episode_payload, clock, ctx, tmp_path):
    from painpath.knowledge import load_knowledge

    packs = tmp_path / "clinic_packs"
    packs.mkdir()
    (packs / "payer_trials.yaml").write_text(STRICTER)
    ctx.knowledge = load_knowledge([packs])
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    coverage = {"payer_id": "aetna_commercial", "member_id": "W123", "effective_from": "2026-01-01"}
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=coverage).status_code == 201
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    body = client_for("nurse").post(f"/api/episodes/{episode_id}/medication-trials", json=TID_A_MONTH).json()
    a = body["assessment"]
    assert a["label"] == "adequate"  # by the clinic's default
    assert a["payer_id"] == "aetna_commercial" and a["meets_payer_rule"] is False
    assert a["payer_reasons"] == [
        "Test policy: gabapentin at 1800 mg per day for at least 6 weeks",
        "900 mg/day is below this payer's 1800 mg/day",
        "28 days is shorter than this payer's 42 days",
    ]
