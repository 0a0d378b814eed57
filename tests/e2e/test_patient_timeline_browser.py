"""The patient's timeline of major events in a real browser (issue 15): at the first visit a nurse records
the two events the patient tells (a 2019 lifting injury at work, a lumbar surgery in March 2021) with the
form inside the episode's timeline; they appear beside the clinic's own events, in date order, marked as
reported by the patient; a date the patient half remembers is refused at its field with what was typed
kept. After the payer denies the ablation request and the peer-to-peer is booked on the case page, the
peer-to-peer preparation PDF linked there shows both events (read back from the PDF).

The case's workup (PT, MRI, ODI, two blocks: journey J6) is recorded through the JSON API, in this process,
against the live server's database; the live server's clock is moved by the test (`server_clock`).
"""

from __future__ import annotations

import io
import os
import re

import pypdf
import pytest
from playwright.sync_api import Page, expect

from authorization_setup import MONDAY_7_DEC_2026, eligible_rfa_case
from journey_pages import add_patient_event, as_role, episode, open_details
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_first_visit_records_the_patients_events_and_the_peer_to_peer_sheet_prints_them(
        page: Page, server_clock, client_for, patient_payload, staff):  # noqa: ANN001
    server_clock.move_to(MONDAY_7_DEC_2026)
    case = eligible_rfa_case(client_for, patient_payload, staff)
    episode_id, case_id = case["episode_id"], case["id"]

    # The first visit: the nurse asks about the arc of the problem and records what the patient tells.
    as_role(page, "nurse")
    episode(page, episode_id)
    timeline = page.locator("section[aria-labelledby='timeline-heading']")
    expect(timeline.get_by_role("heading", name="Timeline")).to_be_visible()

    # A half-remembered date: a day without its month is refused at the month, the words typed kept.
    add_patient_event(page, kind="injury", year="2019", day="12", description="Lifting injury at work, low back pain since")
    errors = page.locator("#patient-event-errors")
    expect(errors).to_contain_text("Month")
    expect(errors).to_contain_text("A day needs its month")
    expect(page.locator("#f-description")).to_have_value("Lifting injury at work, low back pain since")
    expect(page.locator("#f-year")).to_have_value("2019")

    add_patient_event(page, kind="injury", year="2019", description="Lifting injury at work, low back pain since")
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_id}#timeline-heading$"))
    add_patient_event(page, kind="surgery", year="2021", month="3", description="Lumbar microdiscectomy L4-5 at another hospital")

    reported = timeline.locator("li.timeline-reported")
    expect(reported).to_have_count(2)
    expect(reported.nth(0)).to_contain_text("2019")
    expect(reported.nth(0)).to_contain_text("Injury: Lifting injury at work, low back pain since")
    expect(reported.nth(0)).to_contain_text("reported by the patient")
    expect(reported.nth(1)).to_contain_text("Mar 2021")
    expect(reported.nth(1)).to_contain_text("Surgery: Lumbar microdiscectomy L4-5 at another hospital")
    # Beside the clinic's own records, in date order: the patient's story comes before the clinic's PT, MRI and blocks.
    items = timeline.locator("ol.timeline > li")
    texts = [items.nth(i).inner_text() for i in range(items.count())]
    where = {key: next(i for i, t in enumerate(texts) if key in t)
             for key in ("Lifting injury", "microdiscectomy", "PT, core stabilization", "Episode opened")}
    assert where["Lifting injury"] < where["microdiscectomy"] < where["PT, core stabilization"] < where["Episode opened"], texts
    clinic_items = timeline.locator("ol.timeline > li:not(.timeline-reported)")
    expect(clinic_items.first).not_to_contain_text("reported by the patient")
    os.makedirs(SCREENSHOTS, exist_ok=True)
    timeline.screenshot(path=os.path.join(SCREENSHOTS, "patient-timeline.png"))

    # A correction: the surgery was in April, not March.
    reported.nth(1).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Surgery")
    page.locator("#event-edit-form").get_by_label("Month").select_option("4")
    page.get_by_role("button", name="Save changes").click()
    expect(timeline.locator("li.timeline-reported").nth(1)).to_contain_text("Apr 2021")

    # The payer denies the ablation; the coordinator records it and books the peer-to-peer on the case page.
    as_role(page, "coordinator")
    submitted = client_for("coordinator").post(f"/api/authorizations/{case_id}/submit", json={"version": case["version"], "channel": "fax"})
    assert submitted.status_code == 200, submitted.text
    page.goto(f"/authorizations/{case_id}")
    expect(page.locator("#peer-to-peer-download")).to_have_count(0)
    open_details(page, "#form-decision")
    decision = page.locator("#form-decision")
    decision.get_by_label("Payer's answer").select_option("deny")
    decision.get_by_label("Denial reason").fill("Facet-mediated pain not established")
    decision.get_by_role("button", name="Record answer").click()
    open_details(page, "#form-schedule_peer_to_peer")
    step = page.locator("#form-schedule_peer_to_peer")
    step.get_by_label("When").fill("2026-12-09T14:30")
    step.get_by_role("button", name="Schedule peer-to-peer").click()
    expect(page.locator("#peer-to-peer")).to_contain_text("09 Dec 2026")

    with page.expect_download() as downloaded:
        page.locator("#peer-to-peer-download").click()
    with open(downloaded.value.path(), "rb") as pdf:
        text = _pdf_text(pdf.read())
    assert "Facet-mediated pain not established" in text
    assert "2019 Reported by the patient Injury: Lifting injury at work, low back pain since" in text
    assert "Apr 2021 Reported by the patient Surgery: Lumbar microdiscectomy L4-5 at another hospital" in text
    assert text.index("Lifting injury") < text.index("microdiscectomy") < text.index("PT, core stabilization")
    assert "— followed" in text
