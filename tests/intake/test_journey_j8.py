"""Journey J8, red flags at intake, through the JSON API with the clock moved (shared/scenarios/journeys.md).

- New urinary retention and saddle numbness: emergent; a hard stop; a clinician must acknowledge; no booking until then.
- Fever and back pain in a person who injects drugs: urgent, a same-day or next-business-day slot.
- No red flags: callback within 1 business day, first visit with an advanced practice provider within the target.
"""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

from test_callbacks import CALL

# Tuesday 8 Dec 2026, 09:00 in Chicago.
TUESDAY = datetime(2026, 12, 8, 15, 0, tzinfo=timezone.utc)


def safe_answers(ctx) -> dict:  # noqa: ANN001
    """Every required question answered with the reassuring value."""
    answers = {}
    for q in ctx.knowledge.red_flags.questions:
        if q.kind == "yes_no":
            answers[q.id] = False
        elif q.kind == "number":
            answers[q.id] = {"age": 44}.get(q.id, 30)
        else:
            answers[q.id] = q.options[0].value
    return answers


def _tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return {t.kind: t for t in session.scalars(select(Task).order_by(Task.id))}


def _call(client):  # noqa: ANN001, ANN202
    made = client.post("/api/intake/calls", json=CALL)
    assert made.status_code == 201, made.text
    return made.json()


def test_j8_emergent_cauda_equina_is_a_hard_stop_until_a_clinician_acknowledges(client_for, ctx, db, staff):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(TUESDAY, tick=False) as clock:
        desk = client_for("front_desk")
        call = _call(desk)
        answers = {**safe_answers(ctx), "bladder_dysfunction": True, "saddle_numbness": True}

        preview = desk.post("/api/intake/triage/preview", json={"answers": answers}).json()
        assert preview["urgency"] == "emergent" and "RF-CES" in preview["flags"]

        saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": answers})
        assert saved.status_code == 201, saved.text
        decision = saved.json()
        assert decision["urgency"] == "emergent"
        assert any("urine" in r or "bladder" in r for r in decision["reasons"]) and any("saddle" in r for r in decision["reasons"])

        ack_task = _tasks(db)["intake.emergent_ack"]
        assert (ack_task.owner_role, ack_task.status, ack_task.due_at) == ("clinician", "open", TUESDAY.replace(tzinfo=None))
        assert "emergency department" in ack_task.reason

        refused = client_for("coordinator").post(
            f"/api/episodes/{call['episode_id']}/appointments", json={"start_at": "2026-12-10T09:30:00"}
        )
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["rule"] == "emergent_unacknowledged"

        not_a_clinician = desk.post(f"/api/triage/{decision['id']}/acknowledge", json={"note": "told patient"})
        assert not_a_clinician.status_code == 403

        clock.move_to(datetime(2026, 12, 8, 15, 12, tzinfo=timezone.utc))
        clinician = client_for("clinician")
        acked = clinician.post(f"/api/triage/{decision['id']}/acknowledge", json={"note": "Spoke with patient; on the way to County ED"})
        assert acked.status_code == 200
        assert acked.json()["acknowledged_by_id"] == staff["clinician"].id
        assert acked.json()["acknowledged_at"] == "2026-12-08T15:12:00Z"
        assert _tasks(db)["intake.emergent_ack"].status == "met"

        after = client_for("coordinator").post(
            f"/api/episodes/{call['episode_id']}/appointments", json={"visit_type": "follow_up", "start_at": "2026-12-15T09:30:00"}
        )
        assert after.status_code == 201


def test_j8_urgent_fever_in_a_person_who_injects_drugs_is_seen_by_the_next_business_day(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(TUESDAY, tick=False):
        desk = client_for("front_desk")
        call = _call(desk)
        answers = {**safe_answers(ctx), "fever": True, "injects_drugs": True}
        decision = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": answers}).json()
        assert decision["urgency"] == "urgent"
        assert any("fever" in r.lower() for r in decision["reasons"])

        slot = _tasks(db)["intake.urgent_slot"]
        assert slot.owner_role == "coordinator"
        assert slot.due_at == datetime(2026, 12, 10, 5, 59, 59)  # end of Wed 9 Dec in Chicago

        booked = client_for("coordinator").post(
            f"/api/episodes/{call['episode_id']}/appointments",
            json={"visit_type": "urgent", "provider_type": "physician", "start_at": "2026-12-08T14:00:00"},
        )
        assert booked.status_code == 201, booked.text
        tasks = _tasks(db)
        assert tasks["intake.urgent_slot"].status == "met"
        # Booked is not attended: the first visit stays owed, now as the front desk's check-in.
        assert (tasks["first_visit.book"].status, tasks["first_visit.book"].owner_role) == ("open", "front_desk")


def test_j8_routine_callback_first_visit_with_an_app_within_target(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(TUESDAY, tick=False) as clock:
        desk = client_for("front_desk")
        call = _call(desk)
        tasks = _tasks(db)
        assert tasks["intake.callback"].due_at == datetime(2026, 12, 10, 5, 59, 59)  # next business day
        target = ctx.settings.first_visit_target_business_days
        assert tasks["first_visit.book"].due_at == ctx.calendar.due_after_business_days(TUESDAY.replace(tzinfo=None), target)

        clock.move_to(datetime(2026, 12, 8, 20, 0, tzinfo=timezone.utc))
        desk.post(f"/api/intake/calls/{call['id']}/attempts", json={"outcome": "reached"})
        decision = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": safe_answers(ctx)}).json()
        assert decision["urgency"] == "routine" and decision["hits"] == []
        tasks = _tasks(db)
        assert {tasks["intake.callback"].status, tasks["intake.triage"].status} == {"met"}
        assert "intake.urgent_slot" not in tasks and "intake.emergent_ack" not in tasks

        visit = desk.post(
            f"/api/episodes/{call['episode_id']}/appointments", json={"visit_type": "new_patient", "start_at": "2026-12-14T10:00:00"}
        ).json()
        assert visit["provider_type"] == "app"
        assert _tasks(db)["first_visit.book"].title == "Check the patient in at the first visit"
        clock.move_to(datetime(2026, 12, 14, 16, 5, tzinfo=timezone.utc))
        desk.post(f"/api/appointments/{visit['id']}/check-in", json={"version": visit["version"]})
        assert _tasks(db)["first_visit.book"].status == "met"


def test_unanswered_red_flag_questions_cannot_be_skipped(client_for, ctx):
    desk = client_for("front_desk")
    call = _call(desk)
    answers = safe_answers(ctx)
    del answers["saddle_numbness"]
    refused = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": answers})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "answers.saddle_numbness", "rule": "required",
         "message": f"Red-flag questions cannot be skipped: {next(q.text for q in ctx.knowledge.red_flags.questions if q.id == 'saddle_numbness')}"}
    ]


def test_a_call_is_triaged_once(client_for, ctx):
    desk = client_for("front_desk")
    call = _call(desk)
    assert desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": safe_answers(ctx)}).status_code == 201
    again = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": safe_answers(ctx)})
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "not_triaged"
