"""Upgrading keeps stored tasks: migration 0019_wt_engine_fact_id_keys rewrites the date-keyed
recurring duties of an existing database to the id keys the rules now give, so the first reconcile after
the upgrade neither closes them as "no longer required" nor opens them again (claims and completions kept).

The database is real and its facts are made through the API; the tasks are then given the keys the old
rules stored, as an installed clinic's database has them, and the migration's rewrite runs on it."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0019_wt_engine_fact_id_keys.py"
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
LATER = datetime(2027, 2, 20, 15, 0, tzinfo=timezone.utc)


def _migration():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("task_keys_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rx(start: str) -> dict:
    return {"drug": "oxycodone", "strength": 5, "strength_unit": "mg", "times_per_day": 2, "form": "oral",
            "start_date": start, "days_supply": 365}


def _tasks(db, episode_id: int) -> dict[str, tuple[str, int | None]]:  # noqa: ANN001
    with db.session() as session:
        return {t.key: (t.status, t.assignee_id) for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}


def test_old_date_keys_are_rewritten_and_the_next_reconcile_keeps_the_tasks(client_for, patient_payload, episode_payload,
                                                                            ctx, db, staff):
    ctx.settings.session_hours = 24 * 800
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    with time_machine.travel(MONDAY, tick=False) as clock:
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        e = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        rx = clinician.post(f"/api/episodes/{e}/prescriptions", json=_rx("2026-03-02")).json()["id"]
        agreement = clinician.post(f"/api/episodes/{e}/opioid-agreements", json={"signed_on": "2026-03-02"}).json()["id"]
        test = clinician.post(f"/api/episodes/{e}/urine-drug-tests", json={"collected_on": "2026-03-02", "result": "expected"}).json()["id"]
        check = clinician.post(f"/api/episodes/{e}/pdmp-checks", json={"state": "IL", "summary": "Clean"}).json()["id"]
        clock.move_to(datetime(2026, 3, 16, 15, 0, tzinfo=timezone.utc))
        visit = clinician.post(f"/api/episodes/{e}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-03-16"}).json()["id"]
        clock.move_to(LATER)
        with db.session() as session:
            ctx.reconcile(session)
        new_to_old = {
            f"opioid:agreement:after:agreement:{agreement}:episode:{e}": f"opioid:agreement:after:2026-03-02:episode:{e}",
            f"opioid:udt:after:drug_test:{test}:episode:{e}": f"opioid:udt:after:2026-03-02:episode:{e}",
            f"opioid:pdmp:after:pdmp_check:{check}:episode:{e}": f"opioid:pdmp:after:2026-03-02:episode:{e}",
            f"opioid:follow_up:after:visit:{visit}:episode:{e}": f"opioid:follow_up:after:2026-03-16:episode:{e}",
        }
        upgraded = _tasks(db, e)
        assert all(upgraded[key][0] == "open" for key in new_to_old), upgraded
        with db.session() as session:  # the database as the old rules left it, one duty claimed by a person
            for task in session.scalars(select(Task).where(Task.key.in_(list(new_to_old)))):
                task.key = new_to_old[task.key]
                task.assignee_id = staff["clinician"].id
            session.add(Task(  # the start's duty, still open from before the visit met it
                clinic_id=staff["clinician"].clinic_id, key=f"opioid:follow_up:after:2026-03-02:episode:{e}", provider="opioid_safety",
                kind="opioid_safety.follow_up", episode_id=e, patient_id=patient_id, title="Opioid follow-up visit", reason="old",
                evidence={}, owner_role="clinician", due_at=datetime(2026, 6, 2), status="open", opened_at=datetime(2026, 5, 19)))

        with db.engine.begin() as connection:
            assert _migration().rewrite_task_keys(connection, ZoneInfo("America/Chicago")) == 5

        rewritten = _tasks(db, e)
        for key in new_to_old:
            assert rewritten[key] == ("open", staff["clinician"].id)
        assert rewritten[f"opioid:follow_up:after:rx:{rx}:episode:{e}"][0] == "open"
        with db.session() as session:
            result = ctx.reconcile(session)
        assert (result.opened, result.cancelled, result.failed) == (0, 0, 0)
        after = _tasks(db, e)
        for key in new_to_old:
            assert after[key] == ("open", staff["clinician"].id)  # kept, with its claim
        assert after[f"opioid:follow_up:after:rx:{rx}:episode:{e}"][0] == "met"  # met by the visit, as the rules say
