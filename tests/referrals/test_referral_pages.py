"""A referral's loop driven through its pages (J3's orthopedics referral for a hip labral tear): a coordinator
adds the practice to the directory, the clinician opens the form prefilled from a link, a refused form keeps
what was typed, the coordinator sends the letter and records the practice's answers, the consult note comes
back (and the hip pathway's success measure sees it through the facts), and only the clinician's close with
the plan adjustment meets the review. The letter is read back from its PDF and the FHIR export is parsed.
Roles without the permission are refused; a referral nobody answers escalates on the open-loops board."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from painpath.facts.gather import gather_facts
from painpath.plans import rules as plan_rules
from painpath.referrals.models import Referral
from painpath.worklist.engine import MET, OPEN
from painpath.worklist.models import Task
from support import page_form_post

MONDAY = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # Mon 2 Mar 2026, 10:00 in Chicago
HIP = {"problem_summary": "Right groin pain, clicking on pivoting", "body_region": "hip", "laterality": "right",
       "onset_date": "2025-11-01", "icd10_codes": ["M24.151"]}
PRACTICE = {"name": "Riverside Orthopedics & Spine", "specialties": ["orthopedics", "spine_surgery"], "clinician_name": "Dr Maya Lee",
            "fax": "(708) 555-0161", "phone": "(708) 555-0160", "direct_address": ""}
REASON = "Right hip pain with a positive FADIR and a labral tear on the MR arthrogram"
QUESTION = "Is arthroscopic labral repair indicated, or should hip PT continue?"


def _text(page) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hip(client_for, patient_payload, clock):  # noqa: ANN001, ANN201, ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=HIP).json()["id"]
    assert page_form_post(coordinator, "/referral-practices", PRACTICE).status_code == 303
    return episode_id


def _practice_id(ctx) -> int:  # noqa: ANN001
    from painpath.referrals.models import ReceivingPractice

    with ctx.db.session() as session:
        return session.scalar(select(ReceivingPractice.id))


def _referral(ctx, referral_id: int) -> Referral:  # noqa: ANN001
    with ctx.db.session() as session:
        found = session.get(Referral, referral_id)
        session.expunge(found)
        return found


def _tasks(ctx, referral_id: int) -> dict[str, str]:  # noqa: ANN001
    with ctx.db.session() as session:
        return {t.key: t.status for t in session.scalars(select(Task).where(Task.key.like(f"referral:{referral_id}:%")))}


def _step(client, referral_id: int, to: str, ctx, **fields):  # noqa: ANN001, ANN003, ANN202
    """Record a step through its form, at the referral's current version (a redirect to sign-in would not count)."""
    response = page_form_post(client, f"/referrals/{referral_id}/transition",
                          {"to": to, "version": str(_referral(ctx, referral_id).version), **fields})
    assert response.headers.get("location", "").startswith(("/referrals/", "")) and "/login" not in response.headers.get("location", "")
    return response


def _write(client_for, ctx, episode_id: int, urgency: str = "urgent") -> int:  # noqa: ANN001
    response = page_form_post(client_for("clinician"), f"/episodes/{episode_id}/referrals", {
        "specialty": "orthopedics", "practice_id": str(_practice_id(ctx)), "urgency": urgency, "reason": REASON, "question": QUESTION})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_the_form_takes_its_prefill_from_the_link_and_a_refused_form_keeps_what_was_typed(client_for, ctx, hip):
    clinician = client_for("clinician")
    page = clinician.get(f"/episodes/{hip}/referrals/new", params={"specialty": "pain_psychology", "reason": "PCS 38 at the last visit",
                                                                  "question": "CBT-based pain coping?", "urgency": "urgent",
                                                                  "plan_step_row_id": "not-a-number"})
    assert page.status_code == 200
    assert re.search(r'<option value="pain_psychology" selected>', page.text)
    assert re.search(r'<option value="urgent" selected>', page.text)
    assert "PCS 38 at the last visit" in page.text and "CBT-based pain coping?" in page.text
    refused = page_form_post(clinician, f"/episodes/{hip}/referrals", {
        "specialty": "neurology", "practice_id": str(_practice_id(ctx)), "reason": "Burning feet, typed before the error", "question": ""})
    assert refused.status_code == 422
    text = _text(refused)
    assert "Burning feet, typed before the error" in refused.text
    assert "Clinical question" in text
    refused = page_form_post(clinician, f"/episodes/{hip}/referrals", {
        "specialty": "neurology", "practice_id": str(_practice_id(ctx)), "reason": "Burning feet", "question": "Neuropathy?"})
    assert refused.status_code == 422 and "Riverside Orthopedics & Spine is not listed for neurology" in _text(refused)
    with ctx.db.session() as session:
        assert session.scalar(select(Referral.id)) is None
    # A coordinator sends and tracks referrals but does not write them; the front desk does neither.
    seen_by_coordinator = client_for("coordinator").get(f"/episodes/{hip}/referrals/new")
    assert seen_by_coordinator.status_code == 200 and 'id="referral-form"' not in seen_by_coordinator.text
    assert "A clinician writes and signs referrals" in _text(seen_by_coordinator)
    assert page_form_post(client_for("coordinator"), f"/episodes/{hip}/referrals", {"specialty": "orthopedics"}).status_code == 403
    assert client_for("front_desk").get(f"/episodes/{hip}/referrals/new").status_code == 403


def test_the_loop_from_the_letter_to_the_plan_adjustment(client_for, ctx, hip, clock):
    referral_id = _write(client_for, ctx, hip)
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    assert _tasks(ctx, referral_id) == {f"referral:{referral_id}:send": OPEN}
    page = coordinator.get(f"/referrals/{referral_id}")
    assert page.status_code == 200 and "Written, not sent" in _text(page)

    # The letter: reason, question, urgency, the clinic and the responsible clinician.
    letter = clinician.get(f"/referrals/{referral_id}/letter")
    assert letter.headers["content-type"] == "application/pdf"
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages))
    for expected in ("Referral to Orthopedics", "URGENT", "labral tear on the MR arthrogram", "Is arthroscopic labral repair indicated",
                     "Riverside Orthopedics & Spine", "Dr Maya Lee", "Responsible clinician", "Dana Okafor"):
        assert expected in words, expected

    sent = page_form_post(coordinator, f"/referrals/{referral_id}/send", {"transport": "print", "version": str(_referral(ctx, referral_id).version)})
    assert sent.status_code == 303
    assert _referral(ctx, referral_id).status == "sent"
    assert _tasks(ctx, referral_id)[f"referral:{referral_id}:send"] == MET

    # FHIR: a ServiceRequest (referral, urgent, performer the practice) and its Task, parsed back.
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(clinician.get(f"/api/referrals/{referral_id}/fhir").json())
    request, task, practice = (e.resource for e in bundle.entry)
    assert request.get_resource_type() == "ServiceRequest" and request.priority == "urgent"
    assert request.category[0].coding[0].code == "3457005" and request.reasonCode[0].text == REASON
    assert request.performer[0].display == "Riverside Orthopedics & Spine" == practice.name
    assert task.status == "requested" and task.focus.reference == bundle.entry[0].fullUrl

    # No "seen" before an appointment unless the practice says so; a stale version is refused.
    refused = _step(coordinator, referral_id, "seen", ctx, seen_on="2026-03-02")
    assert refused.status_code == 422 and "No appointment is recorded yet" in _text(refused)
    stale = page_form_post(coordinator, f"/referrals/{referral_id}/transition", {"to": "acknowledged", "version": "1", "acknowledged_on": "2026-03-02"})
    assert stale.status_code == 409

    assert _step(coordinator, referral_id, "acknowledged", ctx, acknowledged_on="2026-03-02").status_code == 303
    clock.move_to(MONDAY + timedelta(days=1))
    coordinator = client_for("coordinator")  # signed in again: a day's idle ends a session
    assert _step(coordinator, referral_id, "scheduled", ctx, appointment_on="2026-03-09").status_code == 303
    clock.move_to(MONDAY + timedelta(days=7))
    coordinator = client_for("coordinator")
    assert _step(coordinator, referral_id, "seen", ctx, seen_on="2026-03-09").status_code == 303
    clock.move_to(MONDAY + timedelta(days=11))
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    assert _step(coordinator, referral_id, "consult_received", ctx, consult_note_on="2026-03-12",
                 consult_summary="Labral tear; arthroscopy not advised now; hip PT for 8 weeks").status_code == 303
    assert _tasks(ctx, referral_id)[f"referral:{referral_id}:review"] == OPEN

    # The hip pathway's orthopedics step is measured by a consult note on file: the facts carry it.
    with ctx.db.session() as session:
        facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[hip], today=MONDAY.date() + timedelta(days=11))[hip]
    assert [r.status for r in facts.referrals] == ["consult_received"]
    step = next(s for s in ctx.knowledge.pathways["hip_labral"].steps if s.id == "orthopedics_referral")
    evaluation = plan_rules.evaluate_step(step, facts, started_on=MONDAY.date(), as_of=MONDAY.date() + timedelta(days=11),
                                          instruments=ctx.knowledge.instruments)
    assert evaluation.status == "met", evaluation

    # Only a clinician closes the loop, and only with the plan adjustment in words.
    assert _step(coordinator, referral_id, "closed", ctx, plan_adjustment="Continue hip PT").status_code == 403
    assert _step(clinician, referral_id, "closed", ctx, plan_adjustment="").status_code == 422
    assert _tasks(ctx, referral_id)[f"referral:{referral_id}:review"] == OPEN
    assert _step(clinician, referral_id, "closed", ctx, plan_adjustment="Switch PT to the hip protocol for 8 weeks").status_code == 303
    assert _referral(ctx, referral_id).status == "closed"
    assert _tasks(ctx, referral_id)[f"referral:{referral_id}:review"] == MET
    episode = clinician.get(f"/episodes/{hip}")
    assert "Closed: plan adjusted" in _text(episode) and "Switch PT to the hip protocol" in _text(episode)
    timeline = [e["summary"] for e in clinician.get(f"/api/episodes/{hip}/timeline").json()]
    reference = f"REF-{referral_id:06d}"
    assert f"Orthopedics referral ({reference}) sent" in timeline
    assert f"Orthopedics referral ({reference}): consult note: Labral tear; arthroscopy not advised now; hip PT for 8 weeks" in timeline
    assert f"Orthopedics referral ({reference}) closed; plan: Switch PT to the hip protocol for 8 weeks" in timeline


def test_the_json_api_writes_and_lists_referrals_like_the_pages(client_for, ctx, hip):
    clinician = client_for("clinician")
    body = {"specialty": "spine_surgery", "practice_id": _practice_id(ctx), "reason": "L5 weakness", "question": "Decompression?"}
    created = clinician.post(f"/api/episodes/{hip}/referrals", json=body)
    assert created.status_code == 201 and created.json()["status"] == "drafted"
    refused = clinician.post(f"/api/episodes/{hip}/referrals", json={**body, "records": ["imaging_study:999"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "records"
    assert [r["specialty"] for r in clinician.get(f"/api/episodes/{hip}/referrals").json()] == ["spine_surgery"]
    cancel = client_for("coordinator").post(f"/api/referrals/{created.json()['id']}/transition",
                                            json={"to": "cancelled", "version": created.json()["version"], "cancel_reason": "Patient declined"})
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert client_for("front_desk").get(f"/api/episodes/{hip}/referrals").status_code == 403


def test_a_referral_nobody_answers_escalates_and_shows_stalled_on_the_board(client_for, ctx, hip, clock):
    referral_id = _write(client_for, ctx, hip, urgency="routine")
    coordinator = client_for("coordinator")
    page_form_post(coordinator, f"/referrals/{referral_id}/send", {"transport": "print", "version": str(_referral(ctx, referral_id).version)})
    board = coordinator.get("/loops")
    assert board.status_code == 200 and '<a href="/loops" aria-current="page">Open loops</a>' in board.text
    row = re.search(rf'<tr class="loop" id="loop-referral-{referral_id}">(.*?)</tr>', board.text, re.S)
    assert row and "the receiving practice: to acknowledge" in row.group(1) and "since today" in row.group(1)
    # Receipt due Thu 5 Mar (3 business days after Monday), stalled 5 business days later: Thu 12 Mar.
    clock.move_to(datetime(2026, 3, 12, 16, 0, tzinfo=timezone.utc))
    coordinator = client_for("coordinator")
    with ctx.db.session() as session:
        ctx.reconcile(session, [hip])
        session.commit()
        escalation = session.scalar(select(Task).where(Task.key == f"referral:{referral_id}:receipt:escalation"))
        assert escalation is not None and escalation.status == OPEN and escalation.owner_role == "clinician"
        assert "Waiting on Riverside Orthopedics & Spine (acknowledgement) since 2 Mar 2026: 10 days" in escalation.reason
    board = coordinator.get("/loops", params={"stalled": "1"})
    row = re.search(rf'<tr class="loop stalled" id="loop-referral-{referral_id}">(.*?)</tr>', board.text, re.S)
    assert row and "Stalled" in row.group(1) and "10 days" in row.group(1)
    assert f"loop-referral-{referral_id}" in coordinator.get("/loops", params={"kind": "referral", "waiting": "the receiving practice: to acknowledge"}).text
    assert f"loop-referral-{referral_id}" not in coordinator.get("/loops", params={"waiting": "our clinician: to review"}).text
    assert client_for("manager").get("/loops").status_code == 200
    assert client_for("front_desk").get("/referral-practices").status_code == 403
    assert client_for("front_desk").get("/loops").status_code == 403
    assert client_for("therapist").get("/loops").status_code == 403
    # A cancelled referral leaves the board and cancels its tasks with its reason.
    assert _step(coordinator, referral_id, "cancelled", ctx, cancel_reason="The patient moved away").status_code == 303
    assert f"loop-referral-{referral_id}" not in coordinator.get("/loops").text
    with ctx.db.session() as session:
        closed = session.scalar(select(Task).where(Task.key == f"referral:{referral_id}:receipt:escalation"))
        assert closed.status != OPEN
