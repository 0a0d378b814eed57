"""Every main page loads under our Content-Security-Policy with no console error (a CSP violation is one)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.web.security_headers import CONTENT_SECURITY_POLICY
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS


def password_for(role: str) -> str:
    # The staff fixture's convention (tests/conftest.py), which this folder cannot import by name.
    return f"{role}-password-1"


def test_pages_load_under_the_csp_without_console_errors(page: Page, ctx, staff, patient_payload, episode_payload):
    with ctx.db.session() as session:
        actor = actor_for(staff["clinician"])
        patient = patients.create_patient(session, actor=actor, data=PatientIn.model_validate(patient_payload))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn.model_validate(episode_payload))
        ctx.reconcile(session, [episode.id])
        patient_id, episode_id = patient.id, episode.id

    login = page.goto("/login")
    assert login.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(password_for("clinician"))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/worklist"))

    for path in ("/worklist", "/patients?q=Okafor", f"/patients/{patient_id}", f"/episodes/{episode_id}", "/account"):
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-frame-options"] == "DENY"
        page.wait_for_load_state("load")
        # htmx loaded from our static files and ran: a blocked script would leave it undefined.
        assert page.evaluate("typeof window.htmx") == "object", path
    page.screenshot(path=f"{SHOTS}/episode-under-csp.png", full_page=True)


def test_admin_manages_users_in_the_browser(page: Page, staff):
    page.goto("/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password_for("admin"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    nurse_row = f"#user-{staff['nurse'].id}"
    page.locator(nurse_row).get_by_role("button", name="Disable").click()
    expect(page.locator("#users-notice")).to_contain_text("Account disabled")
    expect(page.locator(nurse_row)).to_contain_text("Disabled")
    page.get_by_label("Username").fill("locum.clinician")
    page.get_by_label("Name", exact=True).fill("Locum Clinician")
    page.get_by_label("Role", exact=True).select_option("clinician")
    page.get_by_label("Password", exact=True).fill("a-long-password-1")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#users-notice")).to_contain_text("Account created")
    expect(page.locator("#users-table")).to_contain_text("locum.clinician")
    page.screenshot(path=f"{SHOTS}/users.png", full_page=True)
