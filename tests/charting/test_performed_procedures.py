"""Performed procedures and relief reports through the JSON API: the pack decides codes, region and
whether a procedure is diagnostic; relief is stored as reported and computed from a pain score."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting.procedures import rules
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.audit import AuditEvent

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
MBB = {"procedure_key": "mbb_lumbar", "cpt_codes": ["64493", "64494"], "side": "left", "levels": ["L4-L5", "l5-s1"],
       "performed_on": "2026-11-20", "baseline_pain": 8, "baseline_scale": "nrs"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _episode(client, patient_payload, episode_payload, mrn="MRN-1001") -> int:  # noqa: ANN001
    patient_id = client.post("/api/patients", json={**patient_payload, "mrn": mrn}).json()["id"]
    return client.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"}).json()["id"]


@pytest.fixture
def episode_id(client_for, patient_payload, episode_payload, clock) -> int:
    return _episode(client_for("coordinator"), patient_payload, episode_payload)


def _counts(db) -> tuple[int, int]:  # noqa: ANN001
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(PerformedProcedure)),
                session.scalar(select(func.count()).select_from(ProcedureRelief)))


def _problems(response) -> list[dict]:  # noqa: ANN001
    return [{"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_a_medial_branch_block_takes_region_and_diagnostic_from_the_pack_and_is_audited(client_for, episode_id, db):
    response = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=MBB)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["procedure_key"], body["region"], body["diagnostic"]) == ("mbb_lumbar", "lumbar", True)
    assert body["procedure_name"] == "Lumbar medial branch block (diagnostic)"
    assert body["levels"] == ["L4-5", "L5-S1"]  # two spellings, one canonical form
    assert body["cpt_codes"] == ["64493", "64494"] and body["relief"] == []
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.record")).one()
        assert event.object_id == str(body["id"]) and event.detail == {"procedure": "mbb_lumbar", "levels": 2}


def test_a_therapeutic_injection_is_not_diagnostic_and_a_code_may_repeat_per_level(client_for, episode_id):
    three_levels = {"procedure_key": "tfesi_lumbar", "cpt_codes": ["64483", "64484", "64484"], "side": "right",
                    "levels": ["L3-4", "L4-5", "L5-S1"], "performed_on": "2026-12-07"}
    body = client_for("nurse").post(f"/api/episodes/{episode_id}/procedures", json=three_levels).json()
    assert body["diagnostic"] is False and body["cpt_codes"] == ["64483", "64484", "64484"]  # payers judge the 3rd level


def test_relief_from_a_pain_score_is_computed_against_the_baseline_and_audited(client_for, episode_id, db):
    clinician = client_for("clinician")
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    response = clinician.post(f"/api/procedures/{procedure['id']}/relief",
                              json={"measured_on": "2026-11-20", "pain_score": 1.2, "scale": "nrs", "hours_after": 4})
    assert response.status_code == 201, response.text
    relief = response.json()
    assert (relief["method"], relief["percent"], relief["pain_score"]) == ("pain_score", 85.0, 1.2)
    assert relief["same_scale_as_baseline"] is True and relief["warnings"] == []
    direct = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-12-04", "percent": 78, "scale": "nrs"}).json()
    assert (direct["method"], direct["percent"], direct["pain_score"]) == ("percent", 78.0, None)
    (listed,) = client_for("manager").get(f"/api/episodes/{episode_id}/procedures").json()
    assert [(r["measured_on"], r["percent"], r["hours_after"]) for r in listed["relief"]] == [("2026-11-20", 85.0, 4.0), ("2026-12-04", 78.0, None)]
    with db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.relief").order_by(AuditEvent.id)))
        assert [e.detail["method"] for e in events] == ["pain_score", "percent"]
        assert {e.patient_id for e in events} == {listed["patient_id"]}


def test_relief_on_another_scale_is_stored_and_the_answer_says_so(client_for, episode_id, db):
    clinician = client_for("clinician")
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    response = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-21", "pain_score": 2, "scale": "vas"})
    assert response.status_code == 201, response.text
    relief = response.json()
    assert relief["percent"] == 75.0 and relief["scale"] == "vas"
    assert relief["same_scale_as_baseline"] is False
    assert relief["warnings"] == ["Relief was measured on the VAS but the baseline on the NRS: payers want the same scale before and after"]
    (listed,) = clinician.get(f"/api/episodes/{episode_id}/procedures").json()
    assert listed["relief"][0]["same_scale_as_baseline"] is False
    assert _counts(db) == (1, 1)


def test_pain_worse_than_baseline_counts_as_no_relief_with_a_warning(client_for, episode_id):
    clinician = client_for("clinician")
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    relief = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "pain_score": 9, "scale": "nrs"}).json()
    assert relief["percent"] == 0.0
    assert relief["warnings"] == ["Pain after (9) was higher than the baseline (8): relief counted as 0%"]


def test_a_stimulator_trial_names_its_region_because_the_pack_says_any(client_for, episode_id):
    nurse = client_for("nurse")
    trial = {"procedure_key": "scs_trial", "cpt_codes": ["63650"], "levels": ["T8-9"], "performed_on": "2026-12-01"}
    missing = nurse.post(f"/api/episodes/{episode_id}/procedures", json=trial)
    assert missing.status_code == 422 and {"field": "region", "rule": "required"} in _problems(missing)
    body = nurse.post(f"/api/episodes/{episode_id}/procedures", json={**trial, "region": "thoracic"}).json()
    assert (body["region"], body["levels"], body["diagnostic"]) == ("thoracic", ["T8-9"], False)


def test_a_procedure_note_of_this_episode_may_be_linked_but_not_another_episodes(client_for, episode_id, patient_payload, episode_payload):
    clinician = client_for("clinician")
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "procedure", "date_of_service": "2026-11-20"}).json()
    linked = clinician.post(f"/api/episodes/{episode_id}/procedures", json={**MBB, "encounter_id": note["id"]})
    assert linked.status_code == 201 and linked.json()["encounter_id"] == note["id"]
    other_episode = _episode(client_for("coordinator"), patient_payload, episode_payload, mrn="MRN-2002")
    elsewhere = clinician.post(f"/api/episodes/{other_episode}/procedures", json={**MBB, "encounter_id": note["id"]})
    assert elsewhere.status_code == 422 and _problems(elsewhere) == [{"field": "encounter_id", "rule": "same_episode"}]
    unknown = clinician.post(f"/api/episodes/{episode_id}/procedures", json={**MBB, "encounter_id": 999999})
    assert _problems(unknown) == [{"field": "encounter_id", "rule": "exists"}]


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"procedure_key": "mbb_lumber"}, "procedure_key", "known_procedure"),
        ({"procedure_key": "mri_lumbar", "cpt_codes": ["72148"]}, "procedure_key", "performed_procedure"),
        ({"cpt_codes": ["64493", "64635"]}, "cpt_codes[1]", "procedure_code"),
        ({"cpt_codes": []}, "cpt_codes", "required"),
        ({"region": "cervical"}, "region", "procedure_region"),
        ({"levels": ["L4/5"]}, "levels[0]", "level_format"),
        ({"levels": ["L4-6"]}, "levels[0]", "level_format"),
        ({"levels": ["L4-5", "C5-6"]}, "levels[1]", "level_in_region"),
        ({"levels": ["L4-5", "L4-L5"]}, "levels[1]", "unique"),
        ({"procedure_key": "si_joint_injection", "cpt_codes": ["27096"], "levels": ["L5-S1"]}, "levels[0]", "no_levels"),
        ({"performed_on": "2026-12-08"}, "performed_on", "not_future"),
        ({"baseline_pain": 11}, "baseline_pain", "pain_score"),
        ({"baseline_scale": None}, "baseline_scale", "required_with_baseline"),
        ({"baseline_pain": None}, "baseline_pain", "required_with_scale"),
        ({"side": "up"}, "side", "literal_error"),
        ({"baseline_scale": "faces"}, "baseline_scale", "literal_error"),
    ],
)
def test_bad_procedures_name_the_field_and_rule_and_save_nothing(client_for, episode_id, db, change, field, rule):
    response = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json={**MBB, **change})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in _problems(response)
    assert _counts(db) == (0, 0)


@pytest.mark.parametrize(
    ("relief", "field", "rule"),
    [
        ({"percent": 80, "pain_score": 2}, "percent", "one_of"),
        ({}, "percent", "one_of"),
        ({"percent": 120}, "percent", "percent"),
        ({"pain_score": 12}, "pain_score", "pain_score"),
        ({"percent": 80, "measured_on": "2026-11-19"}, "measured_on", "after_procedure"),
        ({"percent": 80, "measured_on": "2026-12-08"}, "measured_on", "not_future"),
        ({"percent": 80, "hours_after": -1}, "hours_after", "not_negative"),
        ({"percent": 80, "lasted_days": -3}, "lasted_days", "not_negative"),
        # Measured on the procedure day: relief cannot have lasted 30 days yet.
        ({"percent": 80, "lasted_days": 30}, "lasted_days", "within_follow_up"),
        ({"percent": 80, "scale": "faces"}, "scale", "literal_error"),
    ],
)
def test_bad_relief_reports_name_the_field_and_rule_and_save_nothing(client_for, episode_id, db, relief, field, rule):
    clinician = client_for("clinician")
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    response = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "scale": "nrs", **relief})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in _problems(response)
    assert _counts(db) == (1, 0)


def test_a_pain_score_needs_a_baseline_to_compute_relief_from(client_for, episode_id, db):
    clinician = client_for("clinician")
    no_baseline = {**MBB, "baseline_pain": None, "baseline_scale": None}
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=no_baseline).json()
    response = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "pain_score": 2, "scale": "nrs"})
    assert _problems(response) == [{"field": "pain_score", "rule": "needs_baseline"}]
    as_percent = clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "percent": 80, "scale": "nrs"})
    assert as_percent.status_code == 201
    assert as_percent.json()["same_scale_as_baseline"] is None
    assert as_percent.json()["warnings"] == ["The procedure has no baseline pain score: payers want one on the same scale as the relief"]


def test_only_note_writers_record_and_chart_readers_list(client_for, episode_id):
    coordinator = client_for("coordinator")
    assert coordinator.post(f"/api/episodes/{episode_id}/procedures", json=MBB).status_code == 403
    procedure = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    assert coordinator.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "percent": 80, "scale": "nrs"}).status_code == 403
    assert client_for("manager").get(f"/api/episodes/{episode_id}/procedures").status_code == 200
    assert client_for("billing").get(f"/api/episodes/{episode_id}/procedures").status_code == 403  # minimum necessary
    assert client_for("admin").get(f"/api/episodes/{episode_id}/procedures").status_code == 403
    assert client_for("clinician").post("/api/procedures/999999/relief", json={"measured_on": "2026-11-20", "percent": 80, "scale": "nrs"}).status_code == 404


def test_the_timeline_shows_the_procedure_and_its_relief(client_for, episode_id):
    clinician = client_for("clinician")
    procedure = clinician.post(f"/api/episodes/{episode_id}/procedures", json=MBB).json()
    clinician.post(f"/api/procedures/{procedure['id']}/relief", json={"measured_on": "2026-11-20", "pain_score": 1.2, "scale": "nrs", "hours_after": 4})
    summaries = [e["summary"] for e in clinician.get(f"/api/episodes/{episode_id}/timeline").json()]
    assert "Lumbar medial branch block (diagnostic) at L4-5, L5-S1, left performed 20 Nov 2026" in summaries
    assert "After the lumbar medial branch block (diagnostic) of 20 Nov 2026: 85% relief (NRS 8 -> 1.2), 4 h after" in summaries


@pytest.mark.parametrize(("written", "canonical"), [("L4-5", "L4-5"), ("l4-L5", "L4-5"), ("L5-S1", "L5-S1"), ("C7-T1", "C7-T1"),
                                                    ("T12-L1", "T12-L1"), ("C5-6", "C5-6"), ("L5-6", None), ("L4-L6", None),
                                                    ("S1-S2", None), ("L4", None), ("", None)])
def test_levels_are_two_adjacent_vertebrae_in_one_spelling(written, canonical):
    assert rules.canonical_level(written) == canonical


def test_relief_percent_is_the_share_of_baseline_pain_gone():
    assert rules.percent_relief(8, 2) == 75.0
    assert rules.percent_relief(6, 1) == 83.3
    assert rules.percent_relief(5, 7) == 0.0
