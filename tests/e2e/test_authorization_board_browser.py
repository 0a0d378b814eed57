"""A coordinator in a real browser: opens a lumbar RFA authorization from the episode page, reads its line
("... N of M kit items ready"), opens the case page, records the submission and the approval, and finds the
card under Approved on the board. The case page fits a 375 px phone without sideways scrolling.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect

from authorization_setup import FACET_LUMBAR, MEDICARE, facet_workup, record_block
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import CoverageIn, EpisodeIn, PatientIn
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
# Monday 7 Dec 2026, 10:00 in Chicago.
MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)


def _episode_with_two_good_blocks(ctx, staff, client_for) -> int:  # noqa: ANN001
    """A Medicare patient with facet pain, conservative care, an MRI, an ODI and blocks of 85% and 82%."""
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-AUTH1", given_name="Walter", family_name="Brandt", birth_date=date(1950, 2, 11), sex="male",
            phone="555-0177", preferred_contact="phone"))
        patients.add_coverage(session, actor=actor, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn.model_validate(MEDICARE))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn.model_validate(FACET_LUMBAR))
        episode_id = episode.id
    # The other slices' facts go in through their APIs, as the clinic records them.
    clinician = client_for("clinician")
    facet_workup(client_for("coordinator"), clinician, episode_id)
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    return episode_id


def _sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(who)
    page.get_by_label("Password").fill(f"{who}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text(who.capitalize())


def test_coordinator_opens_submits_and_records_an_approval(page: Page, ctx, staff, client_for):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY_MORNING, tick=True):
        episode_id = _episode_with_two_good_blocks(ctx, staff, client_for)
        _sign_in(page, "coordinator")
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#authorizations")
        expect(panel).to_contain_text("No authorization requests for this episode")

        panel.locator("#open-authorization summary").click()
        panel.get_by_label("Procedure").select_option("rfa_lumbar")
        panel.get_by_label("CPT codes").fill("64635, 64636")
        panel.get_by_label("Side").select_option("bilateral")
        panel.get_by_label("Levels").fill("L4-5, L5-S1")
        panel.get_by_label("Place of service").select_option("22")
        panel.get_by_role("button", name="Open authorization").click()

        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#authorization-\d+"))
        line = panel.locator(".auth-lines li").first
        expect(line).to_contain_text(re.compile(r"eligible now under Medicare Part B \(Noridian JF\); (\d+) of \1 kit items ready"))

        line.get_by_role("link", name="Lumbar radiofrequency ablation of the medial branches").click()
        expect(page.locator("#case-state")).to_have_text("Preparing")
        expect(page.locator("#criteria")).to_contain_text("Eligible now")
        expect(page.locator("#kit-progress")).to_contain_text("kit items ready")

        submit = page.locator("#form-submit")
        if submit.get_attribute("open") is None:
            submit.locator("summary").click()
        submit.get_by_label("Sent by").select_option("fax")
        submit.get_by_label("Reference").fill("FX-20261207-1")
        submit.get_by_role("button", name="Record submission").click()
        expect(page.locator("#case-state")).to_have_text("Submitted")
        expect(page.locator("#waits-for")).to_contain_text("Payer decision due Mon 14 Dec")

        # At phone width the case page reflows instead of scrolling sideways.
        page.set_viewport_size({"width": 375, "height": 800})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the case page scrolls sideways by {overflow}px at 375 px"
        page.set_viewport_size({"width": 1280, "height": 900})

        answer = page.locator("#form-decision")
        answer.locator("summary").click()
        answer.get_by_label("Payer's answer").select_option("approve")
        answer.get_by_label("Authorization number").fill("NJF-778812")
        answer.get_by_label("Units approved").fill("1")
        answer.get_by_label("Approved from").fill("2026-12-07")
        answer.get_by_label("Approved to").fill("2027-03-30")
        answer.get_by_role("button", name="Record answer").click()
        expect(page.locator("#case-state")).to_have_text("Approved")
        expect(page.locator("#history")).to_contain_text("Approved")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Authorizations").click()
        approved = page.locator("#column-decided .auth-cards[data-state='approved']")
        expect(page.locator("#state-approved")).to_contain_text("Approved")
        expect(approved.locator(".auth-card")).to_have_count(1)
        expect(approved).to_contain_text("Brandt, Walter")
        expect(approved).to_contain_text("Approved to 30 Mar 2027, 0 of 1 session used")
        page.screenshot(path=f"{SHOTS}/authorization-board.png", full_page=True)
