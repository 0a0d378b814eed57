"""Journey J5 through the API (knee osteoarthritis flare, commercial payer with an eviCore-style review):
a corticosteroid injection is eligible now; hyaluronic acid waits for the payer's conditions (an X-ray
confirming OA, conservative care long enough, a steroid injection tried first), and once the X-ray and
the injection are on record the case says the day conservative care will be long enough. Every number
comes from the policy pack (typical_knee_steroid / typical_knee_ha); nothing here states a threshold.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from authorization_setup import criteria_by_id, frozen_clock, new_episode, open_case, read_case

# Monday 2 Mar 2026, 10:00 in Chicago.
NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
# Sunday 19 Apr 2026, 10:00 in Chicago: three months after the first conservative care (19 Jan).
THREE_MONTHS_OF_CARE = datetime(2026, 4, 19, 15, 0, tzinfo=timezone.utc)
CIGNA = {"payer_id": "cigna_commercial_evicore", "member_id": "U8841273", "effective_from": "2026-01-01"}
KNEE = {"problem_summary": "Right knee pain flaring, worse on stairs", "body_region": "knee", "laterality": "right",
        "onset_date": "2025-09-01", "icd10_codes": ["M17.11"]}

clock = frozen_clock(NOW)


@pytest.fixture
def episode_id(ctx, client_for, patient_payload, clock) -> int:
    ctx.settings.session_hours = 24 * 90  # the clock moves weeks ahead; stay signed in
    episode_id = new_episode(client_for("coordinator"), patient_payload, KNEE, CIGNA)
    clinician = client_for("clinician")
    # Weight loss efforts since mid January and 4 weeks of topical NSAID, both still going.
    for care in (
        {"kind": "weight_loss", "start_date": "2026-01-19", "description": "Dietitian-guided weight loss", "source": "reported"},
        {"kind": "medication", "start_date": "2026-02-02", "description": "Diclofenac 1% gel four times a day",
         "drug_class": "nsaid", "source": "reported", "failed": "yes"},
    ):
        made = clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care)
        assert made.status_code == 201, made.text
    return episode_id


def _open(client, episode_id: int, procedure_id: str) -> dict:  # noqa: ANN001
    return open_case(client, episode_id, procedure_id=procedure_id, cpt_codes=["20610"], side="right")


def test_a_steroid_injection_is_eligible_now(client_for, episode_id):
    case = _open(client_for("coordinator"), episode_id, "knee_steroid_injection")
    assert case["policy_id"] == "typical_knee_steroid"
    assert case["decision"]["outcome"] == "eligible_now"
    assert case["decision"]["summary"].startswith("Eligible now under")
    # An office steroid injection needs no prior authorization under this payer.
    assert case["decision"]["authorization_required"] is False


def test_hyaluronic_acid_names_each_missing_condition(client_for, episode_id):
    case = _open(client_for("coordinator"), episode_id, "knee_hyaluronic_acid")
    assert case["policy_id"] == "typical_knee_ha"
    decision = case["decision"]
    assert decision["outcome"] == "not_eligible" and decision["eligible_on"] is None
    criteria = criteria_by_id(case)
    # X-ray-confirmed OA: nothing on record yet, and the decision says what to record.
    assert criteria["xray_confirmed_oa"]["status"] == "missing_evidence"
    assert "X-ray" in criteria["xray_confirmed_oa"]["to_record"]
    # Conservative care: 6 weeks so far, 3 months reached on 19 Apr if it goes on.
    assert criteria["conservative_3_months"]["status"] == "not_yet"
    assert criteria["conservative_3_months"]["met_on"] == "2026-04-19"
    assert "3 months" in criteria["conservative_3_months"]["explanation"]
    # Steroid injection first: none on record, so hyaluronic acid is refused for now.
    assert criteria["steroid_first"]["status"] == "not_met"
    assert "tried first" in criteria["steroid_first"]["explanation"]
    assert "tried first" in decision["summary"]
    # The kit shows the same three lines, and none of them is ready.
    kit = {i["criterion_id"]: i["status"] for i in case["kit"]["checklist"]}
    assert kit == {"xray_confirmed_oa": "missing", "conservative_3_months": "pending", "steroid_first": "blocked",
                   "repeat_interval": "not_applicable"}
    assert case["kit"]["ready"] == 0


def test_with_the_xray_and_the_steroid_injection_it_gives_the_date_and_that_day_it_is_eligible(client_for, episode_id, clock):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    case = _open(coordinator, episode_id, "knee_hyaluronic_acid")

    xray = {"modality": "xray", "region": "knee", "study": "X-ray right knee, standing AP and lateral", "performed_on": "2026-02-20",
            "report_on_file": True, "concordant": "yes", "summary": "Medial joint-space narrowing, osteophytes"}
    assert coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json=xray).status_code == 201
    injection = {"procedure_key": "knee_steroid_injection", "cpt_codes": ["20610"], "side": "right", "performed_on": "2026-03-02",
                 "baseline_pain": 7, "baseline_scale": "nrs"}
    made = clinician.post(f"/api/episodes/{episode_id}/procedures", json=injection)
    assert made.status_code == 201, made.text

    case = read_case(coordinator, case["id"])
    criteria = criteria_by_id(case)
    assert criteria["xray_confirmed_oa"]["status"] == "met"
    assert criteria["steroid_first"]["status"] == "met"
    assert criteria["conservative_3_months"]["status"] == "not_yet"
    assert case["decision"]["outcome"] == "eligible_on"
    assert case["decision"]["eligible_on"] == "2026-04-19"
    assert "19 April 2026" in case["decision"]["summary"]

    clock.move_to(THREE_MONTHS_OF_CARE)
    case = read_case(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    assert criteria_by_id(case)["conservative_3_months"]["status"] == "met"
    assert case["kit"]["ready"] == case["kit"]["items"] == 3


def test_the_day_before_the_date_it_is_still_not_eligible(client_for, episode_id, clock):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    xray = {"modality": "xray", "region": "knee", "study": "X-ray right knee", "performed_on": "2026-02-20",
            "report_on_file": True, "concordant": "yes"}
    assert coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json=xray).status_code == 201
    assert clinician.post(f"/api/episodes/{episode_id}/procedures", json={
        "procedure_key": "knee_steroid_injection", "cpt_codes": ["20610"], "side": "right", "performed_on": "2026-03-02"}).status_code == 201
    case = _open(coordinator, episode_id, "knee_hyaluronic_acid")
    clock.move_to(datetime(2026, 4, 18, 15, 0, tzinfo=timezone.utc))
    case = read_case(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_on" and case["decision"]["eligible_on"] == "2026-04-19"
