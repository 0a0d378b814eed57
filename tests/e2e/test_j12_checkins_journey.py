"""Journey J12 in a real browser: check-ins as obligations (the clinic scenarios, journey J12: "During an 8-week
PT block, two or three short telehealth check-ins; after an injection, a check at 24 to 72 hours and at 2 weeks.
A missed check-in becomes a task.").

From the phone call and the first visit: the clinician records a lumbar transforaminal epidural; the episode's
Check-ins panel lists the 24-72 hour and the 2-week check-ins. The nurse does the first one by a telehealth
check-in note (pain, relief, function, side effects, red flags, next step). Nobody does the second: once its
window has closed the coordinator's worklist has "Missed check-in", whose link opens the check-in, where it is
given a new day. Then an 8-week PT block is started and shows its three check-ins. The live server's clock is
moved (`server_clock`); nothing sleeps.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (as_role, attend_first_visit, book_visit, clinic_jobs_run, episode, new_call, record_procedure_by_name,
                           routine_triage, start_pt_course, worklist_row)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Nov 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 11, 9, 16, 0, tzinfo=timezone.utc)  # Mon 9 Nov: the injection is done that day
NEXT_DAY = datetime(2026, 11, 10, 16, 0, tzinfo=timezone.utc)  # Tue 10 Nov: inside the 24-72 hour window
AFTER_TWO_WEEKS = datetime(2026, 12, 8, 16, 0, tzinfo=timezone.utc)  # Tue 8 Dec: the 2-week window (23 Nov to 7 Dec) has closed


def _checkins(page: Page):  # noqa: ANN202
    return page.locator("#checkins")


def test_j12_injection_check_ins_one_done_by_note_one_missed_to_a_task_and_a_pt_block_with_three(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller="Rosa Delgado", given="Rosa", family="Delgado", born="1971-03-14", sex="female",
             reason="Low back pain down the left leg for six weeks", where="low back and left leg", weeks="6")
    episode_id = routine_triage(page, age=55, onset_days=42)
    book_visit(page, "2026-11-09T10:00")

    # The first visit; the clinician records the injection given that day.
    server_clock.move_to(FIRST_VISIT)
    attend_first_visit(page, episode_id)
    as_role(page, "clinician")
    episode(page, episode_id)
    record_procedure_by_name(page, procedure="Lumbar transforaminal epidural steroid injection", cpt="64483", levels="L4-5",
                             on="2026-11-09", baseline_pain="7")
    episode(page, episode_id)
    rows = _checkins(page).locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Check-in 24 to 72 hours after the Lumbar transforaminal epidural steroid injection")
    expect(rows.nth(0)).to_contain_text("10 Nov to 12 Nov 2026")
    expect(rows.nth(0)).to_contain_text("Upcoming")
    expect(rows.nth(1)).to_contain_text("Check-in 2 weeks after the")
    expect(rows.nth(1)).to_contain_text("Telehealth call")

    # The next day the nurse calls: the check-in note, with the relief the injection gave.
    server_clock.move_to(NEXT_DAY)
    as_role(page, "nurse")
    episode(page, episode_id)
    expect(_checkins(page).locator("tbody tr").nth(0)).to_contain_text("Due now")
    _checkins(page).get_by_role("link", name=re.compile("Check-in 24 to 72 hours")).click()
    expect(page.locator("#checkin-status")).to_have_text("Due now")
    note = page.locator("#note-form")
    note.get_by_label("Pain now (0 to 10)").fill("2")
    note.get_by_label("Relief from the procedure (percent)").fill("70")
    note.get_by_label("Function: how the patient is managing day to day").fill("Walked to the shop and back; slept through the night")
    note.get_by_label("Side effects").fill("Face flushed the first evening")
    note.get_by_label("Red flags reported").select_option("no")
    note.get_by_label("Next step").fill("Start PT next week; check again at two weeks")
    note.get_by_role("button", name="Save the check-in note").click()
    expect(page.locator("#checkin-status")).to_have_text("Done")
    expect(page.locator("#checkin-facts")).to_contain_text("70%")
    page.screenshot(path=f"{SCREENSHOTS}/j12-checkin-note.png", full_page=True)
    episode(page, episode_id)
    expect(_checkins(page).locator("tbody tr").nth(0)).to_contain_text("Done on 10 Nov 2026 (check-in note)")
    expect(page.locator("#procedures")).to_contain_text("70% relief")  # the note recorded the relief report too

    # Nobody reaches the patient at two weeks: once the window has closed, the coordinator's task.
    server_clock.move_to(AFTER_TWO_WEEKS)
    clinic_jobs_run(ctx)
    as_role(page, "coordinator")
    row = worklist_row(page, "Missed check-in")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("reach the patient, book it again or record it")
    page.screenshot(path=f"{SCREENSHOTS}/j12-missed-task.png", full_page=True)
    row.get_by_role("link", name=re.compile("^Missed check-in")).click()
    page.locator("#work-link").click()
    expect(page).to_have_url(re.compile(rf"/checkins/episodes/{episode_id}\?key=procedure:\d+:2$"))
    expect(page.locator("#checkin-status")).to_have_text("Missed")
    moved = page.locator("#reschedule-form")
    moved.get_by_label("New day").fill("2026-12-10")
    moved.get_by_role("button", name="Move it").click()
    expect(page.locator("#checkin-status")).to_have_text("Due now")
    expect(worklist_row(page, "Missed check-in")).to_have_count(0)

    # An 8-week PT block: three check-ins spread through it.
    as_role(page, "clinician")
    episode(page, episode_id)
    start_pt_course(page, protocol="lumbar_stenosis_flexion", practice="Lakeside Physical Therapy", per_week="2", weeks="8",
                    starts="2026-12-14")
    episode(page, episode_id)
    pt_rows = _checkins(page).locator("tbody tr", has_text="PT block check-in")
    expect(pt_rows).to_have_count(3)
    expect(pt_rows.nth(0)).to_contain_text("PT block check-in 1 of 3")
    expect(pt_rows.nth(0)).to_contain_text("28 Dec to 30 Dec 2026")
    expect(pt_rows.nth(2)).to_contain_text("25 Jan to 27 Jan 2027")
    _checkins(page).screenshot(path=f"{SCREENSHOTS}/j12-checkins-panel.png")
