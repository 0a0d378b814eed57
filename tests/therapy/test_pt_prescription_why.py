"""The PT prescription says why these exercises (issue 15 item 5): the reasons the patient's plan gives,
one per emphasis of the protocol, so the therapist tells the patient the same thing; read back from the PDF.
A hypermobility course (item 6) carries joint protection and the no-end-range-stretching rule."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pypdf
import pytest
import time_machine

NOW = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)
LUMBAR = {"problem_summary": "Mechanical low back pain after lifting", "body_region": "lumbar", "laterality": "bilateral",
          "onset_date": "2026-08-01", "icd10_codes": ["M54.50"]}
HYPERMOBILE = {"problem_summary": "Knee and shoulder pain with repeated partial dislocations; very flexible since childhood",
               "body_region": "knee", "laterality": "bilateral", "onset_date": "2025-01-01", "icd10_codes": ["M35.7"]}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _prescription_text(client_for, staff, patient_payload, episode: dict, protocol_id: str) -> str:  # noqa: ANN001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode).json()["id"]
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": protocol_id, "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-11-02"})
    assert made.status_code == 201, made.text
    response = client_for("clinician").get(f"/api/pt-courses/{made.json()['id']}/prescription.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages).split())


def test_the_prescription_gives_the_reasons_the_patient_was_given(client_for, staff, patient_payload):
    text = _prescription_text(client_for, staff, patient_payload, LUMBAR, "lumbar_stabilization")
    assert "Why these exercises" in text and "What we have told the patient" in text
    assert "Hip hinge and glute activation Bending from the hips and pushing through the buttock muscles" in text
    assert "Trunk endurance without bending" in text and "Load tied to your daily tasks" in text
    # After the emphasis, before the week-by-week progression the therapist follows.
    assert text.index("Emphasis") < text.index("Why these exercises") < text.index("Progression")


def test_a_hypermobility_prescription_teaches_joint_protection_and_forbids_end_range_stretching(client_for, staff, patient_payload):
    text = _prescription_text(client_for, staff, patient_payload, HYPERMOBILE, "hypermobility_joint_protection")
    assert "Physical therapy prescription: Hypermobility - joint protection and neuromuscular control" in text
    assert "Joint protection Your joints move further than most people's" in text
    assert "Proprioception (joint position sense)" in text and "Low-load strengthening" in text
    assert "No end-range stretching Stretching loose joints further adds looseness, not control." in text
    assert "No end-range stretching and no passive end-range mobilisation or high-velocity manipulation" in text  # precaution
    assert "1 visit per week for 12 weeks" in text
