"""Journey J2 in a real browser, through pages only, from the phone call: lumbar stenosis on oxycodone 10 mg
four times a day (60 MME/day), opioid safety duties, a taper from 60 to 15 MME/day over four months, and two
epidurals, the second authorized only if the first gave the payer's required benefit.

The payer is Aetna commercial (the typical commercial pack, eviCore CMM-200 style): a repeat epidural needs
at least 50% relief lasting at least 2 weeks; at most 4 epidurals per region per 12 months. The live server's
clock is `server_clock`, moved between steps; nothing sleeps.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (add_relief, as_role, attend_visit, book_visit, new_call, open_authorization, open_details,
                           record_prescription, record_procedure, routine_triage, sign_in)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
EPIDURAL = "Lumbar interlaminar or caudal epidural steroid injection"


def _chicago(day: date, hour: int) -> datetime:
    """A Chicago wall-clock hour in January to April 2027 (standard time to 14 Mar, then daylight time)."""
    offset = 5 if day >= date(2027, 3, 14) else 6
    return datetime(day.year, day.month, day.day, hour + offset, tzinfo=timezone.utc)


CALL_DAY = date(2027, 1, 4)  # Monday
VISIT_DAY = date(2027, 1, 7)  # Thursday: first visit, the prescription, the taper starts
FIRST_EPIDURAL = date(2027, 2, 1)
TWO_WEEKS_AFTER = date(2027, 2, 16)


def _strengths(ctx) -> set[float]:  # noqa: ANN001
    """Oxycodone immediate-release tablet strengths from the tablet-strength pack."""
    return set(ctx.knowledge.tablet_products["oxycodone_ir"].strengths_mg)


def _taper_rows(page: Page) -> list[tuple[date, str, str]]:
    rows = []
    for row in page.locator("#taper .taper-row").all():
        cells = row.locator("td").all_inner_texts()
        rows.append((datetime.strptime(cells[0].strip(), "%d %b %Y").date(), cells[1].strip(), cells[2].strip()))
    return rows


def test_j2_lumbar_stenosis_taper_and_two_epidurals(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(_chicago(CALL_DAY, 9))

    # The phone call: routine, the first visit booked for Thursday.
    sign_in(page, "front_desk")
    new_call(page, caller="Walter Price", given="Walter", family="Price", born="1962-09-12", sex="male",
             reason="Low back and both legs ache when walking, better sitting or bending forward; on oxycodone from his PCP",
             where="low back, both legs", weeks="30", payer="aetna_commercial", member_id="W998877665")
    episode_id = routine_triage(page, age=64, onset_days=210)
    book_visit(page, "2027-01-07T09:00")
    expect(page.locator("table.appointments")).to_contain_text("Thu 07 Jan 2027 09:00")

    # Thursday: the visit is attended (checked in, completed).
    server_clock.move_to(_chicago(VISIT_DAY, 9))
    page.goto(f"/episodes/{episode_id}")
    attend_visit(page, when="Thu 07 Jan 2027 09:00")
    page.screenshot(path=f"{SHOTS}/j2-visit-attended.png", full_page=True)

    # The clinician enters the prescription he takes: oxycodone 10 mg four times a day is 60 MME/day.
    as_role(page, "clinician")
    page.goto(f"/episodes/{episode_id}")
    record_prescription(page, drug="oxycodone", strength="10", times="4")
    expect(page.locator("#medications .med-row")).to_contain_text("oxycodone 10 mg, 1 oral 4 times a day")
    expect(page.locator("#mme-total")).to_have_text("60 MME/day")

    # Opioid safety: naloxone is prompted at or over 50 MME/day; offered, the agreement signed, the PDMP
    # checked before the prescription goes on, a urine drug test collected.
    safety = page.locator("#opioid-safety")
    expect(safety.locator("#naloxone-prompt")).to_contain_text("60 MME/day (at or over 50)")
    expect(safety).to_contain_text("Not signed")
    offer = open_details(page, "#record-naloxone")
    offer.get_by_label("Outcome").select_option("accepted")
    offer.get_by_role("button", name="Save naloxone offer").click()
    expect(page.locator("#naloxone-prompt")).to_have_count(0)
    expect(page.locator("#opioid-safety")).to_contain_text("Offered 07 Jan 2027 (accepted)")
    open_details(page, "#record-agreement").get_by_role("button", name="Save agreement").click()
    expect(page.locator("#opioid-safety")).to_contain_text("Signed 07 Jan 2027")
    pdmp = open_details(page, "#record-pdmp")
    pdmp.get_by_label(re.compile("^State")).fill("IL")
    pdmp.get_by_label(re.compile("^What the report showed")).fill("One prescriber, one pharmacy: oxycodone 10 mg #120 monthly")
    pdmp.get_by_role("button", name="Save PDMP check").click()
    expect(page.locator("#opioid-safety")).to_contain_text("Last checked 07 Jan 2027")
    udt = open_details(page, "#record-udt")
    udt.get_by_role("button", name="Save drug test").click()
    safety = page.locator("#opioid-safety")
    expect(safety).to_contain_text(re.compile(r"Urine drug test\s*Last 07 Jan 2027; next due \d\d \w\w\w 2027"))
    page.screenshot(path=f"{SHOTS}/j2-opioid-safety.png", full_page=True)
