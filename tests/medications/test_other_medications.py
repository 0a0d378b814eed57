"""Any medication can be recorded: a drug outside the packs is written down as an other medication (name,
dose, sig, optional RxNorm code) and shown "not assessed by painpath" on the episode page and in the API;
bad input comes back field by field with nothing saved; a prescription may be coded with an RxNorm
clinical drug (SCD) and painpath reads its strength and computes its MME."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.medications.other.models import OtherMedication

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago
ZORBLEX = {"name": "Zorblex", "dose": "250 mg", "sig": "twice a day with food", "rxnorm_code": "99999999", "start_date": "2026-01-15"}


@pytest.fixture
def episode_id(client_for, ctx, patient_payload, episode_payload) -> int:
    ctx.settings.session_hours = 24 * 400
    with time_machine.travel(MONDAY, tick=False):
        coordinator = client_for("coordinator")
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        yield coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


@pytest.fixture
def clinician(client_for, episode_id):  # noqa: ANN001, ANN201
    with time_machine.travel(MONDAY, tick=False):
        yield client_for("clinician")


def post_form(client, url: str, data: dict):  # noqa: ANN001, ANN201
    headers = {k: v for k, v in client.headers.items() if k.lower() != "x-csrf-token"}
    return client.post(url, data={**data, "csrf_token": client.headers["x-csrf-token"]}, headers=headers, follow_redirects=False)


def section(html: str) -> str:
    match = re.search(r'<section[^>]*id="other-medications".*?</section>', html, re.S)
    assert match, "no Other medications panel on the episode page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_unknown_drug_is_recorded_on_the_page_and_shown_not_assessed(clinician, episode_id, db):
    # The prescription form still refuses it, and says where it goes instead.
    refused = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
        "drug": "Zorblex", "strength": 250, "times_per_day": 2, "start_date": "2026-03-02"})
    assert refused.status_code == 422
    (problem,) = [e for e in refused.json()["errors"] if e["field"] == "drug"]
    assert problem["rule"] == "known_drug" and "Other medications" in problem["message"]

    saved = post_form(clinician, f"/episodes/{episode_id}/other-medications", ZORBLEX)
    assert saved.status_code == 303 and saved.headers["location"] == f"/episodes/{episode_id}#other-medications"
    panel = section(clinician.get(f"/episodes/{episode_id}").text)
    assert "Zorblex · 250 mg" in panel and "twice a day with food" in panel and "RxNorm 99999999" in panel
    assert "not assessed by painpath" in panel and "Entered here" in panel

    (listed,) = clinician.get(f"/api/episodes/{episode_id}/other-medications").json()
    assert (listed["name"], listed["dose"], listed["sig"], listed["origin"]) == ("Zorblex", "250 mg", "twice a day with food", "entered")
    assert listed["assessment"] == {"status": "not_assessed", "words": "not assessed by painpath", "drug_key": None, "daily_mme": None}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "other_medication.record")) == 1

    stopped = clinician.post(f"/api/other-medications/{listed['id']}/stop", json={"stopped_on": "2026-03-01", "version": listed["version"]})
    assert stopped.status_code == 200 and stopped.json()["stopped_on"] == "2026-03-01"
    assert "Stopped (1)" in section(clinician.get(f"/episodes/{episode_id}").text)


@pytest.mark.parametrize(("form", "expected"), [
    ({**ZORBLEX, "name": ""}, {("name", "required")}),
    ({**ZORBLEX, "name": "oxycodone"}, {("name", "assessed_drug")}),  # the packs assess it: a prescription, not this
    ({**ZORBLEX, "rxnorm_code": "1049683"}, {("rxnorm_code", "assessed_drug")}),  # SCD oxycodone 10 mg tablet
    ({**ZORBLEX, "rxnorm_code": "12ab"}, {("rxnorm_code", "string_pattern_mismatch")}),
    ({**ZORBLEX, "start_date": "2026-05-01"}, {("start_date", "plausible_date")}),
])
def test_bad_input_on_the_form_gives_field_errors_and_saves_nothing(clinician, episode_id, db, form, expected):
    answer = post_form(clinician, f"/episodes/{episode_id}/other-medications", form)
    assert answer.status_code == 422
    html = answer.text
    assert "The medication was not saved" in html and 'id="add-other-medication" open' in html
    for field, _rule in expected:
        assert f'href="#f-other-{field}"' in html  # each problem links to its field
    if form["name"]:
        assert f'value="{form["name"]}"' in html  # what was typed comes back
    api = clinician.post(f"/api/episodes/{episode_id}/other-medications", json={k: v for k, v in form.items() if v != ""})
    assert api.status_code == 422
    assert {(e["field"], e["rule"]) for e in api.json()["errors"]} >= expected
    assert count(db, OtherMedication) == 0


def test_front_desk_cannot_record_another_medication(client_for, episode_id, db):
    with time_machine.travel(MONDAY, tick=False):
        answer = client_for("front_desk").post(f"/api/episodes/{episode_id}/other-medications", json=ZORBLEX)
    assert answer.status_code == 403 and count(db, OtherMedication) == 0


def test_a_prescription_coded_with_an_scd_reads_its_strength_and_computes_mme(clinician, episode_id):
    # RxNorm 1049683 is oxycodone hydrochloride 10 MG Oral Tablet (VSAC); four a day: 40 mg x 1.5 = 60 MME/day (CDC 2022).
    made = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
        "rxnorm_code": "1049683", "times_per_day": 4, "start_date": "2026-03-02", "days_supply": 30})
    assert made.status_code == 201, made.text
    line = made.json()
    assert (line["drug_key"], line["strength"], line["strength_unit"], line["rxnorm_code"]) == ("oxycodone", 10.0, "mg", "1049683")
    assert (line["mme"]["status"], line["mme"]["daily_mme"]) == ("counted", 60.0)

    clash = clinician.post(f"/api/episodes/{episode_id}/prescriptions", json={
        "drug": "morphine", "rxnorm_code": "1049683", "times_per_day": 4, "start_date": "2026-03-02"})
    assert clash.status_code == 422
    assert ("rxnorm_code", "drug_and_code_disagree") in {(e["field"], e["rule"]) for e in clash.json()["errors"]}


def test_the_prescription_form_takes_a_branded_drug_code_for_the_strength(clinician, episode_id):
    # RxNorm 836397 is acetaminophen 325 MG / tramadol hydrochloride 37.5 MG Oral Tablet [Ultracet] (CDC CDS test file);
    # 2 tablets 4 times a day: 300 mg tramadol x 0.2 (CDC 2022) = 60 MME/day.
    saved = post_form(clinician, f"/episodes/{episode_id}/prescriptions", {
        "rxnorm_code": "836397", "dose_units": "2", "times_per_day": "4", "form": "oral", "start_date": "2026-03-02", "days_supply": "7"})
    assert saved.status_code == 303, saved.text
    panel = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'<section[^>]*id="medications".*?</section>',
                                                                 clinician.get(f"/episodes/{episode_id}").text, re.S).group(0)))
    assert "tramadol 37.5 mg, 2 oral 4 times a day" in panel and "60 MME/day" in panel
