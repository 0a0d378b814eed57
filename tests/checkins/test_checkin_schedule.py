"""The check-in schedule from stored facts (both databases): an injection's two windows from the procedures
pack, a PT block's check-ins from the checkins pack, for_patient across open episodes, and the records."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from painpath.checkins import service

# Monday 7 Dec 2026, 10:00 in Chicago.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TFESI = {"procedure_key": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L4-5"],
         "performed_on": "2026-12-05", "baseline_pain": 8, "baseline_scale": "nrs"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(client_for, patient_payload, episode_payload, clock) -> tuple[int, int]:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"}).json()["id"]
    return patient_id, episode_id


def _pt(client_for, staff, episode_id, weeks=8):  # noqa: ANN001, ANN202
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stenosis_flexion", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-12-07", "duration_weeks": weeks})
    assert made.status_code == 201, made.text
    return made.json()


def test_an_injection_and_an_8_week_pt_block_give_their_check_ins(ctx, client_for, staff, clinic, episode):
    patient_id, episode_id = episode
    procedure = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=TFESI).json()
    course = _pt(client_for, staff, episode_id)
    with ctx.db.session() as session:
        found = service.schedule(session, clinic_id=clinic.id, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                 calendar=ctx.calendar, today=date(2026, 12, 7))[episode_id]
        assert [(c.key, c.opens_on, c.status) for c in found] == [
            (f"procedure:{procedure['id']}:1", date(2026, 12, 6), "open"),
            (f"procedure:{procedure['id']}:2", date(2026, 12, 19), "upcoming"),
            (f"pt:{course['id']}:1", date(2026, 12, 21), "upcoming"),
            (f"pt:{course['id']}:2", date(2027, 1, 4), "upcoming"),
            (f"pt:{course['id']}:3", date(2027, 1, 18), "upcoming"),
        ]
        mine = service.for_patient(session, clinic_id=clinic.id, patient_id=patient_id, knowledge=ctx.knowledge,
                                   calendar=ctx.calendar, today=date(2026, 12, 7))
        assert [c.key for c in mine] == [c.key for c in found]
        assert all(c.patient_id == patient_id and c.episode_id == episode_id for c in mine)
        assert service.schedule(session, clinic_id=clinic.id + 1, episode_ids=[episode_id], knowledge=ctx.knowledge,
                                calendar=ctx.calendar, today=date(2026, 12, 7)) == {}
