"""The peer-to-peer preparation PDF of a denied lumbar RFA case under Medicare (journey J6's facts through
the API, plus two events the patient told the clinic): read back, it lists the patient's events and the
clinic's steps in date order, each clinic step with the payer criterion it followed and its source, and
the case page links it once the peer-to-peer is scheduled."""

from __future__ import annotations

import io
import re

import pypdf

from authorization_setup import MONDAY_7_DEC_2026, eligible_rfa_case, frozen_clock
from painpath.knowledge.citations import citation

clock = frozen_clock(MONDAY_7_DEC_2026)


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def _denied_with_peer_to_peer(client, case: dict) -> dict:  # noqa: ANN001
    submitted = client.post(f"/api/authorizations/{case['id']}/submit", json={"version": case["version"], "channel": "fax"})
    assert submitted.status_code == 200, submitted.text
    denied = client.post(f"/api/authorizations/{case['id']}/decision", json={
        "version": submitted.json()["version"], "outcome": "deny", "denial_reason": "Facet pain not established", "denial_code": "CO-50"})
    assert denied.status_code == 200, denied.text
    scheduled = client.post(f"/api/authorizations/{case['id']}/step", json={
        "version": denied.json()["version"], "action": "schedule_peer_to_peer", "at": "2026-12-09T14:30:00"})
    assert scheduled.status_code == 200, scheduled.text
    return scheduled.json()


def test_the_sheet_lists_both_timelines_in_date_order_with_the_criteria_each_step_followed(client_for, patient_payload, staff, clock, ctx):
    coordinator, nurse = client_for("coordinator"), client_for("nurse")
    case = eligible_rfa_case(client_for, patient_payload, staff)
    episode_id = case["episode_id"]
    for event in ({"kind": "surgery", "year": 2021, "month": 3, "description": "Lumbar microdiscectomy L4-5 elsewhere"},
                  {"kind": "injury", "year": 2019, "description": "Lifting injury at work"}):
        assert nurse.post(f"/api/episodes/{episode_id}/patient-events", json=event).status_code == 201
    before = coordinator.get(f"/authorizations/{case['id']}")
    assert "peer-to-peer-download" not in before.text  # nothing to prepare before the payer has answered
    _denied_with_peer_to_peer(coordinator, case)

    page = coordinator.get(f"/authorizations/{case['id']}")
    assert f'href="/authorizations/{case["id"]}/peer-to-peer"' in page.text
    answer = coordinator.get(f"/authorizations/{case['id']}/peer-to-peer")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = _text(answer.content)

    assert "Peer-to-peer: " in text and "Medicare Part B (Noridian JF)" in text
    assert "Facet pain not established (code CO-50)" in text
    assert "Wed 09 Dec 2026 14:30" in text or "Wed 09 Dec 2026 08:30" in text  # the call, on the clinic's clock
    # The patient's events, at the precision they were given, marked as the patient's.
    assert "2019 Reported by the patient Injury: Lifting injury at work" in text
    assert "Mar 2021 Reported by the patient Surgery: Lumbar microdiscectomy L4-5 elsewhere" in text
    # Date order across both: the injury, the surgery, then the clinic's PT (Jun 2026), MRI (Sep), blocks (Oct).
    order = [text.index(s) for s in ("Lifting injury", "microdiscectomy", "PT, core stabilization", "Facet arthropathy", "85% relief", "82% relief")]
    assert order == sorted(order), order

    # Each clinic step with the criterion it followed and its public source, as the decision words them.
    criteria = {c["type"]: c for c in case["decision"]["criteria"]}
    squeezed = re.sub(r"\s+", "", text)
    for kind, step in (("conservative_care", "PT, core stabilization, 10 weeks"), ("diagnostic_blocks", "85% relief 4 h after"),
                       ("diagnostic_blocks", "82% relief 4 h after")):
        criterion = criteria[kind]
        source = citation(criterion["source"])
        assert source, kind
        followed = f"— followed {criterion['label']} ({source})"
        at = squeezed.index(re.sub(r"\s+", "", step))
        assert re.sub(r"\s+", "", followed) in squeezed[at:at + 1500], (kind, text)
    # Medicare's facet policy asks for no imaging: the MRI is on the timeline without a criterion.
    assert "imaging" not in criteria
    mri = squeezed.index("Facetarthropathy")
    assert "followed" not in squeezed[mri:squeezed.index("01Oct2026", mri)]
    assert "research" not in text.lower()  # internal provenance never reaches the page


def test_only_those_who_read_authorizations_get_the_sheet(client_for, patient_payload, staff, clock):
    case = eligible_rfa_case(client_for, patient_payload, staff)
    assert client_for("front_desk").get(f"/authorizations/{case['id']}/peer-to-peer").status_code == 403
    assert client_for("billing").get(f"/authorizations/{case['id']}/peer-to-peer").status_code == 200
    assert client_for("coordinator").get("/authorizations/999999/peer-to-peer").status_code == 404
    api = client_for("clinician").get(f"/api/authorizations/{case['id']}/peer-to-peer.pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-") and "Peer-to-peer" in _text(api.content)


def test_a_step_toward_a_criterion_not_yet_met_says_so_and_internal_notes_are_left_out():
    from painpath.authorizations.criteria import CriterionResult
    from painpath.authorizations.peer_to_peer import criterion_words

    def result(status: str, source: str) -> CriterionResult:
        return CriterionResult(criterion_id="pt", type="conservative_care", label="Six weeks of physical therapy", status=status,
                               source=source, evidence="V", verified=True)

    public = "Aetna CPB 0016 https://www.aetna.com/cpb/medical/data/1_99/0016.html (research section 2, Conservative care)"
    assert criterion_words(result("met", public)) == (
        "followed Six weeks of physical therapy (Aetna CPB 0016 https://www.aetna.com/cpb/medical/data/1_99/0016.html)")
    assert criterion_words(result("not_yet", public)).startswith("counts toward Six weeks of physical therapy (Aetna CPB 0016")
    assert criterion_words(result("not_yet", public)).endswith(": not yet met")
    assert criterion_words(result("waived", "research section 2 only")) == "followed Six weeks of physical therapy"
