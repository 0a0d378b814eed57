"""A taper and a PT progress report through the pages in a real browser: a clinician records oxycodone
10 mg four times a day, starts a taper to 30 MME/day from the taper panel (first refused without a target,
the ticked prescription kept), sees the dated steps in real tablet strengths and records the first step;
the therapist writes a progress report on the PT panel and sees it listed.

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
from painpath.therapy import service as therapy
from painpath.therapy.schemas import CourseIn

pytestmark = pytest.mark.e2e

MONDAY_MORNING = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago


def _episode_with_pt_course(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-TP1", given_name="Walter", family_name="Price", birth_date=date(1958, 9, 12), sex="male",
            phone="555-0171", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Lumbar stenosis with neurogenic claudication", body_region="lumbar", laterality="bilateral",
            icd10_codes=["M48.062"]))
        therapy.create_course(session, actor=actor, knowledge=ctx.knowledge, episode_id=episode.id, data=CourseIn(
            protocol_id="lumbar_stenosis_flexion", therapist_id=staff["therapist"].id, practice_name="Lakeside Physical Therapy",
            practice_kind="onsite", start_date=date(2026, 2, 16)))
        return episode.id


def _sign_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(f"{role}-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_be_visible()


def test_a_taper_and_a_pt_progress_report_are_recorded_through_the_pages(page: Page, ctx, staff):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY_MORNING, tick=True):
        episode_id = _episode_with_pt_course(ctx, staff)
        _sign_in(page, "clinician")
        page.goto(f"/episodes/{episode_id}")
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

        taper = page.locator("#taper")
        expect(taper).to_contain_text("Start a taper")
        taper.get_by_role("button", name="Start the taper").click()
        taper = page.locator("#taper")
        expect(taper).to_contain_text("The taper was not started")
        expect(taper.get_by_label(re.compile("oxycodone 10 mg", re.I))).to_be_checked()
        taper.get_by_label(re.compile(r"^Target \(MME a day\)")).fill("30")
        taper.get_by_role("button", name="Start the taper").click()

        taper = page.locator("#taper")
        expect(taper).to_contain_text("From 60 to 30 MME/day")
        expect(taper.locator(".taper-row").first).to_contain_text(re.compile(r"Step 1: .*\d+ mg"))
        expect(taper.get_by_role("link", name=re.compile("Printable schedule"))).to_be_visible()
        taper.get_by_role("button", name="Step made").first.click()
        expect(page.locator("#taper .taper-row").first).to_contain_text("Done")

        page.context.clear_cookies()
        _sign_in(page, "therapist")
        page.goto(f"/episodes/{episode_id}")
        pt = page.locator("#physical-therapy")
        pt.get_by_text("Record a progress report").click()
        pt.get_by_label(re.compile(r"^Progress summary")).fill("Walks 20 minutes without leg pain; goals half met")
        pt.get_by_role("button", name="Save the progress report").click()
        expect(page.locator("#physical-therapy")).to_contain_text("Walks 20 minutes without leg pain")
