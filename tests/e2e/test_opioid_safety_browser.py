"""Opioid safety in a real browser: a clinician records oxycodone 10 mg four times a day on the episode page;
the list shows 60 MME/day, the safety panel prompts naloxone, and the MME trend chart (vendored Chart.js)
draws its points with the dashed naloxone line at 50. At 375 px the page does not scroll sideways.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect

from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
MONDAY_MORNING = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago


def _episode(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-J2", given_name="Walter", family_name="Price", birth_date=date(1958, 9, 12), sex="male",
            phone="555-0171", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Lumbar stenosis with neurogenic claudication", body_region="lumbar", laterality="bilateral",
            icd10_codes=["M48.062"]))
        return episode.id


def _record_oxycodone(page: Page) -> None:
    add = page.locator("#add-prescription")
    if add.get_attribute("open") is None:
        add.locator("summary").click()
    add.get_by_label("Drug", exact=True).fill("oxycodone")
    add.get_by_label("Strength", exact=True).fill("10")
    add.get_by_label("Unit", exact=True).select_option("mg")
    add.get_by_label("Units per dose").fill("1")
    add.get_by_label(re.compile(r"^Times a day")).fill("4")
    add.get_by_label("Form", exact=True).select_option("oral")
    add.get_by_label("Days supply").fill("30")
    add.get_by_role("button", name="Save prescription").click()


def test_a_clinician_records_oxycodone_and_sees_60_mme_the_naloxone_prompt_and_the_chart(page: Page, ctx, staff):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY_MORNING, tick=True):
        episode_id = _episode(ctx, staff)
        page.goto("/login")
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill("clinician-password-1")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".usermenu")).to_contain_text("Clinician")
        page.goto(f"/episodes/{episode_id}")
        meds = page.locator("#medications")
        expect(meds).to_contain_text("No current prescriptions")
        expect(page.locator("#opioid-safety")).to_have_count(0)

        # A frequency given twice is refused next to its field, and nothing is saved.
        add = page.locator("#add-prescription")
        add.locator("summary").click()
        add.get_by_label("Or every N hours").fill("6")
        _record_oxycodone(page)
        expect(page.locator("#rx-errors")).to_contain_text("The prescription was not saved")
        expect(meds.locator(".field.has-error", has_text="Or every N hours")).to_contain_text("not both")
        expect(meds.get_by_label("Drug", exact=True)).to_have_value("oxycodone")
        expect(meds).to_contain_text("No current prescriptions")

        page.goto(f"/episodes/{episode_id}")
        _record_oxycodone(page)
        expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#medications"))
        row = meds.locator(".med-row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("oxycodone 10 mg, 1 oral 4 times a day")
        expect(row.locator(".med-mme")).to_have_text("60 MME/day")
        expect(page.locator("#mme-total")).to_have_text("60 MME/day")

        safety = page.locator("#opioid-safety")
        expect(safety.get_by_role("heading", name="Opioid safety")).to_be_visible()
        expect(safety.locator("#naloxone-prompt")).to_contain_text("Offer naloxone")
        expect(safety.locator("#naloxone-prompt")).to_contain_text("60 MME/day (at or over 50)")

        # The chart: Chart.js drew the step line's points and the dashed threshold at 50, labelled.
        page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('mme-chart'))")
        drawn = page.evaluate("""() => {
            const chart = Chart.getChart(document.getElementById('mme-chart'));
            const line = chart.data.datasets[1];
            return {points: chart.getDatasetMeta(0).data.length, values: chart.data.datasets[0].data.map(p => p.y),
                    stepped: chart.data.datasets[0].stepped, threshold: line.data.map(p => p.y), dash: line.borderDash,
                    label: line.label, thresholdPoints: chart.getDatasetMeta(1).data.length,
                    y50: chart.scales.y.getPixelForValue(50), top: chart.chartArea.top, bottom: chart.chartArea.bottom};
        }""")
        assert drawn["points"] > 0 and drawn["values"][0] == 60 and drawn["stepped"] is True
        assert drawn["threshold"] == [50, 50] and drawn["dash"] == [6, 4] and drawn["thresholdPoints"] == 2
        assert drawn["label"] == "Naloxone threshold 50 MME/day"
        assert drawn["top"] < drawn["y50"] < drawn["bottom"]  # the 50 line is inside the plot
        safety.locator(".mme-table summary").click()
        expect(safety.locator(".mme-table table")).to_contain_text("02 Mar 2026")
        expect(safety.locator(".mme-table table")).to_contain_text("60 (at or over 50)")

        # Recording the offer clears the prompt.
        offer = safety.locator("#record-naloxone")
        offer.get_by_label("Outcome").select_option("accepted")
        offer.get_by_role("button", name="Save naloxone offer").click()
        expect(page.locator("#opioid-safety")).to_contain_text("Offered 02 Mar 2026 (accepted)")
        expect(page.locator("#naloxone-prompt")).to_have_count(0)
        page.screenshot(path=f"{SHOTS}/opioid-safety.png", full_page=True)

        # Phone width: no sideways scroll, the chart still drawn.
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(f"/episodes/{episode_id}")
        page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('mme-chart'))")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 375px"
