"""The patient's plan as a PDF (journey J1): built through the API on the first visit, read back as text.

On Thu 8 Jan the clinician starts the cervical radiculopathy plan (six weeks of structured care, then a
selective nerve root block whose authorization opens in preparing the same day). The printed plan says,
in plain words and without codes: what we do now and until when, how we will know it works (pain at 4
or less, the neck disability score better by 5 points: the NDI's minimal important change, said as a
number), what comes next if it does not (the block, paperwork already started), the goals and the dates.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.core.audit import AuditEvent


def _chicago(month: int, day: int, hour: int) -> datetime:
    """A Chicago wall-clock time in Jan-Mar 2026 (standard time, UTC-6) as an aware UTC time."""
    return datetime(2026, month, day, hour + 6, tzinfo=timezone.utc)


FIRST_VISIT = _chicago(1, 8, 9)  # Thu 8 Jan
TRIAL_ENDS = _chicago(2, 19, 10)  # Thu 19 Feb
COVERAGE = {"payer_id": "bcbs_commercial", "member_id": "XBM884211907", "effective_from": "2026-01-01"}
CERVICAL = {"problem_summary": "Neck and right arm pain after a ladder fall, thumb numbness", "body_region": "cervical",
            "laterality": "right", "onset_date": "2025-12-15", "icd10_codes": ["M54.12"]}
BLOCK = {"cpt_codes": ["64479"], "side": "right", "levels": ["C5-6"], "place_of_service": "24"}
START = {"pathway_id": "cervical_radiculopathy", "procedure": BLOCK,
         "goals": [{"text": "Back to ladder work"}, {"text": "Sleep through the night", "measure": "sleep_hours", "target": 7}]}
# What must never reach the patient's page: billing codes, instrument abbreviations, internal jargon.
JARGON = ("MIC", "NDI", "minimal important change", "tfesi", "CPT", "64479", "M54.12", "not_met", "trial_ends_on")


def _ok(response, status: int = 200) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    return response.json()


def _text(pdf: bytes) -> str:
    """The PDF's text with its line breaks and spacing evened out, so sentences can be searched whole."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _ndi(client, episode_id: int, answers: list[int], at: str) -> None:  # noqa: ANN001
    body = {"instrument_id": "ndi", "answers": {f"ndi_{i}": a for i, a in enumerate(answers, start=1)}, "administered_at": at}
    _ok(client.post(f"/api/episodes/{episode_id}/instrument-administrations", json=body), 201)


def _pain(client, episode_id: int, kind: str, on: str, pain: int) -> None:  # noqa: ANN001
    visit = _ok(client.post(f"/api/episodes/{episode_id}/encounters",
                            json={"encounter_type": kind, "date_of_service": on, "narrative": "Neck and right arm pain."}), 201)["id"]
    _ok(client.put(f"/api/encounters/{visit}/measures", json={"pain_now": pain, "pain_average": pain, "pain_worst": pain + 1}))


@pytest.fixture
def j1(client_for, patient_payload, ctx) -> dict:
    """J1 on Thu 8 Jan: the episode with its MRI, NDI 21 and pain 7, and the plan started from the pathway."""
    ctx.settings.session_hours = 24 * 90  # the journey spans six weeks; nobody signs in again
    with time_machine.travel(FIRST_VISIT, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = _ok(coordinator.post("/api/patients", json=patient_payload), 201)["id"]
        _ok(coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGE), 201)
        episode_id = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
        _ok(coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json={
            "modality": "mri", "region": "cervical", "study": "MRI cervical spine without contrast", "origin": "outside",
            "performed_on": "2025-12-29", "report_on_file": True, "concordant": "yes",
            "summary": "Moderate right C5-6 foraminal stenosis"}), 201)
        _ndi(clinician, episode_id, [3, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-01-08T08:50:00")
        _pain(clinician, episode_id, "initial", "2026-01-08", 7)
        plan = _ok(clinician.post(f"/api/episodes/{episode_id}/plans", json=START), 201)
        assert plan["authorization"]["state"] == "preparing"
        yield {"clock": clock, "patient_id": patient_id, "episode_id": episode_id, "plan": plan, "coordinator": coordinator, "clinician": clinician}


def test_the_printed_plan_says_in_plain_words_what_now_until_when_how_we_know_and_what_next(j1, db):
    response = j1["coordinator"].get(f"/episodes/{j1['episode_id']}/plan.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    disposition = response.headers["content-disposition"]
    assert disposition == f'inline; filename="care-plan-episode-{j1["episode_id"]}.pdf"'
    text = _text(response.content)

    assert "Your care plan" in text and "For Dana Okafor" in text
    # What we are doing now, for how long (the step's trial: six weeks from 8 Jan).
    assert "What we are doing now Six-week structured program" in text
    assert "Physical therapy twice a week for cervical traction and nerve glides" in text
    assert "How long: 6 weeks, until Thursday 19 February 2026." in text
    # How we will know it is working: the success measures in words, the NDI's change as its number.
    assert "How we will know it is working We will know it is working when:" in text
    assert "pain at 4 or less on a 0 to 10 scale" in text
    assert "your neck disability score improves by 5 points or more" in text
    assert "How it is going: We will measure this at your check-ins, and judge it on Thursday 19 February 2026." in text
    # What comes next if it does not: the failure branch, with its paperwork already under way.
    assert "What comes next if it does not Selective nerve root block" in text
    assert "We have already started the insurance paperwork" in text
    assert "If it works Keep doing what works." in text
    # Goals, with a measured goal's target in words.
    assert "Your goals Back to ladder work Sleep through the night (sleeping 7 hours a night)" in text
    # The dates: the plan check-in on the day the trial ends.
    assert "Your appointments and check-ins" in text
    assert re.search(r"Thu 19 Feb Time to be set Plan check-in: is it working\?", text), text
    assert "Please call Riverside Pain & Spine at 555-0101." in text and "&amp;" not in text

    for word in JARGON:
        assert word not in text, word
    assert not re.search(r"\b\d{5}\b", text), "a five-digit (procedure) code is on the patient's page"

    with db.session() as session:
        printed = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.patient_plan_printed")).one()
        assert (str(printed.object_id), printed.patient_id) == (str(j1["plan"]["id"]), j1["patient_id"])
        # Reading the plan is reading the chart: the episode read is audited too.
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read", AuditEvent.patient_id == j1["patient_id"])).first()


def test_after_the_trial_falls_short_the_plan_shows_the_block_now_and_the_surgeon_next(j1):
    clinician, episode_id = j1["clinician"], j1["episode_id"]
    j1["clock"].move_to(TRIAL_ENDS)
    _ndi(clinician, episode_id, [1, 2, 2, 2, 2, 2, 2, 2, 2, 2], "2026-02-19T09:30:00")
    _pain(clinician, episode_id, "follow_up", "2026-02-19", 6)

    before = _text(j1["coordinator"].get(f"/episodes/{episode_id}/plan.pdf").content)
    assert "How it is going: It has not worked as well as we hoped. We will talk with you about the next step." in before

    step = j1["plan"]["current_step"]
    _ok(clinician.post(f"/api/plan-steps/{step['id']}/confirm", json={"version": step["version"]}))
    after = _text(j1["coordinator"].get(f"/episodes/{episode_id}/plan.pdf").content)
    assert "What we are doing now Selective nerve root block" in after
    assert "How long: 2 weeks, until Thursday 5 March 2026." in after
    # The block's own success measures: half the pain gone (relief), or the neck score better.
    assert "We will know it is working when any one of these happens:" in after
    assert "at least half of your pain goes away after the selective nerve root block" in after
    assert "What comes next if it does not Spine surgery consultation" in after
    assert "We have already started the insurance paperwork" in after  # the block's case, still preparing
    for word in JARGON:
        assert word not in after, word


def test_an_episode_without_a_plan_has_no_printed_plan_and_the_pdf_is_a_chart_read(j1, client_for, patient_payload):
    coordinator = j1["coordinator"]
    other = dict(patient_payload, mrn="MRN-2002", given_name="Ana")
    patient_id = _ok(coordinator.post("/api/patients", json=other), 201)["id"]
    bare = _ok(coordinator.post(f"/api/patients/{patient_id}/episodes", json=CERVICAL), 201)["id"]
    assert coordinator.get(f"/episodes/{bare}/plan.pdf").status_code == 404
    assert client_for("admin").get(f"/episodes/{j1['episode_id']}/plan.pdf").status_code == 403
    # A therapist sees only the patients they treat: no PT course here, so no plan.
    assert client_for("therapist").get(f"/episodes/{j1['episode_id']}/plan.pdf").status_code == 403
