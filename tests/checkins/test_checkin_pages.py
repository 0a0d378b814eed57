"""The check-in pages (both databases): the episode panel lists the check-ins, the check-in note keeps its
input on a refusal and names the field, a stale form is a 409, a post-procedure note records the relief too,
a missed check-in is the coordinator's task until it is given a new day, and every change is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.charting.procedures.models import ProcedureRelief
from painpath.checkins.models import CheckinRecord
from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task
from support import page_form_post

# Monday 7 Dec 2026, 10:00 in Chicago.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TFESI = {"procedure_key": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L4-5"],
         "performed_on": "2026-12-05", "baseline_pain": 8, "baseline_scale": "nrs"}
NOTE = {"pain_now": "3", "relief_percent": "70", "function_words": "Walking 20 minutes again", "side_effects": "",
        "red_flags": "no", "red_flags_words": "", "next_step": "Carry on with PT", "done_on": "2026-12-07"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def injected(client_for, patient_payload, episode_payload, clock) -> tuple[int, int]:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"}).json()["id"]
    procedure = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=TFESI)
    assert procedure.status_code == 201, procedure.text
    return episode_id, procedure.json()["id"]


def test_the_episode_panel_and_the_check_in_page_list_the_injections_check_ins(client_for, injected):
    episode_id, procedure_id = injected
    nurse = client_for("nurse")
    page = nurse.get(f"/episodes/{episode_id}")
    assert 'id="checkins"' in page.text
    assert "Check-in 24 to 72 hours after the" in page.text and "Check-in 2 weeks after the" in page.text
    assert f"/checkins/episodes/{episode_id}?key=procedure:{procedure_id}:1" in page.text
    one = nurse.get(f"/checkins/episodes/{episode_id}?key=procedure:{procedure_id}:1")
    assert one.status_code == 200 and "Due now" in one.text and 'name="relief_percent"' in one.text
    assert nurse.get(f"/checkins/episodes/{episode_id}").status_code == 200
    assert nurse.get(f"/checkins/episodes/{episode_id}?key=pt:999:1").status_code == 404
    assert client_for("front_desk").get(f"/checkins/episodes/{episode_id}?key=procedure:{procedure_id}:1").status_code == 403


def test_a_refused_note_keeps_its_input_and_names_the_field(client_for, injected, db):
    episode_id, procedure_id = injected
    key = f"procedure:{procedure_id}:1"
    answer = page_form_post(client_for("nurse"), f"/checkins/episodes/{episode_id}/note",
                            {**NOTE, "key": key, "version": "0", "relief_percent": "", "function_words": "Sleeping better"})
    assert answer.status_code == 422
    assert "Relief from the procedure (percent)" in answer.text and "Sleeping better" in answer.text
    with db.session() as session:
        assert session.scalars(select(CheckinRecord)).all() == []


def test_the_note_after_an_injection_records_the_relief_and_meets_the_check_in(client_for, injected, db):
    episode_id, procedure_id = injected
    key = f"procedure:{procedure_id}:1"
    nurse = client_for("nurse")
    answer = page_form_post(nurse, f"/checkins/episodes/{episode_id}/note", {**NOTE, "key": key, "version": "0"})
    assert answer.status_code == 303, answer.text
    page = nurse.get(answer.headers["location"])
    assert "Done" in page.text and "Walking 20 minutes again" in page.text
    assert "Check-in done by telehealth: pain 3/10; 70% relief" in nurse.get(f"/episodes/{episode_id}").text  # the timeline
    with db.session() as session:
        record = session.scalars(select(CheckinRecord)).one()
        assert (record.key, record.pain_now, record.relief_percent, record.done_on) == (key, 3, 70.0, date(2026, 12, 7))
        assert session.scalars(select(ProcedureRelief.percent)).all() == [70.0]
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"checkin.note", "procedure.relief"} <= actions
        relief_task = session.scalars(select(Task).where(Task.key == f"procedures:relief-check:{procedure_id}:1")).one()
        assert relief_task.status == "met"
    stale = page_form_post(nurse, f"/checkins/episodes/{episode_id}/book",
                           {"key": f"procedure:{procedure_id}:2", "version": "3", "booked_at": "2026-12-19T14:30"})
    assert stale.status_code == 409


def test_a_stale_form_is_a_409_and_keeps_its_input(client_for, injected):
    episode_id, procedure_id = injected
    key = f"procedure:{procedure_id}:2"
    coordinator = client_for("coordinator")
    assert page_form_post(coordinator, f"/checkins/episodes/{episode_id}/book",
                          {"key": key, "version": "0", "booked_at": "2026-12-19T14:30"}).status_code == 303
    stale = page_form_post(coordinator, f"/checkins/episodes/{episode_id}/cancel",
                           {"key": key, "version": "0", "cancel_reason": "Patient moved away"})
    assert stale.status_code == 409 and "Patient moved away" in stale.text


def test_a_missed_check_in_is_the_coordinators_task_until_it_gets_a_new_day(client_for, injected, db, clock, ctx):
    episode_id, procedure_id = injected
    key = f"procedure:{procedure_id}:1"
    clock.move_to(NOW + timedelta(days=2))  # Wed 9 Dec: the 6-8 Dec window closed
    with db.session() as session:
        ctx.reconcile(session, [episode_id])
        session.commit()
    with db.session() as session:
        task = session.scalars(select(Task).where(Task.key == f"checkins:missed:{key}")).one()
        assert (task.owner_role, task.status) == ("coordinator", "open")
        assert task.evidence["link"] == f"/checkins/episodes/{episode_id}?key={key}"
    coordinator = client_for("coordinator")
    missed = coordinator.get(f"/checkins/episodes/{episode_id}?key={key}").text
    assert "Missed" in missed and 'Reach the patient at <a href="tel:555-0142">555-0142</a>' in missed  # the task says reach them
    assert "Check-in missed: Check-in 24 to 72 hours after the" in coordinator.get(f"/episodes/{episode_id}").text  # the timeline
    moved = page_form_post(coordinator, f"/checkins/episodes/{episode_id}/reschedule",
                           {"key": key, "version": "0", "rescheduled_to": "2026-12-10"})
    assert moved.status_code == 303, moved.text
    with db.session() as session:
        assert session.scalars(select(Task.status).where(Task.key == f"checkins:missed:{key}")).one() == "met"
        assert "checkin.reschedule" in set(session.scalars(select(AuditEvent.action)))
    refused = page_form_post(coordinator, f"/checkins/episodes/{episode_id}/cancel", {"key": key, "version": "1", "cancel_reason": ""})
    assert refused.status_code == 422 and "Why it is cancelled" in refused.text


def test_red_flags_at_a_check_in_are_the_clinicians_until_reviewed(client_for, injected, db):
    episode_id, procedure_id = injected
    key = f"procedure:{procedure_id}:1"
    page_form_post(client_for("nurse"), f"/checkins/episodes/{episode_id}/note",
                   {**NOTE, "key": key, "version": "0", "red_flags": "yes", "red_flags_words": "New weakness in the left foot"})
    with db.session() as session:
        task = session.scalars(select(Task).where(Task.key == f"checkins:red-flags:{key}")).one()
        assert (task.owner_role, task.status) == ("clinician", "open")
        version = session.scalars(select(CheckinRecord.version)).one()
    clinician = client_for("clinician")
    assert "Mark the red flags reviewed" in clinician.get(f"/checkins/episodes/{episode_id}?key={key}").text
    assert page_form_post(clinician, f"/checkins/episodes/{episode_id}/red-flags-reviewed", {"key": key, "version": str(version)}).status_code == 303
    with db.session() as session:
        assert session.scalars(select(Task.status).where(Task.key == f"checkins:red-flags:{key}")).one() == "met"
