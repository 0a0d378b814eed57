"""The visit note in a real browser, keyboard first: a clinician starts a note from the episode page,
types the narrative and the functional measures with Tab and the keys only, saves with Ctrl+Enter,
signs, sees the read-only note, adds an addendum; the next note opens with the values carried forward.

The live server runs in this process, so `time_machine.travel` here moves the server's clock too.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from playwright.sync_api import Page, expect
from sqlalchemy import select

from painpath.charting.models import Encounter, ExamFindings, FunctionalMeasure
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from journey_pages import save_note_by_keyboard
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
# Monday 7 Dec 2026, 10:00 in Chicago.
MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)


def _episode(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-VN1", given_name="Rosa", family_name="Delgado", birth_date=date(1968, 9, 21), sex="female",
            phone="555-0177", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Low back pain, worse standing", body_region="lumbar", laterality="bilateral", icd10_codes=["M54.50"]))
        return episode.id


def _tab_and_type(page: Page, field_id: str, text: str) -> None:
    """Tab to the next control, check it is the one expected (the tab order), and type into it."""
    page.keyboard.press("Tab")
    expect(page.locator(f"#{field_id}")).to_be_focused()
    page.keyboard.type(text)


def test_a_visit_note_typed_with_the_keyboard_saved_signed_amended_and_carried_forward(page: Page, ctx, staff):
    ctx.settings.session_hours = 24 * 30
    os.makedirs(SHOTS, exist_ok=True)
    with time_machine.travel(MONDAY_MORNING, tick=True):
        episode_id = _episode(ctx, staff)
        page.goto("/login")
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill("clinician-password-1")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".usermenu")).to_contain_text("Clinician")

        # The episode's panel: no notes yet, so the new note is an initial visit dated today.
        page.goto(f"/episodes/{episode_id}")
        panel = page.locator("#visit-notes")
        expect(panel.get_by_role("heading", name="Visit notes")).to_be_visible()
        expect(panel).to_contain_text("No visit notes for this episode yet")
        expect(panel.get_by_label("Visit type")).to_have_value("initial")
        expect(panel.get_by_label("Date of service")).to_have_value("2026-12-07")
        panel.get_by_label("Date of service").focus()
        page.keyboard.press("Enter")  # a plain form: Enter in a field starts the note
        expect(page).to_have_url(re.compile(r"/encounters/\d+$"))
        note_id = int(page.url.rsplit("/", 1)[1])
        expect(page.get_by_role("heading", level=1)).to_contain_text("Initial visit note")

        # Keyboard only: the narrative has the focus, then Tab walks the measures in order.
        expect(page.locator("#f-narrative")).to_be_focused()
        page.keyboard.type("Axial low back pain, worse on extension and standing.")
        _tab_and_type(page, "f-sitting_minutes", "20")
        _tab_and_type(page, "f-standing_minutes", "15")
        _tab_and_type(page, "f-walking_minutes", "10")
        _tab_and_type(page, "f-sleep_hours", "5.5")
        _tab_and_type(page, "f-sleep_awakenings", "3")
        _tab_and_type(page, "f-lifting_limit_lb", "20")
        page.keyboard.press("Tab")
        expect(page.locator("#f-lifting_side")).to_be_focused()
        page.keyboard.press("ArrowUp")  # both -> right
        page.keyboard.press("Tab")
        expect(page.locator("#f-work_status")).to_be_focused()
        page.keyboard.type("off")  # type-ahead: "Off work"
        page.keyboard.press("Tab")
        expect(page.locator("#f-adl_limits-dressing")).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(3):  # bathing, toileting, driving
            page.keyboard.press("Tab")
        expect(page.locator("#f-adl_limits-driving")).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(7):  # past the six other limits
            page.keyboard.press("Tab")
        expect(page.locator("#f-pain_now")).to_be_focused()
        page.keyboard.type("7")
        _tab_and_type(page, "f-pain_average", "6")
        _tab_and_type(page, "f-pain_worst", "9")
        _tab_and_type(page, "f-goals-0-text", "Walk the dog around the block")
        page.keyboard.press("Tab")
        expect(page.locator("#f-goals-0-target-measure")).to_be_focused()
        page.keyboard.type("walk")  # type-ahead: "Walking (minutes)"
        _tab_and_type(page, "f-goals-0-target-target", "30")
        page.keyboard.press("Tab")
        expect(page.locator("#f-goals-1-text")).to_be_focused()
        for _ in range(6):  # past the blank goal rows 2 and 3
            page.keyboard.press("Tab")
        # The first exam test is one radio group: Tab lands on its "not tested", an arrow key says "negative".
        slr_left = page.locator("#f-straight_leg_raise-left-result")
        expect(slr_left).to_be_focused()
        expect(slr_left).to_be_checked()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("group", name="Straight leg raise, left").get_by_label("Negative")).to_be_checked()
        save_note_by_keyboard(page)  # saves from any field

        expect(page.locator("#note-notice")).to_have_text("Note saved.")
        expect(page.get_by_label("Sitting (minutes)")).to_have_value("20")
        expect(page.get_by_label("Sleep (hours a night)")).to_have_value("5.5")
        expect(page.get_by_label("Lifting side")).to_have_value("right")
        expect(page.get_by_label("Work status")).to_have_value("off_work")
        expect(page.get_by_label("Dressing")).to_be_checked()
        expect(page.get_by_label("Driving")).to_be_checked()
        expect(page.get_by_label("Bathing")).not_to_be_checked()
        expect(page.get_by_label("Goal 1", exact=True)).to_have_value("Walk the dog around the block")
        expect(page.get_by_role("group", name="Straight leg raise, left").get_by_label("Negative")).to_be_checked()
        with ctx.db.session() as session:
            assert session.scalar(select(ExamFindings).where(ExamFindings.encounter_id == note_id)).findings["straight_leg_raise"]["left"]["result"] == "negative"
            recorded = {m.measure for m in session.scalars(select(FunctionalMeasure).where(FunctionalMeasure.encounter_id == note_id))}
            assert recorded == {"sitting_minutes", "standing_minutes", "walking_minutes", "sleep_hours", "sleep_awakenings", "lifting_limit_lb",
                                "work_status", "adl_limits", "pain_now", "pain_average", "pain_worst"}

        # Sign: the note turns read-only.
        page.get_by_role("button", name="Sign note").click()
        expect(page.locator("#note-notice")).to_have_text("Note signed.")
        expect(page.locator("#note-form")).to_have_count(0)
        read = page.locator("#note-read")
        expect(read).to_contain_text(re.compile(r"Signed by Clinician User on Mon 07 Dec 2026 \d\d:\d\d"))
        expect(read).to_contain_text("Axial low back pain, worse on extension and standing.")
        expect(read).to_contain_text("Off work")
        expect(read).to_contain_text("Walk the dog around the block (target: Walking (minutes) 30)")

        # An addendum, with its author and time.
        addenda = page.locator("#addenda")
        addenda.get_by_label("Addendum").fill("Patient called: pain worse at night since Friday.")
        addenda.get_by_role("button", name="Add addendum").click()
        expect(page).to_have_url(re.compile(rf"/encounters/{note_id}#addendum-\d+$"))
        expect(addenda.locator(".addenda li")).to_have_count(1)
        expect(addenda).to_contain_text("Patient called: pain worse at night since Friday.")
        expect(addenda).to_contain_text("by Clinician User")

        # The episode lists the signed note with its addendum; the next note is a follow-up.
        page.goto(f"/episodes/{episode_id}")
        row = panel.locator(f"#note-{note_id}")
        expect(row).to_contain_text("Initial visit")
        expect(row).to_contain_text("Signed")
        expect(row.locator("td[data-label='Addenda']")).to_have_text("1")
        expect(panel.get_by_label("Visit type")).to_have_value("follow_up")
        panel.get_by_role("button", name="Start note").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Follow-up visit note")

        # The second note opens with the first one's values, each saying where it came from.
        expect(page.locator("#carried-note")).to_be_visible()
        sitting = page.get_by_label("Sitting (minutes)")
        expect(sitting).to_have_value("20")
        expect(page.locator("#f-sitting_minutes-hint")).to_have_text("Carried forward from 07 Dec 2026")
        expect(page.get_by_label("Pain now (0-10)")).to_have_value("7")
        expect(page.get_by_label("Lifting side")).to_have_value("right")
        expect(page.get_by_label("Driving")).to_be_checked()
        expect(page.get_by_label("Goal 1", exact=True)).to_have_value("Walk the dog around the block")
        # At the end of the page the sticky save bar sits in its own place, not over the measures.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.screenshot(path=f"{SHOTS}/visit-note.png", full_page=True)
        with ctx.db.session() as session:
            second = session.scalars(select(Encounter).where(Encounter.episode_id == episode_id, Encounter.addendum_of_id.is_(None))
                                     .order_by(Encounter.id.desc())).first()
            assert second is not None and second.id != note_id and second.encounter_type == "follow_up"
            assert session.scalars(select(FunctionalMeasure).where(FunctionalMeasure.encounter_id == second.id)).first() is None
