"""A coordinator's day in a real browser: sign in, find the first-visit task, book the visit, see it go."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS


def password_for(role: str) -> str:
    # The staff fixture's convention (tests/conftest.py); that module cannot be imported by name from
    # here because this folder has a conftest.py of its own.
    return f"{role}-password-1"


def _patient_with_episode(ctx, user, patient_payload: dict, episode_payload: dict) -> int:  # noqa: ANN001
    """Through the services, as an import would; reconciling opens the first-visit task."""
    with ctx.db.session() as session:
        actor = actor_for(user)
        patient = patients.create_patient(session, actor=actor, data=PatientIn.model_validate(patient_payload))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn.model_validate(episode_payload))
        ctx.reconcile(session, [episode.id])
        return episode.id


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_coordinator_books_the_first_visit_and_the_task_closes(page: Page, ctx, staff, patient_payload, episode_payload):
    episode_id = _patient_with_episode(ctx, staff["coordinator"], patient_payload, episode_payload)

    _sign_in(page, "coordinator", password_for("coordinator"))
    expect(page).to_have_url(re.compile(r"/worklist\?mine=true$"))
    expect(page.get_by_role("heading", name="Worklist", level=1)).to_be_visible()
    row = page.locator("#worklist-table tbody tr", has_text="Book the first visit")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Okafor, Dana")
    expect(row).to_contain_text("Unclaimed")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Patients")
    expect(page.locator(".usermenu")).to_contain_text("Coordinator User")
    page.screenshot(path=f"{SHOTS}/worklist.png", full_page=True)

    # The filters swap the table in place with htmx and keep the URL shareable. htmx binds its
    # handlers once the page has loaded; a person cannot be quicker than that, a test can.
    page.wait_for_load_state("load")
    page.get_by_label("Owner role").select_option("nurse")
    expect(page.locator("#worklist-results")).to_contain_text("No open tasks match")
    expect(page).to_have_url(re.compile(r"role=nurse"))
    page.get_by_label("Owner role").select_option("")
    expect(page.locator("#worklist-table")).to_contain_text("Book the first visit")

    page.get_by_role("link", name="Okafor, Dana", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}$"))
    expect(page.get_by_role("region", name="Summary")).to_contain_text("Neck and right arm pain after a ladder fall")
    expect(page.locator(".codes")).to_contain_text("Radiculopathy, cervical region")
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("Book the first visit")
    page.screenshot(path=f"{SHOTS}/episode.png", full_page=True)

    visit_day = (date.today() + timedelta(days=3)).isoformat()
    expect(page.get_by_label("Provider")).to_have_value("app")  # an advanced practice provider by default
    page.get_by_label("Date and time").fill(f"{visit_day}T09:30")
    page.get_by_role("button", name="Book visit").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}$"))
    # A booking is not a visit: the duty passes to the front desk until the patient attends.
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("Check the patient in at the first visit")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("First visit booked")
    expect(page.get_by_role("region", name="Visits")).to_contain_text("New patient")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.locator("#worklist-results")).to_contain_text("No open tasks match")

    # The patient arrives and is checked in: the first-visit duty is met.
    page.goto(f"/episodes/{episode_id}")
    page.locator("table.appointments tbody tr", has_text="New patient").get_by_role("button", name="Check in").click()
    expect(page.locator("table.appointments")).to_contain_text("Checked in")
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("No open tasks for this episode")
    page.screenshot(path=f"{SHOTS}/worklist-met.png", full_page=True)


def test_task_page_claim_and_complete_with_the_keyboard(page: Page, ctx, staff, patient_payload, episode_payload):
    _patient_with_episode(ctx, staff["coordinator"], patient_payload, episode_payload)
    _sign_in(page, "coordinator", password_for("coordinator"))
    page.get_by_role("link", name="Book the first visit", exact=True).click()
    expect(page.get_by_role("heading", name="Book the first visit", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Evidence")).to_contain_text("Target business days")
    page.screenshot(path=f"{SHOTS}/task.png", full_page=True)

    page.get_by_role("button", name="Claim this task").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have claimed this task")).to_be_visible()

    page.get_by_label("Completion note").fill("ok")
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 3 characters")
    page.screenshot(path=f"{SHOTS}/task-error.png", full_page=True)
    page.get_by_label("Completion note").fill("Booked by phone with the patient")
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_role("heading", name="This task is closed")).to_be_visible()


def test_patient_search_and_new_patient_form(page: Page, ctx, staff, patient_payload, episode_payload):
    _patient_with_episode(ctx, staff["coordinator"], patient_payload, episode_payload)
    _sign_in(page, "front_desk", password_for("front_desk"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("Name").fill("oka")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#patient-results")).to_contain_text("1 patient found")
    page.screenshot(path=f"{SHOTS}/search.png", full_page=True)

    page.get_by_role("link", name="New patient").click()
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("alert")).to_contain_text("The patient was not saved")
    page.screenshot(path=f"{SHOTS}/new-patient-errors.png", full_page=True)
    page.get_by_label("Given name").fill("Rosa")
    page.get_by_label("Family name").fill("Lindqvist")
    page.get_by_label("Date of birth").fill("1970-07-02")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("MRN").fill("MRN-2002")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Lindqvist, Rosa", level=1)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/patient.png", full_page=True)


def test_wrong_password_shows_an_error_without_console_errors(page: Page, staff):
    page.goto("/login")
    page.screenshot(path=f"{SHOTS}/login.png", full_page=True)
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("coordinator")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.screenshot(path=f"{SHOTS}/login-error.png", full_page=True)


def test_narrow_screen_worklist(page: Page, ctx, staff, patient_payload, episode_payload):
    _patient_with_episode(ctx, staff["coordinator"], patient_payload, episode_payload)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, "coordinator", password_for("coordinator"))
    expect(page.locator("#worklist-table")).to_contain_text("Book the first visit")
    page.screenshot(path=f"{SHOTS}/worklist-phone.png", full_page=True)


def test_open_an_episode_on_a_tablet(page: Page, ctx, staff, patient_payload, episode_payload):
    _patient_with_episode(ctx, staff["coordinator"], patient_payload, episode_payload)
    page.set_viewport_size({"width": 820, "height": 1180})
    _sign_in(page, "coordinator", password_for("coordinator"))
    page.goto("/patients?name=okafor")
    page.get_by_role("link", name="Okafor, Dana").click()
    expect(page.get_by_role("heading", name="Okafor, Dana", level=1)).to_be_visible()

    page.get_by_label("Problem summary").fill("Low back pain radiating to the left leg")
    page.get_by_label("Body region").select_option("lumbar")
    page.get_by_label("Side").select_option("left")
    page.get_by_label("ICD-10-CM codes").fill("M54.16, M54.5")
    page.get_by_role("button", name="Open episode").click()
    expect(page.get_by_role("alert")).to_contain_text("M54.5")
    expect(page.get_by_label("ICD-10-CM codes")).to_have_value("M54.16, M54.5")
    page.screenshot(path=f"{SHOTS}/patient-episode-errors-tablet.png", full_page=True)

    page.get_by_label("ICD-10-CM codes").fill("M54.16")
    page.get_by_role("button", name="Open episode").click()
    expect(page.locator(".codes")).to_contain_text("Radiculopathy, lumbar region")
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("Book the first visit")
    page.screenshot(path=f"{SHOTS}/episode-tablet.png", full_page=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.locator("#worklist-table tbody tr")).to_have_count(2)
    page.screenshot(path=f"{SHOTS}/worklist-tablet.png", full_page=True)
