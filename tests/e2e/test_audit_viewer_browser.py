"""A manager in a real browser: finds the audit log in the navigation, filters it by a patient's MRN and
reads who opened that chart (and, on the trail, their own look at it). The page fits a 375 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS


def _sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(f"{who}-password-1")
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_filters_the_audit_log_by_mrn(page: Page, client_for, patient_payload):
    patient = client_for("front_desk").post("/api/patients", json=patient_payload).json()
    client_for("nurse").get(f"/api/patients/{patient['id']}", headers={"x-request-id": "req-browser-1"})

    _sign_in(page, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    page.get_by_label("Patient (MRN or id)").fill("MRN-1001")
    page.get_by_role("button", name="Apply filters").click()

    rows = page.locator("#audit-events tbody tr")
    opened = rows.filter(has_text="Opened the chart")
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text("Nurse User (nurse)")
    expect(opened).to_contain_text("req-browser-1")
    expect(rows.filter(has_text="Patient create")).to_have_count(1)
    page.screenshot(path=f"{SHOTS}/audit-log.png", full_page=True)

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=f"{SHOTS}/audit-log-phone.png", full_page=True)

    # Her two looks so far (the whole log, then the MRN filter) are on the trail she now reads.
    page.get_by_role("link", name="Reset").click()
    expect(page.locator("#audit-events tbody tr").filter(has_text="Reviewed the audit log")).to_have_count(2)


def test_a_clinician_has_no_audit_log(page: Page):
    _sign_in(page, "clinician")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto("/audit")
    assert response.status == 403
