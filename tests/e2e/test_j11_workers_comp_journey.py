"""Journey J11 in a real browser (the clinic scenarios, journey J11: workers' compensation).

A warehouse worker hurt his back lifting at work. The front desk takes the call and the first visit is
attended; the coordinator enters the claim on the episode's Workers' compensation panel with the adjuster and
the nurse case manager (California's carrier). The clinician charts what the carrier's criteria ask (a positive
straight-leg raise, a concordant MRI since the injury) and starts the lumbar radicular plan at its epidural step,
which opens the request; the coordinator faxes it to the carrier on Friday 6 March at 18:00 Pacific, after
California's 5:30 pm cut-off, so the carrier counts it as received Monday 9 March and must decide by Monday 16
March, which the panel shows, with the words for the patient on the coordinator's coaching task. An IME finds
the pain axial, not radicular, and disagrees with the epidural: the clinician's reconcile task is met by a
pivot of the plan on the plan builder. Forty-five days after the claim was entered the carrier's PR-2 comes
due; it is generated (read back with pypdf), recorded as sent, and the task closes. The live server's clock
is moved (`server_clock`).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from journey_pages import (
    as_role,
    attend_first_visit,
    book_visit,
    clinic_jobs_run,
    episode,
    new_call,
    record_study_with_report,
    routine_triage,
    save_note_by_keyboard,
    worklist_row,
)
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

INTAKE = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # Mon 2 Mar 2026, 10:00 in Chicago
FIRST_VISIT = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Wed 4 Mar, the claim entered that day
FAXED = datetime(2026, 3, 7, 2, 10, tzinfo=UTC)  # Fri 6 Mar 20:10 in Chicago, 18:10 Pacific
IME_REPORT_IN = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # Fri 27 Mar
REPORT_TASK_OPENS = datetime(2026, 4, 8, 15, 0, tzinfo=UTC)  # Wed 8 Apr: 10 days before the 45th day
MECHANISM = "Lifted a 60 lb box of tiles from the floor onto a pallet, twisting to the right; felt a pop in the low back"
DISAGREEMENT = "A lumbar epidural is not indicated: the pain is axial and facet-pattern, not radicular"


def _claim_entered(page: Page, episode_id: int) -> None:
    """The coordinator enters the claim, with the adjuster and the nurse case manager, on the episode's panel."""
    episode(page, episode_id)
    panel = page.locator("#workers-comp")
    panel.locator("#workcomp-claim-entry summary").click()
    for field, value in {"claim-number": "WC-2026-0042", "injury-date": "2026-02-20", "mechanism": MECHANISM,
                         "body-parts": "Low back, right leg", "employer": "Prairie Tile Supply",
                         "adjuster-name": "Sam Whitfield", "adjuster-phone": "(916) 555-0122", "adjuster-fax": "(916) 555-0123",
                         "nurse-case-manager-name": "Lena Park RN", "nurse-case-manager-phone": "(916) 555-0140",
                         "work-note": "No lifting over 15 lb; change position every 30 minutes", "rtw": "2026-04-20"}.items():
        page.locator(f"#wc-{field}").fill(value)
    page.locator("#wc-carrier").select_option("ca_workers_comp")
    page.locator("#wc-work-status").select_option("modified")
    panel.get_by_role("button", name="Save the claim").click()
    claim = page.locator("#workcomp-claim")
    expect(claim).to_contain_text("WC-2026-0042")
    expect(claim).to_contain_text("Sam Whitfield · (916) 555-0122 · fax (916) 555-0123")
    expect(claim).to_contain_text("Lena Park RN · (916) 555-0140")


def test_j11_the_carrier_decides_on_its_clock_an_ime_resets_the_plan_and_the_pr2_goes_out_on_time(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 200
    server_clock.move_to(INTAKE)
    as_role(page, "front_desk")
    new_call(page, caller="Luis Ortega", given="Luis", family="Ortega", born="1984-05-12", sex="male",
             reason="Low back and right leg pain since lifting a box of tiles at work", where="low back, right leg", weeks="2")
    episode_id = routine_triage(page, age=41, onset_days=10, injury="Minor: a fall from standing height, lifting or twisting",
                                injury_days=10, imaged="No, or not sure")
    book_visit(page, "2026-03-04T09:00")

    # The first visit; the coordinator enters the claim; the clinician starts the plan at its epidural step,
    # which opens the request under the carrier (not the patient's health plan).
    server_clock.move_to(FIRST_VISIT)
    episode(page, episode_id)
    attend_first_visit(page)
    as_role(page, "coordinator")
    _claim_entered(page, episode_id)
    as_role(page, "clinician")
    episode(page, episode_id)
    expect(page.locator("#workcomp-claim-form")).to_have_count(0)  # clinicians read the claim; the coordinator keeps it
    # The carrier's criteria for an epidural: radiculopathy on the exam, corroborated by imaging since the injury.
    record_study_with_report(page, modality="mri", region="lumbar", study="MRI lumbar spine without contrast", on="2026-03-03",
                             summary="Right L5-S1 paracentral disc protrusion contacting the S1 nerve root")
    notes = page.locator("#visit-notes")
    notes.get_by_role("button", name="Start note").click()
    page.locator("#f-narrative").fill("Low back and right leg pain since lifting a box of tiles at work on 20 Feb.")
    page.get_by_role("group", name="Straight leg raise, right").get_by_label("Positive").check()
    save_note_by_keyboard(page)
    expect(page.locator("#note-notice")).to_have_text("Note saved.")
    episode(page, episode_id)
    build = page.locator("#plan-build")
    build.get_by_label("Pathway").select_option("lumbar_radicular_pain")
    build.get_by_label("Goal 1 in words").fill("Back to full duty at the warehouse")
    build.get_by_text("Start later in the pathway, or detail the procedure ahead").click()
    page.locator("#f-first_step_id").select_option("lumbar_epidural")
    build.get_by_role("button", name="Start the plan").click()
    expect(page.locator("#plan-current-step")).to_contain_text("Lumbar epidural steroid injection")
    case_url = page.locator("#plan-authorization-readiness").get_by_role("link").first.get_attribute("href")

    # Faxed Friday after 5:30 pm Pacific: received Monday 9 March, decided by Monday 16 March.
    server_clock.move_to(FAXED)
    as_role(page, "coordinator")
    page.goto(case_url)
    page.locator("#form-submit summary").click()
    form = page.locator("#form-submit")
    form.locator("#f-submit-channel").select_option("fax")
    form.locator("#f-submit-reference").fill("RFA fax confirmation 0306-1")
    form.locator("#f-submit-at").fill("2026-03-06T20:00")
    form.get_by_role("button", name="Record submission").click()
    expect(page.locator("#case-state")).to_have_text("Submitted")
    expect(page.locator("main")).to_contain_text("California workers' compensation")
    episode(page, episode_id)
    request = page.locator("#workers-comp .workcomp-request")
    expect(request).to_contain_text("carrier's decision due Mon 16 Mar 2026 (received Mon 09 Mar)")
    coach = worklist_row(page, "Tell the patient the approval step")
    expect(coach).to_have_count(1)
    coach.get_by_role("link", name="Tell the patient the approval step", exact=True).click()
    expect(page.locator("main")).to_contain_text("They count it as received on Monday 9 March. The carrier's reviewer has to decide by Monday 16 March.")

    # The IME, scheduled by the coordinator; its report disagrees with the epidural.
    episode(page, episode_id)
    page.locator("#ime-date").fill("2026-03-24")
    page.locator("#ime-examiner").fill("Dr R. Castillo (QME)")
    page.locator("#ime-schedule-form").get_by_role("button", name="Schedule the IME").click()
    ime = page.locator("#workers-comp article.ime")
    expect(ime).to_contain_text("Findings not recorded yet")
    ime_id = int(ime.get_attribute("id").rsplit("-", 1)[1])
    server_clock.move_to(IME_REPORT_IN)
    clinic_jobs_run(ctx)
    expect(worklist_row(page, "Record the IME findings")).to_have_count(1)
    episode(page, episode_id)
    page.locator(f"#ime-findings-{ime_id}").fill("Axial low back pain worse on extension; straight leg raise negative; no dermatomal loss")
    page.locator(f"#ime-agreement-{ime_id}").select_option("disagrees")
    page.locator(f"#ime-disagreement-{ime_id}").fill(DISAGREEMENT)
    page.locator(f"#ime-findings-form-{ime_id}").get_by_role("button", name="Record the findings").click()
    expect(page.locator(f"#ime-{ime_id}")).to_contain_text("Disagrees with: " + DISAGREEMENT)
    expect(worklist_row(page, "Record the IME findings")).to_have_count(0)

    # The clinician's reconcile task, met by a pivot of the plan.
    as_role(page, "clinician")
    reconcile = worklist_row(page, "Reconcile the plan with the IME")
    expect(reconcile).to_have_count(1)
    expect(reconcile).to_contain_text("Ortega, Luis")
    task_href = reconcile.get_by_role("link", name="Reconcile the plan with the IME", exact=True).get_attribute("href")
    episode(page, episode_id)
    page.locator("#plan-pivot summary").click()
    page.locator("#f-pivot-pathway").select_option("facet_low_back_pain")
    page.locator("#f-pivot-reason").fill("IME 24 Mar: axial, extension-provoked pain without radicular signs; facet pathway instead of the epidural.")
    page.locator("#plan-pivot").get_by_role("button", name="Change pathway").click()
    expect(page.locator("#plan-current-step")).to_contain_text("medial branch block")
    page.goto(task_href)
    expect(page.locator("#closed-heading")).to_have_text("This task is closed")
    expect(worklist_row(page, "Reconcile the plan with the IME")).to_have_count(0)
    episode(page, episode_id)  # the panel says so, and no longer offers a rebuttal
    expect(page.locator("#workers-comp")).to_contain_text("Reconciled: the care plan was changed on")
    expect(page.locator("#workers-comp").get_by_role("button", name="Record the rebuttal letter")).to_have_count(0)

    # The carrier's 45 days from the claim: the PR-2 task opens 10 days ahead, due Sat 18 Apr.
    server_clock.move_to(REPORT_TASK_OPENS)
    clinic_jobs_run(ctx)
    due = worklist_row(page, "Progress report due").filter(has_text="every 45 days")
    expect(due).to_have_count(1)
    expect(due).to_contain_text("Sat 18 Apr 2026")
    episode(page, episode_id)
    page.locator("#report-next-visit").fill("2026-04-22")
    page.locator("#workcomp-report-form").get_by_role("button", name="Generate the progress report").click()
    report = page.locator("#workers-comp p.report")
    expect(report).to_contain_text("not sent yet")
    report_id = int(report.get_attribute("id").rsplit("-", 1)[1])
    pdf = page.request.get(f"/workcomp-reports/{report_id}/pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages))
    assert "Primary Treating Physician's Progress Report (PR-2)" in words
    assert "Lifted a 60 lb box of tiles" in words and "Work status: Modified duty" in words and "WC-2026-0042" in words
    expect(page.locator(f"#report-sent-to-{report_id}")).to_have_value("(916) 555-0123")  # the adjuster's fax
    page.locator(f"#workcomp-sent-form-{report_id}").get_by_role("button", name="Record it sent to the carrier").click()
    expect(page.locator(f"#workcomp-report-{report_id}")).to_contain_text("sent 08 Apr 2026 to (916) 555-0123")
    page.locator("#workers-comp").screenshot(path=f"{SCREENSHOTS}/j11-workers-comp-panel.png")
    expect(worklist_row(page, "Progress report due")).to_have_count(0)  # the 45-day report and the one the pivot owed
