"""Bad input gets an error naming the field and the rule; nothing is saved."""

from sqlalchemy import func, select

from painpath.patients.models import Episode


def _open(client, patient_payload, episode_payload, codes):  # noqa: ANN001, ANN202
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    return patient_id, client.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "icd10_codes": codes})


def test_invalid_icd10_code_is_refused_with_a_clear_message(client_for, db, patient_payload, episode_payload):
    _pid, response = _open(client_for("coordinator"), patient_payload, episode_payload, ["M54.16", "M54.99"])
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "icd10_codes[1]", "rule": "icd10_cm_exists", "message": "'M54.99' is not an ICD-10-CM code"}
    ]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Episode)) == 0


def test_category_code_is_refused_as_not_billable(client_for, patient_payload, episode_payload):
    _pid, response = _open(client_for("coordinator"), patient_payload, episode_payload, ["M54.1"])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["rule"] == "icd10_cm_billable" and "Radiculopathy" in error["message"]


def test_valid_codes_are_stored_in_dotted_form(client_for, patient_payload, episode_payload):
    _pid, response = _open(client_for("coordinator"), patient_payload, episode_payload, ["m5416", "G89.4"])
    assert response.status_code == 201, response.text
    assert response.json()["icd10_codes"] == ["M54.16", "G89.4"]


def test_schema_errors_name_the_field_and_rule(client_for, patient_payload):
    response = client_for("front_desk").post("/api/patients", json={**patient_payload, "birth_date": "2090-01-01", "sex": "x"})
    assert response.status_code == 422
    fields = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert ("birth_date", "plausible_date") in fields
    assert ("sex", "literal_error") in fields


def test_unknown_payer_is_refused(client_for, patient_payload):
    client = client_for("front_desk")
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    bad = client.post(f"/api/patients/{patient_id}/coverages", json={"payer_id": "acme_health", "member_id": "X1", "effective_from": "2026-01-01"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "payer_id"
    good = client.post(f"/api/patients/{patient_id}/coverages", json={"payer_id": "aetna_commercial", "member_id": "W123", "effective_from": "2026-01-01"})
    assert good.status_code == 201 and good.json()["plan_type"] == "commercial"
