"""The episode page's medication panels through real HTML forms: MME per line and in total (oxycodone 10 mg
four times a day is 60), an opioid without a factor makes the total "incomplete", a refused form comes
back 422 with its values and nothing saved, front desk cannot post, the opioid-safety panel (with the MME
trend table and the naloxone prompt) and the taper schedule with pause and resume."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.medications.opioids.models import MedicationPrescription, NaloxoneOffer, PdmpCheck

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago
OXYCODONE_FORM = {"drug": "oxycodone", "strength": "10", "strength_unit": "mg", "dose_units": "1", "times_per_day": "4",
                  "form": "oral", "start_date": "2026-03-02", "days_supply": "30"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(clock, client_for, ctx, patient_payload, episode_payload) -> int:
    ctx.settings.session_hours = 24 * 400
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def _csrf(client) -> str:  # noqa: ANN001
    return client.headers["x-csrf-token"]


def post_form(client, url: str, data: dict):  # noqa: ANN001, ANN201
    """A browser-style form post: the CSRF token in the form, not the header."""
    headers = {k: v for k, v in client.headers.items() if k.lower() != "x-csrf-token"}
    return client.post(url, data={**data, "csrf_token": _csrf(client)}, headers=headers, follow_redirects=False)


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no #{section_id} on the page"
    return match.group(0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _count(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(MedicationPrescription))


def test_the_panel_shows_mme_per_line_and_the_total_for_oxycodone_qid(client_for, episode_id, db):
    clinician = client_for("clinician")
    saved = post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    assert saved.status_code == 303 and saved.headers["location"] == f"/episodes/{episode_id}#medications"
    page = clinician.get(f"/episodes/{episode_id}")
    meds = _text(_section(page.text, "medications"))
    assert "oxycodone 10 mg, 1 oral 4 times a day" in meds.lower()
    assert re.search(r"oxycodone 10 mg.*? 60 MME/day", meds, re.I)
    assert "Total: 60 MME/day" in meds and "incomplete" not in meds
    with db.session() as session:
        rx = session.scalars(select(MedicationPrescription)).one()
        assert (rx.prescriber_id is not None, rx.days_supply, rx.end_date.isoformat()) == (True, 30, "2026-03-31")

    safety = _text(_section(page.text, "opioid-safety"))
    assert "On opioids since 02 Mar 2026" in safety and "60 MME/day today" in safety
    assert "Offer naloxone and teach its use: 60 MME/day (at or over 50)" in safety
    assert "Agreement Not signed (needed before long-term therapy)" in safety
    assert "no Opioid Risk Tool on file, so the most frequent schedule" in safety
    assert "Follow-up Due by 30 Mar 2026" in safety
    assert 'id="mme-chart"' in page.text and "/static/js/mme-chart.js" in page.text and "/static/js/vendor/chart.umd.min.js" in page.text
    chart = re.search(r'<script type="application/json" id="mme-chart-data">(.*?)</script>', page.text, re.S).group(1)
    assert '"threshold": 50' in chart and '"y": 60.0' in chart
    assert "Naloxone threshold 50 MME/day" in chart


def test_an_opioid_without_a_factor_shows_unknown_and_the_total_incomplete(client_for, episode_id):
    clinician = client_for("clinician")
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM).status_code == 303
    nasal = {**OXYCODONE_FORM, "drug": "morphine", "strength": "100", "strength_unit": "mcg", "form": "nasal", "times_per_day": "2"}
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", nasal).status_code == 303
    meds = _text(_section(clinician.get(f"/episodes/{episode_id}").text, "medications"))
    assert re.search(r"morphine 100 mcg.*?unknown factor", meds, re.I)
    assert "Total: at least 60 MME/day (incomplete" in meds


def test_buprenorphine_is_shown_as_excluded_not_zero(client_for, episode_id):
    clinician = client_for("clinician")
    patch = {**OXYCODONE_FORM, "drug": "buprenorphine", "strength": "10", "strength_unit": "mcg/hr", "form": "transdermal_patch",
             "times_per_day": "", "interval_hours": "168"}
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", patch).status_code == 303
    meds = _text(_section(clinician.get(f"/episodes/{episode_id}").text, "medications"))
    assert "excluded: buprenorphine" in meds and "0 MME/day" not in meds.replace("Total: 0 MME/day", "")


def test_a_refused_prescription_is_shown_again_with_its_values_and_nothing_is_saved(client_for, episode_id, db):
    clinician = client_for("clinician")
    bad = {**OXYCODONE_FORM, "drug": "oxycodine", "times_per_day": "4", "interval_hours": "6", "days_supply": "45"}
    refused = post_form(clinician, f"/episodes/{episode_id}/prescriptions", bad)
    assert refused.status_code == 422
    meds = _section(refused.text, "medications")
    assert "The prescription was not saved" in meds
    assert re.search(r'id="f-rx-drug" name="drug" type="text" value="oxycodine"', meds)
    assert re.search(r'id="f-rx-interval_hours" name="interval_hours" type="number" value="6"', meds)
    assert re.search(r'id="f-rx-days_supply" name="days_supply" type="number" value="45"', meds)
    # Each problem next to its field.
    assert re.search(r'has-error[^>]*>\s*<label for="f-rx-drug">.*?is not in the clinic', meds, re.S)
    assert re.search(r'has-error[^>]*>\s*<label for="f-rx-interval_hours">.*?not both', meds, re.S)
    assert _count(db) == 0

    missing = post_form(clinician, f"/episodes/{episode_id}/prescriptions", {**OXYCODONE_FORM, "strength": ""})
    # The strength may come from an RxNorm clinical drug code instead; with neither, the field says so.
    assert missing.status_code == 422
    assert re.search(r'has-error[^>]*>\s*<label for="f-rx-strength">.*?Give the strength', _section(missing.text, "medications"), re.S)
    assert _count(db) == 0


def test_a_nurse_must_name_the_prescriber(client_for, episode_id, staff, db):
    nurse = client_for("nurse")
    refused = post_form(nurse, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    assert refused.status_code == 422 and "Name the prescribing clinician" in refused.text and _count(db) == 0
    named = post_form(nurse, f"/episodes/{episode_id}/prescriptions", {**OXYCODONE_FORM, "prescriber_id": str(staff["clinician"].id)})
    assert named.status_code == 303
    with db.session() as session:
        assert session.scalars(select(MedicationPrescription)).one().prescriber_id == staff["clinician"].id


def test_front_desk_sees_no_prescriptions_and_cannot_post(client_for, episode_id, db):
    assert post_form(client_for("clinician"), f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM).status_code == 303
    desk = client_for("front_desk")
    page = desk.get(f"/episodes/{episode_id}")
    # Minimum necessary: prescriptions are the clinical chart, not the front desk's.
    assert page.status_code == 200 and 'id="medications"' not in page.text and 'id="opioid-safety"' not in page.text
    assert "Record a prescription" not in page.text and "Save naloxone offer" not in page.text
    assert post_form(desk, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM).status_code == 403
    assert post_form(desk, f"/episodes/{episode_id}/naloxone-offers", {"offered_on": "2026-03-02", "outcome": "accepted"}).status_code == 403
    assert _count(db) == 1


def test_stop_moves_the_line_out_of_the_current_list(client_for, episode_id, db):
    clinician = client_for("clinician")
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    with db.session() as session:
        rx = session.scalars(select(MedicationPrescription)).one()
    stale = post_form(clinician, f"/prescriptions/{rx.id}/stop", {"stopped_on": "2026-03-01", "version": str(rx.version)})
    assert stale.status_code == 422 and "cannot stop before it starts" in stale.text
    stopped = post_form(clinician, f"/prescriptions/{rx.id}/stop", {"stopped_on": "2026-03-02", "reason": "Nausea", "version": str(rx.version)})
    assert stopped.status_code == 303
    meds = _text(_section(clinician.get(f"/episodes/{episode_id}").text, "medications"))
    assert "No current prescriptions" in meds and "(Nausea)" in meds


def test_no_safety_panel_without_an_opioid(client_for, episode_id):
    clinician = client_for("clinician")
    gabapentin = {**OXYCODONE_FORM, "drug": "gabapentin", "strength": "300", "times_per_day": "3"}
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", gabapentin).status_code == 303
    page = clinician.get(f"/episodes/{episode_id}").text
    assert 'id="opioid-safety"' not in page and "not an opioid" in _text(_section(page, "medications"))


def test_gabapentin_with_an_opioid_warns_of_co_prescribing(client_for, episode_id):
    clinician = client_for("clinician")
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", {**OXYCODONE_FORM, "drug": "gabapentin", "strength": "300", "times_per_day": "3"})
    meds = _text(_section(clinician.get(f"/episodes/{episode_id}").text, "medications"))
    assert "Co-prescribed: oxycodone with gabapentin (a gabapentinoid)" in meds


def test_safety_forms_record_each_fact_and_the_panel_shows_it(client_for, episode_id, db):
    clinician = client_for("clinician")
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    url = f"/episodes/{episode_id}"
    assert post_form(clinician, f"{url}/naloxone-offers", {"offered_on": "2026-03-02", "outcome": "accepted"}).status_code == 303
    assert post_form(clinician, f"{url}/opioid-agreements", {"signed_on": "2026-03-02"}).status_code == 303
    pdmp = {"state": "IL", "summary": "Only our prescriptions, one pharmacy", "finding_early_refills": "true"}
    assert post_form(clinician, f"{url}/pdmp-checks", pdmp).status_code == 303
    assert post_form(clinician, f"{url}/urine-drug-tests", {"collected_on": "2026-03-02", "result": "expected"}).status_code == 303
    safety = _text(_section(clinician.get(url).text, "opioid-safety"))
    assert "Offer naloxone and teach" not in safety and "Offered 02 Mar 2026 (accepted)" in safety
    assert "Signed 02 Mar 2026; renewal due 02 Mar 2027" in safety
    assert "Last checked 02 Mar 2026; next due 02 Jun 2026" in safety
    assert "Last 02 Mar 2026; next due" in safety
    with db.session() as session:
        check = session.scalars(select(PdmpCheck)).one()
        assert (check.plugin, check.state, check.findings) == ("manual_attestation", "IL", ["early_refills"])


def test_a_refused_safety_form_keeps_its_values_and_saves_nothing(client_for, episode_id, db):
    clinician = client_for("clinician")
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE_FORM)
    refused = post_form(clinician, f"/episodes/{episode_id}/pdmp-checks", {"state": "ZZ", "summary": "Looked fine"})
    assert refused.status_code == 422
    safety = _section(refused.text, "opioid-safety")
    assert "The PDMP check was not saved" in safety and "not a US state" in safety and 'value="ZZ"' in safety
    future = post_form(clinician, f"/episodes/{episode_id}/naloxone-offers", {"offered_on": "2026-04-01", "outcome": "accepted"})
    assert future.status_code == 422 and "cannot be in the future" in _section(future.text, "opioid-safety")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PdmpCheck)) == 0
        assert session.scalar(select(func.count()).select_from(NaloxoneOffer)) == 0


def test_the_mme_trend_steps_down_when_a_dose_is_lowered(client_for, episode_id, clock):
    clinician = client_for("clinician")
    post_form(clinician, f"/episodes/{episode_id}/prescriptions", {**OXYCODONE_FORM, "days_supply": ""})
    clock.move_to(datetime(2026, 4, 1, 15, 0, tzinfo=timezone.utc))
    lower = {**OXYCODONE_FORM, "strength": "5", "start_date": "2026-04-01", "days_supply": ""}
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", lower).status_code == 303
    # The first is still running: stop it the day the lower dose starts.
    page = clinician.get(f"/episodes/{episode_id}").text
    rx_id = re.search(r'action="/prescriptions/(\d+)/stop"', page).group(1)
    version = re.search(rf'action="/prescriptions/{rx_id}/stop".*?name="version" value="(\d+)"', page, re.S).group(1)
    assert post_form(clinician, f"/prescriptions/{rx_id}/stop", {"stopped_on": "2026-04-01", "version": version}).status_code == 303
    table = _text(re.search(r'<details class="mme-table">.*?</details>', clinician.get(f"/episodes/{episode_id}").text, re.S).group(0))
    assert "02 Mar 2026 60 (at or over 50)" in table and "01 Apr 2026 30" in table


def test_the_taper_panel_shows_the_schedule_and_pauses_and_resumes(client_for, episode_id, clock):
    clinician = client_for("clinician")
    taper = clinician.post(f"/api/episodes/{episode_id}/tapers", json={
        "prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
        "percent_per_month": 18.75, "faster_reason": "agreed four-month plan", "start_date": "2026-01-05"})
    assert taper.status_code == 201, taper.text
    plan = taper.json()
    page = clinician.get(f"/episodes/{episode_id}").text
    panel = _text(_section(page, "taper"))
    assert "From 60 to 15 MME/day" in panel
    assert re.search(r"05 Jan 2026 Step 1: .*? 52.5 Missed", panel)  # not recorded as done, and its day has passed
    assert re.search(r"05 Mar 2026 Step 3: .*? 30 Next", panel)
    assert f'href="/api/tapers/{plan["id"]}/schedule.pdf"' in page

    refused = post_form(clinician, f"/tapers/{plan['id']}/pause", {"reason": "", "version": str(plan["version"])})
    assert refused.status_code == 422 and "The taper was not paused" in _section(refused.text, "taper")
    paused = post_form(clinician, f"/tapers/{plan['id']}/pause", {"reason": "Family emergency", "version": str(plan["version"])})
    assert paused.status_code == 303
    panel = _text(_section(clinician.get(f"/episodes/{episode_id}").text, "taper"))
    assert "Paused since 02 Mar 2026: Family emergency" in panel and "Resume the taper" in panel
    version = re.search(r'action="/tapers/\d+/resume".*?name="version" value="(\d+)"', clinician.get(f"/episodes/{episode_id}").text, re.S).group(1)
    assert post_form(clinician, f"/tapers/{plan['id']}/resume", {"resumed_on": "2026-03-02", "version": version}).status_code == 303
    assert "Pause the taper" in clinician.get(f"/episodes/{episode_id}").text
    assert post_form(client_for("front_desk"), f"/tapers/{plan['id']}/pause", {"reason": "x", "version": "1"}).status_code == 403
