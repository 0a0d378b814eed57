"""Defect 9 of issue 11 (minimum necessary): front desk and billing read demographics, coverage,
appointments, tasks and authorization status, not the clinical chart (signed notes, measures, exam,
medications and prescriptions, PDMP, drug tests, questionnaire answers, plans)."""

from __future__ import annotations

import pytest

from authorization_setup import (
    FACET_LUMBAR, MEDICARE, MONDAY_7_DEC_2026, RFA, facet_workup, frozen_clock, new_episode, open_case,
)

clock = frozen_clock(MONDAY_7_DEC_2026)
NARRATIVE = "Axial low back pain, worse on extension; facet loading positive both sides."
CLINICAL_READS = [
    "/api/episodes/{e}/encounters", "/api/encounters/{n}", "/encounters/{n}", "/api/episodes/{e}/timeline",
    "/api/episodes/{e}/measures/latest", "/api/episodes/{e}/instrument-administrations", "/api/episodes/{e}/medication-trials",
    "/api/episodes/{e}/prescriptions", "/api/episodes/{e}/opioid-safety", "/api/episodes/{e}/procedures",
    "/api/episodes/{e}/conservative-care", "/api/episodes/{e}/imaging-studies", "/api/episodes/{e}/plan",
    "/api/episodes/{e}/pt-courses", "/api/episodes/{e}/imported-facts", "/episodes/{e}/function",
]
SUMMARY_READS = ["/api/patients/{p}", "/patients/{p}", "/api/episodes/{e}", "/episodes/{e}", "/api/episodes/{e}/appointments",
                 "/api/episodes/{e}/records", "/episodes/{e}/records", "/authorizations", "/records", "/worklist"]


@pytest.fixture
def chart(client_for, patient_payload, clock) -> dict:  # noqa: ANN001
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episode_id = new_episode(coordinator, patient_payload, FACET_LUMBAR, MEDICARE)
    facet_workup(coordinator, clinician, episode_id)
    note = clinician.post(f"/api/episodes/{episode_id}/encounters",
                          json={"encounter_type": "initial", "date_of_service": "2026-12-07", "narrative": NARRATIVE}).json()
    assert clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]}).status_code == 200
    case = open_case(coordinator, episode_id, **RFA)
    patient_id = coordinator.get(f"/api/episodes/{episode_id}").json()["patient_id"]
    return {"p": patient_id, "e": episode_id, "n": note["id"], "c": case["id"]}


@pytest.mark.parametrize("role", ["front_desk", "billing"])
def test_front_desk_and_billing_do_not_read_the_clinical_chart(client_for, chart, role):
    client = client_for(role)
    answered = {url: client.get(url.format(**chart)).status_code for url in CLINICAL_READS}
    assert {url: status for url, status in answered.items() if status != 403} == {}


@pytest.mark.parametrize("role", ["front_desk", "billing"])
def test_front_desk_and_billing_read_the_summary(client_for, chart, role):
    client = client_for(role)
    answered = {url: client.get(url.format(**chart)).status_code for url in SUMMARY_READS}
    assert {url: status for url, status in answered.items() if status != 200} == {}


@pytest.mark.parametrize("role", ["front_desk", "billing"])
def test_the_episode_page_shows_them_no_clinical_panel_or_timeline(client_for, chart, role):
    page = client_for(role).get(f"/episodes/{chart['e']}").text
    assert NARRATIVE not in page
    assert "Timeline" not in page
    assert "shown to the clinical team only" in page
    clinical = client_for("clinician").get(f"/episodes/{chart['e']}").text
    assert "Timeline" in clinical


def test_billing_works_the_authorization_case_front_desk_sees_its_status(client_for, chart):
    billing = client_for("billing")
    assert billing.get(f"/api/authorizations/{chart['c']}").status_code == 200
    assert billing.get(f"/authorizations/{chart['c']}").status_code == 200
    assert billing.get(f"/api/authorizations/{chart['c']}/packet.pdf").status_code == 200
    desk = client_for("front_desk")
    for url in (f"/api/authorizations/{chart['c']}", f"/authorizations/{chart['c']}", f"/api/authorizations/{chart['c']}/packet.pdf"):
        assert desk.get(url).status_code == 403, url
    assert desk.get("/authorizations").status_code == 200
