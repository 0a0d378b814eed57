"""Administering validated instruments on an episode through the API: answers in, scores computed from
the pack, change since the episode's baseline, refusals with field + rule, and the PHQ-9 item 9
suicide-risk workflow (immediate clinician task, met by a recorded safety assessment)."""

import json
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.charting.instruments import service
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.audit import Actor, AuditEvent
from painpath.worklist.models import Task
from external_data import external

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # a Tuesday, 09:00 in Chicago
PHQ9_MILD = {"phq9_1": 1, "phq9_2": 2, "phq9_3": 1, "phq9_4": 2, "phq9_5": 1, "phq9_6": 1, "phq9_7": 0, "phq9_8": 0, "phq9_9": 0}  # 8
MII = external("questionnaires/mii-proms")


def _phq9(**changes: int) -> dict:
    return {**PHQ9_MILD, **changes}


def _episode(client_for, patient_payload, episode_payload) -> int:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient = coordinator.post("/api/patients", json=patient_payload)
    assert patient.status_code == 201, patient.text
    episode = coordinator.post(f"/api/patients/{patient.json()['id']}/episodes", json=episode_payload)
    assert episode.status_code == 201, episode.text
    return episode.json()["id"]


def _administrations(db) -> list[InstrumentAdministration]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(InstrumentAdministration)))


def _tasks(db, kind: str) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == kind)))


def test_scores_come_from_the_pack_and_change_is_measured_from_the_episode_baseline(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(NOW, tick=False):
        episode_id = _episode(client_for, patient_payload, episode_payload)
        nurse = client_for("nurse")
        url = f"/api/episodes/{episode_id}/instrument-administrations"
        first = nurse.post(url, json={"instrument_id": "phq9", "answers": _phq9(phq9_2=3, phq9_7=3, phq9_8=2), "administered_at": "2026-11-02T09:00:00"})
        assert first.status_code == 201, first.text
        body = first.json()
        assert (body["total"], body["band"], body["pack_id"], body["pack_version"]) == (14, "moderate depression", "instruments.phq9", 1)
        assert body["change"]["is_baseline"] is True and body["change"]["delta"] == 0
        assert body["source"] == "staff" and body["administered_at"] == "2026-11-02T15:00:00Z"  # Chicago wall clock -> UTC

        small = nurse.post(url, json={"instrument_id": "phq9", "answers": _phq9(phq9_2=3, phq9_7=3), "administered_at": "2026-11-09T09:00:00"})
        big = nurse.post(url, json={"instrument_id": "phq9", "answers": PHQ9_MILD, "source": "patient", "encounter_id": 42})
        gad = nurse.post(url, json={"instrument_id": "gad7", "answers": {f"gad7_{i}": v for i, v in enumerate([2, 1, 2, 1, 0, 1, 0], 1)}})
        assert small.status_code == big.status_code == gad.status_code == 201
        assert (small.json()["total"], small.json()["change"]["delta"], small.json()["change"]["reached_mic"]) == (12, -2, False)
        assert small.json()["change"]["improved"] is True
        big_body = big.json()
        assert (big_body["total"], big_body["change"]["delta"], big_body["change"]["reached_mic"]) == (8, -6, True)
        assert big_body["change"]["summary"] == "-6 since baseline (14): improved; reached minimal important change: yes"
        assert big_body["administered_by_id"] is None and big_body["recorded_by_id"] is not None and big_body["encounter_id"] == 42
        assert gad.json()["total"] == 7 and gad.json()["change"]["is_baseline"] is True  # its own baseline

        listed = client_for("manager").get(url)
        assert listed.status_code == 200
        assert [(a["instrument_id"], a["total"], a["change"]["delta"]) for a in listed.json()] == [
            ("phq9", 14, 0), ("phq9", 12, -2), ("phq9", 8, -6), ("gad7", 7, 0),
        ]
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("instrument.administer") == 4
    assert actions[-1] == "chart.read"  # listing is a chart read, audited


def test_scores_and_bad_answers_are_refused_with_field_and_rule_and_nothing_is_saved(client_for, db, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    front_desk = client_for("front_desk")
    url = f"/api/episodes/{episode_id}/instrument-administrations"

    typed_score = front_desk.post(url, json={"instrument_id": "phq9", "answers": PHQ9_MILD, "total": 8})
    assert typed_score.status_code == 422
    assert [(p["field"], p["rule"]) for p in typed_score.json()["errors"]] == [("total", "extra_forbidden")]

    bad = front_desk.post(url, json={"instrument_id": "phq9", "answers": _phq9(phq9_1=4, phq9_99=1)})
    assert bad.status_code == 422
    assert {(p["field"], p["rule"]) for p in bad.json()["errors"]} == {("answers.phq9_1", "allowed_value"), ("answers.phq9_99", "known_item")}

    missing = dict(PHQ9_MILD)
    del missing["phq9_3"]
    incomplete = front_desk.post(url, json={"instrument_id": "phq9", "answers": {**missing, "phq9_4": None}})
    assert incomplete.status_code == 422
    assert [(p["field"], p["rule"]) for p in incomplete.json()["errors"]] == [("answers.phq9_3", "required"), ("answers.phq9_4", "required")]

    unknown = front_desk.post(url, json={"instrument_id": "beck", "answers": {}})
    assert [(p["field"], p["rule"]) for p in unknown.json()["errors"]] == [("instrument_id", "known_instrument")]
    assert _administrations(db) == []
    assert _tasks(db, "instruments.safety_review") == []


def test_a_missing_item_the_pack_allows_is_prorated_and_one_more_is_refused(client_for, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    nurse = client_for("nurse")
    url = f"/api/episodes/{episode_id}/instrument-administrations"
    one_missing = {f"odi_{i}": v for i, v in enumerate([5, 5, 3, 3, 0, 0, 0, 0, 0], 1)}  # E2: 16/45 -> 35.56
    made = nurse.post(url, json={"instrument_id": "odi", "answers": one_missing})
    assert made.status_code == 201, made.text
    assert (made.json()["total"], made.json()["band"]) == (35.6, "moderate disability")
    del one_missing["odi_9"]
    refused = nurse.post(url, json={"instrument_id": "odi", "answers": one_missing})
    assert refused.status_code == 422
    assert {(p["field"], p["rule"]) for p in refused.json()["errors"]} == {("answers.odi_9", "required"), ("answers.odi_10", "required")}


def test_phq9_item_9_opens_an_immediate_clinician_task_met_by_a_safety_assessment(client_for, ctx, db, patient_payload, episode_payload):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(NOW, tick=False):
        episode_id = _episode(client_for, patient_payload, episode_payload)
        made = client_for("front_desk").post(
            f"/api/episodes/{episode_id}/instrument-administrations", json={"instrument_id": "phq9", "answers": _phq9(phq9_9=1)},
        )
        assert made.status_code == 201, made.text
        administration = made.json()
        assert [(a["kind"], a["item"], a["value"]) for a in administration["alerts"]] == [("suicide_risk", "phq9_9", 1)]

        (task,) = _tasks(db, "instruments.safety_review")
        assert (task.status, task.owner_role, task.due_at) == ("open", "clinician", datetime(2026, 11, 24, 15, 0))
        assert "item 9 answered 1" in task.reason and "phq9_9" not in task.title + task.reason and "whatever the total score" in task.reason
        assert task.evidence["instrument"] == "PHQ-9" and task.evidence["alerts"][0]["item"] == "phq9_9"
        assert task.evidence["administration_id"] == administration["id"]

        with db.session() as session:
            (alert,) = service.open_safety_alerts(session, episode_id)
        assert (alert["administration_id"], alert["kind"], alert["item"]) == (administration["id"], "suicide_risk", "phq9_9")
        timeline = client_for("clinician").get(f"/api/episodes/{episode_id}/timeline").json()
        kinds = [e["kind"] for e in (timeline["entries"] if isinstance(timeline, dict) else timeline)]
        assert "instrument.administered" in kinds and "instrument.alert.suicide_risk" in kinds

        review_url = f"/api/instrument-administrations/{administration['id']}/safety-review"
        assert client_for("nurse").post(review_url, json={"note": "Asked about plans"}).status_code == 403
        clinician = client_for("clinician")
        reviewed = clinician.post(review_url, json={"note": "Passive ideation, no plan or intent; safety plan given; PHQ-9 again in 2 weeks"})
        assert reviewed.status_code == 200, reviewed.text
        assert reviewed.json()["safety_reviewed_at"] is not None
        (task,) = _tasks(db, "instruments.safety_review")
        assert task.status == "met" and task.resolution.startswith("Safety assessment recorded by Clinician User")
        with db.session() as session:
            assert service.open_safety_alerts(session, episode_id) == []
        again = clinician.post(review_url, json={"note": "again"})
        assert again.status_code == 409
        timeline = clinician.get(f"/api/episodes/{episode_id}/timeline").json()
        kinds = [e["kind"] for e in (timeline["entries"] if isinstance(timeline, dict) else timeline)]
        assert "instrument.safety_review" in kinds


def test_no_review_for_an_administration_without_an_alert(client_for, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    made = client_for("nurse").post(f"/api/episodes/{episode_id}/instrument-administrations", json={"instrument_id": "phq9", "answers": PHQ9_MILD})
    reviewed = client_for("clinician").post(f"/api/instrument-administrations/{made.json()['id']}/safety-review", json={"note": "nothing to do"})
    assert reviewed.status_code == 409
    assert reviewed.json()["errors"][0]["rule"] == "safety_alert"


def test_an_incomplete_phq9_with_item_9_positive_is_refused_but_says_the_alert(client_for, db, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    answers = _phq9(phq9_9=2)
    del answers["phq9_1"]
    refused = client_for("nurse").post(f"/api/episodes/{episode_id}/instrument-administrations", json={"instrument_id": "phq9", "answers": answers})
    assert refused.status_code == 422
    assert [(p["field"], p["rule"]) for p in refused.json()["errors"]] == [("answers.phq9_1", "required"), ("answers.phq9_9", "alert_suicide_risk")]
    assert _administrations(db) == []


def test_the_instrument_catalogue_lists_the_packs(client_for):
    listed = client_for("billing").get("/api/instruments")
    assert listed.status_code == 200
    by_id = {i["id"]: i for i in listed.json()}
    assert {"phq9", "gad7", "odi"} <= set(by_id)
    assert by_id["phq9"]["has_alerts"] is True and by_id["phq9"]["mic"]["points"] == 5
    assert by_id["phq9"]["items"][8]["answers"][3] == {"value": 3, "label": "Nearly every day"}


def test_a_fhir_questionnaire_response_imports_and_is_scored_by_our_engine(ctx, db, staff, client_for, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    response = json.loads((MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json").read_text())
    value_sets = [json.loads(p.read_text()) for p in sorted(MII.glob("ValueSet-*.json"))]
    carried = next(i["answer"][0]["valueQuantity"]["value"] for i in response["item"] if i["linkId"] == "PHQ.Score")
    nurse = staff["nurse"]
    with db.session() as session:
        actor = Actor(user_id=nurse.id, label=nurse.username, clinic_id=nurse.clinic_id, role=nurse.role)
        row = service.import_fhir_response(
            session, actor=actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, instrument_id="phq9",
            response=response, value_sets=value_sets,
        )
        assert (row.total, row.source, row.external_ref) == (carried, "fhir_import", "QuestionnaireResponse/mii-exa-pro-phq-9-response")
        assert row.administered_at == datetime(2023, 10, 1, 12, 0) and row.administered_by_id is None
        assert [a["kind"] for a in row.alerts] == ["suicide_risk"]  # item 9 answered "nearly every day"
