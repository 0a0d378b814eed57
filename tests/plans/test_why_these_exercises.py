"""Why these exercises (issue 15 item 5) on the patient's plan, and the CRPS pathway of a leg (item 6) from
the plan builder.

A clinician starts the lumbar stenosis plan: its first step's PT protocol (flexion bias) gives one plain
reason per emphasis, on the plan panel and in the printed plan (read back from the PDF). For a foot with
complex regional pain syndrome (G90.522) the builder offers the leg's CRPS pathway first; started, the
plan shows why graded motor imagery, and the lumbar sympathetic block it leads to already has its
insurance paperwork under way.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.authorizations.models import AuthorizationCase

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # Mon 2 Mar 2026, 09:00 in Chicago
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
STENOSIS = {"problem_summary": "Heavy legs after walking one block, eased by sitting", "body_region": "lumbar",
            "laterality": "bilateral", "onset_date": "2025-06-01", "icd10_codes": ["M48.062"]}
CRPS_FOOT = {"problem_summary": "Burning pain, swelling and colour change in the left foot since an ankle fracture",
             "body_region": "other", "laterality": "left", "onset_date": "2025-10-01", "icd10_codes": ["G90.522"]}
FLEXION_WHY = "Bending forward (sitting, cycling, leaning on a shopping cart) makes more room for the nerves"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _panel(page, ident: str) -> str:  # noqa: ANN001
    start = page.text.index(f'id="{ident}"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text[start:page.text.index("</section>", start)])))


def _episode(client_for, patient_payload, episode: dict) -> int:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
    return _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode), 201)["id"]


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_plan_says_why_these_exercises_on_the_panel_and_in_the_printed_plan(client_for, patient_payload):
    episode_id = _episode(client_for, patient_payload, STENOSIS)
    clinician = client_for("clinician")
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "lumbar_stenosis"}), 201)
    # The JSON API mirrors the page: the current step's reasons, focus and words.
    assert [r["focus"] for r in plan["current_step"]["why_exercises"]] == [
        "Flexion bias", "Walking tolerance first", "Hip mobility and endurance"]
    assert plan["current_step"]["why_exercises"][0]["why"].startswith(FLEXION_WHY)

    panel = _panel(clinician.get(f"/episodes/{episode_id}"), "care-plan")
    assert "Why these exercises" in panel
    assert f"Flexion bias: {FLEXION_WHY}" in panel and "Walking tolerance first:" in panel

    text = _pdf_text(_ok_pdf(client_for("coordinator").get(f"/episodes/{episode_id}/plan.pdf")))
    assert f"Why these exercises Flexion bias. {FLEXION_WHY}" in text
    assert "Walking tolerance first. How far you can walk is the measure that matters most" in text
    assert "Hip mobility and endurance." in text
    # Between what we are doing now and how we will know it works, in the patient's words (no codes, no sources).
    assert text.index("What we are doing now") < text.index("Why these exercises") < text.index("How we will know it is working")
    assert "background knowledge" not in text and "M48.062" not in text


def test_a_step_without_a_pt_protocol_prints_no_reasons(client_for, patient_payload):
    episode_id = _episode(client_for, patient_payload, CRPS_FOOT)
    clinician = client_for("clinician")
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "crps_lower_limb"}), 201)  # behavioral health first
    assert plan["current_step"]["why_exercises"] == []
    text = _pdf_text(_ok_pdf(client_for("coordinator").get(f"/episodes/{episode_id}/plan.pdf")))
    assert "Early behavioral health evaluation" in text and "Why these exercises" not in text


def test_a_crps_foot_is_offered_the_legs_pathway_and_its_block_is_prepared_while_imagery_runs(client_for, patient_payload, db):
    episode_id = _episode(client_for, patient_payload, CRPS_FOOT)
    clinician = client_for("clinician")
    page = clinician.get(f"/episodes/{episode_id}")
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page.text[page.text.index('id="f-pathway_id"'):], re.S)
    assert groups[0][0] == "For the other region"
    assert re.findall(r'value="([^"]+)"', groups[0][1])[0] == "crps_lower_limb"  # the foot's diagnosis first

    # Started at graded motor imagery (the psychologist's evaluation was done elsewhere), through the page's form.
    built = clinician.post(f"/episodes/{episode_id}/plans", data={
        "pathway_id": "crps_lower_limb", "first_step_id": "motor_imagery_program", "goal_text_1": "Wear a shoe all day",
        "goal_measure_1": "", "goal_target_1": "", "cpt_codes": "64520", "side": "left", "levels": "", "place_of_service": "24"},
        follow_redirects=False)
    assert built.status_code == 303, built.text
    with db.session() as session:
        case = session.scalars(select(AuthorizationCase).where(AuthorizationCase.episode_id == episode_id)).one()
        assert (case.procedure_id, case.cpt_codes, case.region, case.side) == ("lumbar_sympathetic_block", ["64520"], "lumbar", "left")

    panel = _panel(clinician.get(f"/episodes/{episode_id}"), "care-plan")
    assert "Now: Graded motor imagery" in panel and "PT protocol: Graded motor imagery for complex regional pain syndrome" in panel
    assert "Left/right recognition:" in panel and "Mirror movements:" in panel
    assert "If it does not: Lumbar sympathetic block" in panel

    text = _pdf_text(_ok_pdf(client_for("coordinator").get(f"/episodes/{episode_id}/plan.pdf")))
    assert "Why these exercises Left/right recognition. With this condition the brain's picture of the painful limb gets blurred." in text
    assert "What comes next if it does not Lumbar sympathetic block" in text
    assert "We have already started the insurance paperwork" in text
    assert "64520" not in text and "G90.522" not in text


def _ok_pdf(response) -> bytes:  # noqa: ANN001
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content
