"""Journey J3 in a real browser, from the phone call to hip-focused PT (the clinic scenarios, journey J3:
hip pain mislabeled as lumbar radiculopathy).

The call and the first visit, where a lumbar PT course starts; the clinician builds the plan at its lumbar
epidural step; the epidural is recorded on the procedures panel; at the 2-week relief check the patient
reports no improvement; the re-exam on the visit note finds limited hip internal rotation and a positive
FADIR with groin pain; the plan pivots on the plan builder to the hip-labral pathway, and the abandoned
lumbar step's review closes with the pivot's reason, as the task page shows.

Then the loops: the plan's hip X-ray step opens its order (the clinician's task links to the prefilled
form), the coordinator sends and books it, the report comes back and the clinician's review closes the
loop, which lets the step move on; the MR arthrogram is ordered with its protocol and labral question,
urgent, and booked into a standing slot within 48 hours; the orthopaedics referral goes out and is
tracked until the consult note is back and the clinician closes it with the plan's adjustment; the PT
course switches to the hip protocol. The live server's clock is moved (`server_clock`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_relief_by_id, as_role, attend_first_visit, book_visit, confirm_plan_step, episode, new_call,
                           record_procedure_returning_id, routine_triage, save_note_by_keyboard)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Nov 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 11, 9, 16, 0, tzinfo=timezone.utc)  # Mon 9 Nov
EPIDURAL = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Mon 16 Nov
PIVOT_REASON = ("The epidural gave no relief at 2 weeks; re-exam: limited right hip internal rotation and a positive "
                "FADIR with groin pain. Hip, not lumbar.")


def _start_pt_course(page: Page, therapist_id: int) -> int:
    """The clinician starts lumbar-stabilization PT on the episode's PT panel: the course's id."""
    panel = page.locator("#physical-therapy")
    panel.locator("#pt-start summary").click()
    page.locator("#f-pt-protocol").select_option("lumbar_stabilization")
    page.locator("#f-pt-therapist").select_option(str(therapist_id))
    page.locator("#f-pt-practice").fill("The clinic's PT gym")
    panel.get_by_role("button", name="Start the PT course").click()
    course = page.locator(".pt-course").first
    expect(course).to_contain_text("stabilization")
    return int(course.get_attribute("id").rsplit("-", 1)[1])


def _order_from_the_plan_step(page: Page, episode_id: int, label: str, *, urgency: str | None = None) -> int:
    """The clinician opens the current step's prefilled order form from the plan, names the side the exam
    found, and places it: the order's id."""
    episode(page, episode_id)
    page.locator("#plan-step-order-form", has_text=label).click()
    page.get_by_label("Side").select_option("right")
    if urgency:
        page.get_by_label("Urgency").select_option(urgency)
    page.get_by_role("button", name="Place the order").click()
    expect(page).to_have_url(re.compile(r"/imaging-orders/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _send_order(page: Page, order_id: int) -> None:
    """The coordinator sends the order to the imaging centre (printed and handed over, here)."""
    page.goto(f"/imaging-orders/{order_id}")
    form = page.locator("#send-form")
    form.get_by_label("Imaging centre").select_option("lakeside_imaging")
    form.get_by_label("Send by").select_option("print")
    form.get_by_role("button", name="Send the order").click()
    expect(page.locator("#book-form, #slot-picker").first).to_be_visible()


def _study_and_report(page: Page, order_id: int, impression: str) -> None:
    """The coordinator records the study as done and files the report that came back."""
    page.goto(f"/imaging-orders/{order_id}")
    page.locator("#done-form").get_by_role("button", name="The study was done").click()
    report = page.locator("#report-form")
    report.get_by_label("Report impression").fill(impression)
    report.get_by_role("button", name="The report arrived").click()
    expect(page.locator("#review-form, main").first).to_contain_text("a clinician reviews it")


def _review(page: Page, order_id: int, note: str) -> None:
    """The clinician reads the report and closes the order's loop."""
    page.goto(f"/imaging-orders/{order_id}")
    review = page.locator("#review-form")
    review.get_by_label("Concordant with the diagnosis").select_option("yes")
    review.get_by_label("What the report means for the plan").fill(note)
    review.get_by_role("button", name="Reviewed: close the loop").click()
    expect(page.locator("main")).to_contain_text("The loop is closed.")


def _referral_step(page: Page, referral_id: int, to: str, **fields: str) -> None:
    """Record one step of a referral's loop on its page (`to` is the state it moves to)."""
    page.goto(f"/referrals/{referral_id}")
    section = page.locator(f"#step-{to}")
    section.locator("summary").click()
    for name, value in fields.items():
        page.locator(f"#f-{name}-{to}").fill(value)
    section.get_by_role("button", name="Record").click()
    expect(page.locator("#referral-loop")).to_be_visible()


def test_j3_no_relief_after_the_epidural_and_a_positive_fadir_pivot_the_plan_to_the_hip(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller="Dana Whitfield", given="Dana", family="Whitfield", born="1979-08-03", sex="female",
             reason="Right buttock and thigh pain for two months, told it is sciatica", where="right buttock and thigh",
             weeks="8")
    episode_id = routine_triage(page, age=47, onset_days=60)
    book_visit(page, "2026-11-09T10:00")

    # The first visit: attended; the clinician starts the lumbar radicular plan at its epidural step.
    server_clock.move_to(FIRST_VISIT)
    episode(page, episode_id)
    attend_first_visit(page)
    as_role(page, "clinician")
    episode(page, episode_id)
    build = page.locator("#plan-build")
    build.get_by_label("Pathway").select_option("lumbar_radicular_pain")
    build.get_by_text("Start later in the pathway, or detail the procedure ahead").click()
    page.locator("#f-first_step_id").select_option("lumbar_epidural")
    build.get_by_role("button", name="Start the plan").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#care-plan$"))
    expect(page.locator("#plan-current-step")).to_contain_text("Lumbar epidural steroid injection")
    pt_course = _start_pt_course(page, staff["therapist"].id)

    # The epidural, on the procedures panel; its 2-week relief check is on the worklist.
    server_clock.move_to(EPIDURAL)
    episode(page, episode_id)
    epidural = record_procedure_returning_id(page, key="tfesi_lumbar", cpt="64483", side="right", levels="L5-S1", on="2026-11-16", baseline=7)
    two_weeks = next(c for c in ctx.knowledge.procedures["tfesi_lumbar"].relief_checks if c.name == "2 weeks after")
    check_day = EPIDURAL + timedelta(days=two_weeks.days()[0])
    server_clock.move_to(check_day)
    as_role(page, "nurse")
    page.goto("/worklist")
    expect(page.locator("#worklist-table tbody tr", has_text="Relief check 2 due: 2 weeks after")).to_have_count(1)
    episode(page, episode_id)
    add_relief_by_id(page, epidural, on=check_day.date().isoformat(), percent=0)
    expect(page.locator(f"#procedure-{epidural} .relief-checks li").nth(1)).to_contain_text("reported")

    # The re-exam on a visit note: limited right hip internal rotation, positive FADIR on the right.
    as_role(page, "clinician")
    episode(page, episode_id)
    notes = page.locator("#visit-notes")
    notes.get_by_label("Visit type").select_option("follow_up")
    notes.get_by_role("button", name="Start note").click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+$"))
    page.locator("#f-narrative").fill("No relief after the epidural. Groin pain on FADIR, right; limited internal rotation.")
    page.get_by_role("group", name="FADIR, right").get_by_label("Positive").check()
    page.get_by_label("Hip internal rotation, right (degrees)").fill("10")
    page.get_by_label("Hip internal rotation, left (degrees)").fill("35")
    save_note_by_keyboard(page)
    expect(page.locator("#note-notice")).to_have_text("Note saved.")

    # The lumbar step's review task, before the pivot.
    page.goto("/worklist")
    review = page.locator("#worklist-table tbody tr", has_text="Review Lumbar epidural steroid injection")
    expect(review).to_have_count(1)
    task_href = review.get_by_role("link", name=re.compile("^Review Lumbar epidural")).get_attribute("href")

    # The pivot, on the plan builder.
    episode(page, episode_id)
    page.locator("#plan-pivot summary").click()
    page.locator("#f-pivot-pathway").select_option("hip_labral")
    page.locator("#f-pivot-reason").fill(PIVOT_REASON)
    page.locator("#plan-pivot").get_by_role("button", name="Change pathway").click()
    expect(page.locator("#plan-current-step")).to_contain_text("Hip X-ray")
    page.screenshot(path=f"{SCREENSHOTS}/j3-pivot-to-hip.png", full_page=True)

    # The abandoned step's review is closed with the pivot's reason, on its task page; off the worklist.
    page.goto(task_href)
    expect(page.locator("body")).to_contain_text(PIVOT_REASON)
    expect(page.locator("#closed-heading")).to_have_text("This task is closed")
    page.goto("/worklist")
    expect(page.locator("#worklist-table tbody tr", has_text="Review Lumbar epidural steroid injection")).to_have_count(0)

    # The hip X-ray step opens its order: the clinician's task links to the prefilled form.
    order_task = page.locator("#worklist-table tbody tr", has_text="Order the hip")
    expect(order_task).to_have_count(1)
    xray = _order_from_the_plan_step(page, episode_id, "Order the")
    expect(page.locator("main")).to_contain_text("X-ray")
    as_role(page, "coordinator")
    _send_order(page, xray)
    book = page.locator("#book-form")
    book.get_by_label("Slot (date and time)").fill("2026-12-01T09:00")
    book.get_by_role("button", name="Book this time").click()
    server_clock.move_to(datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc))
    _study_and_report(page, xray, "No fracture. Mild cam-type bump at the femoral head-neck junction; joint space preserved.")
    as_role(page, "clinician")
    _review(page, xray, "Plain films show a possible cam bump: the MR arthrogram answers the labral question.")
    episode(page, episode_id)
    expect(page.locator("#plan-step-order")).to_contain_text("reviewed 1 Dec")
    confirm_plan_step(page)
    expect(page.locator("#plan-current-step")).to_contain_text("MRI arthrogram of the hip")

    # The MR arthrogram: its protocol and labral question come from the pathway onto the requisition; urgent,
    # so the coordinator is offered the centres' standing slots within 48 hours of sending.
    arthrogram = _order_from_the_plan_step(page, episode_id, "Order the", urgency="urgent")
    requisition = page.locator("#requisition, main").first
    expect(requisition).to_contain_text("arthrogram")
    expect(requisition).to_contain_text("abral")
    as_role(page, "coordinator")
    sent_at = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
    _send_order(page, arthrogram)
    first_slot = page.locator("ul.slots li").first
    first_slot.get_by_role("button", name=re.compile("^Book ")).click()
    booked_text = page.locator("dd", has_text="a standing urgent slot").inner_text()
    booked_at = datetime.strptime(booked_text.split(" (")[0].split(",")[0], "%a %d %b %Y %H:%M")
    assert timedelta(0) < booked_at.replace(tzinfo=ctx.calendar.tz) - sent_at <= timedelta(hours=48), booked_text
    page.screenshot(path=f"{SCREENSHOTS}/j3-arthrogram-standing-slot.png", full_page=True)
    server_clock.move_to(datetime(2026, 12, 3, 22, 0, tzinfo=timezone.utc))
    _study_and_report(page, arthrogram, "Anterosuperior labral tear with cam morphology; no chondral loss.")
    as_role(page, "clinician")
    _review(page, arthrogram, "Labral tear with cam morphology: orthopaedics opinion next, and hip-focused PT.")
    episode(page, episode_id)
    confirm_plan_step(page)
    expect(page.locator("#plan-current-step")).to_contain_text("Orthopedics referral")

    # The orthopaedics referral: the coordinator keeps the receiving practice in the directory; the clinician
    # writes the referral from the plan's step (the reason and question filled in); it is tracked through
    # receipt, the appointment and the visit until the consult note is back.
    as_role(page, "coordinator")
    page.goto("/referral-practices")
    add = page.locator("#add-practice-form")
    add.get_by_label("Practice name").fill("Hip Preservation Orthopaedics")
    add.get_by_label("Orthopedics", exact=False).first.check()
    add.get_by_label("Clinician").fill("Dr. Ana Ortiz")
    add.get_by_label("Fax").fill("(555) 010-0144")
    add.get_by_role("button", name="Add the practice").click()
    expect(page.locator(".practice", has_text="Hip Preservation Orthopaedics")).to_have_count(1)
    as_role(page, "clinician")
    episode(page, episode_id)
    page.locator("#plan-step-order-form").click()
    expect(page.locator("#referral-form")).to_be_visible()
    practice = page.get_by_label("Receiving practice")
    practice.select_option(practice.locator("option", has_text="Hip Preservation").get_attribute("value"))
    page.get_by_role("button", name="Save the referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#referral-details")).to_contain_text("Hip Preservation Orthopaedics")
    as_role(page, "coordinator")
    page.goto(f"/referrals/{referral}")
    page.locator("#f-transport").select_option("print")
    page.get_by_role("button", name="Send the letter").click()
    server_clock.move_to(datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc))
    _referral_step(page, referral, "acknowledged", acknowledged_on="2026-12-07")
    _referral_step(page, referral, "scheduled", appointment_on="2026-12-14")
    server_clock.move_to(datetime(2026, 12, 14, 22, 0, tzinfo=timezone.utc))
    _referral_step(page, referral, "seen", seen_on="2026-12-14")
    page.goto("/loops")
    expect(page.locator("main")).to_contain_text("Hip Preservation Orthopaedics")
    server_clock.move_to(datetime(2026, 12, 17, 16, 0, tzinfo=timezone.utc))
    _referral_step(page, referral, "consult_received", consult_note_on="2026-12-16",
                   consult_summary="Labral tear with cam morphology. Not a surgical candidate now: 8 weeks of hip-focused PT, then review.")
    as_role(page, "clinician")
    _referral_step(page, referral, "closed", plan_adjustment="Switch PT to the hip labral protocol; orthopaedic review after 8 weeks.")
    expect(page.locator("#referral-loop")).to_contain_text("Closed")
    episode(page, episode_id)
    confirm_plan_step(page)
    expect(page.locator("#plan-current-step")).to_contain_text("Hip-focused physical therapy")

    # The PT course switches to the hip protocol, with the reason, on the PT panel.
    course = page.locator(f"#pt-course-{pt_course}")
    course.locator(f"#pt-switch-{pt_course} summary").click()
    page.locator(f"#f-pt-switch-protocol-{pt_course}").select_option("hip_labral_tear")
    page.locator(f"#f-pt-switch-reason-{pt_course}").fill("MR arthrogram: labral tear with cam morphology; orthopaedics advises hip-focused PT.")
    course.get_by_role("button", name="Switch the protocol").click()
    course = page.locator(f"#pt-course-{pt_course}")
    expect(course.locator(".pt-course-head")).to_contain_text("Hip labral tear")
    expect(course.locator(".pt-switch")).to_contain_text("labral tear with cam morphology")
    page.screenshot(path=f"{SCREENSHOTS}/j3-hip-pt.png", full_page=True)
