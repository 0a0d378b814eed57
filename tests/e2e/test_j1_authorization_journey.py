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

from journey_pages import (add_conservative_care_entry, add_prior_provider, as_role, book_visit, episode, give_questionnaire,
                           new_call, open_details_box, record_outside_study, request_records_from, routine_triage, visit_button,
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
SUBMITTED = _chicago(2, 19, 10)
DECISION = _chicago(2, 20, 22, 5)  # Fri 20 Feb, just after the payer's answer at 22:00, 36 hours after 10:00 on the 19th
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
    # A ladder fall three weeks ago that his PCP has already imaged (the MRI shows foraminal stenosis, nothing
    # broken): an injury imaged and cleared does not escalate on its own, so the caller stays routine.
    return routine_triage(page, age=44, onset_days=21, injury="Major: a vehicle crash or a fall from a height", injury_days=21,
                          imaged="Yes, and told nothing was broken")


def _records_requested(page: Page, episode_id: int) -> None:
    """Same day: the coordinator asks the imaging center and the PCP for their records."""
    as_role(page, "coordinator")
    page.goto(f"/episodes/{episode_id}/records")
    add_prior_provider(page, name="Lakeside Imaging Center", kind="imaging_center", fax="555-0140")
    add_prior_provider(page, name="Dr. Amy Chen (PCP)", kind="physician", fax="555-0141")
    request_records_from(page, provider="Lakeside Imaging Center", items=["MRI reports"], release="Release signed 5 Jan 2026")
    request_records_from(page, provider="Dr. Amy Chen (PCP)", items=["Office notes", "Medication list"], release="Release signed 5 Jan 2026")
    expect(page.locator("#checklist")).to_contain_text("Not ready")


def _history_on_the_episode(page: Page, episode_id: int) -> None:
    """What the patient told: the outside MRI (report not here yet) and the care he tried, as reported."""
    as_role(page, "clinician")
    episode(page, episode_id)
    record_outside_study(page, modality="MRI", study="MRI cervical spine without contrast", performed_on="2025-12-29")
    add_conservative_care_entry(page, kind="Medication", description="Naproxen 500 mg twice a day for 3 weeks", start="2025-12-15",
                          end="2026-01-04", drug_class="nsaid", helped="It did not help (failed)")
    add_conservative_care_entry(page, kind="Medication", description="Methylprednisolone 6-day pack", start="2025-12-22",
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


def _kit_item(page: Page, label: str):  # noqa: ANN202
    return page.locator("#kit .auth-item", has_text=label)


def _kit_progress(page: Page) -> tuple[int, int]:
    """("N of M kit items ready") as the case page says it."""
    found = re.search(r"(\d+) of (\d+) kit items ready", page.locator("#kit-progress").inner_text())
    assert found, page.locator("#kit-progress").inner_text()
    return int(found.group(1)), int(found.group(2))


def _first_visit_note(page: Page, episode_id: int) -> None:
    """Thu 8 Jan: checked in, NDI given, the note started from the visit: pain 7/10 and the exam."""
    episode(page, episode_id)
    visit_button(page, "Thu 08 Jan 2026 09:00", "Check in")
    as_role(page, "clinician")
    give_questionnaire(page, episode_id, "ndi", NDI_FIRST)
    expect(page.locator("#questionnaires .q-admin").last.locator(".q-score")).to_contain_text("21")
    visit_button(page, "Thu 08 Jan 2026 09:00", "Start the visit note")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Initial visit note")
    page.locator("#f-narrative").fill("Neck and right arm pain since a ladder slip 3 weeks ago, numb right thumb.")
    page.get_by_label("Pain now (0-10)").fill("7")
    page.get_by_label("Average pain (0-10)").fill("7")
    page.get_by_label("Worst pain (0-10)").fill("8")
    page.get_by_role("group", name="Spurling, left").get_by_label("Negative").check()
    page.get_by_role("group", name="Spurling, right").get_by_label("Positive").check()
    page.locator("#f-sensory_deficits-0-dermatome").fill("C6")
    page.locator("#f-sensory_deficits-0-side").select_option("right")
    page.locator("#f-sensory_deficits-0-finding").select_option("diminished")
    page.locator("#f-diagnosis_codes").fill("M54.12")
    page.locator("#f-reasoning").fill("Right C6 radiculopathy concordant with C5-6 foraminal stenosis")
    page.locator("#save-note").click()
    expect(page.locator("#note-notice")).to_have_text("Note saved.")


def _plan_started(page: Page, episode_id: int) -> str:
    """The plan builder: the cervical radiculopathy pathway; its if-then step opens the block's
    authorization. Returns the case page's address."""
    episode(page, episode_id)
    build = page.locator("#plan-build")
    build.get_by_label("Pathway").select_option("cervical_radiculopathy")
    build.get_by_label("Goal 1 in words").fill("Back to ladder work")
    build.get_by_label("Goal 1 measure").select_option("ndi")
    build.get_by_label("Goal 1 target").fill("10")
    build.get_by_role("button", name="Start the plan").click()
    step = page.locator("#plan-current-step")
    expect(step).to_contain_text("the trial ends Thu 19 Feb 2026")
    readiness = page.locator("#plan-authorization-readiness")
    expect(readiness).to_contain_text(BLOCK)
    return readiness.get_by_role("link").first.get_attribute("href")


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


    server_clock.move_to(FIRST_VISIT)
    _first_visit_note(page, episode_id)
    case_url = _plan_started(page, episode_id)
    page.goto(case_url)
    case_id = int(case_url.rsplit("/", 1)[1])
    # Opened in preparing, with its kit: the MRI report, the exam and the baseline NDI are ready; the
    # programme is not recorded yet and the home exercise handout is not on file, each with its owner.
    expect(page.locator("#case-state")).to_have_text("Preparing")
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Information missing")
    for ready in ("Baseline Neck Disability Index", "MRI or CT within 24 months", "Radiculopathy with a concordant exam"):
        expect(_kit_item(page, ready)).to_contain_text("Ready")
    expect(_kit_item(page, "Pain for at least 4 weeks")).to_contain_text("Until Mon 12 Jan 2026")
    program = _kit_item(page, "At least 6 weeks of a structured conservative program")
    expect(program).to_contain_text("Missing")
    expect(program).to_contain_text("(coordinator)")
    handout = _kit_item(page, "Home exercise program given to the patient")
    expect(handout).to_contain_text("Missing")
    expect(handout).to_contain_text("Record put on file: home exercise program (coordinator)")
    page.screenshot(path=f"{SHOTS}/j1-case-preparing.png", full_page=True)

    # The programme: PT twice a week and home traction, both from today.
    episode(page, episode_id)
    add_conservative_care_entry(page, kind="Physical therapy", description="PT twice a week: cervical traction and nerve glides",
                          start="2026-01-08", source="Given at this clinic")
    add_conservative_care_entry(page, kind="Home exercise program", description="Home traction and nerve glides",
                          start="2026-01-08", source="Given at this clinic")

    # The missing handout is the coordinator's task; she files it in the kit from the case page.
    as_role(page, "coordinator")
    kit_task = worklist_row(page, "Kit for").filter(has_text="put on file: home exercise program")
    expect(kit_task).to_have_count(1)
    expect(kit_task).to_contain_text("Coordinator")
    page.goto(case_url)
    open_details_box(page.locator("#documents"), "Add a document")
    add = page.locator("#add-document")
    add.get_by_label("Kind").select_option(label="Home exercise program")
    add.get_by_label("Title").fill("Home traction and nerve glide program")
    add.get_by_label("Dated").fill("2026-01-08")
    add.get_by_role("button", name="Add document").click()
    expect(page.locator("#documents .auth-documents")).to_contain_text("Home traction and nerve glide program")
    expect(_kit_item(page, "Home exercise program given to the patient")).to_contain_text("Ready")
    # Eligible on Thu 19 Feb from the payer's pack: 4 weeks of pain (12 Jan) and 6 weeks of PT (19 Feb) to wait.
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Eligible on a later date")
    expect(page.locator("#decision-summary")).to_contain_text("Thursday 19 February 2026")
    expect(_kit_item(page, "Pain for at least 4 weeks")).to_contain_text("Until Mon 12 Jan 2026")
    expect(_kit_item(page, "At least 6 weeks of a structured conservative program")).to_contain_text("Until Thu 19 Feb 2026")
    ready, items = _kit_progress(page)
    assert ready == items - 2
    expect(worklist_row(page, "Kit for")).to_have_count(0)

    # The worklist: "Submit authorization" due Thu 19 Feb, for the coordinator.
    submit = worklist_row(page, "Submit authorization")
    expect(submit).to_have_count(1)
    expect(submit).to_contain_text("Reyes, Marco")
    expect(submit).to_contain_text("Thu 19 Feb 2026")
    expect(submit).to_contain_text("Coordinator")

    # Thu 19 Feb: NDI 19/50 (less than the minimal important change) and pain 6/10 at the six-week check.
    server_clock.move_to(ELIGIBLE_DAY)
    as_role(page, "clinician")
    give_questionnaire(page, episode_id, "ndi", NDI_SIX_WEEKS)
    expect(page.locator("#questionnaires .q-admin").last.locator(".q-score")).to_contain_text("19")
    notes = page.locator("#visit-notes")
    notes.get_by_label("Visit type").select_option("follow_up")
    notes.get_by_role("button", name="Start note").click()
    page.locator("#f-narrative").fill("Six weeks of PT and home traction: arm pain a little better, still limiting work.")
    page.get_by_label("Pain now (0-10)").fill("6")
    page.get_by_label("Average pain (0-10)").fill("6")
    page.locator("#save-note").click()
    expect(page.locator("#note-notice")).to_have_text("Note saved.")

    # The coordinator sees it due today; the kit is complete and the request goes out that day.
    as_role(page, "coordinator")
    expect(worklist_row(page, "Submit authorization")).to_contain_text("Due today")
    page.screenshot(path=f"{SHOTS}/j1-worklist.png", full_page=True)
    page.goto(case_url)
    expect(page.locator("#criteria .auth-outcome")).to_have_text("Eligible now")
    ready, items = _kit_progress(page)
    assert ready == items > 0
    expect(page.locator("#kit .auth-item-missing, #kit .auth-item-pending")).to_have_count(0)
    server_clock.move_to(SUBMITTED + timedelta(minutes=20))
    open_details_box(page.locator("#actions"), "Record submission")
    form = page.locator("#form-submit")
    form.get_by_label("Sent by").select_option("portal")
    form.get_by_label("Reference").fill("BCBS-PA-7731")
    form.get_by_label("Sent at").fill("2026-02-19T10:00")
    form.get_by_role("button", name="Record submission").click()
    expect(page.locator("#case-state")).to_have_text("Submitted")
    expect(page.locator(".facts")).to_contain_text("0 days after the patient became eligible")
    expect(worklist_row(page, "Submit authorization")).to_have_count(0)
    expect(worklist_row(page, "Follow up with BCBS commercial")).to_have_count(1)

    # 36 hours later the payer approves: 1 unit, 20 Feb to 20 May.
    server_clock.move_to(DECISION)
    page.goto(case_url)
    open_details_box(page.locator("#actions"), "Record the payer's answer")
    answer = page.locator("#form-decision")
    answer.get_by_label("Payer's answer").select_option("approve")
    answer.get_by_label("Answered at").fill("2026-02-20T22:00")
    answer.get_by_label("Authorization number").fill("BCBS-A-55120")
    answer.get_by_label("Units approved").fill("1")
    answer.get_by_label("Approved from").fill("2026-02-20")
    answer.get_by_label("Approved to").fill("2026-05-20")
    answer.get_by_role("button", name="Record answer").click()
    expect(page.locator("#case-state")).to_have_text("Approved")
    expect(page.locator(".facts")).to_contain_text("BCBS-A-55120")
    case = page.request.get(f"/api/authorizations/{case_id}").json()
    assert case["hours_to_decision"] == 36.0 and case["hours_to_decision"] / 24 == 1.5
    assert case["days_from_eligibility_to_submission"] == 0
    expect(worklist_row(page, "Book the approved")).to_have_count(1)

    # Booked inside the window: the worklist no longer asks, and no "approval ends first" warning opens.
    page.goto(case_url)
    open_details_box(page.locator("#actions"), "Procedure date")
    page.locator("#form-planned").get_by_label("Procedure date").fill("2026-02-26")
    page.locator("#form-planned").get_by_role("button", name="Save date").click()
    expect(page.locator(".facts")).to_contain_text("26 Feb 2026")
    page.screenshot(path=f"{SHOTS}/j1-case-approved.png", full_page=True)
    expect(worklist_row(page, "Book the approved")).to_have_count(0)
    expect(page.locator("#worklist-table")).not_to_contain_text(re.compile("Approval ends before"))
