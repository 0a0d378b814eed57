"""The referral letter leaves by fax through the email-to-fax gateway (a real SMTP relay on loopback): a
refusing relay leaves the referral drafted with the reason on its send task, and the retry pass sends it
once the backoff has passed; the page offers the send form only while it can be sent."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from painpath.referrals import sending
from painpath.referrals.models import Referral
from painpath.worklist.engine import MET, OPEN
from painpath.worklist.models import Task
from smtp_relay import smtp_relay  # noqa: F401 - fixture
from support import page_form_post
from test_referral_pages import HIP, PRACTICE, _practice_id, _referral

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)


def test_a_refused_fax_leaves_it_drafted_and_the_retry_pass_sends_it(client_for, ctx, patient_payload, smtp_relay):  # noqa: F811
    with time_machine.travel(NOW, tick=False) as clock:
        coordinator, clinician = client_for("coordinator"), client_for("clinician")
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=HIP).json()["id"]
        page_form_post(coordinator, "/referral-practices", PRACTICE)
        assert "Riverside Orthopedics &amp; Spine" in coordinator.get("/referral-practices").text
        written = page_form_post(clinician, f"/episodes/{episode_id}/referrals", {
            "specialty": "orthopedics", "practice_id": str(_practice_id(ctx)), "reason": "Hip labral tear", "question": "Repair?"})
        referral_id = int(written.headers["location"].rsplit("/", 1)[1])

        smtp_relay.refuse = "554 5.7.1 Fax number not allowed"
        response = page_form_post(coordinator, f"/referrals/{referral_id}/send", {"transport": "fax", "version": str(_referral(ctx, referral_id).version)})
        assert response.status_code == 303
        failed = _referral(ctx, referral_id)
        assert (failed.status, failed.transmission, failed.attempts) == ("drafted", "failed", 1)
        assert failed.next_attempt_at is not None and "554" in failed.last_error
        with ctx.db.session() as session:
            send = session.scalar(select(Task).where(Task.key == f"referral:{referral_id}:send"))
            assert send.status == OPEN and "The last attempt failed" in send.reason
        assert smtp_relay.messages == []

        smtp_relay.refuse = None
        clock.move_to(failed.next_attempt_at.replace(tzinfo=timezone.utc) - timedelta(seconds=1))
        assert sending.retry_due(ctx.db, knowledge=ctx.knowledge, calendar=ctx.calendar, now=failed.next_attempt_at - timedelta(seconds=1)) == 0
        clock.move_to(failed.next_attempt_at.replace(tzinfo=timezone.utc))
        assert sending.retry_due(ctx.db, knowledge=ctx.knowledge, calendar=ctx.calendar, now=failed.next_attempt_at,
                                 after_send=lambda session, ids: ctx.reconcile(session, ids)) == 1
        sent = _referral(ctx, referral_id)
        assert (sent.status, sent.transmission, sent.attempts) == ("sent", "sent", 2)
        (message,) = smtp_relay.messages
        assert message.rcpt_tos == ["7085550161@fax.gateway.test"]
        assert re.search(rb"referral-REF-0*%d\.pdf" % referral_id, message.content)
        with ctx.db.session() as session:
            assert session.scalar(select(Task.status).where(Task.key == f"referral:{referral_id}:send")) == MET
            assert session.get(Referral, referral_id).sent_to.endswith("fax.gateway.test")
        assert 'id="send-form"' not in client_for("coordinator").get(f"/referrals/{referral_id}").text
