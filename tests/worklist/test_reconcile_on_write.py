"""A fact recorded through any route brings the worklist in line before the request commits: the route
itself does not have to remember to reconcile (worklist/touched.py, web/deps.py)."""

from __future__ import annotations

from sqlalchemy import select

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock, new_episode, open_case
from painpath.worklist.models import Task

CIGNA = {"payer_id": "cigna_commercial_evicore", "member_id": "U8812", "effective_from": "2026-01-01"}
LUMBAR = {"problem_summary": "Left leg pain below the knee", "body_region": "lumbar", "laterality": "left",
          "onset_date": "2026-08-01", "icd10_codes": ["M54.17"]}

clock = frozen_clock(MONDAY_7_DEC_2026)


def _kit_tasks(db, episode_id: int) -> dict[str, str]:  # noqa: ANN001
    with db.session() as session:
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.key.like("auth:kit:%")))
        return {t.key.split(":")[2]: t.status for t in rows}


def test_an_exam_saved_through_the_charting_api_closes_the_kit_task(client_for, patient_payload, db, clock):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episode_id = new_episode(coordinator, patient_payload, LUMBAR, CIGNA)
    open_case(coordinator, episode_id, procedure_id="tfesi_lumbar")
    assert _kit_tasks(db, episode_id).get("radicular_exam") == "open"

    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-12-07"})
    exam = {"straight_leg_raise": {"left": {"result": "positive", "angle_degrees": 35}},
            "sensory_deficits": [{"dermatome": "S1", "side": "left"}]}
    # The exam route has no reconcile of its own; the request's unit of work does it.
    assert clinician.put(f"/api/encounters/{note.json()['id']}/exam", json=exam).status_code == 200
    assert _kit_tasks(db, episode_id)["radicular_exam"] == "met"


def test_a_refused_write_reconciles_nothing(client_for, patient_payload, db, clock):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episode_id = new_episode(coordinator, patient_payload, LUMBAR, CIGNA)
    open_case(coordinator, episode_id, procedure_id="tfesi_lumbar")
    before = _kit_tasks(db, episode_id)
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-12-07"})
    bad = {"straight_leg_raise": {"left": {"result": "positive", "angle_degrees": 120}}}
    assert clinician.put(f"/api/encounters/{note.json()['id']}/exam", json=bad).status_code == 422
    assert _kit_tasks(db, episode_id) == before
