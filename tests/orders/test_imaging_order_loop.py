"""An imaging order's loop through the services, on a real database: placed, faxed to the centre through the
loopback SMTP relay (the requisition attached), booked into a standing urgent slot, done, reported, reviewed.
Each step's task opens for the right role with its reason and due time, and is met by the next fact; the review
is met only when the clinician reviewed the report (the loop closes). A cancelled order cancels its work with the
reason, and frees its standing slot. Moves out of order and stale versions are refused."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import date, datetime, timedelta, timezone

import pypdf
import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.service import actor_for
from painpath.core.errors import Conflict, InvalidInput, StaleWrite
from painpath.facts.gather import gather_facts
from painpath.orders import order_sending, order_service
from painpath.orders.loops import loops_of
from painpath.orders.models import ImagingOrder, ImagingStudy
from painpath.orders.schemas import BookIn, CancelIn, DoneIn, OrderIn, OrderReportIn, ReviewIn, SendIn
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task
from smtp_relay import closed_port, smtp_relay  # noqa: F401  (fixtures)

MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)  # Mon 7 Dec 2026, 10:00 in Chicago
ARTHROGRAM = {"modality": "mri_arthrogram", "protocol": "MR arthrogram of the hip with intra-articular gadolinium", "contrast": "intra_articular",
              "region": "hip", "side": "right", "clinical_question": "Labral tear? Groin pain and a positive FADIR test",
              "relevant_history": "Hip X-ray 30 Nov: no arthritis", "urgency": "urgent", "centre_id": "lakeside_imaging"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(db, staff, patient_payload, episode_payload, clock) -> dict:  # noqa: ARG001
    actor = actor_for(staff["coordinator"])
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(**patient_payload))
        made = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            **{**episode_payload, "body_region": "hip", "responsible_clinician_id": staff["clinician"].id}))
        return {"id": made.id, "clinician": actor_for(staff["clinician"]), "coordinator": actor}


def _place(ctx, db, episode, **changes) -> int:  # noqa: ANN001, ANN003
    with db.session() as session:
        order = order_service.place_order(session, actor=episode["clinician"], knowledge=ctx.knowledge, episode_id=episode["id"],
                                          data=OrderIn(**{**ARTHROGRAM, **changes}))
        ctx.reconcile(session, [episode["id"]])
        return order.id


def _step(ctx, db, episode, act) -> ImagingOrder:  # noqa: ANN001
    with db.session() as session:
        order = act(session)
        ctx.reconcile(session, [episode["id"]])
        session.commit()
        session.refresh(order)
        session.expunge(order)
        return order


def _tasks(db) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        return {t.kind.split(".")[1]: t for t in session.scalars(select(Task).where(Task.provider == "imaging_orders"))}


def _fax_pdf_text(received) -> str:  # noqa: ANN001
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages).split())


def test_the_loop_opens_each_task_in_turn_and_closes_only_when_the_report_is_reviewed(ctx, db, episode, smtp_relay, clock):
    order_id = _place(ctx, db, episode)
    send = _tasks(db)["send"]
    assert (send.status, send.owner_role) == ("open", "coordinator")
    assert "The clinician placed this urgent order on 07 Dec" in send.reason
    assert send.due_at == datetime(2026, 12, 9, 5, 59, 59)  # end of Tue 8 Dec in Chicago: one business day

    clock.move_to(MONDAY + timedelta(hours=1))
    sent = _step(ctx, db, episode, lambda s: order_sending.send_order(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id, data=SendIn(version=1)))
    assert (sent.status, sent.send_state, sent.sent_to) == ("sent", "sent", "5550100199@fax.gateway.test")
    text = _fax_pdf_text(smtp_relay.messages[0])
    for words in ("MR arthrogram of the hip with intra-articular gadolinium", "Labral tear? Groin pain", "with intra-articular contrast", "Urgent", "right",
                  "Hip X-ray 30 Nov: no arthritis", "To be booked by the centre"):
        assert words in text
    tasks = _tasks(db)
    assert tasks["send"].status == "met" and tasks["book"].status == "open"
    assert tasks["book"].due_at == datetime(2026, 12, 9, 17, 0)  # 48 hours after sending
    assert "booked within 48 hours of sending" in tasks["book"].reason

    # The standing arthrogram slot on Tue 8 Dec 12:30 (Chicago).
    booked = _step(ctx, db, episode, lambda s: order_service.book(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id,
        data=BookIn(version=sent.version, centre_id="lakeside_imaging", booked_for=datetime(2026, 12, 8, 12, 30), standing=True)))
    assert (booked.status, booked.booked_for, booked.standing_slot_at, booked.booked_minutes) == (
        "booked", datetime(2026, 12, 8, 18, 30), datetime(2026, 12, 8, 18, 30), 60)
    tasks = _tasks(db)
    assert tasks["book"].status == "met" and "chase_report" not in tasks

    # Three business days after the study date with no report: chase it (Fri 11 Dec).
    clock.move_to(datetime(2026, 12, 11, 15, 0, tzinfo=timezone.utc))
    with db.session() as session:
        ctx.reconcile(session, [episode["id"]])
    chase = _tasks(db)["chase_report"]
    assert (chase.status, chase.owner_role, chase.due_at) == ("open", "coordinator", datetime(2026, 12, 12, 5, 59, 59))
    assert "The study was due on 08 Dec; no report has come from Lakeside Imaging Center (demo) 3 business days later." == chase.reason

    reported = _step(ctx, db, episode, lambda s: order_service.receive_report(
        s, actor=episode["coordinator"], calendar=ctx.calendar, order_id=order_id,
        data=OrderReportIn(version=booked.version, summary="Anterosuperior labral tear; no chondral loss")))
    assert (reported.status, reported.performed_on) == ("reported", date(2026, 12, 8))
    with db.session() as session:
        study = session.get(ImagingStudy, reported.study_id)
        assert (study.origin, study.report_on_file, study.modality, study.region) == ("clinic", True, "mri_arthrogram", "hip")
        facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[episode["id"]], today=date(2026, 12, 11))
    (fact,) = facts[episode["id"]].imaging_orders
    assert (fact.status, fact.sent_on, fact.booked_for, fact.performed_on, fact.report_received_on, fact.loop_closed) == (
        "reported", date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 8), date(2026, 12, 11), False)
    assert any(s.report_on_file and s.modality == "mri_arthrogram" for s in facts[episode["id"]].imaging)
    tasks = _tasks(db)
    assert tasks["chase_report"].status == "met"
    assert (tasks["review"].status, tasks["review"].owner_role) == ("open", "clinician")

    # Days pass: the review stays owed until a clinician reviews.
    clock.move_to(datetime(2026, 12, 18, 15, 0, tzinfo=timezone.utc))
    with db.session() as session:
        ctx.reconcile(session, [episode["id"]])
    assert _tasks(db)["review"].status == "open"
    reviewed = _step(ctx, db, episode, lambda s: order_service.review(
        s, actor=episode["clinician"], order_id=order_id,
        data=ReviewIn(version=reported.version, concordant="yes", note="Labral tear explains the groin pain; refer to orthopaedics")))
    assert reviewed.status == "reviewed" and _tasks(db)["review"].status == "met"
    with db.session() as session:
        assert session.get(ImagingStudy, reviewed.study_id).concordant == "yes"
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "imaging_order").order_by(AuditEvent.id))]
        assert loops_of(session, episode_clinic(session, order_id), ctx.knowledge, ctx.calendar) == []
    assert actions == ["imaging_order.place", "imaging_order.sending", "imaging_order.sent", "imaging_order.book", "imaging_order.report",
                       "imaging_order.review"]


def episode_clinic(session, order_id: int) -> int:  # noqa: ANN001
    return session.get(ImagingOrder, order_id).clinic_id


def test_a_cancelled_order_cancels_its_work_with_the_reason_and_frees_its_standing_slot(ctx, db, episode, clock):
    order_id = _place(ctx, db, episode)
    sent = _step(ctx, db, episode, lambda s: order_sending.send_order(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id,
        data=SendIn(version=1, send_by="print")))
    slot = BookIn(version=sent.version, centre_id="lakeside_imaging", booked_for=datetime(2026, 12, 8, 12, 30), standing=True)
    booked = _step(ctx, db, episode, lambda s: order_service.book(s, actor=episode["coordinator"], knowledge=ctx.knowledge,
                                                                  calendar=ctx.calendar, order_id=order_id, data=slot))
    second = _place(ctx, db, episode)
    second_sent = _step(ctx, db, episode, lambda s: order_sending.send_order(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=second, data=SendIn(version=1, send_by="print")))
    with db.session() as session, pytest.raises(InvalidInput) as taken:
        order_service.book(session, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=second,
                           data=slot.model_copy(update={"version": second_sent.version}))
    assert [(p.field, p.rule) for p in taken.value.problems] == [("booked_for", "slot_free")]

    # The first patient's hip settled: the order is cancelled, its slot goes to the second order.
    _step(ctx, db, episode, lambda s: order_service.cancel(s, actor=episode["clinician"], order_id=order_id,
                                                          data=CancelIn(version=booked.version, reason="Symptoms resolved after the injection")))
    with db.session() as session:
        work = list(session.scalars(select(Task).where(Task.provider == "imaging_orders", Task.key.like(f"imaging_order:{order_id}:%"))))
        rebooked = order_service.book(session, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=second,
                                      data=slot.model_copy(update={"version": second_sent.version}))
        assert rebooked.standing_slot_at == datetime(2026, 12, 8, 18, 30)
    assert {t.status for t in work} == {"met"}  # sent and booked before the cancel: nothing left open
    third = _place(ctx, db, episode, urgency="routine")
    _step(ctx, db, episode, lambda s: order_service.cancel(s, actor=episode["clinician"], order_id=third,
                                                          data=CancelIn(version=1, reason="Patient chose to wait")))
    send = _tasks_of(db, third)["send"]
    assert send.status == "cancelled" and "The imaging order was cancelled: Patient chose to wait" in send.resolution


def _tasks_of(db, order_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        return {t.kind.split(".")[1]: t for t in session.scalars(select(Task).where(Task.key.like(f"imaging_order:{order_id}:%")))}


def test_moves_out_of_order_stale_versions_and_bad_orders_are_refused_by_field(ctx, db, episode):
    with db.session() as session, pytest.raises(InvalidInput) as bad:
        order_service.place_order(session, actor=episode["clinician"], knowledge=ctx.knowledge, episode_id=episode["id"],
                                  data=OrderIn(**{**ARTHROGRAM, "side": "none", "modality": "pet", "centre_id": "nowhere"}))
    assert [(p.field, p.rule) for p in bad.value.problems] == [("modality", "known_modality"), ("side", "joint_side"), ("centre_id", "known_centre")]
    order_id = _place(ctx, db, episode)
    with db.session() as session, pytest.raises(Conflict) as early:
        order_service.review(session, actor=episode["clinician"], order_id=order_id, data=ReviewIn(version=1, concordant="unknown", note="Too early"))
    assert (early.value.problems[0].field, early.value.problems[0].rule) == ("status", "review_from")
    with db.session() as session, pytest.raises(StaleWrite):
        order_service.cancel(session, actor=episode["clinician"], order_id=order_id, data=CancelIn(version=7, reason="Stale form"))
    with db.session() as session, pytest.raises(Conflict):
        order_service.record_done(session, actor=episode["coordinator"], order_id=order_id, data=DoneIn(version=1, performed_on=date(2026, 12, 7)))


def test_a_refused_fax_leaves_the_order_placed_with_the_reason_and_a_retry_sends_it(ctx, db, episode, smtp_relay, closed_port, monkeypatch, clock):
    order_id = _place(ctx, db, episode)
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(closed_port))
    failed = _step(ctx, db, episode, lambda s: order_sending.send_order(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id, data=SendIn(version=1)))
    assert (failed.status, failed.send_state, failed.send_attempts) == ("drafted", "failed", 1)
    assert failed.last_error and failed.next_attempt_at == datetime(2026, 12, 7, 16, 5)
    send = _tasks(db)["send"]
    assert send.status == "open" and send.reason.endswith("The fax did not go: the order page says why; send it again or print it.")
    monkeypatch.setenv("PAINPATH_SMTP_PORT", str(smtp_relay.port))
    clock.move_to(MONDAY + timedelta(minutes=6))
    assert order_sending.retry_due(db, knowledge=ctx.knowledge, calendar=ctx.calendar) == 1
    with db.session() as session:
        order = session.get(ImagingOrder, order_id)
        assert (order.status, order.send_state, order.send_attempts) == ("sent", "sent", 2)
    assert len(smtp_relay.messages) == 1


def test_the_open_loops_board_shows_whom_an_order_waits_on_and_stalls_it_once_its_work_is_overdue(ctx, db, episode, clock):
    order_id = _place(ctx, db, episode, urgency="routine")
    with db.session() as session:
        clinic_id = episode_clinic(session, order_id)
        (loop,) = loops_of(session, clinic_id, ctx.knowledge, ctx.calendar)
    assert (loop.kind, loop.loop_id, loop.state, loop.waiting_on, loop.urgency, loop.stalled) == (
        "imaging_order", order_id, "Placed, not sent", "us (to send it)", "routine", False)
    assert loop.what == "MR arthrogram, right hip" and loop.href == f"/imaging-orders/{order_id}" and loop.since == MONDAY.replace(tzinfo=None)
    clock.move_to(datetime(2026, 12, 9, 15, 0, tzinfo=timezone.utc))  # Wed: the send was due by the end of Tuesday
    with db.session() as session:
        (loop,) = loops_of(session, clinic_id, ctx.knowledge, ctx.calendar)
    assert loop.stalled


def test_a_plan_step_of_another_episode_is_refused(ctx, db, episode):
    with db.session() as session, pytest.raises(InvalidInput) as refused:
        order_service.place_order(session, actor=episode["clinician"], knowledge=ctx.knowledge, episode_id=episode["id"],
                                  data=OrderIn(**{**ARTHROGRAM, "plan_step_row_id": 424242}))
    assert [(p.field, p.rule) for p in refused.value.problems] == [("plan_step_row_id", "episode_step")]


def test_a_caller_can_give_its_own_renderer_for_the_requisition(ctx, db, episode, smtp_relay, clock):  # noqa: F811
    # The simulator sends orders whose PDF nobody reads: it passes a renderer instead of patching the module.
    order_id = _place(ctx, db, episode)
    given: list = []

    def render(requisition: object) -> bytes:
        given.append(requisition)
        return b"%PDF-1.4 not rendered\n"

    sent = _step(ctx, db, episode, lambda s: order_sending.send_order(
        s, actor=episode["coordinator"], knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id, data=SendIn(version=1),
        render=render))
    assert sent.status == "sent"
    assert [r.reference for r in given] == [f"IMG-{order_id:05d}"] and given[0].clinical_question.startswith("Labral tear?")
    message = email.message_from_bytes(smtp_relay.messages[0].content, policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == b"%PDF-1.4 not rendered\n"
