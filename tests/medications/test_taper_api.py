"""J2's taper through the API: dated steps stored, each step an obligation due on its day, a missed step
becomes a nurse's task, a pause cancels the open work and a resume moves the later dates, and the
patient's printable schedule (checked with pypdf)."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

from pypdf import PdfReader
from sqlalchemy import select

from authorization_setup import frozen_clock, plain_episode
from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task

# Monday 4 Jan 2027, 10:00 in Chicago: the taper starts today.
NOW = datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc)
J2_TAPER = {"prescriptions": [{"drug": "oxycodone", "strength": 10, "times_per_day": 4}], "target_mme": 15,
            "percent_per_month": 18.75, "faster_reason": "J2: agreed four-month plan with walker and flexion-bias PT"}

clock = frozen_clock(NOW)
episode_id = plain_episode()


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=timezone.utc)


def _tasks(ctx, db, episode_id: int, status: str = "open") -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        ctx.reconcile(session)
        session.commit()
        rows = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.status == status, Task.provider == "medication_plans"))
        return {t.key: t for t in rows}


def _create(client, episode_id: int) -> dict:  # noqa: ANN001
    made = client.post(f"/api/episodes/{episode_id}/tapers", json=J2_TAPER)
    assert made.status_code == 201, made.text
    return made.json()


def test_j2_taper_is_stored_with_dated_steps_and_each_step_is_an_obligation(client_for, episode_id, ctx, db):
    taper = _create(client_for("clinician"), episode_id)
    assert (taper["original_mme"], taper["target_mme"], taper["status"], taper["factor_set"]) == (60, 15, "active", "cdc_2022_clinical")
    steps = [(s["kind"], s["due_on"], s["daily_mme"]) for s in taper["steps"]]
    assert steps == [("step", "2027-01-04", 52.5), ("step", "2027-02-04", 37.5), ("step", "2027-03-04", 30),
                     ("step", "2027-04-04", 15), ("follow_up", "2027-05-04", None)]
    assert "naloxone" in taper["naloxone_prompt"].lower()
    tasks = _tasks(ctx, db, episode_id)
    plan = taper["id"]
    assert {k for k in tasks} == {f"taper:{plan}:step:{n}" for n in (1, 2, 3, 4)} | {f"taper:{plan}:follow_up:1"}
    due = {k: ctx.calendar.local_date(t.due_at) for k, t in tasks.items()}
    assert due[f"taper:{plan}:step:2"] == date(2027, 2, 4)
    assert tasks[f"taper:{plan}:step:1"].owner_role == "clinician"
    assert "10 mg three times a day and 5 mg once a day" in tasks[f"taper:{plan}:step:1"].reason
    with db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "opioid_taper.create")).one().object_id == str(plan)


def test_a_missed_step_becomes_a_task_and_recording_it_meets_both(client_for, episode_id, ctx, db, clock):
    ctx.settings.session_hours = 24 * 120  # the signed-in session outlives the jumps
    clinician = client_for("clinician")
    taper = _create(clinician, episode_id)
    plan, step1 = taper["id"], taper["steps"][0]
    assert f"taper:{plan}:missed:1" not in _tasks(ctx, db, episode_id)  # due today: not missed yet
    clock.move_to(_at(date(2027, 1, 6)))
    missed = _tasks(ctx, db, episode_id)[f"taper:{plan}:missed:1"]
    assert (missed.kind, missed.owner_role) == ("taper_step_missed", "nurse")
    assert "due 2027-01-04" in missed.title
    assert f"taper:{plan}:missed:2" not in _tasks(ctx, db, episode_id)
    done = clinician.post(f"/api/taper-steps/{step1['id']}/done", json={"note": "made the step; pain manageable"})
    assert done.status_code == 200, done.text
    met = _tasks(ctx, db, episode_id, status="met")
    assert {f"taper:{plan}:step:1", f"taper:{plan}:missed:1"} <= set(met)
    again = clinician.post(f"/api/taper-steps/{step1['id']}/done", json={})
    assert again.status_code == 409


def test_a_pause_cancels_the_open_work_and_resuming_moves_the_later_dates(client_for, episode_id, ctx, db, clock):
    ctx.settings.session_hours = 24 * 120
    clinician = client_for("clinician")
    taper = _create(clinician, episode_id)
    plan = taper["id"]
    clinician.post(f"/api/taper-steps/{taper['steps'][0]['id']}/done", json={})
    clock.move_to(_at(date(2027, 2, 20)))
    paused = clinician.post(f"/api/tapers/{plan}/pause", json={"reason": "flare after a fall", "version": taper["version"]})
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused" and paused.json()["paused_on"] == "2027-02-20"
    assert not _tasks(ctx, db, episode_id)  # nothing is owed while the taper is on hold
    cancelled = _tasks(ctx, db, episode_id, status="cancelled")
    assert cancelled[f"taper:{plan}:step:2"].resolution == "The taper was paused on 2027-02-20"
    clock.move_to(_at(date(2027, 3, 20)))
    resumed = clinician.post(f"/api/tapers/{plan}/resume", json={"version": paused.json()["version"]})
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert body["status"] == "active" and body["paused_days"] == 28
    dates = [(s["kind"], s["number"], s["due_on"]) for s in body["steps"]]
    # Step 2 (4 Feb) was before the pause and is kept (now overdue); steps 3 and 4 and the follow-up move 28 days.
    assert dates == [("step", 1, "2027-01-04"), ("step", 2, "2027-02-04"), ("step", 3, "2027-04-01"),
                     ("step", 4, "2027-05-02"), ("follow_up", 1, "2027-06-01")]
    tasks = _tasks(ctx, db, episode_id)
    assert ctx.calendar.local_date(tasks[f"taper:{plan}:step:3"].due_at) == date(2027, 4, 1)
    assert f"taper:{plan}:missed:2" in tasks
    stale = clinician.post(f"/api/tapers/{plan}/pause", json={"reason": "again", "version": taper["version"]})
    assert stale.status_code == 409


def test_the_patient_schedule_pdf_says_each_date_and_dose_in_plain_words(client_for, episode_id):
    clinician = client_for("clinician")
    taper = _create(clinician, episode_id)
    pdf = clinician.get(f"/api/tapers/{taper['id']}/schedule.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "Your medicine schedule" in text
    assert "4 January 2027" in text and "4 April 2027" in text and "4 May 2027" in text
    assert "10 mg twice a day and 5 mg once a day" in text
    assert "10 mg once a day (10 mg a day)" in text
    assert "Check-in visit" in text and "Naloxone" in text


def test_bad_taper_input_is_refused_with_field_and_rule(client_for, episode_id):
    clinician = client_for("clinician")
    odd = {**J2_TAPER, "prescriptions": [{"drug": "oxycodone", "strength": 12, "times_per_day": 4}]}
    (problem,) = clinician.post(f"/api/episodes/{episode_id}/tapers", json=odd).json()["errors"]
    assert (problem["field"], problem["rule"]) == ("prescriptions[0].product", "known_product")
    no_reason = {**J2_TAPER, "faster_reason": None}
    (problem,) = clinician.post(f"/api/episodes/{episode_id}/tapers", json=no_reason).json()["errors"]
    assert (problem["field"], problem["rule"]) == ("faster_reason", "faster_than_10_percent")
    _create(clinician, episode_id)
    second = clinician.post(f"/api/episodes/{episode_id}/tapers", json=J2_TAPER)
    assert second.status_code == 409 and second.json()["errors"][0]["rule"] == "one_taper"
    assert client_for("front_desk").post(f"/api/episodes/{episode_id}/tapers", json=J2_TAPER).status_code == 403
