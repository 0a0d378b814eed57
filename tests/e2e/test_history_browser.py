"""The patient's history in a real browser: at the first visit a clinician records the occupation with its
physical demands, a surgery, smoking with pack-years and a cotinine result; four weeks later (the live
server's clock moved, never slept) a nurse reopens the episode and finds it carried forward with who
changed it last, edits one field, and the change is shown without anything retyped.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect

from journey_pages import sign_in, sign_out
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

# Monday 7 Dec 2026, 10:00 in Chicago: the first visit; Monday 4 Jan 2027: the follow-up.
FIRST_VISIT = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
FOLLOW_UP = datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc)


def _episode(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-HX1", given_name="Tomas", family_name="Reyes", birth_date=date(1971, 3, 2), sex="male",
            phone="555-0181", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Left buttock pain after lifting at work", body_region="sacroiliac", laterality="left", icd10_codes=["M53.3"]))
        return episode.id


def test_history_recorded_at_the_first_visit_is_carried_forward_and_edited_at_the_next(page: Page, ctx, staff):
    ctx.settings.session_hours = 24 * 60
    os.makedirs(SCREENSHOTS, exist_ok=True)
    with time_machine.travel(FIRST_VISIT, tick=True) as clock:
        episode_id = _episode(ctx, staff)
        sign_in(page, "clinician")
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#patient-history")
        expect(panel).to_contain_text("No history recorded for this patient yet")
        panel.get_by_text("Record history").click()
        panel.get_by_label("Occupation").fill("Warehouse picker")
        panel.get_by_label("Work status").select_option("modified_duty")
        panel.get_by_label("Heaviest routine lift (lb)").fill("50")
        panel.get_by_label("Sitting (hours a day)").fill("1")
        panel.get_by_label("Driving (hours a day)").fill("2")
        panel.get_by_label("Shifts").select_option("night")
        panel.locator("#history-surgery-0-procedure").fill("L5-S1 microdiscectomy")
        panel.locator("#history-surgery-0-year").fill("2019")
        panel.locator("#history-surgery-0-region").select_option("lumbar")
        panel.locator("#history-surgery-0-outcome").select_option("partly_helped")
        panel.get_by_label("Smoking status").select_option("current")
        panel.get_by_label("Pack-years").fill("12.5")
        panel.get_by_label("Cotinine (ng/mL)").fill("180")
        panel.get_by_label("Cotinine test date").fill("2026-12-04")
        panel.get_by_role("button", name="Save history").click()

        summary = page.locator("#history-summary")
        expect(summary.locator("#history-work")).to_contain_text(
            "Warehouse picker; Working, modified duty; lifts up to 50 lb; sits 1 h a day; drives 2 h a day; night shifts")
        expect(summary.locator("#history-surgeries")).to_contain_text("L5-S1 microdiscectomy (2019, low back (lumbar)): helped partly")
        expect(summary.locator("#history-smoking")).to_contain_text("Smokes now, 12.5 pack-years; cotinine 180 ng/mL on 04 Dec 2026")
        expect(page.locator("#history-changed")).to_contain_text("Last changed by Clinician User on 07 Dec 2026")
        page.screenshot(path=os.path.join(SCREENSHOTS, "history-first-visit.png"), full_page=True)
        sign_out(page)

        # Four weeks on: the nurse rooming the follow-up finds the history as recorded, and who recorded it.
        clock.move_to(FOLLOW_UP)
        sign_in(page, "nurse")
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#patient-history")
        expect(panel.locator("#history-surgeries")).to_contain_text("L5-S1 microdiscectomy (2019, low back (lumbar)): helped partly")
        expect(panel.locator("#history-changed")).to_contain_text("Last changed by Clinician User on 07 Dec 2026")
        panel.get_by_text("Edit history").click()
        # Carried forward: the form holds what was recorded, so one field is changed and nothing retyped.
        expect(panel.get_by_label("Occupation")).to_have_value("Warehouse picker")
        expect(panel.locator("#history-surgery-0-procedure")).to_have_value("L5-S1 microdiscectomy")
        expect(panel.get_by_label("Pack-years")).to_have_value("12.5")
        panel.get_by_label("Smoking status").select_option("former")
        page.screenshot(path=os.path.join(SCREENSHOTS, "history-edit-form.png"), full_page=True)
        panel.get_by_role("button", name="Save history").click()

        expect(page.locator("#history-smoking")).to_contain_text("Former smoker, 12.5 pack-years; cotinine 180 ng/mL on 04 Dec 2026")
        expect(page.locator("#history-work")).to_contain_text("Warehouse picker; Working, modified duty; lifts up to 50 lb")
        expect(page.locator("#history-surgeries")).to_contain_text("L5-S1 microdiscectomy (2019, low back (lumbar)): helped partly")
        expect(page.locator("#history-changed")).to_contain_text("Last changed by Nurse User on 04 Jan 2027")
        page.screenshot(path=os.path.join(SCREENSHOTS, "history-follow-up.png"), full_page=True)
