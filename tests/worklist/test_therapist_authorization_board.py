"""A therapist's authorization board shows only the cases of their own PT caseload, and every case link on it
opens (no dead links to cases whose chart they may not read)."""

from __future__ import annotations

import re

from authorization_setup import MONDAY_7_DEC_2026, facet_episode, frozen_clock

clock = frozen_clock(MONDAY_7_DEC_2026)
RFA_FORM = {"procedure_id": "rfa_lumbar", "cpt_codes": "64635, 64636", "side": "bilateral", "levels": "L4-5, L5-S1",
            "place_of_service": "22", "units_requested": "1", "planned_on": "", "priority": "standard"}


def _case(client_for, patient_payload, mrn: str, given: str) -> tuple[int, int]:  # noqa: ANN001
    episode_id = facet_episode(client_for("coordinator"), client_for("clinician"), {**patient_payload, "mrn": mrn, "given_name": given})
    answer = client_for("coordinator").post(f"/episodes/{episode_id}/authorizations", data=RFA_FORM, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return episode_id, int(re.search(r"#authorization-(\d+)$", answer.headers["location"]).group(1))


def test_therapist_board_lists_only_their_caseload_and_every_link_opens(client_for, staff, patient_payload, clock):
    own_episode, own_case = _case(client_for, patient_payload, "MRN-1001", "Dana")
    _other_episode, other_case = _case(client_for, patient_payload, "MRN-2002", "Rosa")
    course = client_for("clinician").post(f"/api/episodes/{own_episode}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Riverside PT",
        "start_date": "2026-11-30"})
    assert course.status_code == 201, course.text

    # The coordinator's board has both cases; the therapist's only the one of their patient.
    assert {own_case, other_case} <= {int(i) for i in re.findall(r'href="/authorizations/(\d+)"', client_for("coordinator").get("/authorizations").text)}
    therapist = client_for("therapist")
    board = therapist.get("/authorizations")
    assert board.status_code == 200
    linked = {int(i) for i in re.findall(r'href="/authorizations/(\d+)"', board.text)}
    assert linked == {own_case}
    assert "Rosa" not in board.text
    for href in set(re.findall(r'href="(/[^"#?]*)', board.text)):
        assert therapist.get(href).status_code == 200, href
