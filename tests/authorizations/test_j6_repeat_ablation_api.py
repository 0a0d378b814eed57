"""Journey J6 continued through the API (Medicare, facet-mediated low back pain): after the first
radiofrequency ablation, relief is tracked at 3 and 6 months; a repeat ablation is eligible only when
the Medicare policy's repeat conditions hold, and a third session in the same region inside the rolling
12 months is refused with the day a slot frees. The setup is the one of test_j6_facet_cases_api.py
(two qualifying medial branch blocks, 85% and 82%, 15 days apart); every threshold comes from the pack.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from authorization_setup import (
    RFA,
    RFA_CODES,
    criteria_by_id,
    facet_episode,
    frozen_clock,
    open_case,
    read_case,
    record_block,
    record_procedure,
    record_relief,
)


def _at(year: int, month: int, day: int) -> datetime:
    """10:00 in Chicago on that day (16:00 UTC in winter, 15:00 in summer time: 10:00 or 11:00 local, same day)."""
    return datetime(year, month, day, 16, 0, tzinfo=timezone.utc)


# Mon 2 Nov 2026: the first ablation, after blocks on 1 and 16 Oct.
FIRST_ABLATION = _at(2026, 11, 2)
THREE_MONTHS = _at(2027, 2, 2)
SIX_MONTHS = _at(2027, 5, 3)  # 6 months after 2 Nov is 2 May (a Sunday); relief is measured on Monday

clock = frozen_clock(FIRST_ABLATION)


@pytest.fixture
def clients(ctx, client_for, clock):  # noqa: ANN201
    ctx.settings.session_hours = 24 * 500  # the journey spans a year; stay signed in
    return client_for("coordinator"), client_for("clinician")


@pytest.fixture
def episode_id(clients, patient_payload) -> int:
    coordinator, clinician = clients
    episode_id = facet_episode(coordinator, clinician, patient_payload)
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    return episode_id


def _ablation(client, episode_id: int, on: str) -> int:  # noqa: ANN001
    return record_procedure(client, episode_id, "rfa_lumbar", RFA_CODES, on)


def test_repeat_waits_for_six_months_of_relief_and_is_eligible_once_it_lasted(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")

    # 3 months on: 70% relief holding for 92 days. Not a repeat candidate yet: 6 months are needed.
    clock.move_to(THREE_MONTHS)
    record_relief(clinician, first, "2027-02-02", 70, lasted_days=92)
    case = open_case(coordinator, episode_id, **RFA)
    criteria = criteria_by_id(case)
    assert case["decision"]["outcome"] == "eligible_on"
    assert case["decision"]["eligible_on"] == "2027-05-02"
    assert criteria["repeat_response"]["status"] == "not_yet" and criteria["repeat_response"]["met_on"] == "2027-05-02"
    assert "70%" in criteria["repeat_response"]["explanation"] and "6 months" in criteria["repeat_response"]["explanation"]
    # The blocks and the other first-request rules do not apply to a repeat.
    assert criteria["diagnostic_blocks"]["status"] == "not_applicable"
    assert criteria["ablation_frequency"]["status"] == "met"

    # 6 months on: 60% relief that lasted 182 days. Now the repeat is eligible.
    clock.move_to(SIX_MONTHS)
    record_relief(clinician, first, "2027-05-03", 60, lasted_days=182)
    case = read_case(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    assert criteria_by_id(case)["repeat_response"]["status"] == "met"
    assert "182 days" in criteria_by_id(case)["repeat_response"]["explanation"] or "6 months" in criteria_by_id(case)["repeat_response"]["explanation"]
    submitted = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"


def test_relief_that_faded_before_six_months_makes_the_repeat_not_eligible(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")
    clock.move_to(THREE_MONTHS)
    record_relief(clinician, first, "2027-02-02", 70, lasted_days=92)
    clock.move_to(SIX_MONTHS)
    # At the 6-month check the patient says the relief wore off after about 4 months.
    record_relief(clinician, first, "2027-05-03", 70, lasted_days=120)
    case = open_case(coordinator, episode_id, **RFA)
    assert case["decision"]["outcome"] == "not_eligible"
    repeat = criteria_by_id(case)["repeat_response"]
    assert repeat["status"] == "not_met"
    assert "50%" in repeat["explanation"] and "6 months" in repeat["explanation"]
    refused = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert refused.status_code == 409


def test_a_third_ablation_within_twelve_months_is_refused_until_a_slot_frees(clients, episode_id, clock):
    coordinator, clinician = clients
    first = _ablation(clinician, episode_id, "2026-11-02")
    clock.move_to(SIX_MONTHS)
    record_relief(clinician, first, "2027-05-03", 60, lasted_days=182)
    second = _ablation(clinician, episode_id, "2027-05-03")

    # Mon 4 Oct 2027: 5 months after the second ablation, still 65% better.
    clock.move_to(_at(2027, 10, 4))
    record_relief(clinician, second, "2027-10-04", 65, lasted_days=154)
    case = open_case(coordinator, episode_id, **RFA)
    frequency = criteria_by_id(case)["ablation_frequency"]
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
    case = read_case(coordinator, case["id"])
    frequency = criteria_by_id(case)["ablation_frequency"]
    assert frequency["status"] == "met", frequency["explanation"]
    assert "1 session in the last 365 days" in frequency["explanation"]
    # What still decides the date is the response to the second ablation (6 months from 3 May is 3 Nov).
    assert case["decision"]["eligible_on"] == "2027-11-03"

    clock.move_to(_at(2027, 11, 3))
    record_relief(clinician, second, "2027-11-03", 65, lasted_days=184)
    case = read_case(coordinator, case["id"])
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
