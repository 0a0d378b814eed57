"""Journey J4 in a real browser, through pages only, from the phone call: two gabapentin trials recorded on
the episode page, one not adequate (dose and duration short, with the reasons on the page) and one adequate,
drawn as bars.

The live server's clock is `server_clock`, moved between steps; nothing sleeps.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import as_role, attend_visit, book_visit, new_call, routine_triage, sign_in
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
# Monday 7 Dec 2026, 10:00 in Chicago: the phone call; the first visit on Wednesday.
MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
VISIT_MORNING = datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc)


def _episode_from_the_call(page: Page, server_clock) -> int:  # noqa: ANN001
    """The call (routine), the first visit booked and attended; returns the episode the call opened."""
    server_clock.move_to(MONDAY_MORNING)
    sign_in(page, "front_desk")
    new_call(page, caller="Lena Marsh", given="Lena", family="Marsh", born="1975-06-02", sex="female", phone="555-0190",
             reason="Burning pain down the left leg; gabapentin from her PCP did not help", where="low back, left leg", weeks="12")
    episode_id = routine_triage(page, age=51, onset_days=84)
    book_visit(page, "2026-12-09T09:00")
    server_clock.move_to(VISIT_MORNING)
    page.goto(f"/episodes/{episode_id}")
    attend_visit(page, when="Wed 09 Dec 2026 09:00")
    return episode_id


def _add_trial(page: Page, *, drug: str, dose: str, times: str, start: str, stop: str, reason: str = "", response: str = "") -> None:
    panel = page.locator("#medication-trials")
    add = panel.locator("#add-trial")
    if add.get_attribute("open") is None:
        add.locator("summary").click()
    add.get_by_label("Drug").fill(drug)
    add.get_by_label("Dose each time (mg)").fill(dose)
    add.get_by_label("Times a day").select_option(times)
    add.get_by_label("Started on").fill(start)
    add.get_by_label("Last day taken").fill(stop)
    if reason:
        add.get_by_label("Why it stopped").select_option(reason)
    if response:
        add.get_by_label("Response").fill(response)
    add.get_by_role("button", name="Save trial").click()


def test_j4_two_gabapentin_trials_one_inadequate_one_adequate(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 30
    episode_id = _episode_from_the_call(page, server_clock)
    as_role(page, "nurse")
    page.goto(f"/episodes/{episode_id}")
    panel = page.locator("#medication-trials")
    expect(panel.get_by_role("heading", name="Medication trials")).to_be_visible()
    expect(panel).to_contain_text("No medication trials recorded")

    # A future stop date is refused next to its field, and nothing is saved.
    _add_trial(page, drug="gabapentin", dose="300", times="1", start="2026-10-01", stop="2026-12-20")
    expect(page.locator("#trial-errors")).to_contain_text("The trial was not saved")
    expect(panel.locator(".field.has-error", has_text="Last day taken")).to_contain_text("cannot be in the future")
    expect(panel).to_contain_text("No medication trials recorded")

    # 300 mg at night for two weeks.
    page.goto(f"/episodes/{episode_id}")
    _add_trial(page, drug="gabapentin", dose="300", times="1", start="2026-10-01", stop="2026-10-14",
               reason="ineffective", response="no change in pain")
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#trial-\d+"))
    # 300 mg three times a day for a month.
    _add_trial(page, drug="gabapentin", dose="300", times="3", start="2026-10-15", stop="2026-11-11")

    trials = panel.locator(".trial")
    expect(trials).to_have_count(2)
    first, second = trials.nth(0), trials.nth(1)
    expect(first).to_contain_text("Gabapentin 300 mg once a day")
    expect(first.locator(".badge")).to_have_text("Not an adequate trial")
    expect(first).to_contain_text("dose 300 mg/day is below the 900 mg/day target")
    expect(first).to_contain_text("lasted 14 days; an adequate trial is at least 28 days")
    expect(first).to_contain_text("response: no change in pain")
    expect(second).to_contain_text("Gabapentin 300 mg three times a day")
    expect(second.locator(".badge")).to_have_text("Adequate trial")
    expect(second).to_contain_text("900 mg/day for 28 days meets the adequate trial")

    # The bars: one per trial, on one scale, the second starting after the first and lasting longer.
    bars = panel.locator(".trial-bar")
    expect(bars).to_have_count(2)
    one, two = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
    assert one is not None and two is not None
    assert one["width"] > 0 and two["width"] > one["width"]
    assert two["x"] >= one["x"] + one["width"] - 1
    expect(bars.nth(0)).to_have_class(re.compile("trial-bar-inadequate"))
    expect(bars.nth(1)).to_have_class(re.compile("trial-bar-adequate"))

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Gabapentin 300 mg once a day started 01 Oct 2026")
    expect(timeline).to_contain_text("Gabapentin 300 mg three times a day stopped 11 Nov 2026")
    page.screenshot(path=f"{SHOTS}/j4-medication-trials.png", full_page=True)
