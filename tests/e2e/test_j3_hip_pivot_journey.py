"""Journey J3 in a real browser, from the phone call, up to the hip X-ray (the clinic scenarios, journey J3:
hip pain mislabeled as lumbar radiculopathy). Imaging orders come in a later issue, so it stops there.

The call and the first visit; the clinician builds the plan at its lumbar epidural step; the epidural is
recorded on the procedures panel; at the 2-week relief check the patient reports no improvement; the
re-exam on the visit note finds limited hip internal rotation and a positive FADIR with groin pain; the plan
pivots on the plan builder to the hip-labral pathway, and the abandoned lumbar step's review closes with
the pivot's reason, as the task page shows. The live server's clock is moved (`server_clock`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_relief_by_id, as_role, attend_first_visit, book_visit, episode, new_call, record_procedure_returning_id,
                           routine_triage)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Nov 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 11, 9, 16, 0, tzinfo=timezone.utc)  # Mon 9 Nov
EPIDURAL = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Mon 16 Nov
PIVOT_REASON = ("The epidural gave no relief at 2 weeks; re-exam: limited right hip internal rotation and a positive "
                "FADIR with groin pain. Hip, not lumbar.")


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
    page.keyboard.press("Control+Enter")
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
