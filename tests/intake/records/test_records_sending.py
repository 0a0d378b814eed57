"""Requests are created and sent the same day through a real SMTP relay; a refused or unreachable
relay leaves the request failed with the reason, nothing is lost, and a retry (by a person or the
job, with backoff) sends it."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
from datetime import date, timedelta, timezone

import pypdf
import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.errors import Conflict, InvalidInput
from painpath.intake.records import rules, service
from painpath.intake.records.models import RecordsFile, RecordsRequest
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn
from painpath.interop.transports import Transport
from painpath.worklist.models import Task
from records_fixtures import closed_port, make_episode, smtp_relay  # noqa: F401  (fixtures)


def _provider(db, ep, **changes):  # noqa: ANN001, ANN003, ANN202
    data = {"name": "Lakeside Imaging", "kind": "imaging_center", "fax": "(555) 010-0199",
            "direct_address": "records@direct.lakeside.test", **changes}
    with db.session() as session:
        return service.add_provider(session, actor=ep["actor"], episode_id=ep["episode_id"], data=ProviderIn(**data))


def _request_in(provider_id: int, transport: str = "fax") -> RecordsRequestIn:
    return RecordsRequestIn(
        provider_id=provider_id, transport=transport,
        items=[{"item": "mri_report", "date_from": "2025-12-01", "date_to": "2026-01-05"}, {"item": "office_notes"}],
        authorization_reference="Release R-7 scanned to chart", authorization_date=date(2026, 1, 5),
    )


def _send(ctx, ep, provider_id, transport="fax", **kwargs):  # noqa: ANN001, ANN003, ANN202
    with ctx.db.session() as session:
        request = service.create_and_send(session, actor=ep["actor"], calendar=ctx.calendar, episode_id=ep["episode_id"],
                                          data=_request_in(provider_id, transport), **kwargs)
        ctx.reconcile(session, [ep["episode_id"]])
        return request


def _row(db, request_id):  # noqa: ANN001, ANN202
    with db.session() as session:
        return session.get(RecordsRequest, request_id)


def _letter_bytes(db, request_id):  # noqa: ANN001, ANN202
    with db.session() as session:
        return session.get(RecordsFile, session.get(RecordsRequest, request_id).letter_file_id).data


def _attachment_text(received) -> str:  # noqa: ANN001
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages).split())


def _tasks(db, kind=None):  # noqa: ANN001, ANN202
    with db.session() as session:
        query = select(Task).order_by(Task.id)
        if kind:
            query = query.where(Task.kind == kind)
        return list(session.scalars(query))


def test_a_fax_request_reaches_the_gateway_with_the_letter_attached(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    provider = _provider(db, ep)
    request = _send(ctx, ep, provider.id)

    assert (request.status, request.attempts, request.last_error) == ("sent", 1, None)
    assert request.sent_to == "5550100199@fax.gateway.test"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["5550100199@fax.gateway.test"]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"] == f"Records request {request.reference}"
    text = _attachment_text(received)
    for expected in ("MRN-1001", "Dana Okafor", "MRI reports", "12/01/2025 to 01/05/2026", "Office notes",
                     "Riverside Pain & Spine", "Return fax 555-0100", "Release R-7 scanned to chart", "Clinician User"):
        assert expected in text, expected
    with db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "records_request").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["records_request.create", "records_request.sending", "records_request.sent"]
    assert all(e.patient_id == ep["patient_id"] for e in events)
    assert "Okafor" not in json.dumps([e.detail for e in events]) and "MRN-1001" not in json.dumps([e.detail for e in events])


def test_a_direct_request_goes_to_the_direct_address(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    request = _send(ctx, ep, _provider(db, ep).id, transport="direct")
    assert (request.status, request.sent_to) == ("sent", "records@direct.lakeside.test")
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["records@direct.lakeside.test"]
    assert "MRN-1001" in _attachment_text(received)


def test_print_marks_the_request_sent_and_nothing_leaves(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    request = _send(ctx, ep, _provider(db, ep, fax=None, direct_address=None).id, transport="print")
    assert (request.status, request.sent_to) == ("sent", "printer")
    assert smtp_relay.messages == []
    with db.session() as session:
        _found, pdf = service.letter_pdf(session, actor=ep["actor"], request_id=request.id)
    assert pdf.startswith(b"%PDF-")


def test_a_refused_relay_leaves_the_request_failed_and_a_retry_sends_it(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    smtp_relay.refuse = "554 5.7.1 Fax gateway refused: no such account"
    request = _send(ctx, ep, _provider(db, ep).id)

    failed = _row(db, request.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "554 5.7.1 Fax gateway refused: no such account" in failed.last_error
    assert failed.next_attempt_at == failed.last_attempt_at + timedelta(minutes=5)
    letter = _letter_bytes(db, request.id)
    assert letter.startswith(b"%PDF-")  # the letter is kept for the retry
    (task,) = _tasks(db, "records.send_failed")
    assert task.status == "open" and task.owner_role == "coordinator"
    # The task says it in plain words; the relay's code and host stay in the request's record.
    assert "Lakeside Imaging" in task.reason and "the fax relay refused the message" in task.reason and "554" not in task.reason

    smtp_relay.refuse = None
    with db.session() as session:
        retried = service.retry(session, actor=ep["actor"], request_id=request.id)
        ctx.reconcile(session, [ep["episode_id"]])
    assert (retried.status, retried.attempts, retried.last_error) == ("sent", 2, None)
    (received,) = smtp_relay.messages
    assert "MRN-1001" in _attachment_text(received)
    assert _letter_bytes(db, request.id) == letter  # the same letter went out
    (task,) = _tasks(db, "records.send_failed")
    assert task.status == "met" and "after 2 attempts" in task.resolution


def test_an_unreachable_relay_leaves_the_request_failed_and_a_retry_sends_it(ctx, db, make_episode, smtp_relay, monkeypatch, closed_port,
                                                                             client_for):
    ep = make_episode()
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(closed_port))
    request = _send(ctx, ep, _provider(db, ep).id)
    failed = _row(db, request.id)
    assert failed.status == "failed"
    assert f"Could not reach the mail relay at 127.0.0.1:{closed_port}" in failed.last_error
    # The page says what happened and what happens next, in the clinic's time, without the relay's address.
    page = re.sub(r"\s+", " ", client_for("coordinator").get(f"/episodes/{ep['episode_id']}/records").text)
    retry_at = ctx.calendar.to_local(failed.next_attempt_at)
    assert f"the fax relay did not answer; we retry at {retry_at:%a %d %b %Y %H:%M}." in page
    assert "127.0.0.1" not in page

    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(smtp_relay.port))
    with db.session() as session:
        assert service.retry(session, actor=ep["actor"], request_id=request.id).status == "sent"
    assert len(smtp_relay.messages) == 1


def test_the_retry_job_waits_for_the_backoff_then_sends(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    smtp_relay.refuse = "451 4.3.0 Try again later"
    request = _send(ctx, ep, _provider(db, ep).id)
    due = _row(db, request.id).next_attempt_at
    smtp_relay.refuse = None

    assert service.retry_due(db, now=due - timedelta(seconds=1)) == 0
    assert _row(db, request.id).status == "failed"
    reconciled = []
    assert service.retry_due(db, now=due, after_send=lambda session, ids: reconciled.append(ctx.reconcile(session, ids))) == 1
    assert _row(db, request.id).status == "sent"
    assert reconciled[0].met == 1  # the send_failed task closed in the same pass
    assert service.retry_due(db, now=due + timedelta(hours=1)) == 0  # nothing left to do


def test_the_job_stops_after_its_last_automatic_attempt(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    smtp_relay.refuse = "554 5.7.1 Nope"
    request = _send(ctx, ep, _provider(db, ep).id)
    for _ in range(rules.MAX_AUTOMATIC_ATTEMPTS - 1):
        assert service.retry_due(db, now=_row(db, request.id).next_attempt_at) == 1
    final = _row(db, request.id)
    assert (final.status, final.attempts, final.next_attempt_at) == ("failed", rules.MAX_AUTOMATIC_ATTEMPTS, None)
    # A person can still retry, and can switch to print when the fax line will not take it.
    with db.session() as session:
        printed = service.retry(session, actor=ep["actor"], request_id=request.id, transport="print")
    assert (printed.status, printed.transport, printed.sent_to) == ("sent", "print", "printer")


class PowerCut(Transport):
    """A transport whose process dies mid-send (anything but a TransportError escapes the flow)."""

    name = "fax"

    def send(self, message):  # noqa: ANN001, ANN201
        raise SystemExit("power cut while talking to the relay")


def test_a_crash_mid_send_loses_nothing_and_the_job_finishes_the_send(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    provider = _provider(db, ep)
    with pytest.raises(SystemExit):
        _send(ctx, ep, provider.id, transport_factory=lambda _name: PowerCut())
    with db.session() as session:
        request_id = session.scalar(select(RecordsRequest.id))
    stuck = _row(db, request_id)
    assert (stuck.status, stuck.attempts) == ("sending", 1)  # committed before anything left
    assert _letter_bytes(db, request_id).startswith(b"%PDF-")

    assert service.retry_due(db, now=stuck.last_attempt_at + timedelta(minutes=5)) == 0  # may still be in flight
    later = stuck.last_attempt_at + rules.STUCK_AFTER
    with time_machine.travel(later.replace(tzinfo=timezone.utc)):
        assert service.retry_due(db, now=later) == 1
    assert _row(db, request_id).status == "sent"
    assert len(smtp_relay.messages) == 1


def test_only_a_draft_or_failed_request_is_sent(ctx, db, make_episode, smtp_relay):
    ep = make_episode()
    request = _send(ctx, ep, _provider(db, ep).id)
    with db.session() as session, pytest.raises(Conflict, match="is sent; only a draft or failed request can be sent"):
        service.retry(session, actor=ep["actor"], request_id=request.id)
    assert len(smtp_relay.messages) == 1


def test_a_request_needs_the_address_its_transport_uses(ctx, db, make_episode, staff):
    ep = make_episode()
    provider = _provider(db, ep, fax=None, direct_address=None)
    for transport, message in (("fax", "has no fax number"), ("direct", "has no Direct address")):
        with db.session() as session, pytest.raises(InvalidInput) as refused:
            service.create_request(session, actor=ep["actor"], calendar=ctx.calendar, episode_id=ep["episode_id"],
                                   data=_request_in(provider.id, transport))
        (problem,) = refused.value.problems
        assert problem.field == "transport" and message in problem.message
    with db.session() as session:
        assert session.scalar(select(RecordsRequest.id)) is None


def test_the_requesting_clinician_must_be_a_clinician(ctx, db, make_episode, staff):
    ep = make_episode()
    provider = _provider(db, ep)
    data = _request_in(provider.id).model_copy(update={"requesting_clinician_id": staff["nurse"].id})
    with db.session() as session, pytest.raises(InvalidInput) as refused:
        service.create_request(session, actor=ep["actor"], calendar=ctx.calendar, episode_id=ep["episode_id"], data=data)
    assert [p.field for p in refused.value.problems] == ["requesting_clinician_id"]
