"""Journey J6 continued through the API (Medicare, facet-mediated low back pain): after the first
radiofrequency ablation, relief is tracked at 3 and 6 months; a repeat ablation is eligible only when
the Medicare policy's repeat conditions hold, and a third session in the same region inside the rolling
12 months is refused with the day a slot frees. The setup is the one of test_j6_facet_cases_api.py
(two qualifying medial branch blocks, 85% and 82%, 15 days apart); every threshold comes from the pack.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine

MEDICARE = {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"}
LUMBAR = {"problem_summary": "Axial low back pain, worse on extension", "body_region": "lumbar", "laterality": "bilateral",
          "onset_date": "2026-03-01", "icd10_codes": ["M47.816"]}
LEVELS = ["L4-5", "L5-S1"]


def _at(year: int, month: int, day: int) -> datetime:
    """10:00 in Chicago on that day (16:00 UTC in winter, 15:00 in summer time: 10:00 or 11:00 local, same day)."""
    return datetime(year, month, day, 16, 0, tzinfo=timezone.utc)


# Mon 2 Nov 2026: the first ablation, after blocks on 1 and 16 Oct.
FIRST_ABLATION = _at(2026, 11, 2)
THREE_MONTHS = _at(2027, 2, 2)
SIX_MONTHS = _at(2027, 5, 3)  # 6 months after 2 Nov is 2 May (a Sunday); relief is measured on Monday


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(FIRST_ABLATION, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clients(ctx, client_for, clock):  # noqa: ANN201
    ctx.settings.session_hours = 24 * 500  # the journey spans a year; stay signed in
    return client_for("coordinator"), client_for("clinician")


@pytest.fixture
def episode_id(clients, patient_payload) -> int:
    coordinator, clinician = clients
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=MEDICARE).status_code == 201
    episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json=LUMBAR)
    assert episode.status_code == 201, episode.text
    episode_id = episode.json()["id"]
    care = {"kind": "physical_therapy", "start_date": "2026-06-01", "end_date": "2026-08-15", "source": "reported",
            "description": "PT, core stabilization, 10 weeks", "failed": "yes"}
    assert clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care).status_code == 201
    mri = {"modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "performed_on": "2026-09-01",
           "report_on_file": True, "concordant": "yes", "summary": "Facet arthropathy L4-5, L5-S1; no stenosis"}
    assert coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json=mri).status_code == 201
    odi = {"instrument_id": "odi", "answers": {f"odi_{i}": 3 for i in range(1, 11)}, "administered_at": "2026-09-15T10:00:00"}
    assert clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json=odi).status_code == 201
    for on, relief in (("2026-10-01", 85), ("2026-10-16", 82)):
        block = _performed(clinician, episode_id, "mbb_lumbar", ["64493", "64494"], on)
        _relief(clinician, block, on, relief, hours_after=4)
    return episode_id


def _performed(client, episode_id: int, key: str, codes: list[str], on: str) -> int:  # noqa: ANN001
    body = {"procedure_key": key, "cpt_codes": codes, "side": "bilateral", "levels": LEVELS, "performed_on": on,
            "baseline_pain": 7, "baseline_scale": "nrs"}
    made = client.post(f"/api/episodes/{episode_id}/procedures", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _ablation(client, episode_id: int, on: str) -> int:  # noqa: ANN001
    return _performed(client, episode_id, "rfa_lumbar", ["64635", "64636"], on)


def _relief(client, procedure_id: int, on: str, percent: float, *, hours_after: float | None = None,  # noqa: ANN001
            lasted_days: int | None = None) -> None:
    report = {"measured_on": on, "percent": percent, "scale": "nrs", "hours_after": hours_after, "lasted_days": lasted_days}
    made = client.post(f"/api/procedures/{procedure_id}/relief", json=report)
    assert made.status_code == 201, made.text


def _open_rfa(client, episode_id: int) -> dict:  # noqa: ANN001
    opened = client.post(f"/api/episodes/{episode_id}/authorizations", json={
        "procedure_id": "rfa_lumbar", "cpt_codes": ["64635", "64636"], "side": "bilateral", "levels": LEVELS,
        "place_of_service": "22"})
    assert opened.status_code == 201, opened.text
    return opened.json()


def _read(client, case_id: int) -> dict:  # noqa: ANN001
    found = client.get(f"/api/authorizations/{case_id}")
    assert found.status_code == 200, found.text
    return found.json()


def _criteria(case: dict) -> dict[str, dict]:
    return {c["criterion_id"]: c for c in case["decision"]["criteria"]}


def test_repeat_waits_for_six_months_of_relief_and_is_eligible_once_it_lasted(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")

    # 3 months on: 70% relief holding for 92 days. Not a repeat candidate yet: 6 months are needed.
    clock.move_to(THREE_MONTHS)
    _relief(clinician, first, "2027-02-02", 70, lasted_days=92)
    case = _open_rfa(coordinator, episode_id)
    criteria = _criteria(case)
    assert case["decision"]["outcome"] == "eligible_on"
    assert case["decision"]["eligible_on"] == "2027-05-02"
    assert criteria["repeat_response"]["status"] == "not_yet" and criteria["repeat_response"]["met_on"] == "2027-05-02"
    assert "70%" in criteria["repeat_response"]["explanation"] and "6 months" in criteria["repeat_response"]["explanation"]
    # The blocks and the other first-request rules do not apply to a repeat.
    assert criteria["diagnostic_blocks"]["status"] == "not_applicable"
    assert criteria["ablation_frequency"]["status"] == "met"

    # 6 months on: 60% relief that lasted 182 days. Now the repeat is eligible.
    clock.move_to(SIX_MONTHS)
    _relief(clinician, first, "2027-05-03", 60, lasted_days=182)
    case = _read(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    assert _criteria(case)["repeat_response"]["status"] == "met"
    assert "182 days" in _criteria(case)["repeat_response"]["explanation"] or "6 months" in _criteria(case)["repeat_response"]["explanation"]
    submitted = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"


def test_relief_that_faded_before_six_months_makes_the_repeat_not_eligible(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")
    clock.move_to(THREE_MONTHS)
    _relief(clinician, first, "2027-02-02", 70, lasted_days=92)
    clock.move_to(SIX_MONTHS)
    # At the 6-month check the patient says the relief wore off after about 4 months.
    _relief(clinician, first, "2027-05-03", 70, lasted_days=120)
    case = _open_rfa(coordinator, episode_id)
    assert case["decision"]["outcome"] == "not_eligible"
    repeat = _criteria(case)["repeat_response"]
    assert repeat["status"] == "not_met"
    assert "50%" in repeat["explanation"] and "6 months" in repeat["explanation"]
    refused = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert refused.status_code == 409


def test_a_third_ablation_within_twelve_months_is_refused_until_a_slot_frees(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")
    clock.move_to(SIX_MONTHS)
    _relief(clinician, first, "2027-05-03", 60, lasted_days=182)
    second = _ablation(clinician, episode_id, "2027-05-03")

    # Mon 4 Oct 2027: 5 months after the second ablation, still 65% better.
    clock.move_to(_at(2027, 10, 4))
    _relief(clinician, second, "2027-10-04", 65, lasted_days=154)
    case = _open_rfa(coordinator, episode_id)
    frequency = _criteria(case)["ablation_frequency"]
    assert frequency["status"] == "not_yet"
    assert "2 sessions in the last 365 days" in frequency["explanation"]
    assert "refused" in frequency["explanation"]
    # The first ablation (2 Nov 2026) leaves the rolling 365 days on 2 Nov 2027.
    assert frequency["met_on"] == "2027-11-02"
    assert "02 Nov 2027" in frequency["explanation"] or "2 Nov 2027" in frequency["explanation"]
    refused = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert refused.status_code == 409
    assert "ablation_frequency" in refused.text

    # The day the slot frees the frequency rule no longer refuses it.
    clock.move_to(_at(2027, 11, 2))
    case = _read(coordinator, case["id"])
    frequency = _criteria(case)["ablation_frequency"]
    assert frequency["status"] == "met", frequency["explanation"]
    assert "1 session in the last 365 days" in frequency["explanation"]
    # What still decides the date is the response to the second ablation (6 months from 3 May is 3 Nov).
    assert case["decision"]["eligible_on"] == "2027-11-03"

    clock.move_to(_at(2027, 11, 3))
    _relief(clinician, second, "2027-11-03", 65, lasted_days=184)
    case = _read(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
