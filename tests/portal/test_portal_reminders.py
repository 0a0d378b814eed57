"""Reminder e-mails (both databases) through a real local SMTP relay: a check-in the day before it opens and
a questionnaire when its window opens, each sent once however often the job runs, retried with backoff after
the relay refused, none for a patient who chose no reminders (or SMS, with no SMS vendor yet), and no
clinical word in any message: not the diagnosis, the procedure, the medication or the questionnaire."""

from __future__ import annotations

import email
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.clock import utcnow
from painpath.portal import reminders
from painpath.portal.models import PatientAccount, PortalReminder
from painpath.portal.scheduled import reminders_once
from smtp_relay import smtp_relay  # noqa: F401 - the relay fixture

# Monday 7 Dec 2026, 10:00 in Chicago: the injection is done today, so its first check-in opens tomorrow
# (the reminder is due today at 9); the plan's first weekly questionnaire opens next Monday.
START = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
QUESTIONNAIRE_OPENS = datetime(2026, 12, 14, 16, 0, tzinfo=timezone.utc)
TFESI = {"procedure_key": "tfesi_lumbar", "cpt_codes": ["64483"], "side": "left", "levels": ["L4-5"],
         "performed_on": "2026-12-07", "baseline_pain": 8, "baseline_scale": "nrs"}
OXYCODONE = {"drug": "oxycodone", "strength": 5, "strength_unit": "mg", "times_per_day": 2, "form": "oral",
             "start_date": "2026-12-07", "days_supply": 30}
# Nothing of the chart may be in a patient's mail: its diagnosis (code and words), procedure, medication,
# the questionnaire's name, the episode's own words.
CLINICAL_WORDS = ["M54.12", "M54", "radiculopathy", "cervical", "lumbar", "neck", "arm", "ladder", "epidural", "transforaminal",
                  "injection", "steroid", "TFESI", "64483", "L4-5", "oxycodone", "opioid", "mg", "NDI", "Neck Disability",
                  "disability", "score", "Dana", "Okafor", "MRN"]


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chart(ctx, client_for, patient_payload, episode_payload, clock) -> dict:  # noqa: ARG001
    """An episode with a diagnosis code, an injection, an opioid prescription and a plan with weekly NDIs."""
    ctx.settings.session_hours = 24 * 60
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    for url, body in ((f"/api/episodes/{episode_id}/procedures", TFESI), (f"/api/episodes/{episode_id}/prescriptions", OXYCODONE),
                      (f"/api/episodes/{episode_id}/plans", {"pathway_id": "cervical_radiculopathy"})):
        made = clinician.post(url, json=body)
        assert made.status_code == 201, made.text
    return {"patient_id": patient_id, "episode_id": episode_id}


def _account(db, clinic, patient_id: int, channel: str = "email", email_address: str = "dana.okafor@example.org") -> int:
    with db.session() as session:
        user = User(clinic_id=clinic.id, username=f"pat-{patient_id}", display_name="Dana Okafor", role="patient", password_hash="x")
        session.add(user)
        session.flush()
        account = PatientAccount(clinic_id=clinic.id, patient_id=patient_id, user_id=user.id, email=email_address,
                                 reminder_channel=channel, activated_at=utcnow())
        session.add(account)
        session.flush()
        return account.id


def _run(ctx) -> dict | None:
    return reminders_once(ctx)  # the periodic job itself: under the cluster lock


def _mails(relay) -> list[email.message.Message]:
    return [email.message_from_bytes(m.content) for m in relay.messages]


def _rows(db) -> list[PortalReminder]:
    with db.session() as session:
        rows = list(session.scalars(select(PortalReminder).order_by(PortalReminder.id)))
        session.expunge_all()
        return rows


def test_each_reminder_is_sent_once_and_says_nothing_clinical(ctx, db, clinic, chart, smtp_relay, clock):  # noqa: F811
    account_id = _account(db, clinic, chart["patient_id"])
    assert _run(ctx) == {"queued": 1, "tried": 1}
    assert _run(ctx) == {"queued": 0, "tried": 0}  # the job run twice sends nothing twice
    [call] = _mails(smtp_relay)
    assert call["To"] == "dana.okafor@example.org"
    assert call["Subject"] == f"Your check-in with {clinic.name}"
    body = call.get_payload(decode=True).decode()
    assert f"You have a check-in with {clinic.name} between Tue 8 Dec and Thu 10 Dec." in body
    assert "http://127.0.0.1:8000/portal/visits" in body

    clock.move_to(QUESTIONNAIRE_OPENS)
    assert _run(ctx)["queued"] == 1
    _run(ctx)
    calls = _mails(smtp_relay)
    assert len(calls) == 2
    questionnaire = calls[1]
    body2 = questionnaire.get_payload(decode=True).decode()
    assert "A short questionnaire is waiting for you: http://127.0.0.1:8000/portal/questionnaires" in body2

    for mail in calls:
        text = (mail["Subject"] + "\n" + mail.get_payload(decode=True).decode()).lower()
        leaked = [w for w in CLINICAL_WORDS if w.lower() in text.replace("/portal/", "/")]
        assert leaked == [], (leaked, text)

    rows = _rows(db)
    assert [(r.account_id, r.kind, r.state, r.attempts) for r in rows] == [
        (account_id, "checkin", "sent", 1), (account_id, "questionnaire", "sent", 1)]
    assert rows[1].checkin_key.startswith("scores:")
    with db.session() as session:
        sent = session.scalars(select(AuditEvent).where(AuditEvent.action == "portal.reminder_sent")).all()
        assert len(sent) == 2 and {e.patient_id for e in sent} == {chart["patient_id"]}


def test_a_refused_reminder_is_retried_after_its_backoff_and_keeps_no_address(ctx, db, clinic, chart, smtp_relay, clock):  # noqa: F811
    _account(db, clinic, chart["patient_id"])
    smtp_relay.refuse = "554 5.7.1 Relay access denied"
    assert _run(ctx) == {"queued": 1, "tried": 1}
    [row] = _rows(db)
    assert (row.state, row.attempts) == ("failed", 1)
    assert "554" in row.last_error and "dana.okafor" not in row.last_error and "example.org" not in row.last_error
    assert row.next_attempt_at == utcnow() + timedelta(minutes=5)

    smtp_relay.refuse = None
    assert _run(ctx) == {"queued": 0, "tried": 0}  # not before its backoff
    assert smtp_relay.messages == []
    clock.move_to(START + timedelta(minutes=6))
    assert _run(ctx) == {"queued": 0, "tried": 1}
    [row] = _rows(db)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(smtp_relay.messages) == 1
    _run(ctx)
    assert len(smtp_relay.messages) == 1


@pytest.mark.parametrize("channel", ["none", "sms"])
def test_no_reminder_for_a_patient_who_chose_none_or_sms_without_a_vendor(ctx, db, clinic, chart, smtp_relay, clock, channel):  # noqa: F811
    _account(db, clinic, chart["patient_id"], channel=channel)
    assert _run(ctx) == {"queued": 0, "tried": 0}
    clock.move_to(QUESTIONNAIRE_OPENS)
    assert _run(ctx) == {"queued": 0, "tried": 0}
    assert smtp_relay.messages == [] and _rows(db) == []


def test_a_revoked_or_never_activated_account_gets_nothing(ctx, db, clinic, chart, smtp_relay, clock):  # noqa: F811
    account_id = _account(db, clinic, chart["patient_id"])
    with db.session() as session:
        session.get(PatientAccount, account_id).activated_at = None
    assert _run(ctx) == {"queued": 0, "tried": 0}
    with db.session() as session:
        account = session.get(PatientAccount, account_id)
        account.activated_at, account.revoked_at = utcnow(), utcnow()
    assert _run(ctx) == {"queued": 0, "tried": 0}
    assert smtp_relay.messages == []


def test_a_reminder_queued_before_the_patient_turned_reminders_off_is_not_sent(ctx, db, clinic, chart, smtp_relay, clock):  # noqa: F811
    account_id = _account(db, clinic, chart["patient_id"])
    with db.session() as session:
        assert reminders.queue_due(session, knowledge=ctx.knowledge, calendar=ctx.calendar, now=utcnow(), portal_url="https://portal.test") == 1
        session.get(PatientAccount, account_id).reminder_channel = "none"
    assert reminders.send_due(db, now=utcnow()) == 1
    [row] = _rows(db)
    assert row.state == "failed" and row.next_attempt_at is None and "changed" in row.last_error
    assert smtp_relay.messages == []


def test_the_job_is_on_the_queue_and_runs_once_across_the_cluster(ctx, db, clinic, chart, smtp_relay, clock):  # noqa: F811
    from painpath import jobs
    from painpath.core.cluster_lock import cluster_lock

    assert "portal_reminders" in {task.name for task in jobs.huey.read_periodic(datetime(2026, 1, 5, 15, 0))}
    _account(db, clinic, chart["patient_id"])
    with cluster_lock(ctx.db.engine, ctx.settings.queue_url).hold("portal_reminders") as held:
        assert held
        assert _run(ctx) is None  # another process is running it: this one skips
    assert smtp_relay.messages == []
    assert _run(ctx) == {"queued": 1, "tried": 1}
