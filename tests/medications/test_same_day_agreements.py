"""Two opioid agreements signed on the same day: both are recorded, the worklist keeps working for the
episode and for the clinic, and the renewal is owed once (issue 11, defect 3).

Before the fix the safety rules produced the renewal key twice (once met, once owed), the planner
raised, and every later write to the episode, and the clinic-wide reconcile, failed.
"""

from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.medications.opioids.models import OpioidAgreement
from painpath.worklist.models import Task

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
RENEWAL_NEAR = datetime(2027, 2, 20, 15, 0, tzinfo=timezone.utc)


def _rx(start: str) -> dict:
    return {"drug": "oxycodone", "strength": 5, "strength_unit": "mg", "times_per_day": 2, "form": "oral",
            "start_date": start, "days_supply": 365}


def _opioid_tasks(db, episode_id: int) -> dict[str, str]:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.provider == "opioid_safety"))
        return {t.key.split(":episode:")[0]: t.status for t in rows}


def test_two_agreements_signed_the_same_day_are_both_kept_and_the_worklist_keeps_working(client_for, patient_payload,
                                                                                          episode_payload, ctx, db):
    ctx.settings.session_hours = 24 * 800
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    with time_machine.travel(MONDAY, tick=False) as clock:
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        assert clinician.post(f"/api/episodes/{episode_id}/prescriptions", json=_rx("2026-03-02")).status_code == 201
        signed = [clinician.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2026-03-02"}) for _ in range(2)]
        assert [s.status_code for s in signed] == [201, 201], signed[1].text
        first, second = (f"opioid:agreement:after:agreement:{s.json()['id']}" for s in signed)

        with db.session() as session:
            assert len(session.scalars(select(OpioidAgreement).where(OpioidAgreement.episode_id == episode_id)).all()) == 2

        clock.move_to(RENEWAL_NEAR)  # inside the renewal's notice window: the clinic-wide pass owes the renewal
        with db.session() as session:
            assert ctx.reconcile(session).failed == 0
        assert _opioid_tasks(db, episode_id)[second] == "open"  # the renewal after the later of the two, once
        assert first not in _opioid_tasks(db, episode_id)  # met the same day by its twin: never owed
        later = clinician.post(f"/api/episodes/{episode_id}/opioid-agreements", json={"signed_on": "2027-02-20"})
        assert later.status_code == 201, later.text
        tasks = _opioid_tasks(db, episode_id)
        assert tasks["opioid:agreement:initial"] == "met"
        assert tasks[second] == "met"  # met by the renewal on 20 Feb
        with db.session() as session:
            assert session.scalars(select(Task).where(Task.kind == "worklist.provider_failed")).first() is None
