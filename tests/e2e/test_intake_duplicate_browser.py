"""In a real browser: a new caller who is already a patient is offered the existing record before a new
chart is made, and choosing it links the call to that patient (and the payer becomes a coverage)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from painpath.core.auth.service import actor_for
from painpath.intake.models import IntakeCall
from painpath.patients import service as patients
from painpath.patients.models import Coverage, Patient
from painpath.patients.schemas import PatientIn

pytestmark = pytest.mark.e2e


def test_a_known_caller_is_offered_the_existing_record(page: Page, ctx, staff):
    with ctx.db.session() as session:
        existing = patients.create_patient(session, actor=actor_for(staff["front_desk"]), data=PatientIn(
            mrn="MRN-4410", given_name="Mara", family_name="Quinn", birth_date=date(1968, 4, 11), sex="female", phone="555-0177"))
        session.commit()
        existing_id = existing.id
    page.goto("/login")
    page.get_by_label("Username").fill("front_desk")
    page.get_by_label("Password").fill("front_desk-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/intake/new")
    page.get_by_label("Caller's name").fill("Mara Quinn")
    page.get_by_label("Caller's phone").fill("(555) 0177")
    page.get_by_label("Given name").fill("Mara")
    page.get_by_label("Family name").fill("Quinn")
    page.get_by_label("Date of birth").fill("1968-04-11")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Payer").select_option("aetna_commercial")
    page.get_by_label("Member ID").fill("W555000111")
    page.get_by_label("Reason for the call").fill("Low back pain again")
    page.get_by_label("Where it hurts").fill("low back")
    page.get_by_label("Body region").select_option("lumbar")
    page.get_by_role("button", name="Save call and start the red-flag screen").click()

    offer = page.locator("#possible-duplicates")
    expect(offer).to_contain_text("This may be an existing patient")
    expect(offer).to_contain_text("Quinn, Mara")
    expect(offer).to_contain_text("MRN-4410")
    expect(page.get_by_label("Reason for the call")).to_have_value("Low back pain again")  # nothing typed is lost
    offer.get_by_role("button", name="Use this record").click()
    expect(page.get_by_role("heading", name="Red-flag screen")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/intake/calls/\d+"))
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1
        assert session.scalar(select(IntakeCall.patient_id)) == existing_id
        assert session.scalar(select(Coverage.member_id).where(Coverage.patient_id == existing_id)) == "W555000111"
