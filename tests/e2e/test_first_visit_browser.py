"""The first visit as detective work, in a real browser: the clinician records the patient's history (work
and its demands, a surgery, smoking), the patient's timeline of major events, and a pain diagram with two
regions (clicking the body map marks them in the list). The lumbar epidural kit's pain diagram item is met by
the diagram, and the packet PDF prints it (read back: the regions with their side, dermatome and intensity).
At the second visit, five weeks on (the live server's clock is moved, nothing sleeps), the history and the
timeline are there without retyping, a changed diagram is recorded from the list alone, and the page says
what changed, in words and on the map.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from journey_pages import add_patient_event, open_authorization, scripts_ready, sign_in
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import CoverageIn, EpisodeIn, PatientIn

pytestmark = pytest.mark.e2e

FIRST_VISIT = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Monday 7 Dec 2026, 10:00 in Chicago
SECOND_VISIT = datetime(2027, 1, 11, 16, 30, tzinfo=timezone.utc)  # five weeks later


def _bcbs_lumbar_episode(ctx, staff) -> int:  # noqa: ANN001
    """A patient with BCBS commercial cover (whose lumbar epidural kit asks for a pain diagram) and a lumbar episode."""
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-PD1", given_name="Ines", family_name="Harrow", birth_date=date(1971, 4, 2), sex="female",
            phone="555-0190", preferred_contact="phone"))
        patients.add_coverage(session, actor=actor, knowledge=ctx.knowledge, patient_id=patient.id, data=CoverageIn(
            payer_id="bcbs_commercial", member_id="XBM551200817", effective_from=date(2026, 1, 1)))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Low back pain into the left leg", body_region="lumbar", laterality="left", icd10_codes=["M54.16"]))
        return episode.id


def _start_note(page: Page, episode_id: int) -> int:
    """A visit note started from the episode page's Visit notes panel (dated today); returns its id."""
    page.goto(f"/episodes/{episode_id}")
    panel = page.locator("#visit-notes")
    panel.get_by_role("button", name=re.compile("Start")).click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(content)).pages)


def _record_history(page: Page, episode_id: int) -> None:
    page.goto(f"/episodes/{episode_id}")
    panel = page.locator("#patient-history")
    expect(panel).to_contain_text("No history recorded for this patient yet")
    panel.get_by_text("Record history").click()
    panel.get_by_label("Occupation").fill("Delivery driver")
    panel.get_by_label("Heaviest routine lift (lb)").fill("40")
    panel.get_by_label("Driving (hours a day)").fill("6")
    panel.locator("#history-surgery-0-procedure").fill("Right knee arthroscopy")
    panel.locator("#history-surgery-0-year").fill("2015")
    panel.locator("#history-surgery-0-region").select_option("knee")
    panel.locator("#history-surgery-0-outcome").select_option("helped")
    panel.get_by_label("Smoking status").select_option("never")
    panel.get_by_role("button", name="Save history").click()
    expect(page.locator("#history-work")).to_contain_text("Delivery driver; work status not asked yet; lifts up to 40 lb; drives 6 h a day")


def test_the_first_visit_records_history_timeline_and_a_pain_diagram_that_fills_the_kit_and_the_second_visit_shows_the_change(
        page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 60
    server_clock.move_to(FIRST_VISIT)
    episode_id = _bcbs_lumbar_episode(ctx, staff)
    sign_in(page, "clinician")

    # The epidural case first: its kit asks for a pain diagram, and none is recorded yet.
    page.goto(f"/episodes/{episode_id}")
    case_id = open_authorization(page, "tfesi_lumbar", side="left")
    row = page.locator("#criterion-pain_diagram")
    expect(row).to_contain_text("Pain diagram")
    expect(row).to_contain_text("No pain diagram recorded at a visit")

    # First visit: the arc of the problem (history and the patient's timeline), then the pain diagram.
    _record_history(page, episode_id)
    add_patient_event(page, kind="injury", year="2024", month="6", description="Lifted a crate at work; back pain since")
    add_patient_event(page, kind="work_change", year="2025", description="Moved to lighter routes")
    reported = page.locator("li.timeline-reported")
    expect(reported).to_have_count(2)
    expect(reported.nth(0)).to_contain_text("Jun 2024")
    expect(reported.nth(0)).to_contain_text("Lifted a crate at work; back pain since")

    # The note's Pain diagram page; clicking the map marks the region in the list.
    note_id = _start_note(page, episode_id)
    page.locator("#note-pain-diagram-link").click()
    expect(page).to_have_url(re.compile(rf"/encounters/{note_id}/pain-diagram$"))
    expect(page.locator("#pain-diagram-saved")).to_contain_text("No pain diagram recorded for this visit yet")
    form = page.locator("#pain-diagram-form")
    scripts_ready(page)  # the body map answers clicks once static/js/pain-diagram.js listens
    page.locator('#pain-map-form [data-region="leg_lateral_left"]').click()
    expect(form.get_by_label("Outer lower leg, left (L5 dermatome)", exact=True)).to_have_value("aching")
    expect(page.locator('#pain-map-form [data-region="leg_lateral_left"]')).to_have_attribute("fill", "#E69F00")
    form.get_by_label("Outer lower leg, left (L5 dermatome)", exact=True).select_option("burning")
    form.get_by_label("Intensity, Outer lower leg, left (L5 dermatome)").fill("7")
    page.locator('#pain-map-form [data-region="low_back"]').click()
    form.get_by_label("Intensity, Low back").fill("4")
    form.get_by_role("button", name="Save pain diagram").click()
    expect(page.locator("#pain-notice")).to_have_text("Pain diagram saved.")
    saved = page.locator("#pain-diagram-saved")
    expect(saved.locator("#pain-lines")).to_contain_text("Outer lower leg, left (L5 dermatome): burning, 7/10")
    expect(saved.locator("#pain-lines")).to_contain_text("Low back: aching, 4/10")
    expect(saved.locator("#pain-legend")).to_contain_text("Aching")
    expect(saved.locator("#pain-legend")).to_contain_text("Burning")
    expect(saved.locator('#pain-map [data-region="leg_lateral_left"]')).to_have_attribute("fill", "#D55E00")

    # The kit's item is met by the recorded diagram, and the packet PDF prints it.
    page.goto(f"/authorizations/{case_id}")
    expect(page.locator("#criterion-pain_diagram")).to_contain_text("Pain diagram of 7 Dec 2026: 2 regions marked")
    packet = page.request.get(page.locator("#packet-download").get_attribute("href"))
    assert packet.ok and packet.headers["content-type"].startswith("application/pdf")
    text = _pdf_text(packet.body())
    assert "Pain diagram charted at the visit of 7 December 2026" in text, text[:2000]
    assert "Outer lower leg Left L5 burning 7/10" in text, text
    assert "Low back Midline not applicable aching 4/10" in text, text

    # Second visit, five weeks on: the page shows the last diagram until this visit's is recorded.
    server_clock.move_to(SECOND_VISIT)
    second_id = _start_note(page, episode_id)
    page.goto(f"/encounters/{second_id}/pain-diagram")
    expect(page.locator("#pain-diagram-saved")).to_contain_text("The last diagram, of 07 Dec 2026")
    form = page.locator("#pain-diagram-form")
    form.get_by_label("Intensity, Outer lower leg, left (L5 dermatome)").fill("3")
    form.get_by_label("Top of the foot, left (L5 dermatome)", exact=True).select_option("pins_and_needles")
    form.get_by_label("Intensity, Top of the foot, left (L5 dermatome)").fill("5")
    form.get_by_label("Outer lower leg, left (L5 dermatome)", exact=True).select_option("burning")
    form.get_by_role("button", name="Save pain diagram").click()
    expect(page.locator("#pain-notice")).to_have_text("Pain diagram saved.")
    # Drawn as SVG (after the packet was rendered in this process too), not shown as the regions' names.
    assert page.evaluate("[...document.querySelectorAll('.pain-map-wrap > svg')].every(m => m instanceof SVGSVGElement)")
    assert page.locator(".pain-map-wrap > svg").count() == 3  # this visit's, the change map and the form's
    change = page.locator("#pain-change")
    expect(change.get_by_role("heading")).to_have_text("Since the diagram of 07 Dec 2026: 1 new region, 1 resolved, 1 better")
    lines = change.locator("#pain-change-lines")
    expect(lines).to_contain_text("New: Top of the foot, left (L5 dermatome): pins and needles, 5/10")
    expect(lines).to_contain_text("Better: Outer lower leg, left (L5 dermatome): burning, from 7/10 to 3/10")
    expect(lines).to_contain_text("Resolved: Low back: was aching, 4/10")
    expect(change.locator('[data-region="foot_dorsum_left"]')).to_have_class(re.compile(r"\bchange-new\b"))
    expect(change.locator('[data-region="low_back"]')).to_have_class(re.compile(r"\bchange-resolved\b"))

    # The note itself shows this visit's diagram and its change.
    page.goto(f"/encounters/{second_id}")
    expect(page.locator("#note-pain-diagram #note-pain-change-lines")).to_contain_text("Resolved: Low back: was aching, 4/10")

    # The episode page shows the latest diagram and the same change, with the history and the patient's
    # timeline as recorded at the first visit (nothing retyped).
    page.goto(f"/episodes/{episode_id}")
    expect(page.locator("#history-work")).to_contain_text("Delivery driver; work status not asked yet; lifts up to 40 lb; drives 6 h a day")
    expect(page.locator("#history-surgeries")).to_contain_text("Right knee arthroscopy (2015")
    expect(page.locator("li.timeline-reported")).to_have_count(2)
    panel = page.locator("#pain-diagram")
    expect(panel.locator("#episode-pain-change-lines")).to_contain_text("Resolved: Low back: was aching, 4/10")
    expect(panel.locator("#episode-pain-lines")).to_contain_text("Top of the foot, left (L5 dermatome): pins and needles, 5/10")
