"""The first contact owes a callback within a business day and a triage within 72 hours; three failed
attempts turn into a letter or portal message task. Driven through the API with the clock moved."""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

# Friday 20 Nov 2026, 16:30 in Chicago (22:30 UTC): the callback is due Monday (a weekend intervenes).
FRIDAY_AFTERNOON = datetime(2026, 11, 20, 22, 30, tzinfo=timezone.utc)

CALL = {
    "new_patient": {"given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1970-07-02", "sex": "female", "phone": "555-0177"},
    "source": "phone", "caller_name": "Rosa Lindqvist", "caller_phone": "555-0177", "caller_relation": "self",
    "referring_provider": "Dr. Amy Chen (PCP)", "reason": "Low back pain radiating to the left leg for 3 months",
    "pain_location": "low back, left leg", "pain_duration_weeks": 12, "payer_id": "aetna_commercial", "member_id": "W123456789",
    "body_region": "lumbar", "laterality": "left",
}


def _open_tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return {t.kind: t for t in session.scalars(select(Task).where(Task.status == "open"))}


def _all_tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return {t.kind: t for t in session.scalars(select(Task))}


def test_a_new_call_opens_callback_triage_and_first_visit_obligations(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        client = client_for("front_desk")
        made = client.post("/api/intake/calls", json=CALL)
        assert made.status_code == 201, made.text
        call = made.json()
        assert call["status"] == "awaiting_callback"
        tasks = _open_tasks(db)
        assert set(tasks) == {"intake.callback", "intake.triage", "intake.records", "first_visit.book"}
        # Records are requested the same day as first contact: end of Friday in Chicago.
        assert tasks["intake.records"].due_at == datetime(2026, 11, 21, 5, 59, 59)
        # One business day after Friday is Monday; due at the end of Monday in Chicago.
        assert tasks["intake.callback"].due_at == datetime(2026, 11, 24, 5, 59, 59)
        assert tasks["intake.callback"].owner_role == "front_desk"
        assert tasks["intake.triage"].due_at == datetime(2026, 11, 23, 22, 30)  # 72 hours after first contact
        queue = client.get("/api/intake/callbacks").json()
        assert [(c["id"], c["failed_attempts"]) for c in queue] == [(call["id"], 0)]

        reached = client.post(f"/api/intake/calls/{call['id']}/attempts", json={"outcome": "reached"})
        assert reached.json()["status"] == "reached"
        tasks = _all_tasks(db)
        assert tasks["intake.callback"].status == "met"
        assert tasks["intake.callback"].resolution.startswith("Caller reached Fri 20 Nov 2026")
        assert client.get("/api/intake/callbacks").json() == []


def test_three_failed_attempts_become_a_letter_task(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False) as clock:
        client = client_for("front_desk")
        call = client.post("/api/intake/calls", json=CALL).json()
        for day, outcome in ((23, "no_answer"), (24, "voicemail"), (25, "busy")):
            clock.move_to(datetime(2026, 11, day, 16, 0, tzinfo=timezone.utc))
            assert client.post(f"/api/intake/calls/{call['id']}/attempts", json={"outcome": outcome}).status_code == 200
        tasks = _all_tasks(db)
        assert tasks["intake.callback"].status == "met" and "3 call attempts" in tasks["intake.callback"].resolution
        letter = tasks["intake.letter"]
        assert letter.status == "open" and letter.owner_role == "front_desk"
        # Next business day after Wed 25 Nov is Fri 27 Nov (Thanksgiving on the 26th).
        assert letter.due_at == datetime(2026, 11, 28, 5, 59, 59)
        assert [c["failed_attempts"] for c in client.get("/api/intake/callbacks").json()] == [3]

        sent = client.post(f"/api/intake/calls/{call['id']}/letter", json={"channel": "portal"})
        assert sent.json()["status"] == "letter_sent"
        tasks = _all_tasks(db)
        assert tasks["intake.letter"].status == "met"
        assert tasks["intake.triage"].status == "cancelled"  # nobody to triage until the patient calls back


def test_attempt_on_an_unknown_call_and_bad_outcome_are_refused(client_for):
    client = client_for("front_desk")
    assert client.post("/api/intake/calls/999/attempts", json={"outcome": "reached"}).status_code == 404
    call = client.post("/api/intake/calls", json=CALL).json()
    bad = client.post(f"/api/intake/calls/{call['id']}/attempts", json={"outcome": "hung_up"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "outcome"


def test_a_call_needs_exactly_one_way_to_identify_the_patient(client_for):
    client = client_for("front_desk")
    both = client.post("/api/intake/calls", json={**CALL, "patient_id": 1})
    assert both.status_code == 422
    neither = client.post("/api/intake/calls", json={k: v for k, v in CALL.items() if k != "new_patient"})
    assert neither.status_code == 422
    unknown_payer = client.post("/api/intake/calls", json={**CALL, "payer_id": "acme"})
    assert unknown_payer.status_code == 422 and unknown_payer.json()["errors"][0]["field"] == "payer_id"


def test_no_outside_records_meets_the_same_day_records_duty(client_for, db):
    client = client_for("front_desk")
    call = client.post("/api/intake/calls", json=CALL).json()
    assert _open_tasks(db)["intake.records"].owner_role == "front_desk"
    assert client.post(f"/api/intake/calls/{call['id']}/no-prior-records").status_code == 200
    records_task = _all_tasks(db)["intake.records"]
    assert (records_task.status, records_task.resolution) == ("met", "No outside records to request")


def test_a_records_request_meets_the_same_day_records_duty(client_for, db, staff):
    client = client_for("front_desk")
    call = client.post("/api/intake/calls", json=CALL).json()
    episode = call["episode_id"]
    provider = client.post(f"/api/episodes/{episode}/records/providers", json={"name": "Dr. Amy Chen (PCP)", "kind": "physician", "fax": "555-010-0188"})
    assert provider.status_code == 201, provider.text
    made = client.post(f"/api/episodes/{episode}/records/requests", json={
        "provider_id": provider.json()["id"], "transport": "print", "items": [{"item": "office_notes"}, {"item": "medication_list"}],
        "authorization_reference": "Release signed at intake", "authorization_date": "2026-11-20",
        "requesting_clinician_id": staff["clinician"].id,
    })
    assert made.status_code == 201, made.text
    records_task = _all_tasks(db)["intake.records"]
    assert records_task.status == "met" and records_task.resolution.startswith("Records requested")
