"""Journey J1 through pages only (the clinic scenarios, journey J1): the contractor with cervical
radiculopathy under a strict commercial payer (BCBS commercial).

Mon 5 Jan 2026 the front desk takes the call; the coordinator asks the imaging center and the PCP for
records; the outside MRI and the care he tried go on the episode's panels. Wed 7 Jan the MRI report is
filed on the records tracker. Thu 8 Jan the first visit: NDI 21/50, pain 7/10, the exam; the plan builder
starts the cervical radiculopathy pathway, which opens the authorization for the selective nerve root
block in *preparing*; the worklist asks to submit it on Thu 19 Feb (6 weeks of PT). On 19 Feb the kit
is complete and the request goes out that day; the payer approves 36 hours later; the block is booked
inside the approval window.

Every fact goes in through the pages staff use; the live server's clock is moved by `server_clock`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_conservative_care, add_prior_provider, as_role, book_visit, episode, give_questionnaire,
                           new_call, open_details, record_outside_study, request_records, routine_triage, visit_button,
                           worklist_row)
from support import SCREENSHOTS, small_pdf

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
CHICAGO = timezone(timedelta(hours=-6))  # standard time all through January and February


def _chicago(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHICAGO)


INTAKE = _chicago(1, 5, 9)  # Mon 5 Jan, 09:00
REPORT_ARRIVES = _chicago(1, 7, 11)  # Wed 7 Jan
FIRST_VISIT = _chicago(1, 8, 8, 30)  # Thu 8 Jan, before the 09:00 visit
ELIGIBLE_DAY = _chicago(2, 19, 9)  # Thu 19 Feb
DECISION = _chicago(2, 20, 22, 5)  # Fri 20 Feb, just after the payer's answer at 22:00
# NDI answers (0-5 per item, 10 items, out of 50): 21 at the first visit, 19 on 19 Feb (journey J1).
NDI_FIRST = [3, 2, 2, 2, 2, 2, 2, 2, 2, 2]
NDI_SIX_WEEKS = [2, 2, 2, 2, 2, 2, 2, 2, 2, 1]
BLOCK = "Cervical transforaminal epidural steroid injection (selective nerve root block)"


def _intake_call(page: Page) -> int:
    """The front desk takes the call and screens for red flags: routine; returns the episode."""
    as_role(page, "front_desk")
    new_call(page, caller="Marco Reyes", given="Marco", family="Reyes", born="1981-09-14", sex="male", phone="555-0117",
             reason="Neck and right arm pain since slipping off the bottom rungs of a ladder, thumb numbness",
             where="neck, right arm, right thumb", payer="bcbs_commercial", member_id="XBM884211907", region="cervical")
    # A slip from the bottom rungs is a fall from about standing height: the screen's "minor" injury.
    return routine_triage(page, age=44, onset_days=21, injury="Minor: a fall from standing height, lifting or twisting")


def _records_requested(page: Page, episode_id: int) -> None:
    """Same day: the coordinator asks the imaging center and the PCP for their records."""
    as_role(page, "coordinator")
    page.goto(f"/episodes/{episode_id}/records")
    add_prior_provider(page, name="Lakeside Imaging Center", kind="imaging_center", fax="555-0140")
    add_prior_provider(page, name="Dr. Amy Chen (PCP)", kind="physician", fax="555-0141")
    request_records(page, provider="Lakeside Imaging Center", items=["MRI reports"], release="Release signed 5 Jan 2026")
    request_records(page, provider="Dr. Amy Chen (PCP)", items=["Office notes", "Medication list"], release="Release signed 5 Jan 2026")
    expect(page.locator("#checklist")).to_contain_text("Not ready")


def _history_on_the_episode(page: Page, episode_id: int) -> None:
    """What the patient told: the outside MRI (report not here yet) and the care he tried, as reported."""
    as_role(page, "clinician")
    episode(page, episode_id)
    record_outside_study(page, modality="MRI", study="MRI cervical spine without contrast", performed_on="2025-12-29")
    add_conservative_care(page, kind="Medication", description="Naproxen 500 mg twice a day for 3 weeks", start="2025-12-15",
                          end="2026-01-04", drug_class="nsaid", helped="It did not help (failed)")
    add_conservative_care(page, kind="Medication", description="Methylprednisolone 6-day pack", start="2025-12-22",
                          end="2025-12-27", drug_class="oral_steroid", helped="It did not help (failed)")


def _mri_report_filed(page: Page, episode_id: int) -> None:
    """Wed 7 Jan: the imaging center's report arrives and is filed on the records tracker."""
    as_role(page, "coordinator")
    page.goto(f"/episodes/{episode_id}/records")
    upload = page.locator("#upload")
    upload.get_by_label("File", exact=True).set_input_files(
        {"name": "lakeside-mri-c-spine.pdf", "mimeType": "application/pdf", "buffer": small_pdf("MRI cervical spine report")})
    answers = upload.get_by_label("Answers request")
    answers.select_option(answers.locator("option", has_text="Lakeside Imaging Center").get_attribute("value"))
    upload.get_by_label("MRI reports").check()
    upload.locator("#f-imaging_modality").select_option(label="MRI")
    upload.locator("#f-imaging_study").fill("MRI cervical spine without contrast")
    upload.locator("#f-imaging_performed_on").fill("2025-12-29")
    upload.locator("#f-imaging_concordant").select_option("yes")
    upload.locator("#f-imaging_summary").fill("Moderate right C5-6 foraminal stenosis")
    upload.get_by_role("button", name="File document").click()
    expect(page.locator("#documents")).to_contain_text("lakeside-mri-c-spine.pdf")
    episode(page, episode_id)
    study = page.locator("#imaging article.study")
    expect(study).to_have_count(1)  # the report went to the study recorded at intake: one fact
    expect(study).to_contain_text("Report on file: supports the working diagnosis. Moderate right C5-6 foraminal stenosis")


def test_j1_cervical_block_authorization_submitted_on_the_eligibility_day(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    episode_id = _intake_call(page)
    book_visit(page, "2026-01-08T09:00")
    expect(page.locator("table.appointments")).to_contain_text("Thu 08 Jan 2026 09:00")
    _records_requested(page, episode_id)
    _history_on_the_episode(page, episode_id)

    server_clock.move_to(REPORT_ARRIVES)
    _mri_report_filed(page, episode_id)

    page.screenshot(path=f"{SHOTS}/j1-episode-before-visit.png", full_page=True)
