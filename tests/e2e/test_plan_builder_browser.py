"""In the browser (issue 6, "Done when"): a clinician builds a plan from the cervical radiculopathy pathway on
an episode with BCBS commercial coverage, using the form on the episode page; the page then shows the
current step, the selective nerve root block's authorization readiness, and, once a PT course with a visit
authorization is recorded through the page's forms and three PT visits are noted, the PT visits bar.
The page fits a 375 px phone without sideways scrolling.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
FIRST_VISIT = datetime(2026, 1, 8, 15, 0, tzinfo=timezone.utc)  # Thu 8 Jan 2026, 09:00 in Chicago
TWO_WEEKS_IN = datetime(2026, 1, 22, 16, 0, tzinfo=timezone.utc)  # Thu 22 Jan, 10:00
PATIENT = {"mrn": "MRN-J1P", "given_name": "Marco", "family_name": "Reyes", "birth_date": "1981-09-14", "sex": "male",
           "phone": "555-0117", "preferred_contact": "phone"}
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
EPISODE = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
           "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
WIDER_THAN_THE_SCREEN = """[...document.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(-6).map(e => `${e.tagName}.${e.className}#${e.id}`)"""
BLOCK = "Cervical transforaminal epidural steroid injection (selective nerve root block)"


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _episode(client_for) -> int:  # noqa: ANN001
    """J1's episode as the first visit leaves it: MRI read, NDI 21, pain 7/10, the exam, care so far."""
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = _ok(coordinator.post("/api/patients", json=PATIENT), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
    episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=EPISODE), 201)["id"]
    _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
        "modality": "mri", "region": "cervical", "study": "MRI cervical spine without contrast", "origin": "outside",
        "performed_on": "2025-12-29", "report_on_file": True, "concordant": "yes", "summary": "Moderate right C5-6 foraminal stenosis"}), 201)
    _ok(clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json={
        "instrument_id": "ndi", "answers": {f"ndi_{i}": a for i, a in enumerate([3, 2, 2, 2, 2, 2, 2, 2, 2, 2], start=1)},
        "administered_at": "2026-01-08T08:50:00"}), 201)
    visit = _ok(clinician.post(f"/api/episodes/{episode_id}/encounters", json={
        "encounter_type": "initial", "date_of_service": "2026-01-08", "narrative": "Neck and right arm pain."}), 201)["id"]
    _ok(clinician.put(f"/api/encounters/{visit}/measures", json={"pain_now": 7, "pain_average": 7, "pain_worst": 8}))
    _ok(clinician.put(f"/api/encounters/{visit}/exam", json={
        "spurling": {"left": "negative", "right": "positive"},
        "sensory_deficits": [{"dermatome": "C6", "side": "right", "finding": "diminished"}],
        "diagnosis_codes": ["M54.12"], "reasoning": "Right C6 radiculopathy concordant with C5-6 foraminal stenosis"}))
    for care in (
        {"kind": "medication", "start_date": "2025-12-15", "end_date": "2026-01-04", "drug_class": "nsaid", "failed": "yes",
         "description": "Naproxen 500 mg twice a day for 3 weeks", "source": "reported"},
        {"kind": "physical_therapy", "start_date": "2026-01-08", "source": "clinic", "description": "PT twice a week: traction and nerve glides"},
        {"kind": "home_exercise", "start_date": "2026-01-08", "source": "clinic", "description": "Home traction and nerve glides"},
    ):
        _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)
    return episode_id


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text("Clinician")


def test_a_clinician_builds_a_plan_and_the_episode_page_shows_the_step_the_readiness_and_the_pt_bar(page: Page, ctx, staff, client_for):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(FIRST_VISIT, tick=True) as clock:
        episode_id = _episode(client_for)
        _sign_in(page, "clinician")
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#care-plan")
        expect(panel.get_by_role("heading", name="Care plan")).to_be_visible()
        expect(panel).to_contain_text("No care plan for this episode yet.")

        # A plan without a pathway is refused next to the field; nothing is saved.
        build = panel.locator("#plan-build")
        build.get_by_label("Goal 1 in words").fill("Back to ladder work")
        build.get_by_role("button", name="Start the plan").click()
        expect(page.locator("#plan-build-errors")).to_contain_text("The plan was not started")
        expect(panel.locator(".field.has-error", has_text="Pathway")).to_contain_text("This is required")
        expect(build.get_by_label("Goal 1 in words")).to_have_value("Back to ladder work")

        # The pathways for the cervical region come first.
        options = build.locator("#f-pathway_id optgroup").first
        expect(options).to_have_attribute("label", "For the cervical region")
        build.get_by_label("Pathway").select_option("cervical_radiculopathy")
        build.get_by_label("Goal 1 measure").select_option("ndi")
        build.get_by_label("Goal 1 target").fill("10")
        build.get_by_role("button", name="Start the plan").click()
        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#care-plan$"))

        step = page.locator("#plan-current-step")
        expect(step.get_by_role("heading", name="Now: Six-week structured program")).to_be_visible()
        expect(step).to_contain_text("the trial ends Thu 19 Feb 2026")
        expect(step).to_contain_text("Day 1 of 42")
        expect(step).to_contain_text("NDI 21 at the start: no score since 8 Jan")
        expect(panel).to_contain_text("Back to ladder work")
        readiness = page.locator("#plan-authorization-readiness")
        expect(readiness).to_contain_text(BLOCK)
        expect(readiness).to_contain_text(re.compile(r"for BCBS commercial; \d+ of \d+ kit items ready"))
        expect(page.locator("#plan-next-step")).to_contain_text("If it does not: Selective nerve root block")

        # The home exercise handout filed in the block's kit: eligible when the six weeks are up.
        case_id = int(re.search(r"/authorizations/(\d+)$", readiness.get_by_role("link").get_attribute("href")).group(1))
        _ok(client_for("coordinator").post(f"/api/authorizations/{case_id}/documents", json={
            "kind": "home_exercise_program", "title": "Home traction and nerve glides handout", "document_date": "2026-01-08"}), 201)
        page.reload()
        expect(readiness).to_contain_text(re.compile(r"eligible on 19 Feb under BCBS commercial; \d+ of \d+ kit items ready"))

        # Two weeks in, the PT course (started on 8 Jan) and the payer's 8 visits go in through the page's forms.
        clock.move_to(TWO_WEEKS_IN)
        page.reload()
        expect(step).to_contain_text("Day 15 of 42")
        therapy = page.locator("#physical-therapy")
        expect(therapy.get_by_role("heading", name="Physical therapy")).to_be_visible()
        therapy.locator("#pt-start summary").click()
        start = therapy.locator("#pt-start")
        start.get_by_label("Protocol").select_option("cervical_traction_glides")
        start.get_by_label("Therapist").select_option(str(staff["therapist"].id))
        start.get_by_label("Practice", exact=True).fill("Clinic PT gym")
        start.get_by_label("Starts on").fill("2026-01-08")
        start.get_by_role("button", name="Start the PT course").click()
        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#pt-course-\d+$"))
        course = therapy.locator(".pt-course").first
        expect(course).to_contain_text("Cervical radiculopathy - traction and nerve glides")
        course.locator(".pt-authorize summary").click()
        course.get_by_label("Visits approved").fill("8")
        course.get_by_label("To", exact=True).fill("2026-03-31")
        course.get_by_role("button", name="Record the authorization").click()
        expect(therapy).to_contain_text("0 of 8 visits used")

        # Three PT visits noted by the therapist: the bar counts them (it is never typed).
        therapist = client_for("therapist")
        for day in ("2026-01-08", "2026-01-12", "2026-01-15"):
            _ok(therapist.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "pt_visit", "date_of_service": day}), 201)
        page.reload()
        bar = therapy.locator("progress.pt-progress").first
        expect(bar).to_have_attribute("max", "8")
        expect(bar).to_have_attribute("value", "3")
        expect(therapy.locator(".pt-bar-label").first).to_have_text("3 of 8 visits used")
        expect(therapy).to_contain_text("5 left")

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#care-plan").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "plan-builder.png"), full_page=True)

        # A phone: the plan and PT panels fit without sideways scrolling.
        page.set_viewport_size({"width": 375, "height": 812})
        page.reload()
        expect(page.locator("#plan-current-step")).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        # Which elements stick out, to name them if the page scrolls sideways.
        wide = page.evaluate(WIDER_THAN_THE_SCREEN)
        assert widths[0] <= widths[1], f"horizontal scroll at 375 px: {widths} {wide}"
