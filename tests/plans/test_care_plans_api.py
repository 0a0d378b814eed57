"""Care plans through the API with the clock moved: the plan half of J1 (cervical radiculopathy under a
commercial payer) and the J3 pivot (hip pain mislabeled as lumbar radiculopathy).

J1: on Thu 8 Jan the plan starts from the cervical radiculopathy pathway and the selective nerve root
block's authorization opens in preparing; on Thu 19 Feb (6 weeks) pain is 6/10 and the NDI 19 from 21,
less than its minimal important change, so the step is not met and the block is proposed; the clinician
confirms. J3: the plan on the lumbar epidural step pivots to the hip pathway; the abandoned step's tasks
and its authorization case's tasks close with the pivot's reason.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task


def _chicago(month: int, day: int, hour: int) -> datetime:
    """A Chicago wall-clock time in Jan-Mar 2026 (standard time, UTC-6) as an aware UTC time."""
    return datetime(2026, month, day, hour + 6, tzinfo=timezone.utc)


FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
TRIAL_ENDS = _chicago(2, 19, 10)  # Thu 19 Feb: six weeks later
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
            "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
LUMBAR = {"problem_summary": "Right leg pain, thought radicular", "body_region": "lumbar", "laterality": "right",
          "onset_date": "2025-11-01", "icd10_codes": ["M54.16"]}
# What he tried before (as told at intake) and the 6-week program that starts on 8 Jan.
J1_CARE = (
    {"kind": "medication", "start_date": "2025-12-15", "end_date": "2026-01-04", "drug_class": "nsaid", "failed": "yes",
     "description": "Naproxen 500 mg twice a day for 3 weeks", "source": "reported"},
    {"kind": "medication", "start_date": "2025-12-22", "end_date": "2025-12-27", "drug_class": "oral_steroid", "failed": "yes",
     "description": "Methylprednisolone 6-day pack", "source": "reported"},
    {"kind": "physical_therapy", "start_date": "2026-01-08", "source": "clinic",
     "description": "PT twice a week: cervical traction and nerve glides"},
    {"kind": "home_exercise", "start_date": "2026-01-08", "source": "clinic", "description": "Home traction and nerve glides"},
)
BLOCK = {"cpt_codes": ["64479"], "side": "right", "levels": ["C5-6"], "place_of_service": "24"}


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _episode(coordinator, patient_payload: dict, episode: dict) -> int:  # noqa: ANN001
    patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
    _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
    return _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode), 201)["id"]


def _ndi(client, episode_id: int, answers: list[int], at: str) -> float:  # noqa: ANN001
    body = {"instrument_id": "ndi", "answers": {f"ndi_{i}": a for i, a in enumerate(answers, start=1)}, "administered_at": at}
    return _ok(client.post(f"/api/episodes/{episode_id}/instrument-administrations", json=body), 201)["total"]


def _pain(client, episode_id: int, kind: str, on: str, pain: int) -> None:  # noqa: ANN001
    visit = _ok(client.post(f"/api/episodes/{episode_id}/encounters",
                            json={"encounter_type": kind, "date_of_service": on, "narrative": "Neck and right arm pain."}), 201)["id"]
    _ok(client.put(f"/api/encounters/{visit}/measures", json={"pain_now": pain, "pain_average": pain, "pain_worst": pain + 1}))


def _tasks(db, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        found = {t.key: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}
        session.expunge_all()
        return found


def test_j1_plan_opens_the_block_case_on_day_one_and_proposes_the_block_when_the_program_falls_short(
        client_for, patient_payload, db, ctx):
    ctx.settings.session_hours = 24 * 90  # the journey spans six weeks; nobody signs in again
    with time_machine.travel(FIRST_VISIT, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        episode_id = _episode(coordinator, patient_payload, CERVICAL)
        _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
            "modality": "mri", "region": "cervical", "study": "MRI cervical spine without contrast", "origin": "outside",
            "performed_on": "2025-12-29", "report_on_file": True, "concordant": "yes",
            "summary": "Moderate right C5-6 foraminal stenosis"}), 201)
        assert _ndi(clinician, episode_id, [3, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-01-08T08:50:00") == 21
        _pain(clinician, episode_id, "initial", "2026-01-08", 7)
        for care in J1_CARE:
            _ok(clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care), 201)

        # Only a clinician decides a plan.
        start = {"pathway_id": "cervical_radiculopathy", "procedure": BLOCK,
                 "goals": [{"text": "Back to ladder work", "measure": "ndi", "target": 10}]}
        assert coordinator.post(f"/api/episodes/{episode_id}/plans", json=start).status_code == 403
        plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json=start), 201)
        assert plan["pathway_name"] == "Cervical radiculopathy" and plan["status"] == "active" and plan["pack_version"] == 1
        assert plan["goals"] == [{"text": "Back to ladder work", "measure": "ndi", "target": 10.0}]
        step = plan["current_step"]
        assert (step["step_id"], step["started_on"], step["trial_ends_on"]) == ("structured_program", "2026-01-08", "2026-02-19")
        assert step["on_failure"]["name"] == "Selective nerve root block"
        assert plan["evaluation"]["status"] == "not_measurable" and plan["proposal"]["outcome"] is None

        # 8 Jan: the block's authorization is open in preparing, its kit filling in, eligible on 19 Feb.
        authorization = plan["authorization"]
        assert authorization["procedure_id"] == "tfesi_cervical" and authorization["state"] == "preparing"
        assert authorization["eligible_on"] == "2026-02-19"
        case = _ok(coordinator.get(f"/api/authorizations/{authorization['case_id']}"))
        assert (case["side"], case["levels"], case["cpt_codes"], case["place_of_service"]) == ("right", ["C5-6"], ["64479"], "24")

        review_key = f"plans:step-review:step:{step['id']}"
        tasks = _tasks(db, episode_id)
        review = tasks[review_key]
        assert review.status == "open" and review.owner_role == "clinician"
        assert review.title == "Review Six-week structured program: trial ends 19 Feb"
        assert review.due_at.date().isoformat() == "2026-02-20"  # end of 19 Feb in Chicago, stored as UTC
        with db.session() as session:
            actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "care_plan"))]
        assert actions == ["plan.start", "plan.step_start"]

        # 19 Feb: pain 6/10, NDI 19 (from 21): less than the NDI's minimal important change.
        clock.move_to(TRIAL_ENDS)
        assert _ndi(clinician, episode_id, [1, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-02-19T09:30:00") == 19
        _pain(clinician, episode_id, "follow_up", "2026-02-19", 6)
        plan = _ok(coordinator.get(f"/api/episodes/{episode_id}/plan"))
        evaluation = plan["evaluation"]
        assert evaluation["status"] == "not_met" and evaluation["trial_over"] is True
        assert [m["explanation"] for m in evaluation["measures"]] == [
            "Pain 6/10 on 19 Feb, needs 4 or less",
            "NDI 21 → 19: improved 2, needs 5 (its minimal important change)",
        ]
        assert plan["proposal"]["outcome"] == "failed"
        assert plan["next_step"] == {"id": "cervical_block", "name": "Selective nerve root block"}

        confirmed = _ok(clinician.post(f"/api/plan-steps/{step['id']}/confirm", json={"version": step["version"]}))
        current = confirmed["current_step"]
        assert (current["step_id"], current["started_on"], current["procedure_id"]) == ("cervical_block", "2026-02-19", "tfesi_cervical")
        # The block step carries on with the case prepared since 8 Jan; no second case is opened.
        assert current["authorization_case_id"] == authorization["case_id"]
        assert [(s["step_id"], s["status"]) for s in confirmed["steps"]] == [("structured_program", "failed"), ("cervical_block", "active")]
        assert "NDI 21 → 19" in confirmed["steps"][0]["outcome_note"]
        cases = _ok(coordinator.get(f"/api/episodes/{episode_id}/authorizations"))
        assert [c["procedure_id"] for c in cases] == ["tfesi_cervical"]

        closed = _tasks(db, episode_id)[review_key]
        assert closed.status == "met" and closed.resolution == "Outcome recorded: failed"


def test_confirming_without_an_outcome_before_anything_is_measurable_is_refused(client_for, patient_payload):
    with time_machine.travel(FIRST_VISIT, tick=False):
        clinician = client_for("clinician")
        episode_id = _episode(client_for("coordinator"), patient_payload, CERVICAL)
        plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "cervical_radiculopathy"}), 201)
        step = plan["current_step"]
        refused = clinician.post(f"/api/plan-steps/{step['id']}/confirm", json={"version": step["version"]})
        assert refused.status_code == 422 and "trial runs until 19 Feb" in refused.text
        unknown = clinician.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "no_such_pathway"})
        assert unknown.status_code in (409, 422)


PIVOT_REASON = "Re-exam: limited internal rotation and a positive FADIR test with groin pain; the pain is from the hip"


def test_j3_pivot_to_the_hip_pathway_closes_the_abandoned_steps_work_with_the_reason(client_for, patient_payload, db, ctx):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(_chicago(3, 2, 9), tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        episode_id = _episode(coordinator, patient_payload, LUMBAR)
        # The epidural step of the lumbar radicular pathway (conservative care was done elsewhere).
        plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json={
            "pathway_id": "lumbar_radicular_pain", "first_step_id": "lumbar_epidural",
            "procedure": {"cpt_codes": ["64483"], "levels": ["L4-5"]}}), 201)
        step = plan["current_step"]
        assert step["step_id"] == "lumbar_epidural" and plan["authorization"]["procedure_id"] == "tfesi_lumbar"
        case_id = plan["authorization"]["case_id"]
        open_before = {k: t for k, t in _tasks(db, episode_id).items() if t.status == "open"}
        abandoned_keys = {k for k in open_before if k == f"plans:step-review:step:{step['id']}" or k.endswith(f":case:{case_id}")}
        assert f"plans:step-review:step:{step['id']}" in abandoned_keys
        assert any(k.startswith("auth:") for k in abandoned_keys), open_before.keys()

        # Two weeks later the check-in shows no improvement; the re-exam points to the hip.
        clock.move_to(_chicago(3, 16, 10))
        assert coordinator.post(f"/api/plans/{plan['id']}/pivot", json={
            "version": plan["version"], "pathway_id": "hip_labral", "reason": PIVOT_REASON}).status_code == 403
        new = _ok(clinician.post(f"/api/plans/{plan['id']}/pivot", json={
            "version": plan["version"], "pathway_id": "hip_labral", "reason": PIVOT_REASON,
            "goals": [{"text": "Walk the dog for 30 minutes", "measure": "walking_minutes", "target": 30}]}))
        assert new["pathway_id"] == "hip_labral" and new["status"] == "active"
        assert new["current_step"]["step_id"] == "hip_xray" and new["current_step"]["kind"] == "imaging"
        assert new["authorization"] is None  # imaging steps here open no procedure case
        # The X-ray step opens its order: it waits for it (and for the report it brings back).
        assert new["evaluation"]["missing"] == ["hip X-ray", "X-ray of the hip report"]

        case = _ok(coordinator.get(f"/api/authorizations/{case_id}"))
        assert case["state"] == "withdrawn" and case["closed_reason"] == f"Plan changed: {PIVOT_REASON}"

        tasks = _tasks(db, episode_id)
        for key in abandoned_keys:
            assert tasks[key].status == "cancelled", key
            assert tasks[key].resolution == f"Plan changed: {PIVOT_REASON}", key

        with db.session() as session:
            from painpath.plans.models import CarePlan, PlanStep
            old = session.get(CarePlan, plan["id"])
            assert (old.status, old.end_reason, old.pivoted_to_id) == ("pivoted", PIVOT_REASON, new["id"])
            abandoned = session.get(PlanStep, step["id"])
            assert (abandoned.status, abandoned.outcome_note) == ("abandoned", PIVOT_REASON)
            pivots = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.pivot")).all()
            assert len(pivots) == 1 and pivots[0].detail["authorization_case_id"] == case_id

        # A hip X-ray report filed from outside arrives: the step still waits for its own order to be read
        # (issue 16: an imaging step is met when its order's loop closes), and the clinician's order task stays.
        # The lead's merge with the orders slice extends this: the order is placed, reviewed, and the step proposes
        # the MRI arthrogram.
        _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
            "modality": "xray", "region": "hip", "study": "X-ray hip and pelvis", "performed_on": "2026-03-16",
            "report_on_file": True, "summary": "Cam morphology; no arthritis"}), 201)
        hip = _ok(coordinator.get(f"/api/episodes/{episode_id}/plan"))
        assert hip["evaluation"]["status"] == "not_measurable" and hip["evaluation"]["missing"] == ["hip X-ray"]
        order_task = _tasks(db, episode_id)[f"plans:step-order:step:{new['current_step']['id']}"]
        assert (order_task.status, order_task.title) == ("open", "Order the hip X-ray")


@pytest.mark.parametrize("role", ["nurse", "manager"])
def test_staff_who_read_charts_can_read_the_plan_but_not_change_it(client_for, patient_payload, role):
    with time_machine.travel(FIRST_VISIT, tick=False):
        episode_id = _episode(client_for("coordinator"), patient_payload, CERVICAL)
        _ok(client_for("clinician").post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "cervical_radiculopathy"}), 201)
        reader = client_for(role)
        assert _ok(reader.get(f"/api/episodes/{episode_id}/plan"))["pathway_id"] == "cervical_radiculopathy"
        assert reader.post(f"/api/episodes/{episode_id}/plans", json={"pathway_id": "crps"}).status_code == 403
        # Minimum necessary: the plan's clinical content is not the front desk's or billing's.
        for other in ("front_desk", "billing"):
            assert client_for(other).get(f"/api/episodes/{episode_id}/plan").status_code == 403
