"""Journey J9 in a real browser, from the phone call to an extended work restriction (the clinic scenarios,
journey J9: work restrictions and FMLA).

The call and the first visit, whose note records sitting, standing and lifting; the clinician drafts work
restrictions from the chart (the measures shown with their dates), makes them light duty for four weeks, no
lifting over 15 pounds, no ladder climbing, a break every 45 minutes, and signs. The employer's WH-380-E is
logged by the coordinator who owns it (its 15-day deadline and the clinic's 4-day target on the queue),
drafted from the chart, signed by the clinician and sent; the queue shows the turnaround, and the filled PDF
is read back with pypdf. Four weeks later an extension is refused while the measures are as old as the
restriction, and accepted after a visit note with newer ones. The live server's clock is moved (`server_clock`).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from journey_pages import as_role, attend_first_visit, book_visit, episode, new_call, routine_triage, save_note_by_keyboard
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Nov 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 11, 9, 16, 0, tzinfo=timezone.utc)  # Mon 9 Nov


def _visit_note(page: Page, visit_type: str, **measures: str) -> None:
    """A visit note started from the episode page, its functional measures typed and saved."""
    notes = page.locator("#visit-notes")
    notes.get_by_label("Visit type").select_option(visit_type)
    notes.get_by_role("button", name="Start note").click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+$"))
    page.locator("#f-narrative").fill("Low back pain with right leg pain; works in a warehouse.")
    for label, value in measures.items():
        page.get_by_label(label, exact=True).fill(value)
    save_note_by_keyboard(page)
    expect(page.locator("#note-notice")).to_have_text("Note saved.")


def test_j9_restrictions_from_measures_a_wh380e_from_the_chart_and_an_extension_on_newer_measures(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller="Marcus Bell", given="Marcus", family="Bell", born="1984-05-11", sex="male",
             reason="Low back pain into the right leg since lifting at work", where="low back and right leg", weeks="3")
    episode_id = routine_triage(page, age=42, onset_days=21)
    book_visit(page, "2026-11-09T10:00")

    # The first visit; the clinician is assigned with the onset, and the note records the functional measures.
    server_clock.move_to(FIRST_VISIT)
    episode(page, episode_id)
    attend_first_visit(page)
    as_role(page, "clinician")
    episode(page, episode_id)
    care = page.locator("#care-team")
    care.get_by_text("Assign the clinician and coordinator, or edit the summary and onset").click()
    care.get_by_label("Onset date").fill("2026-10-12")
    care.locator("select[name=responsible_clinician_id]").select_option(str(staff["clinician"].id))
    care.get_by_role("button", name="Save").click()
    _visit_note(page, "initial", **{"Sitting (minutes)": "30", "Standing (minutes)": "20", "Lifting limit (lb)": "15"})

    # Restrictions drafted from the chart: the measures with their dates, then J9's four limits, signed.
    episode(page, episode_id)
    page.locator("#work-restrictions").get_by_role("link", name="Draft from the chart").click()
    sources = page.locator("#chart-sources")
    expect(sources).to_contain_text("sits 30 min on 9 Nov 2026")
    expect(sources).to_contain_text("stands 20 min on 9 Nov 2026")
    expect(sources).to_contain_text("lifts 15 lb")
    form = page.locator("#restriction-form")
    expect(form.get_by_label("Lifting limit (pounds)")).to_have_value("15")
    form.get_by_label("Duty level").select_option("light")
    expect(form.get_by_label("Valid until")).to_have_value("2026-12-07")
    form.get_by_label("Sitting at a time (minutes)").fill("")
    form.get_by_label("Standing at a time (minutes)").fill("")
    form.get_by_label("A break every (minutes)").fill("45")
    form.get_by_label("Ladder climbing").check()
    form.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/work-restrictions/\d+$"))
    first_restriction = page.url
    page.get_by_role("button", name="Sign the restrictions").click()
    expect(page.locator("#restriction-status")).to_contain_text("Signed by Clinician User")
    expect(page.locator("#restriction-limits li")).to_have_text(["Light duty", "No lifting over 15 pounds (both arms)", "No ladder climbing",
                                                                 "A break every 45 minutes to change position"])
    expect(page.locator("table.facts")).to_contain_text("7 Dec 2026")  # four weeks from 9 Nov

    # The employer's WH-380-E arrives the next day; the coordinator logs it and owns it.
    server_clock.move_to(datetime(2026, 11, 10, 16, 0, tzinfo=timezone.utc))  # Tue 10 Nov
    as_role(page, "coordinator")
    episode(page, episode_id)
    page.locator("#forms").get_by_role("link", name="Log a form received").click()
    log = page.locator("#form-request-form")
    log.get_by_label("Form", exact=True).select_option("fmla_wh380e")
    log.get_by_label("Requested by").select_option("employer")
    log.get_by_label("Employer or insurer").fill("Northside Distribution HR")
    log.get_by_label("Received by the clinic on").fill("2026-11-10")
    log.get_by_label("The employee received the request on").fill("2026-11-06")
    log.get_by_label("Coordinator who owns it").select_option(str(staff["coordinator"].id))
    log.get_by_role("button", name="Log the form").click()
    expect(page).to_have_url(re.compile(r"/form-requests/\d+$"))
    form_id = int(page.url.rsplit("/", 1)[1])
    # 15 calendar days from the employee's receipt on Fri 6 Nov; the clinic's 4 days from the arrival.
    page.get_by_role("link", name="Forms", exact=True).click()
    row = page.locator(f"#queue-{form_id}")
    expect(row).to_contain_text("Marcus Bell")
    expect(row).to_contain_text("21 Nov 2026")
    expect(row).to_contain_text("14 Nov 2026")
    expect(row).to_contain_text("Coordinator User")

    # Drafted the day after, signed by the clinician the next, sent (printed) the third: 3 days' turnaround.
    server_clock.move_to(datetime(2026, 11, 11, 16, 0, tzinfo=timezone.utc))
    page.goto(f"/form-requests/{form_id}")
    draft = page.locator("#draft-form")
    draft.get_by_label("Flare-ups: how many times").fill("2")
    draft.get_by_label("Flare-ups: per").select_option("month")
    draft.get_by_label("Each flare-up lasts").fill("3")
    draft.get_by_label("Flare-up length in").select_option("days")
    draft.get_by_label("Probable duration").fill("3 months")
    draft.get_by_role("button", name="Draft the form").click()
    expect(page.locator("#form-fields")).to_contain_text("Left for the clinician to complete and sign")
    server_clock.move_to(datetime(2026, 11, 12, 16, 0, tzinfo=timezone.utc))
    as_role(page, "clinician")
    page.goto(f"/form-requests/{form_id}")
    page.get_by_role("button", name="Reviewed and signed").click()
    expect(page.locator(".page-head")).to_contain_text("Signed, not sent")
    server_clock.move_to(datetime(2026, 11, 13, 16, 0, tzinfo=timezone.utc))
    as_role(page, "coordinator")
    page.goto(f"/form-requests/{form_id}")
    page.locator("#send-form").get_by_label("Sent by").select_option("print")
    page.locator("#send-form").get_by_role("button", name="Send").click()
    expect(page.locator(".page-head")).to_contain_text("Turnaround: 3 days from received to sent.")
    page.goto("/forms-queue")
    expect(page.locator(f"#queue-{form_id} td").last).to_have_text("3 days")
    page.screenshot(path=f"{SCREENSHOTS}/j9-forms-queue.png", full_page=True)

    # The filled form, downloaded as the browser would, read back with pypdf.
    page.goto(f"/form-requests/{form_id}")
    href = page.get_by_role("link", name="The filled form (PDF)").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    fields = {name: field.get("/V") for name, field in PdfReader(io.BytesIO(pdf.body())).get_fields().items()}
    assert fields["txtDateCommenced"] == "10/12/2026"
    assert "Sitting tolerated for 30 minutes at a time (measured 11/09/2026)" in fields["txtJobfunctionsUnable"]
    assert "Lifting limited to 15 pounds" in fields["txtJobfunctionsUnable"]
    assert fields["txtDescribeOtherFacts3"] == ("Work restriction: Light duty; Work restriction: No lifting over 15 pounds (both arms); "
                                                "Work restriction: No ladder climbing; Work restriction: A break every 45 minutes to change position")
    assert fields["txtProviderNameAddress"].startswith("Clinician User")
    assert fields["txtTimes"] == "2" and fields["txtDaysPerEpisode"] == "3"
    for attested in ("txtDateSigned", "txtExplain1", "chxUnableToWork"):  # the clinician's to attest
        assert fields[attested] in (None, "", "/Off"), attested

    # Four weeks later: an extension from the signed restriction is refused while the measures are old.
    server_clock.move_to(datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc))  # Thu 3 Dec, before it expires on 7 Dec
    as_role(page, "clinician")
    page.goto(first_restriction)
    page.get_by_role("link", name="Write a new restriction from this one").click()
    form = page.locator("#restriction-form")
    form.get_by_label("Valid until").fill("2026-12-31")
    form.get_by_label("Re-evaluate on").fill("2026-12-28")
    form.get_by_role("button", name="Save the draft").click()
    expect(page.locator("#restriction-errors")).to_contain_text("An extension needs measures newer than the last restriction")
    expect(page.locator("#restriction-errors")).to_contain_text("lifting limit last measured 9 Nov 2026")

    # A follow-up note with newer measures; the same extension is accepted.
    episode(page, episode_id)
    _visit_note(page, "follow_up", **{"Sitting (minutes)": "45", "Standing (minutes)": "30", "Lifting limit (lb)": "20"})
    page.goto(first_restriction)
    page.get_by_role("link", name="Write a new restriction from this one").click()
    form = page.locator("#restriction-form")
    form.get_by_label("Lifting limit (pounds)").fill("20")
    form.get_by_label("Valid until").fill("2026-12-31")
    form.get_by_label("Re-evaluate on").fill("2026-12-28")
    form.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/work-restrictions/\d+$"))
    assert page.url != first_restriction
    expect(page.locator("#based-on")).to_contain_text("measured 3 Dec 2026")
    page.get_by_role("button", name="Sign the restrictions").click()
    expect(page.locator("#restriction-status")).to_contain_text("Signed by Clinician User")
