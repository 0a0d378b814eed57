"""Input that used to reach a 500 (or be stored as nonsense) is refused with 422 naming the field and the
rule: ids and paging beyond the database's integer, NaN and infinity, dates that overflow or that no
clinic can mean, integers posing as dates, NUL bytes. Pages show the same refusals next to the field."""

from __future__ import annotations

import pytest

from test_pages import create_patient_with_episode, csrf_of, form_client

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER


def _rules(response) -> set[tuple[str, str]]:  # noqa: ANN001
    assert response.status_code == 422, response.text
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


@pytest.fixture
def chart(client_for, patient_payload, episode_payload) -> dict:
    coordinator = client_for("coordinator")
    patient_id, episode_id, _task = create_patient_with_episode(coordinator, patient_payload, episode_payload)
    clinician = client_for("clinician")
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-01-05"})
    assert note.status_code == 201, note.text
    return {"coordinator": coordinator, "clinician": clinician, "patient_id": patient_id, "episode_id": episode_id,
            "encounter_id": note.json()["id"]}


@pytest.mark.parametrize("path, field", [
    (f"/api/patients/{TOO_BIG}", "patient_id"),
    (f"/api/episodes/{10**20}", "episode_id"),
    ("/api/patients/0", "patient_id"),
    (f"/api/worklist?patient_id={TOO_BIG}", "patient_id"),
])
def test_ids_and_paging_beyond_the_database_integer_are_refused(client_for, path, field):
    rules = _rules(client_for("clinician").get(path))
    assert field in {f for f, _rule in rules}
    assert rules <= {(field, "less_than_equal"), (field, "greater_than_equal")}


def test_imported_facts_offset_is_bounded(chart):
    response = chart["clinician"].get(f"/api/episodes/{chart['episode_id']}/imported-facts?offset={10**12}")
    assert _rules(response) == {("offset", "less_than_equal")}


def test_body_ids_beyond_the_database_integer_are_refused(chart):
    payload = {"problem_summary": "Low back pain", "body_region": "lumbar", "laterality": "left", "location_id": TOO_BIG}
    response = chart["coordinator"].post(f"/api/patients/{chart['patient_id']}/episodes", json=payload)
    assert _rules(response) == {("location_id", "less_than_equal")}


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_measures_refuse_nan_and_infinity(chart, token):
    response = chart["clinician"].put(
        f"/api/encounters/{chart['encounter_id']}/measures", content=f'{{"pain_now": {token}}}',
        headers={"content-type": "application/json"},
    )
    assert _rules(response) == {("pain_now", "finite_number")}


def test_appointment_in_year_9999_is_refused(chart):
    response = chart["coordinator"].post(
        f"/api/episodes/{chart['episode_id']}/appointments", json={"start_at": "9999-12-31T23:00:00"},
    )
    assert _rules(response) == {("start_at", "plausible_date")}


@pytest.mark.parametrize("birth_date", ["2999-01-01", "1850-06-01", "0001-01-01"])
def test_birth_dates_outside_1900_to_today_are_refused(client_for, patient_payload, birth_date):
    response = client_for("front_desk").post("/api/patients", json={**patient_payload, "birth_date": birth_date})
    assert _rules(response) == {("birth_date", "plausible_date")}


@pytest.mark.parametrize("value", [0, 1700000000, 12.5, True])
def test_numbers_are_not_dates(client_for, patient_payload, value):
    response = client_for("front_desk").post("/api/patients", json={**patient_payload, "birth_date": value})
    assert _rules(response) == {("birth_date", "date_type")}


def test_service_and_onset_dates_must_be_plausible(chart, episode_payload):
    note = chart["clinician"].post(
        f"/api/episodes/{chart['episode_id']}/encounters", json={"encounter_type": "follow_up", "date_of_service": "0001-01-01"},
    )
    assert _rules(note) == {("date_of_service", "plausible_date")}
    episode = chart["coordinator"].post(
        f"/api/patients/{chart['patient_id']}/episodes", json={**episode_payload, "onset_date": "0001-01-01"},
    )
    assert _rules(episode) == {("onset_date", "plausible_date")}
    as_number = chart["coordinator"].post(f"/api/patients/{chart['patient_id']}/episodes", json={**episode_payload, "onset_date": 0})
    assert _rules(as_number) == {("onset_date", "date_type")}


def test_nul_bytes_in_text_are_refused_and_nothing_is_stored(client_for, patient_payload):
    client = client_for("front_desk")
    response = client.post("/api/patients", json={**patient_payload, "given_name": "Da\x00na"})
    assert _rules(response) == {("given_name", "no_control_characters")}
    assert _rules(client.get("/api/patients", params={"q": "Oka\x00for"})) == {("q", "no_control_characters")}
    assert client.get("/api/patients", params={"q": "Okafor"}).json() == []


def test_nul_bytes_in_list_items_are_refused(chart, episode_payload):
    response = chart["coordinator"].post(
        f"/api/patients/{chart['patient_id']}/episodes", json={**episode_payload, "icd10_codes": ["M54.1\x002"]},
    )
    assert _rules(response) == {("icd10_codes", "no_control_characters")}


def test_sign_in_with_a_nul_byte_is_refused_not_a_server_error(app):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"username": "nurse\x00", "password": "x", "login_csrf": client.cookies.get("painpath_login_csrf")})
    assert response.status_code == 422


def test_the_new_patient_page_shows_the_date_and_text_refusals_by_their_fields(client_for, patient_payload):
    client = form_client(client_for("front_desk"))
    token = csrf_of(client.get("/patients/new").text)
    data = {"csrf_token": token, **patient_payload, "birth_date": "0001-01-01", "given_name": "Da\x01na",
            "email": "", "address": "", "home_location_id": ""}
    page = client.post("/patients/new", data=data)
    assert page.status_code == 422
    assert "Enter a date from 1900-01-01 to" in page.text
    assert "Remove control characters" in page.text
    assert 'id="f-birth_date"' in page.text and 'aria-invalid="true"' in page.text


def test_forged_tokens_with_any_characters_are_refused_not_a_server_error(app, client_for):
    from fastapi.testclient import TestClient

    visitor = TestClient(app)
    visitor.get("/login")
    signed_out = visitor.post("/login", data={"username": "nurse", "password": "x", "login_csrf": "jeton-é"})
    assert signed_out.status_code == 401
    nurse = form_client(client_for("nurse"))
    refused = nurse.post("/patients/new", data={"csrf_token": "jeton-é", "mrn": "X-1"})
    assert refused.status_code == 403


def test_a_taper_from_a_zero_hour_interval_is_refused_not_a_server_error(chart):
    rx = {"drug": "oxycodone", "strength": 5, "interval_hours": 0}
    response = chart["clinician"].post(f"/api/episodes/{chart['episode_id']}/tapers", json={"prescriptions": [rx], "target_mme": 10})
    assert _rules(response) == {("prescriptions.0.interval_hours", "greater_than_equal")}
