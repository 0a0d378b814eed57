"""The episode page's Procedures panel: record a performed procedure and its relief reports from forms
(the API's schemas and services), refusals that keep what was typed and name the field, and the relief
checks the procedure's pack asks for becoming worklist tasks due from the procedure date, met by a report.

Windows come from the procedures pack (24 to 72 hours and 2 weeks after an injection); the dates below
are computed from the pack, not copied from it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Monday 10:00 in Chicago
DONE_ON = date(2026, 12, 1)
TFESI = {"procedure_key": "tfesi_lumbar", "cpt_codes": "64483, 64484", "side": "left", "levels": "L4-5, L5-S1",
         "performed_on": DONE_ON.isoformat(), "baseline_pain": "7", "baseline_scale": "nrs"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload, episode_payload, clock) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json={**patient_payload, "mrn": "MRN-PROC"}).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"}).json()["id"]


def _relief_tasks(db, episode_id: int) -> list[Task]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.episode_id == episode_id, Task.kind == "procedures.relief_check")
                                    .order_by(Task.due_at)))


def _record(client, episode_id: int, **changes) -> object:  # noqa: ANN001, ANN003
    return client.post(f"/episodes/{episode_id}/procedures", data={**TFESI, **changes}, follow_redirects=False)


def test_a_procedure_recorded_on_the_page_is_saved_audited_and_shown(client_for, episode_id, db, staff):
    clinician = client_for("clinician")
    response = _record(clinician, episode_id, performed_by_id=str(staff["clinician"].id))
    assert response.status_code == 303 and response.headers["location"] == f"/episodes/{episode_id}#procedures"
    with db.session() as session:
        row = session.scalars(select(PerformedProcedure)).one()
        assert (row.levels, row.cpt_codes, row.performed_by_id) == (["L4-5", "L5-S1"], ["64483", "64484"], staff["clinician"].id)
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.record")).one().object_id == str(row.id)
    page = clinician.get(f"/episodes/{episode_id}").text
    assert f'id="procedure-{row.id}"' in page and "Lumbar transforaminal epidural steroid injection at L4-5, L5-S1, left" in page


def test_a_refused_procedure_keeps_what_was_typed_and_names_the_field(client_for, episode_id, db):
    response = _record(client_for("nurse"), episode_id, levels="L4-5, L9-S1")
    assert response.status_code == 422
    assert "The procedure was not recorded" in response.text
    assert 'value="L4-5, L9-S1"' in response.text  # as typed
    assert "is not a spinal level" in response.text
    with db.session() as session:
        assert session.scalars(select(PerformedProcedure)).first() is None


def test_relief_checks_are_due_from_the_procedure_date_and_met_by_a_report_in_the_window(client_for, episode_id, db, ctx):
    nurse = client_for("nurse")
    assert _record(nurse, episode_id).status_code == 303
    pack = ctx.knowledge.procedures["tfesi_lumbar"].relief_checks
    tasks = _relief_tasks(db, episode_id)
    assert [t.title for t in tasks] == [f"Relief check {n} due: {c.name}" for n, c in enumerate(pack, start=1)]
    for task, check in zip(tasks, pack):
        due_day = DONE_ON + timedelta(days=check.days()[1])
        assert ctx.calendar.local_date(task.due_at) == due_day  # from the procedure date, never from now
        assert task.status == "open" and DONE_ON.strftime("%d %b %Y") in task.reason
    with db.session() as session:
        procedure_id = session.scalars(select(PerformedProcedure.id)).one()
    first_window_day = DONE_ON + timedelta(days=pack[0].days()[0])
    refused = nurse.post(f"/procedures/{procedure_id}/relief", data={"measured_on": first_window_day.isoformat(), "scale": "nrs"},
                         follow_redirects=False)
    assert refused.status_code == 422 and "The relief report was not saved" in refused.text
    saved = nurse.post(f"/procedures/{procedure_id}/relief", follow_redirects=False, data={
        "measured_on": first_window_day.isoformat(), "percent": "60", "scale": "nrs", "hours_after": "48",
        "function_change": "better", "regained": "Walked the dog for 30 minutes"})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#procedure-{procedure_id}")
    with db.session() as session:
        relief = session.scalars(select(ProcedureRelief)).one()
        assert (relief.function_change, relief.regained) == ("better", "Walked the dog for 30 minutes")
    first, second = _relief_tasks(db, episode_id)
    assert first.status == "met" and second.status == "open"
    assert "Walked the dog for 30 minutes" in nurse.get(f"/episodes/{episode_id}").text


def test_a_report_outside_every_window_meets_no_check(client_for, episode_id, db):
    nurse = client_for("nurse")
    _record(nurse, episode_id)
    with db.session() as session:
        procedure_id = session.scalars(select(PerformedProcedure.id)).one()
    nurse.post(f"/procedures/{procedure_id}/relief", data={"measured_on": DONE_ON.isoformat(), "percent": "10", "scale": "nrs"})
    assert [t.status for t in _relief_tasks(db, episode_id)] == ["open", "open"]


def test_front_desk_may_not_record_a_procedure(client_for, episode_id):
    assert _record(client_for("front_desk"), episode_id).status_code == 403


def test_a_stimulator_trial_asks_where_it_was_done_and_keeps_the_region_chosen(client_for, episode_id, db):
    """A procedure the catalogue allows on any region (the stimulator trial) needs the Region field of the form."""
    clinician = client_for("clinician")
    trial = {"procedure_key": "scs_trial", "cpt_codes": "63650", "side": "none", "levels": "", "performed_on": DONE_ON.isoformat()}
    refused = clinician.post(f"/episodes/{episode_id}/procedures", data=trial, follow_redirects=False)
    assert refused.status_code == 422
    assert "Say where the spinal cord stimulator trial was done" in refused.text
    saved = clinician.post(f"/episodes/{episode_id}/procedures", data={**trial, "region": "lumbar"}, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as session:
        assert session.scalars(select(PerformedProcedure)).one().region == "lumbar"
