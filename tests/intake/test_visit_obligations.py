"""What visits owe the worklist: a no-show opens a reschedule task that counts the no-shows, due from the missed
visit (never from now) and met by a new booking; an emergent hard stop supersedes the routine first-visit task,
saying why; red-flag answers saved one by one alert a clinician before the screen is saved."""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

from test_callbacks import CALL

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)  # 09:00 Chicago


def _tasks(db, kind):  # noqa: ANN001, ANN202
    with db.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == kind).order_by(Task.id)))


def _episode(client, patient_payload, episode_payload) -> int:  # noqa: ANN001
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    return client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def test_no_shows_open_counted_reschedule_tasks_due_from_the_missed_visit(client_for, ctx, db, patient_payload, episode_payload):
    ctx.settings.session_hours = 24 * 60
    with time_machine.travel(MONDAY, tick=False) as clock:
        desk = client_for("front_desk")
        episode_id = _episode(client_for("coordinator"), patient_payload, episode_payload)
        first = desk.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-08T10:00:00"}).json()
        # Recorded two days late (Thu): the task is still due one business day after the missed visit (Wed 9 Dec).
        clock.move_to(datetime(2026, 12, 10, 18, 0, tzinfo=timezone.utc))
        missed = desk.post(f"/api/appointments/{first['id']}/no-show", json={"version": first["version"]})
        assert missed.status_code == 200 and missed.json()["status"] == "no_show"
        (task,) = _tasks(db, "visits.reschedule")
        assert (task.status, task.owner_role) == ("open", "front_desk")
        assert task.due_at == ctx.calendar.due_after_business_days(datetime(2026, 12, 8, 16, 0), 1) == datetime(2026, 12, 10, 5, 59, 59)
        assert task.reason.startswith("1st no-show in this episode")
        # The first-visit duty is owed again (a no-show is not attendance).
        assert _tasks(db, "first_visit.book")[-1].title == "Book the first visit"

        second = desk.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-14T10:00:00"}).json()
        assert _tasks(db, "visits.reschedule")[0].status == "met"
        clock.move_to(datetime(2026, 12, 14, 18, 0, tzinfo=timezone.utc))
        desk.post(f"/api/appointments/{second['id']}/no-show", json={"version": second["version"]})
        latest = _tasks(db, "visits.reschedule")[-1]
        assert latest.status == "open" and latest.reason.startswith("2nd no-show in this episode")


def _emergent_answers(ctx) -> dict:  # noqa: ANN001
    return {"bladder_dysfunction": True, "saddle_numbness": True}


def test_an_emergent_hard_stop_supersedes_the_first_visit_task_saying_why(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        [(status, _)] = [(t.status, t.title) for t in _tasks(db, "first_visit.book")]
        assert status == "open"
        from test_journey_j8 import safe_answers

        saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": {**safe_answers(ctx), **_emergent_answers(ctx)}})
        assert saved.status_code == 201 and saved.json()["urgency"] == "emergent"
        (superseded,) = _tasks(db, "first_visit.book")
        assert superseded.status == "cancelled"
        assert superseded.resolution.startswith("Superseded by the emergent red flag at triage Mon 07 Dec 2026 09:00")

        clinician = client_for("clinician")
        clinician.post(f"/api/triage/{saved.json()['id']}/acknowledge", json={"note": "Spoke to the ED; patient admitted"})
        assert [t.status for t in _tasks(db, "first_visit.book")] == ["cancelled", "open"]  # owed again after acknowledgement


def test_urgent_triage_opens_a_clinician_task_due_the_same_business_day(client_for, ctx, db):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        from test_journey_j8 import safe_answers

        answers = {**safe_answers(ctx), "fever": True, "injects_drugs": True}
        saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": answers})
        assert saved.json()["urgency"] == "urgent", saved.text
        (review,) = _tasks(db, "intake.urgent_review")
        assert (review.status, review.owner_role) == ("open", "clinician")
        assert review.due_at == ctx.calendar.end_of_local_day_utc(ctx.calendar.local_date(MONDAY.replace(tzinfo=None)))


def test_a_low_specificity_flag_opens_a_clinician_review_and_keeps_the_first_visit(client_for, ctx, db):
    """Issue 13: age over 70 alone is a review, not an urgent slot. The ASAS pattern adds a rheumatology referral."""
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        from test_journey_j8 import safe_answers

        asas = {k: True for k in ("ibp_onset_before_40", "ibp_insidious_onset", "ibp_better_with_exercise", "ibp_not_better_with_rest")}
        saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": {**safe_answers(ctx), "age": 75, **asas}})
        assert saved.json()["urgency"] == "review", saved.text
        assert _tasks(db, "intake.urgent_slot") == [] and _tasks(db, "intake.urgent_review") == []
        (review,) = _tasks(db, "intake.clinician_review")
        (referral,) = _tasks(db, "intake.referral")
        assert (review.status, review.owner_role, referral.title) == ("open", "clinician", "Refer to rheumatology")
        assert review.due_at == ctx.calendar.due_after_business_days(MONDAY.replace(tzinfo=None), 1)
        assert [t.status for t in _tasks(db, "first_visit.book")] == ["open"]  # the routine booking stands

        assert desk.post(f"/api/triage/{saved.json()['id']}/acknowledge", json={"note": "Front desk cannot"}).status_code == 403
        done = client_for("clinician").post(f"/api/triage/{saved.json()['id']}/acknowledge", json={"note": "Rheumatology referral sent"})
        assert done.status_code == 200, done.text
        assert [t.status for t in _tasks(db, "intake.clinician_review") + _tasks(db, "intake.referral")] == ["met", "met"]


def test_a_routine_or_urgent_decision_without_a_referral_has_nothing_to_record(client_for, ctx, db):
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        from test_journey_j8 import safe_answers

        saved = desk.post(f"/api/intake/calls/{call['id']}/triage", json={"answers": safe_answers(ctx)})
        assert saved.json()["urgency"] == "routine"
        refused = client_for("clinician").post(f"/api/triage/{saved.json()['id']}/acknowledge", json={"note": "Nothing to do"})
        assert refused.status_code == 409


def test_an_emergent_answer_alerts_a_clinician_before_the_screen_is_saved(client_for, ctx, db):
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        calm = desk.post(f"/api/intake/calls/{call['id']}/triage/answers", json={"answers": {"saddle_numbness": False}})
        assert calm.status_code == 200 and calm.json() == {"call_id": call["id"], "answers": {"saddle_numbness": False}, "emergent": False}
        assert _tasks(db, "intake.emergent_answer") == []

        alarm = desk.post(f"/api/intake/calls/{call['id']}/triage/answers", json={"answers": _emergent_answers(ctx)})
        assert alarm.json()["emergent"] is True
        (alert,) = _tasks(db, "intake.emergent_answer")
        assert (alert.status, alert.owner_role) == ("open", "clinician") and "saddle" in alert.reason.lower()
        # The clinician's task leads to the call: its answers, and the caller's number to call back.
        task_page = client_for("clinician").get(f"/tasks/{alert.id}").text
        assert f'href="/intake/calls/{call["id"]}"' in task_page

        # Changed back before saving: the alert closes, saying why.
        desk.post(f"/api/intake/calls/{call['id']}/triage/answers", json={"answers": {"bladder_dysfunction": False, "saddle_numbness": False}})
        (closed,) = _tasks(db, "intake.emergent_answer")
        assert closed.status == "cancelled" and closed.resolution == "The emergent answer was changed before the screen was saved"
        bad = desk.post(f"/api/intake/calls/{call['id']}/triage/answers", json={"answers": {"age": "old"}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "answers.age"


def test_the_call_page_saves_each_answer_through_htmx(client_for, ctx, db):
    with time_machine.travel(MONDAY, tick=False):
        desk = client_for("front_desk")
        call = desk.post("/api/intake/calls", json=CALL).json()
        page = desk.get(f"/intake/calls/{call['id']}")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answered = desk.post(f"/intake/calls/{call['id']}/triage/answers", data={"csrf_token": token, "q-saddle_numbness": "yes",
                                                                                   "q-bladder_dysfunction": "yes"}, headers={"HX-Request": "true"})
        assert answered.status_code == 200 and 'id="clinician-alerted"' in answered.text
        assert [t.status for t in _tasks(db, "intake.emergent_answer")] == ["open"]
        again = desk.get(f"/intake/calls/{call['id']}").text  # a reload keeps the answers given so far
        assert 'name="q-saddle_numbness" value="yes" checked' in again
