"""Journey J7 in a real browser, from the phone call, through pages only: PT authorization without a gap week.

Commercial payer (bcbs_commercial): the payer approves 8 PT visits, twice a week (Mon/Thu) from Mon 2 Nov 2026,
Thanksgiving (Thu 26 Nov) moving visit 8 to Fri 27 Nov, so visit 9 is Mon 30 Nov. Visits used are counted from
the therapist's PT visit notes. On visit 5's day the gap week opens: the progress note (therapist), the provider
follow-up in visit 7's week and the extension request (coordinator), all due before visit 7. The request goes
out with the progress note; with no answer 2 business days before visit 9 (Wed 25 Nov, Thanksgiving is not a
business day) the coordinator is told; the payer's approval covers visit 9.

Medicare variant (medicare_noridian_jf): a progress report at least every 10 treatment days, and the plan of care
certified by a clinician and recertified at least every 90 days, from the PT panel's forms.

The live server's clock is `server_clock`; obligations that only the date opens reach the worklist through the
clinic's background job (`clinic_jobs_run`), as they would every minute in the clinic.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from journey_pages import (
    as_role, book_visit, check_in_visit, clinic_jobs_run, episode, new_call, pt_panel, record_pt_authorization,
    record_pt_progress_report, record_pt_visit_note, routine_triage, start_pt_course, worklist_row,
)
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
PLAN = [date(2026, 11, d) for d in (2, 5, 9, 12, 16, 19, 23, 27)]  # visits 1-8; Thanksgiving moves Thu 26 to Fri 27
VISIT_9 = date(2026, 11, 30)


def morning(day: date) -> datetime:
    """10:00 in Chicago (CST from 1 Nov 2026, CDT before)."""
    offset = 5 if day < date(2026, 11, 1) else 6
    return datetime(day.year, day.month, day.day, 10 + offset, 0, tzinfo=timezone.utc)


def _first_visit_attended(page: Page, server_clock, *, payer: str, member_id: str, given: str, family: str) -> int:  # noqa: ANN001
    """The phone call on Mon 26 Oct, routine triage, the first visit booked for Thu 29 Oct and the patient checked in."""
    server_clock.move_to(morning(date(2026, 10, 26)))
    as_role(page, "front_desk")
    new_call(page, caller=f"{given} {family}", given=given, family=family, born="1961-05-14", sex="female", payer=payer,
             member_id=member_id, reason="Low back pain after lifting, no leg symptoms", where="low back", weeks="12")
    episode_id = routine_triage(page, age=65, onset_days=84)
    book_visit(page, "2026-10-29T09:00")
    expect(page.locator("table.appointments")).to_contain_text("Thu 29 Oct 2026 09:00")
    server_clock.move_to(morning(date(2026, 10, 29)) - timedelta(hours=1))
    episode(page, episode_id)
    check_in_visit(page, "Thu 29 Oct 2026 09:00")
    return episode_id


def _pt_course_prescribed(page: Page, episode_id: int, *, weeks: str) -> None:
    as_role(page, "clinician")
    episode(page, episode_id)
    start_pt_course(page, protocol="lumbar_stabilization", practice="Riverside PT (onsite)", per_week="2", weeks=weeks, starts="2026-11-02")
    expect(pt_panel(page)).to_contain_text("2 visits a week for " + weeks + " weeks from Mon 2 Nov")


def _therapist_records(page: Page, server_clock, episode_id: int, days: list[date]) -> None:  # noqa: ANN001
    for day in days:
        server_clock.move_to(morning(day))
        record_pt_visit_note(page, episode_id)


def _bar(page: Page, number: str):  # noqa: ANN202
    return pt_panel(page).locator(".pt-auth", has_text=f"Authorization {number}")


def test_j7_the_extension_goes_out_with_the_progress_note_and_visit_9_is_not_blocked(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    episode_id = _first_visit_attended(page, server_clock, payer="bcbs_commercial", member_id="XJH123456789", given="Dana", family="Whitfield")
    _pt_course_prescribed(page, episode_id, weeks="6")
    expect(pt_panel(page).locator(".pt-course-head")).not_to_contain_text("Medicare rules")

    # The coordinator records the payer's approval of 8 visits; the panel already says visit 9 would not be covered.
    as_role(page, "coordinator")
    episode(page, episode_id)
    record_pt_authorization(page, visits="8", window_from="2026-11-02", window_to="2026-12-31", number="PT-AUTH-1")
    first = _bar(page, "PT-AUTH-1")
    expect(first).to_contain_text("0 of 8 visits used")
    expect(first).to_contain_text("8 left")

    # The therapist charts visits 1 to 4: nothing is owed yet.
    as_role(page, "therapist")
    _therapist_records(page, server_clock, episode_id, PLAN[:4])
    expect(worklist_row(page, "Write the PT progress note")).to_have_count(0)

    # Visit 5 (Mon 16 Nov) opens the gap week: the progress note is due before visit 7, by Fri 20 Nov.
    _therapist_records(page, server_clock, episode_id, PLAN[4:5])
    episode(page, episode_id)
    expect(_bar(page, "PT-AUTH-1")).to_contain_text("5 of 8 visits used")
    note_task = worklist_row(page, "Write the PT progress note before visit 7 of 8 authorized (Mon 23 Nov)")
    expect(note_task).to_have_count(1)
    expect(note_task).to_contain_text("Fri 20 Nov 2026")
    page.screenshot(path=f"{SHOTS}/j7-therapist-worklist.png", full_page=True)

    # Visit 6 (Thu 19 Nov): the therapist writes the progress report on the PT panel.
    _therapist_records(page, server_clock, episode_id, PLAN[5:6])
    episode(page, episode_id)
    record_pt_progress_report(page, "Sitting 40 min (was 15); ODI 38 -> 26; holds of 10 s pain-free")
    expect(worklist_row(page, "Write the PT progress note")).to_have_count(0)

    # The coordinator sees the two other gap-week tasks, due the same Friday.
    as_role(page, "coordinator")
    follow_up = worklist_row(page, "Book the provider follow-up in the week of 23 Nov")
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text("Fri 20 Nov 2026")
    extension = page.locator("#worklist-table tbody tr", has_text="Send the PT extension request with the progress note")
    expect(extension).to_have_count(1)
    expect(extension).to_contain_text("Fri 20 Nov 2026")
    page.screenshot(path=f"{SHOTS}/j7-coordinator-worklist.png", full_page=True)

    # The follow-up with the physician in visit 7's week, then the extension request citing the progress report.
    episode(page, episode_id)
    page.get_by_label("Provider", exact=True).select_option("physician")
    page.get_by_label("Visit type").select_option("follow_up")
    page.get_by_label("Note for the visit").fill("PT progress review")
    book_visit(page, "2026-11-24T09:00")
    expect(page.locator("table.appointments")).to_contain_text("Tue 24 Nov 2026 09:00")
    request = _bar(page, "PT-AUTH-1")
    request.get_by_text("Record the extension request as sent").click()
    request.get_by_label("Progress report sent with it").select_option(index=1)  # the one report: the one written on visit 6
    expect(request.get_by_label("Progress report sent with it")).to_contain_text("ODI 38")
    request.get_by_role("button", name="Record the request").click()
    expect(_bar(page, "PT-AUTH-1").get_by_text("Record the payer's answer to the extension")).to_be_visible()
    expect(worklist_row(page, "Book the provider follow-up")).to_have_count(0)
    expect(page.locator("#worklist-table tbody tr", has_text="Send the PT extension request")).to_have_count(0)

    # Visit 7 (Mon 23 Nov); Tue 24 Nov: no answer yet, but it is not 2 business days before visit 9.
    as_role(page, "therapist")
    _therapist_records(page, server_clock, episode_id, PLAN[6:7])
    server_clock.move_to(morning(date(2026, 11, 24)))
    clinic_jobs_run(ctx)
    as_role(page, "coordinator")
    expect(worklist_row(page, "No payer answer on the PT extension")).to_have_count(0)

    # Wed 25 Nov: Thanksgiving is not a business day, so today is 2 business days before Mon 30 Nov.
    server_clock.move_to(morning(date(2026, 11, 25)))
    clinic_jobs_run(ctx)
    told = worklist_row(page, "No payer answer on the PT extension: visit 9 is on Mon 30 Nov")
    expect(told).to_have_count(1)
    expect(told).to_contain_text("Wed 25 Nov 2026")
    page.screenshot(path=f"{SHOTS}/j7-escalation.png", full_page=True)

    # The coordinator calls the payer: 6 more visits approved from Mon 30 Nov; visit 9 is covered.
    told.get_by_role("link", name="Whitfield, Dana", exact=True).click()
    answer = _bar(page, "PT-AUTH-1")
    answer.get_by_text("Record the payer's answer to the extension").click()
    answer.get_by_label("Payer's answer").select_option("approved")
    answer.get_by_label("Visits approved").fill("6")
    answer.get_by_label("New window from").fill(VISIT_9.isoformat())
    answer.get_by_label("New window to").fill("2026-12-31")
    answer.get_by_label("Authorization number").fill("PT-AUTH-2")
    answer.get_by_role("button", name="Record the answer").click()
    expect(_bar(page, "PT-AUTH-2")).to_contain_text("0 of 6 visits used")
    expect(pt_panel(page)).not_to_contain_text("unauthorized")
    page.screenshot(path=f"{SHOTS}/j7-pt-panel-extended.png", full_page=True)
    expect(worklist_row(page, "No payer answer on the PT extension")).to_have_count(0)

    # Visit 8 on Fri 27 Nov uses the last of the first approval.
    as_role(page, "therapist")
    _therapist_records(page, server_clock, episode_id, PLAN[7:])
    episode(page, episode_id)
    expect(_bar(page, "PT-AUTH-1")).to_contain_text("8 of 8 visits used")


def test_j7_medicare_progress_every_10_treatment_days_and_recertification_every_90(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    episode_id = _first_visit_attended(page, server_clock, payer="medicare_noridian_jf", member_id="1EG4TE5MK73", given="Lorna", family="Betts")
    _pt_course_prescribed(page, episode_id, weeks="16")
    expect(pt_panel(page).locator(".pt-course-head")).to_contain_text("Medicare rules")

    # The plan of care is certified by the clinician on the panel (within 30 days of the first treatment).
    certify = worklist_row(page, "Certify the PT plan of care")
    expect(certify).to_have_count(1)
    episode(page, episode_id)
    pt_panel(page).get_by_label("Certified on").fill("2026-10-29")
    pt_panel(page).get_by_role("button", name="Certify the plan of care").click()
    expect(pt_panel(page)).to_contain_text("Certified on Thu 29 Oct")
    expect(worklist_row(page, "Certify the PT plan of care")).to_have_count(0)

    # Twice a week from Mon 2 Nov (Thanksgiving moves Thu 26 to Fri 27): treatment day 10 is Thu 3 Dec.
    days = [*PLAN, VISIT_9, date(2026, 12, 3)]
    as_role(page, "therapist")
    _therapist_records(page, server_clock, episode_id, days[:6])
    expect(worklist_row(page, "Medicare PT progress report")).to_have_count(0)
    _therapist_records(page, server_clock, episode_id, days[6:7])  # treatment day 7 opens it
    due = worklist_row(page, "Medicare PT progress report due by treatment day 10 (Thu 03 Dec)")
    expect(due).to_have_count(1)
    expect(due).to_contain_text("Thu 03 Dec 2026")
    _therapist_records(page, server_clock, episode_id, days[7:])
    episode(page, episode_id)
    record_pt_progress_report(page, "10 treatment days: walks 30 min, ODI 40 -> 30")
    expect(worklist_row(page, "Medicare PT progress report due by treatment day 10")).to_have_count(0)

    # 90 days from Thu 29 Oct is Tue 26 Jan 2027 (day 1 the certification day); the course runs to late February.
    server_clock.move_to(morning(date(2027, 1, 12)))
    clinic_jobs_run(ctx)
    as_role(page, "clinician")
    recert = worklist_row(page, "Recertify the PT plan of care by 26 Jan (day 90)")
    expect(recert).to_have_count(1)
    expect(recert).to_contain_text("Tue 26 Jan 2027")
    page.screenshot(path=f"{SHOTS}/j7-medicare-recertification.png", full_page=True)
    episode(page, episode_id)
    pt_panel(page).get_by_role("button", name="Certify the plan of care").click()
    expect(pt_panel(page)).to_contain_text("Tue 12 Jan")
    expect(worklist_row(page, "Recertify the PT plan of care")).to_have_count(0)
