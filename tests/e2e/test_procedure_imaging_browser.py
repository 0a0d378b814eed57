"""Procedures, relief and imaging through the episode page in a real browser: a clinician records a
lumbar TFESI from the Procedures panel, sees the relief checks its pack asks for as worklist tasks,
records the relief report 2 days later (the live server's clock moved by the test), and files an outside
MRI's report from the Imaging panel. The facts are read back from the database.

The test moves the live server's clock (`server_clock`), never sleeping.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from painpath.charting.procedures import rules
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.auth.service import actor_for
from painpath.orders.models import ImagingStudy
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task
from journey_pages import sign_in
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

MONDAY_MORNING = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago
WEDNESDAY_MORNING = datetime(2026, 12, 9, 16, 0, tzinfo=timezone.utc)


def _episode(ctx, staff) -> int:  # noqa: ANN001
    actor = actor_for(staff["coordinator"])
    with ctx.db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-PR1", given_name="Ana", family_name="Ruiz", birth_date=date(1971, 4, 2), sex="female",
            phone="555-0188", preferred_contact="phone"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Left L5 radicular pain", body_region="lumbar", laterality="left", icd10_codes=["M54.16"]))
        return episode.id


def test_a_procedure_its_relief_and_an_imaging_report_recorded_through_the_episode_page(page: Page, ctx, staff, server_clock):
    ctx.settings.session_hours = 24 * 30
    os.makedirs(SCREENSHOTS, exist_ok=True)
    server_clock.move_to(MONDAY_MORNING)
    episode_id = _episode(ctx, staff)
    sign_in(page, "clinician")
    page.goto(f"/episodes/{episode_id}")

    panel = page.locator("#procedures")
    panel.get_by_text("Record a performed procedure").click()
    form = page.locator("#procedure-form")
    form.get_by_label("Procedure").select_option("tfesi_lumbar")
    form.get_by_label("CPT codes").fill("64483")
    form.get_by_label("Side").select_option("left")
    form.get_by_label("Levels").fill("L5-S1")
    form.get_by_label("Date performed").fill("2026-12-07")
    form.get_by_label("Pain just before").fill("7")
    form.get_by_label("Pain scale").select_option("nrs")
    form.get_by_role("button", name="Record procedure").click()
    expect(panel.locator("article.procedure h3")).to_have_text("Lumbar transforaminal epidural steroid injection at L5-S1, left")
    expect(panel.locator(".relief-checks li")).to_have_count(2)
    with ctx.db.session() as session:
        procedure = session.scalars(select(PerformedProcedure)).one()
        assert procedure.performed_by_id == staff["clinician"].id  # the signed-in clinician by default
        titles = sorted(t.title for t in session.scalars(select(Task).where(Task.kind == "procedures.relief_check")))
    assert titles == ["Relief check 1 due: 24 to 72 hours after", "Relief check 2 due: 2 weeks after"]

    server_clock.move_to(WEDNESDAY_MORNING)
    page.reload()
    article = page.locator(f"#procedure-{procedure.id}")
    article.get_by_text("Add a relief report").click()
    relief = page.locator(f"#relief-form-{procedure.id}")
    relief.get_by_label("Date of the report").fill("2026-12-09")
    relief.get_by_label("Pain score now").fill("2")
    relief.get_by_label("Hours after the procedure").fill("48")
    relief.get_by_label("Function").select_option("better")
    relief.get_by_label("What the patient could do again").fill("Sit through a whole film")
    relief.get_by_role("button", name="Save relief report").click()
    expect(page.locator(f"#procedure-{procedure.id} .reliefs")).to_contain_text("Sit through a whole film")
    expect(page.locator(f"#procedure-{procedure.id} .relief-checks li").first).to_contain_text("reported 09 Dec 2026")

    imaging = page.locator("#imaging")
    imaging.get_by_text("Record a study").click()
    study = page.locator("#study-form")
    study.get_by_label("Modality").select_option("mri")
    study.get_by_label("Study", exact=True).fill("MRI lumbar spine without contrast")
    study.get_by_label("Date of the study").fill("2026-11-02")
    study.get_by_role("button", name="Record study").click()
    expect(imaging.locator("article.study")).to_contain_text("Report not on file yet")
    imaging.get_by_text("File the report").click()
    imaging.locator("form[id^=report-form-]").get_by_label("Concordant with the diagnosis").select_option("yes")
    imaging.get_by_role("button", name="File report").click()
    expect(page.locator("#imaging article.study")).to_contain_text("Report on file: supports the working diagnosis")
    page.screenshot(path=str(SCREENSHOTS / "procedure-imaging-panels.png"), full_page=True)

    with ctx.db.session() as session:
        reliefs = session.scalars(select(ProcedureRelief)).all()
        assert [(r.percent, r.function_change) for r in reliefs] == [(rules.percent_relief(7, 2), "better")]
        (mri,) = session.scalars(select(ImagingStudy)).all()
        assert (mri.report_on_file, mri.concordant) == (True, "yes")
        statuses = sorted(t.status for t in session.scalars(select(Task).where(Task.kind == "procedures.relief_check")))
        assert statuses == ["met", "open"]
