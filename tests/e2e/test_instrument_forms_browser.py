"""Questionnaires in a real browser: a nurse gives a PHQ-9 with the keyboard only (arrow keys inside each
question, Tab to the next), item 9 answered "Several days"; the safety banner appears on the episode page;
a clinician records the safety assessment there and the banner is gone. Every instrument form fits a
375 px phone screen without sideways scrolling.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect

from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
TUESDAY_MORNING = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago
# PHQ-9 answers in item order: total 4, but item 9 is "Several days".
PHQ9 = [1, 2, 0, 0, 0, 0, 0, 0, 1]


def _episode(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-Q9", given_name="Rosa", family_name="Lind", birth_date=date(1969, 2, 11), sex="female",
            phone="555-0177", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Low back pain for a year, worse when sitting", body_region="lumbar", laterality="none",
            icd10_codes=["M54.50"]))
        return episode.id


def _sign_in(page: Page, role: str, name: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(f"{role}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text(name)


def _sign_out(page: Page) -> None:
    page.locator(".usermenu").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))


def _answer_with_the_keyboard(page: Page, answers: list[int]) -> None:
    """Into the first question, then per question: Space takes the first answer, each arrow press the next
    one; Tab leaves a question whose answer is chosen for the next question."""
    page.locator("#q-phq9_1-0").focus()
    for number, value in enumerate(answers, 1):
        focused = page.evaluate("document.activeElement.name")
        assert focused == f"answers.phq9_{number}", focused
        if value == 0:
            page.keyboard.press("Space")
        for _ in range(value):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")


def test_a_nurse_gives_a_phq9_by_keyboard_and_a_clinician_clears_the_safety_banner(page: Page, ctx, staff):
    ctx.settings.session_hours = 24 * 30
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        episode_id = _episode(ctx, staff)
        _sign_in(page, "nurse", "Nurse")
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#questionnaires")
        expect(panel.get_by_role("heading", name="Questionnaires")).to_be_visible()
        expect(panel).to_contain_text("No questionnaires recorded")
        expect(page.locator("#safety-alert")).to_have_count(0)
        panel.get_by_text("Start a questionnaire").click()
        panel.get_by_role("link", name=re.compile(r"^PHQ-9")).click()
        expect(page.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)")).to_be_visible()

        _answer_with_the_keyboard(page, PHQ9)
        # Tab has left question 9 for the staff-only box, then the submit button.
        assert page.evaluate("document.activeElement.name") == "completed_by_patient"
        for number, value in enumerate(PHQ9, 1):
            expect(page.locator(f"#q-phq9_{number}-{value}")).to_be_checked()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Save answers"
        page.keyboard.press("Enter")

        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#administration-\d+$"))
        banner = page.locator("#safety-alert")
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("role", "alert")
        expect(banner).to_contain_text("PHQ-9 given Tue 24 Nov 2026 09:00")
        expect(banner).to_contain_text("Thoughts that you would be better off dead, or of hurting yourself in some way")
        expect(banner).to_contain_text("answered 1 (\u201cSeveral days\u201d)")
        expect(banner.locator("textarea")).to_have_count(0)  # a nurse cannot record the assessment
        administration = page.locator("#questionnaires .q-admin")
        expect(administration).to_have_count(1)
        expect(administration).to_contain_text("4")
        expect(administration).to_contain_text("none or minimal depression")
        expect(administration).to_contain_text("Waiting for a clinician's safety assessment")
        _sign_out(page)

        _sign_in(page, "clinician", "Clinician")
        page.goto(f"/episodes/{episode_id}")
        banner = page.locator("#safety-alert")
        expect(banner).to_be_visible()
        banner.get_by_label("Safety assessment").fill("Passive thoughts, no plan or intent; safety plan agreed; PHQ-9 again in 2 weeks")
        banner.get_by_role("button", name="Record the safety assessment").click()
        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#administration-\d+$"))
        expect(page.locator("#safety-alert")).to_have_count(0)
        expect(page.locator("#questionnaires .q-admin")).to_contain_text("Safety assessment recorded by Clinician User at Tue 24 Nov 2026")


def test_every_questionnaire_form_fits_a_phone_screen(page: Page, ctx, staff):
    episode_id = _episode(ctx, staff)
    page.set_viewport_size({"width": 375, "height": 812})
    _sign_in(page, "front_desk", "Front Desk")
    for instrument_id in sorted(ctx.knowledge.instruments):
        page.goto(f"/episodes/{episode_id}/instruments/{instrument_id}")
        expect(page.locator(f"#qform-{instrument_id}")).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (instrument_id, widths)
        # Touch targets: each answer is at least 44 px tall (WCAG 2.5.5).
        heights = page.locator(".qform-option").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44, (instrument_id, min(heights))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"/episodes/{episode_id}/instruments/phq9")
    page.screenshot(path=str(SHOTS / "phq9-form.png"), full_page=True)
