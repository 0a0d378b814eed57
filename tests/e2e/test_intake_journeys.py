"""Journey J8 in a real browser: red flags at intake, emergent, urgent and routine, with the clock moved.

Every step goes through pages; the test moves the live server's clock (`server_clock`), never sleeping.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (
    answer_all_no, check_in_visit, decision, new_call, new_patient, question, request_records, sign_in, sign_out, worklist_row,
)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
# Monday 7 Dec 2026, 10:00 in Chicago (16:00 UTC): an ordinary week, no holiday before Christmas.
MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)


def test_j8_emergent_cauda_equina_is_a_hard_stop_until_a_clinician_acknowledges(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 30
    server_clock.move_to(MONDAY_MORNING)
    sign_in(page, "front_desk")
    new_call(page, caller="Mara Quinn", given="Mara", family="Quinn", born="1968-04-11", sex="female",
             reason="Back pain for 3 weeks, now cannot pass urine and numb between the legs", where="low back")
    call_url = page.url
    page.get_by_label("Outcome").select_option("reached")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts")).to_contain_text("Reached the caller")

    # No answer is pre-selected, and the decision is "not decided" until the screen says otherwise.
    expect(page.locator(".q input[type=radio]:checked")).to_have_count(0)
    expect(decision(page)).to_contain_text("Not decided yet")
    page.wait_for_load_state("load")
    question(page, re.compile("^Any new trouble passing urine")).get_by_label("Yes", exact=True).check()
    expect(decision(page)).to_contain_text("Emergent")
    # The answer alone, before anything is saved, already alerts a clinician.
    expect(page.locator("#clinician-alerted")).to_contain_text("A clinician has been alerted")
    question(page, re.compile("^Any new numbness or pins and needles between your legs")).get_by_label("Yes", exact=True).check()
    expect(decision(page)).to_contain_text("saddle numbness")
    expect(decision(page)).to_contain_text("Tell the caller now")
    # Screen readers get the one-line outcome in a status region that outlives each swap.
    expect(page.locator("#decision-status")).to_have_text("Decision so far: Emergent: send to the emergency department now")
    page.screenshot(path=f"{SHOTS}/intake-emergent-live.png", full_page=True)

    # An emergent answer does not wait for the rest of the screen.
    page.get_by_role("button", name="Save: send to the emergency department").click()
    banner = page.locator("#hard-stop")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text(re.compile("send to the emergency department now", re.I))
    expect(banner).to_contain_text("Cauda equina syndrome")
    expect(banner).to_contain_text("new bladder trouble")
    expect(page.locator("#waiting-ack")).to_contain_text("Waiting for a clinician's acknowledgement")
    # No booking form at all, here or on the episode page.
    expect(page.locator("form[action$='/appointments']")).to_have_count(0)
    expect(page.get_by_role("button", name="Book visit")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/intake-emergent-hard-stop.png", full_page=True)
    episode_link = page.get_by_role("link", name="Episode page")
    episode_url = episode_link.get_attribute("href")
    episode_id = int(episode_url.rsplit("/", 1)[1])
    episode_link.click()
    expect(page.locator("#hard-stop")).to_be_visible()
    expect(page.locator("#booking-blocked")).to_contain_text("Booking is blocked")
    expect(page.locator("form[action$='/appointments']")).to_have_count(0)

    # And the server refuses a booking posted directly.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(f"/episodes/{episode_id}/appointments", form={
        "csrf_token": token, "start_at": "2026-12-08T09:00", "visit_type": "urgent", "next": call_url,
    })
    assert refused.status == 409
    assert "a clinician must acknowledge before any booking" in refused.text()
    sign_out(page)

    # The clinician sees it on the worklist, opens the episode and acknowledges.
    sign_in(page, "clinician")
    row = worklist_row(page, "Acknowledge emergent red flag")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Quinn, Mara")
    page.screenshot(path=f"{SHOTS}/intake-emergent-worklist.png", full_page=True)
    row.get_by_role("link", name="Quinn, Mara", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}$"))
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#ack-errors")).to_contain_text("What was done")
    page.locator("#acknowledge").get_by_label("What was done").fill("Spoke with the patient; on the way to the ED. ED charge nurse notified.")
    page.get_by_role("button", name="Acknowledge").click()
    acknowledged = page.locator("#acknowledged")
    expect(acknowledged).to_contain_text("Acknowledged by Clinician User on Mon 07 Dec 2026")
    expect(acknowledged).to_contain_text("on the way to the ED")
    page.screenshot(path=f"{SHOTS}/intake-emergent-acknowledged.png", full_page=True)
    expect(worklist_row(page, "Acknowledge emergent red flag")).to_have_count(0)
    sign_out(page)

    # Booking is possible now.
    sign_in(page, "front_desk")
    page.goto(call_url)
    expect(page.locator("#acknowledged")).to_contain_text("Clinician User")
    page.get_by_label("Date and time").fill("2026-12-09T10:00")
    page.get_by_role("button", name="Book visit").click()
    expect(page.locator("table.appointments")).to_contain_text("Wed 09 Dec 2026 10:00")


def test_j8_urgent_fever_in_a_person_who_injects_drugs_is_seen_by_the_next_business_day(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 30
    server_clock.move_to(MONDAY_MORNING)
    sign_in(page, "front_desk")
    new_patient(page, mrn="MRN-3003", given="Jon", family="Reyes", born="1990-02-03", sex="male", phone="555-0190",
                payer="aetna_commercial", member_id="W330300190", effective_from="2026-01-01")
    expect(page.locator("#coverage")).to_contain_text("W330300190")
    page.get_by_role("link", name="New intake call").click()
    expect(page.locator(".known-patient")).to_contain_text("Reyes, Jon")
    page.get_by_label("Caller's name").fill("Jon Reyes")
    page.get_by_label("Caller's phone").fill("555-0190")
    page.get_by_label("Reason for the call").fill("Back pain getting worse for 5 days, with fevers and chills")
    page.get_by_label("Where it hurts").fill("mid and low back")
    page.get_by_label("Body region").select_option("lumbar")
    page.get_by_role("button", name="Save call and start the red-flag screen").click()
    page.wait_for_load_state("load")

    page.locator("#question-age input").fill("36")
    page.locator("#question-pain_onset_days input").fill("5")
    answer_all_no(page, except_ids={"fever", "injects_drugs"})
    page.locator("#question-injury").get_by_label("No injury").check()
    expect(decision(page)).to_contain_text("28 of 30")
    question(page, re.compile("^Have you had a fever")).get_by_label("Yes", exact=True).check()
    question(page, re.compile("^Do you inject drugs")).get_by_label("Yes", exact=True).check()
    expect(decision(page)).to_contain_text("Urgent")
    expect(decision(page)).to_contain_text(re.compile(r"fever.* and injects drugs"))
    page.screenshot(path=f"{SHOTS}/intake-urgent-live.png", full_page=True)
    page.get_by_role("button", name="Save triage").click()

    outcome = page.locator("#triage-outcome")
    expect(outcome).to_contain_text("Book a same-day or next-business-day visit")
    expect(outcome).to_contain_text("Spinal infection")
    expect(outcome).to_contain_text("Book by Tue 08 Dec 2026 23:59")
    expect(page.get_by_label("Visit type")).to_have_value("urgent")
    page.screenshot(path=f"{SHOTS}/intake-urgent-routing.png", full_page=True)
    call_url = page.url
    sign_out(page)

    sign_in(page, "coordinator")
    row = worklist_row(page, "Book a same-day or next-business-day visit")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tue 08 Dec 2026")  # the next business day, end of day
    expect(row).to_contain_text("23:59")

    # Tomorrow morning, the coordinator books the urgent visit for that afternoon.
    page.goto(call_url)
    page.get_by_label("Date and time").fill("2026-12-08T14:00")
    page.get_by_role("button", name="Book visit").click()
    expect(page.locator("table.appointments")).to_contain_text("Tue 08 Dec 2026 14:00")
    expect(page.locator("table.appointments")).to_contain_text("Urgent")
    expect(worklist_row(page, "Book a same-day or next-business-day visit")).to_have_count(0)
    page.wait_for_load_state("load")
    page.get_by_label("Status").select_option("met")
    expect(page.locator("#worklist-table tbody tr", has_text="Book a same-day or next-business-day visit")).to_contain_text("Urgent visit booked for Tue 08 Dec 2026 14:00")


def test_j8_routine_callback_first_visit_with_an_app_and_records_the_same_day(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 30
    server_clock.move_to(MONDAY_MORNING)
    sign_in(page, "front_desk")
    new_call(page, caller="Ana Lindqvist", relation="family", given="Rosa", family="Lindqvist", born="1970-07-02", sex="female",
             reason="Low back pain radiating to the left leg for 3 months", where="low back, left leg")
    call_url = page.url
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    queued = page.locator("#callback-table tbody tr", has_text="Ana Lindqvist")
    expect(queued).to_contain_text("Family member, for Lindqvist, Rosa")
    expect(queued).to_contain_text("Callback by")
    expect(queued).to_contain_text("Tue 08 Dec 2026")
    page.screenshot(path=f"{SHOTS}/intake-queue.png", full_page=True)

    # Before the call is returned, the worklist owes it within 1 business day.
    row = worklist_row(page, "Return the call")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tue 08 Dec 2026")
    expect(row).to_contain_text("within 1 business day")

    # An hour later the front desk calls back: no answer, then the caller picks up.
    server_clock.move_to(datetime(2026, 12, 7, 17, 0, tzinfo=timezone.utc))
    page.goto(call_url)
    page.get_by_label("Outcome").select_option("voicemail")
    page.get_by_label("Note").fill("Left a message with the clinic number")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts")).to_contain_text("Left a voicemail")
    page.get_by_label("Outcome").select_option("reached")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts")).to_contain_text("Reached the caller")
    page.wait_for_load_state("load")

    # Saving before every red-flag question is answered is refused by the browser and the server.
    page.locator("#question-age input").fill("56")
    page.locator("#question-pain_onset_days input").fill("90")
    answer_all_no(page, except_ids={"foot_drop"})
    expect(decision(page)).to_contain_text("28 of 30")
    response = page.request.post(f"{call_url}/triage", form={
        "csrf_token": page.locator('meta[name="csrf-token"]').get_attribute("content"), "q-age": "56",
    })
    assert response.status == 422 and "Red-flag questions cannot be skipped" in response.text()
    page.locator("#question-injury").get_by_label("No injury").check()
    question(page, re.compile("^Does a foot drag")).get_by_label("No", exact=True).check()
    question(page, re.compile("^Is there a workers' compensation claim")).get_by_label("Yes", exact=True).check()
    expect(decision(page)).to_contain_text("Routine")
    expect(decision(page)).to_contain_text("Compensation")
    page.screenshot(path=f"{SHOTS}/intake-routine-live.png", full_page=True)
    page.get_by_role("button", name="Save triage").click()

    outcome = page.locator("#triage-outcome")
    expect(outcome).to_contain_text("Book the first visit")
    expect(outcome).to_contain_text("advanced practice provider")
    expect(outcome).to_contain_text("Mon 21 Dec 2026")  # 10 business days after first contact
    records = outcome.get_by_role("link", name="records tracker")
    episode_id = int(page.get_by_role("link", name="Episode page").get_attribute("href").rsplit("/", 1)[1])
    expect(records).to_have_attribute("href", f"/episodes/{episode_id}/records")
    expect(page.locator("#yellow-flags")).to_contain_text("Compensation")
    expect(page.get_by_label("Visit type")).to_have_value("new_patient")
    expect(page.get_by_label("Provider")).to_have_value("app")
    page.screenshot(path=f"{SHOTS}/intake-routine-routing.png", full_page=True)

    # The same day, from the records tracker the call links to: the PCP's records are requested.
    records.click()
    request_records(page, provider="Dr. Amy Chen (PCP)", kind="physician", fax="555-010-0140",
                    items=["Office notes", "MRI reports"], release="Release signed by phone at intake", clinician="Clinician User")
    request = page.locator("#requests tbody tr", has_text="Dr. Amy Chen (PCP)")
    expect(request).to_contain_text("Sent Mon 07 Dec 2026 · today")
    expect(request).to_contain_text("Office notes")
    page.screenshot(path=f"{SHOTS}/intake-routine-records.png", full_page=True)
    sign_out(page)

    sign_in(page, "coordinator")
    row = worklist_row(page, "Book the first visit")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Mon 21 Dec 2026")
    expect(row).to_contain_text("Lindqvist, Rosa")
    row.get_by_role("link", name="Lindqvist, Rosa", exact=True).click()
    expect(page.get_by_label("Provider")).to_have_value("app")
    page.get_by_label("Date and time").fill("2026-12-15T09:30")
    page.get_by_label("How", exact=True).select_option("telehealth")
    page.get_by_role("button", name="Book visit").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}$"))
    expect(page.locator("table.appointments")).to_contain_text("Tue 15 Dec 2026 09:30")
    expect(page.locator("table.appointments")).to_contain_text("Advanced practice provider")
    # Booking alone does not meet the first-visit duty: it becomes checking the patient in on that day.
    tasks = page.get_by_role("region", name="Open tasks")
    expect(tasks).not_to_contain_text("Book the first visit")
    expect(tasks).to_contain_text("Check the patient in at the first visit")
    page.screenshot(path=f"{SHOTS}/intake-routine-booked.png", full_page=True)
    expect(worklist_row(page, "Book the first visit")).to_have_count(0)
    sign_out(page)

    # Tue 15 Dec, 09:25 in Chicago: the front desk sees the check-in due today and checks the patient in.
    server_clock.move_to(datetime(2026, 12, 15, 15, 25, tzinfo=timezone.utc))
    sign_in(page, "front_desk")
    row = worklist_row(page, "Check the patient in at the first visit")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tue 15 Dec 2026")
    row.get_by_role("link", name="Lindqvist, Rosa", exact=True).click()
    check_in_visit(page, "Tue 15 Dec 2026 09:30")
    expect(page.get_by_role("region", name="Open tasks")).not_to_contain_text("first visit")
    expect(worklist_row(page, "Check the patient in at the first visit")).to_have_count(0)
    page.wait_for_load_state("load")
    page.get_by_label("Status").select_option("met")
    expect(page.locator("#worklist-table tbody tr", has_text="Check the patient in at the first visit")).to_contain_text("First visit attended Tue 15 Dec 2026")
