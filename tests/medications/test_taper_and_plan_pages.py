"""Tapers and titration plans through the episode page only: start a taper from the current oxycodone
prescription (a refused form keeps its values and names the field), record its steps done, print the
schedule with real tablet strengths; a planned gabapentin trial's items marked done from the page, its
printable schedule, and a second "done" on the same item refused with 409. Every change is audited."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from authorization_setup import frozen_clock, plain_episode
from painpath.core.audit import AuditEvent
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.medications.trials.models import TrialPlanItem
from support import page_form_post as post_form
from support import page_section, page_text

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 09:00 in Chicago
OXYCODONE = {"drug": "oxycodone", "strength": "10", "strength_unit": "mg", "dose_units": "1", "times_per_day": "4",
             "form": "oral", "start_date": "2026-03-02", "days_supply": "30"}


clock = frozen_clock(MONDAY)
episode_id = plain_episode()


def _actions(db, prefix: str) -> list[str]:  # noqa: ANN001
    with db.session() as session:
        return [a for a in session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)) if a.startswith(prefix)]


def test_a_taper_is_started_stepped_and_printed_from_the_page(client_for, episode_id, db):
    clinician = client_for("clinician")
    assert post_form(clinician, f"/episodes/{episode_id}/prescriptions", OXYCODONE).status_code == 303
    panel = page_section(clinician.get(f"/episodes/{episode_id}").text, "taper")
    assert "Start a taper" in panel
    rx_box = re.search(r'name="(rx_\d+)"', panel).group(1)

    refused = post_form(clinician, f"/episodes/{episode_id}/tapers", {rx_box: "true", "target_mme": "", "percent_per_month": "10"})
    assert refused.status_code == 422
    form = page_section(refused.text, "taper")
    assert "The taper was not started" in form and "Target (MME a day)" in form and 'value="10"' in form
    with db.session() as session:
        assert session.scalars(select(TaperPlan)).first() is None

    none_ticked = post_form(clinician, f"/episodes/{episode_id}/tapers", {"target_mme": "30"})
    assert none_ticked.status_code == 422 and "Prescriptions to taper" in page_section(none_ticked.text, "taper")
    assert 'value="30"' in page_section(none_ticked.text, "taper")

    started = post_form(clinician, f"/episodes/{episode_id}/tapers", {rx_box: "true", "target_mme": "30", "start_date": "2026-03-09"})
    assert started.status_code == 303 and started.headers["location"] == f"/episodes/{episode_id}#taper"
    page = clinician.get(f"/episodes/{episode_id}").text
    panel = page_text(page_section(page, "taper"))
    assert "From 60 to 30 MME/day" in panel and "09 Mar 2026" in panel
    with db.session() as session:
        plan = session.scalars(select(TaperPlan)).one()
        first = session.scalars(select(TaperStep).where(TaperStep.plan_id == plan.id).order_by(TaperStep.due_on)).first()
        assert plan.regimen[0]["strength"] == 10 and first.lines and first.lines[0]["strength_mg"] > 0
    # Each row names a real tablet strength and its date.
    assert re.search(r"\d\d \w{3} 2026 Step 1: .*\b\d+(\.\d+)? mg", panel)

    assert post_form(clinician, f"/taper-steps/{first.id}/done", {}).status_code == 303
    again = post_form(clinician, f"/taper-steps/{first.id}/done", {})
    assert again.status_code == 409 and "already recorded" in page_section(again.text, "taper")
    assert post_form(client_for("front_desk"), f"/taper-steps/{first.id}/done", {}).status_code == 403
    with db.session() as session:
        assert session.get(TaperStep, first.id).done_at is not None
    assert f'href="/api/tapers/{plan.id}/schedule.pdf"' in page
    pdf = clinician.get(f"/api/tapers/{plan.id}/schedule.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert {"opioid_taper.create", "opioid_taper.step_done", "opioid_taper.print"} <= set(_actions(db, "opioid_taper."))


def test_no_taper_form_without_an_oral_opioid(client_for, episode_id):
    assert 'id="taper"' not in client_for("clinician").get(f"/episodes/{episode_id}").text


def test_plan_items_are_marked_done_from_the_page_and_the_schedule_prints(client_for, episode_id, db):
    clinician = client_for("clinician")
    planned = post_form(clinician, f"/episodes/{episode_id}/medication-trials/plan", {
        "plan_drug_name": "gabapentin", "target_daily_mg": "900", "success": "night pain under 4/10"})
    assert planned.status_code == 303, planned.text
    page = clinician.get(f"/episodes/{episode_id}").text
    trials = page_section(page, "medication-trials")
    item_ids = [int(i) for i in re.findall(r'action="/trial-plan-items/(\d+)/done"', trials)]
    with db.session() as session:
        stored = session.scalars(select(TrialPlanItem).order_by(TrialPlanItem.due_on)).all()
        assert sorted(item_ids) == sorted(i.id for i in stored) and any(i.kind == "titration" for i in stored)
        plan_id = stored[0].plan_id
    assert "Dose step" in page_text(trials) and "Review" in page_text(trials)

    done = post_form(clinician, f"/trial-plan-items/{item_ids[0]}/done", {})
    assert done.status_code == 303 and done.headers["location"].endswith(f"#plan-item-{item_ids[0]}")
    again = post_form(clinician, f"/trial-plan-items/{item_ids[0]}/done", {})
    assert again.status_code == 409 and "already done" in page_section(again.text, "medication-trials")
    assert 'action="/trial-plan-items/%d/done"' % item_ids[0] not in page_section(clinician.get(f"/episodes/{episode_id}").text, "medication-trials")
    assert post_form(client_for("front_desk"), f"/trial-plan-items/{item_ids[1]}/done", {}).status_code == 403

    assert f'href="/medication-trial-plans/{plan_id}/schedule.pdf"' in trials
    pdf = clinician.get(f"/medication-trial-plans/{plan_id}/schedule.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert clinician.get("/medication-trial-plans/999999/schedule.pdf").status_code == 404
    assert {"medication_trial_plan.item_done", "medication_trial_plan.print"} <= set(_actions(db, "medication_trial_plan."))
