"""In the browser (issue 15, part 4, "Done when"): decisions shared with the patient.

Knee osteoarthritis: on the episode page the clinician opens the injection decision and sees each option (a
steroid injection, hyaluronic acid, no injection) with its benefits, risks and what the patient must do, all
from the pathway pack; she ticks the risks she went over, types the patient's questions, records the choice;
the panel shows it with who recorded it, and the patient's plan PDF (read back) prints the options discussed
with their pros and cons and the patient's choice.

A stimulator trial: every other item of the payer's kit is met, but the kit is not complete and "Mark ready"
is refused until the risk conversation (lead migration, infection, device maintenance and battery, MRI
conditions) is recorded on the episode page; then the case page shows the item met and the case can be
marked ready. The item is read from the recorded decision, never ticked on the case page.
The live server's clock is `server_clock`.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from journey_pages import as_role, criterion, episode, open_details
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

VISIT = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # Tue 1 Dec 2026, 10:00 in Chicago
KNEE_PATIENT = {"mrn": "MRN-K15", "given_name": "Ines", "family_name": "Ferreira", "birth_date": "1958-05-02", "sex": "female",
                "phone": "555-0188", "preferred_contact": "phone"}
SCS_PATIENT = {"mrn": "MRN-S15", "given_name": "Rosa", "family_name": "Delgado", "birth_date": "1968-03-22", "sex": "female",
               "phone": "555-0189", "preferred_contact": "phone"}
KNEE = {"problem_summary": "Left knee osteoarthritis flare; stairs and gardening hard", "body_region": "knee", "laterality": "left",
        "onset_date": "2025-06-01", "icd10_codes": ["M17.12"]}
SCS = {"problem_summary": "Back and left leg pain since back surgery last year", "body_region": "lumbar", "laterality": "left",
       "onset_date": "2025-10-01", "icd10_codes": ["M96.1"]}
QUESTIONS = "Will the shot raise my blood sugar? How soon can I garden again?"
KNEE_DECISION = "#decision-knee-osteoarthritis-steroid-injection"
SCS_DECISION = "#decision-spinal-cord-stimulation-stimulator-trial"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _episode(client_for, patient: dict, payer: str, member: str, problem: dict) -> int:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient_id = _ok(coordinator.post("/api/patients", json=patient), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json={"payer_id": payer, "member_id": member,
                                                                         "effective_from": "2026-01-01"}), 201)
    return _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=problem), 201)["id"]


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_knee_options_with_pros_and_cons_and_the_choice_printed_on_the_plan(page: Page, ctx, staff, client_for, server_clock):
    ctx.settings.session_hours = 24 * 30
    server_clock.move_to(VISIT)
    episode_id = _episode(client_for, KNEE_PATIENT, "bcbs_commercial", "XBM771200345", KNEE)
    _ok(client_for("clinician").post(f"/api/episodes/{episode_id}/plans", json={
        "pathway_id": "knee_osteoarthritis", "goals": [{"text": "Climb the stairs at home without stopping"}]}), 201)
    decision = ctx.knowledge.pathways["knee_osteoarthritis"].step("steroid_injection").decision

    as_role(page, "clinician")
    episode(page, episode_id)
    panel = page.locator("#shared-decisions")
    expect(panel).to_contain_text("No decision recorded yet.")
    form = open_details(page, KNEE_DECISION)
    expect(form.locator("summary")).to_contain_text(decision.question)
    for option in decision.options:  # each option with its pros, cons and what the patient must do
        block = form.locator(f"{KNEE_DECISION}-{option.id}")
        expect(block.get_by_label(f"Discussed: {option.name}")).to_be_checked()
        for benefit in option.benefits:
            expect(block.locator(".decision-pros")).to_contain_text(benefit)
        for risk in option.risks:
            expect(block.locator(".decision-cons")).to_contain_text(risk.words)
        for duty in option.patient_duties:
            expect(block.locator(".decision-duties")).to_contain_text(duty)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    form.screenshot(path=str(SCREENSHOTS / "shared-decision-knee-options.png"))

    # The conversation: no injection was not talked about; the risks gone over ticked; the patient's choice.
    form.get_by_label("Discussed: No injection for now").uncheck()
    steroid, gel = form.locator(f"{KNEE_DECISION}-steroid_injection"), form.locator(f"{KNEE_DECISION}-hyaluronic_acid")
    steroid.get_by_label("Higher blood sugar").check()
    steroid.get_by_label("A short pain flare").check()
    gel.get_by_label("It may not help").check()
    form.get_by_label("The patient's questions").fill(QUESTIONS)
    form.locator(".decision-choice").get_by_label("A steroid (corticosteroid) injection now").check()
    form.get_by_role("button", name="Record the decision").click()

    recorded = page.locator("#recorded-knee_osteoarthritis-steroid_injection")
    expect(recorded).to_contain_text("The patient's choice: A steroid (corticosteroid) injection now")
    expect(recorded).to_contain_text(f"The patient asked: {QUESTIONS}")
    expect(recorded).to_contain_text(f"recorded by {staff['clinician'].display_name}")
    expect(recorded).to_contain_text("higher blood sugar (discussed)")
    expect(recorded).not_to_contain_text("No injection for now")

    # The patient's plan PDF, as the browser downloads it, read back.
    printed = page.request.get(f"/episodes/{episode_id}/plan.pdf")
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    text = _pdf_text(printed.body())
    assert "What we decided together: which knee injection, if any, to try now" in text
    assert "On 1 December 2026 we talked about these choices:" in text
    assert "A steroid (corticosteroid) injection now Good points: Pain and stiffness often ease within days." in text
    assert "Risks and downsides: The knee can hurt more for a day or two after the shot." in text
    assert "Hyaluronic acid (lubricating gel) injections Good points:" in text
    assert "The orthopedic surgeons' guideline does not recommend it for routine use" in text
    assert "No injection for now" not in text
    assert "You chose: a steroid (corticosteroid) injection now." in text


def _stimulator_case(client_for, ctx) -> tuple[int, int]:  # noqa: ANN001
    """J10's patient after the psychologist cleared her: aetna_commercial under the typical SCS policy, pain 8/10
    for over a year, medicines and PT that failed, the stimulator pathway started (the trial's case preparing)."""
    episode_id = _episode(client_for, SCS_PATIENT, "aetna_commercial", "W554219870", SCS)
    clinician, coordinator = client_for("clinician"), client_for("coordinator")
    visit = _ok(clinician.post(f"/api/episodes/{episode_id}/encounters", json={
        "encounter_type": "initial", "date_of_service": "2026-12-01", "narrative": "Back and left leg pain after surgery."}), 201)["id"]
    _ok(clinician.put(f"/api/encounters/{visit}/measures", json={"pain_now": 8, "pain_average": 8, "pain_worst": 9}))
    for care in ({"kind": "medication", "start_date": "2026-03-01", "drug_class": "gabapentinoid", "failed": "yes", "source": "reported",
                  "description": "Gabapentin 600 mg three times a day"},
                 {"kind": "physical_therapy", "start_date": "2026-04-01", "end_date": "2026-06-30", "failed": "yes", "source": "reported",
                  "description": "12 weeks of PT, core stabilization"}):
        _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)
    plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={
        "pathway_id": "spinal_cord_stimulation", "goals": [{"text": "Walk the dog around the block"}]}), 201)
    case_id = plan["authorization"]["case_id"]
    assert ctx.knowledge.policies["typical_scs_trial"].name in coordinator.get(f"/authorizations/{case_id}").text.replace("&#39;", "'")
    _ok(coordinator.post(f"/api/authorizations/{case_id}/documents", json={
        "kind": "psych_eval", "title": "Pre-trial psychological evaluation", "document_date": "2026-12-01", "result": "cleared"}), 201)
    return episode_id, case_id


def test_a_stimulator_kit_is_not_complete_until_the_risk_conversation_is_recorded(page: Page, ctx, staff, client_for, server_clock):
    ctx.settings.session_hours = 24 * 30
    server_clock.move_to(VISIT)
    episode_id, case_id = _stimulator_case(client_for, ctx)
    policy = ctx.knowledge.policies["typical_scs_trial"]
    others = [c.id for c in policy.criteria if c.id != "risk_conversation"]

    # The case page: every other item met; the risk conversation missing, with what to record and where.
    as_role(page, "coordinator")
    page.goto(f"/authorizations/{case_id}")
    for criterion_id in others:
        expect(criterion(page, criterion_id)).to_have_class(re.compile("criterion-met"))
    talk = criterion(page, "risk_conversation")
    expect(talk).to_have_class(re.compile("criterion-missing_evidence"))
    expect(talk).to_contain_text("lead migration")
    expect(page.locator("#kit-progress")).to_have_text(f"{len(others)} of {len(policy.criteria)} kit items ready")
    expect(page.locator("#kit .auth-checklist")).to_contain_text("record the shared decision about the")
    # Nothing on the case page ticks it; marking the case ready is refused while it is missing.
    expect(page.locator("#kit").get_by_role("checkbox")).to_have_count(0)
    page.get_by_role("button", name="Mark ready").click()
    expect(page.locator("[role=alert]")).to_contain_text("risks and benefits")
    expect(page.locator("#case-state")).to_have_text(re.compile("Preparing", re.I))

    # A conversation that skipped two risks is recorded: the item names what is still owed.
    as_role(page, "clinician")
    episode(page, episode_id)
    form = open_details(page, SCS_DECISION)
    trial = form.locator(f"{SCS_DECISION}-stimulator_trial")
    trial.get_by_label("Lead migration").check()
    trial.get_by_label("Infection").check()
    form.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#recorded-spinal_cord_stimulation-stimulator_trial")).to_contain_text("The patient's choice: not decided yet")
    page.goto(f"/authorizations/{case_id}")
    expect(criterion(page, "risk_conversation")).to_have_class(re.compile("criterion-missing_evidence"))
    expect(criterion(page, "risk_conversation")).to_contain_text("did not cover: device maintenance and battery and MRI conditions")

    # The rest of the conversation, and her choice to try the stimulator.
    episode(page, episode_id)
    form = open_details(page, SCS_DECISION)
    trial = form.locator(f"{SCS_DECISION}-stimulator_trial")
    expect(trial.get_by_label("Lead migration")).to_be_checked()  # as recorded
    trial.get_by_label("Device maintenance and battery").check()
    trial.get_by_label("MRI conditions").check()
    form.get_by_label("The patient's questions").fill("Can I still have an MRI of my knee later?")
    form.locator(".decision-choice").get_by_label("A spinal cord stimulator trial").check()
    form.get_by_role("button", name="Update the decision").click()
    expect(page.locator("#recorded-spinal_cord_stimulation-stimulator_trial")).to_contain_text(
        "The patient's choice: A spinal cord stimulator trial")

    # The kit is complete and the case can be marked ready.
    as_role(page, "coordinator")
    page.goto(f"/authorizations/{case_id}")
    expect(criterion(page, "risk_conversation")).to_have_class(re.compile("criterion-met"))
    expect(criterion(page, "risk_conversation")).to_contain_text("MRI conditions")
    expect(page.locator("#kit-progress")).to_have_text(f"{len(policy.criteria)} of {len(policy.criteria)} kit items ready")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#kit").screenshot(path=str(SCREENSHOTS / "shared-decision-scs-kit.png"))
    page.get_by_role("button", name="Mark ready").click()
    expect(page.locator("#case-state")).to_have_text(re.compile("Ready to submit", re.I))
