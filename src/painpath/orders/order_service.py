"""Imaging-order use cases: place an order, book it, record the study done, receive the report (an
ImagingStudy with the report on file, through the study service, so the pathway measure `imaging_on_file`
sees it), review it (the loop closes), cancel it. Sending is in order_sending.py. Every move is checked
against the order's state, version-checked (409 on a stale form) and audited in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.knowledge.loader import Knowledge
from painpath.orders import order_rules, service as studies
from painpath.orders.loop_rules import OrderLoop
from painpath.orders.models import ImagingOrder
from painpath.orders.schemas import BookIn, CancelIn, DoneIn, OrderIn, OrderReportIn, ReviewIn, StudyIn
from painpath.patients import service as patients


def _audit(session: Session, actor: Actor, action: str, order: ImagingOrder, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, f"imaging_order.{action}", object_type="imaging_order", object_id=order.id,
                 patient_id=order.patient_id, detail=detail)


def get_order(session: Session, *, clinic_id: int | None, order_id: int) -> ImagingOrder:
    return patients.clinic_record(session, ImagingOrder, order_id, clinic_id=clinic_id, what="imaging order")


def read_order(session: Session, *, actor: Actor, order_id: int) -> ImagingOrder:
    """An order, through the chart-access policy of its episode (audited as a chart read)."""
    order = get_order(session, clinic_id=actor.clinic_id, order_id=order_id)
    patients.read_episode(session, actor=actor, episode_id=order.episode_id)
    return order


def _plan_step_problems(session: Session, episode_id: int, step_row_id: int | None) -> list[FieldProblem]:
    """A plan step must be one of this episode's. The plans slice sits above this one, so its table is read
    through the foreign key, not imported."""
    if step_row_id is None:
        return []
    steps = next(iter(ImagingOrder.__table__.c.plan_step_row_id.foreign_keys)).column.table
    found = session.execute(select(steps.c.episode_id).where(steps.c.id == step_row_id)).scalar_one_or_none()
    if found != episode_id:
        return [FieldProblem("plan_step_row_id", "episode_step", "That care-plan step is not one of this episode's")]
    return []


def place_order(session: Session, *, actor: Actor, knowledge: Knowledge, episode_id: int, data: OrderIn) -> ImagingOrder:
    """A clinician places an order; it waits to be sent. Nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    problems = order_rules.order_problems(values, knowledge.imaging_centres)
    problems += _plan_step_problems(session, episode.id, data.plan_step_row_id)
    if problems:
        raise InvalidInput(problems)
    now = utcnow()
    order = ImagingOrder(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, status="drafted",
                         ordered_by_id=actor.user_id, ordered_at=now, status_changed_at=now, send_state="none", send_attempts=0,
                         review_note="", concordant="unknown", cancel_reason="", **values)
    session.add(order)
    session.flush()
    _audit(session, actor, "place", order, modality=order.modality, region=order.region, urgency=order.urgency)
    return order


def _moving(session: Session, actor: Actor, order_id: int, move: str, version: int) -> ImagingOrder:
    order = read_order(session, actor=actor, order_id=order_id)
    if order.version != version:
        raise StaleWrite("imaging order", version, order.version)
    problem = order_rules.move_problem(move, order.status)
    if problem is not None:
        raise Conflict(problem)
    return order


def _enter(order: ImagingOrder, status: str, now: datetime) -> None:
    order.status = status
    order.status_changed_at = now


def booked_slots(session: Session, *, clinic_id: int) -> set[tuple[str, datetime]]:
    """The standing slots already taken (centre id, slot time), so they are not offered again."""
    rows = session.execute(select(ImagingOrder.centre_id, ImagingOrder.standing_slot_at).where(
        ImagingOrder.clinic_id == clinic_id, ImagingOrder.standing_slot_at.is_not(None)))
    return {(centre, at) for centre, at in rows}


def book(session: Session, *, actor: Actor, knowledge: Knowledge, calendar: BusinessCalendar, order_id: int, data: BookIn) -> ImagingOrder:
    """The study is booked: a standing urgent slot (taken once) or the date and time the centre gave."""
    order = _moving(session, actor, order_id, "book", data.version)
    problems = order_rules.centre_problems(data.centre_id, knowledge.imaging_centres, required=True)
    slot = calendar.to_utc(data.booked_for)
    now = utcnow()
    if slot <= now:
        problems.append(FieldProblem("booked_for", "future_slot", "The slot must be in the future"))
    if data.standing and not problems:
        centre = knowledge.imaging_centres[data.centre_id]
        local = calendar.to_local(slot)
        standing = [s for s in centre.urgent_slots if s.at == local.time().replace(tzinfo=None)
                    and s.weekday == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]]
        if not standing:
            problems.append(FieldProblem("booked_for", "standing_slot", f"{centre.name} holds no standing slot at that time"))
        elif (data.centre_id, slot) in booked_slots(session, clinic_id=order.clinic_id):
            problems.append(FieldProblem("booked_for", "slot_free", "Another order has just booked that slot; choose another"))
        else:
            data = data.model_copy(update={"minutes": data.minutes or standing[0].minutes})
    if problems:
        raise InvalidInput(problems)
    order.centre_id = data.centre_id
    order.booked_for = slot
    order.booked_minutes = data.minutes
    order.standing_slot_at = slot if data.standing else None
    order.booked_at = now
    _enter(order, "booked", now)
    try:
        session.flush()
    except IntegrityError as exc:  # another coordinator booked the same standing slot a moment before
        session.rollback()
        raise InvalidInput([FieldProblem("booked_for", "slot_free", "Another order has just booked that slot; choose another")]) from exc
    _audit(session, actor, "book", order, centre_id=order.centre_id, booked_for=slot.isoformat(), standing=data.standing)
    return order


def record_done(session: Session, *, actor: Actor, order_id: int, data: DoneIn) -> ImagingOrder:
    order = _moving(session, actor, order_id, "done", data.version)
    order.performed_on = data.performed_on
    _enter(order, "done", utcnow())
    session.flush()
    _audit(session, actor, "done", order, performed_on=data.performed_on.isoformat())
    return order


def receive_report(session: Session, *, actor: Actor, calendar: BusinessCalendar, order_id: int, data: OrderReportIn) -> ImagingOrder:
    """The report is back: it becomes the episode's study with its report on file (ordered here)."""
    order = _moving(session, actor, order_id, "report", data.version)
    performed_on = order.performed_on or data.performed_on or (calendar.local_date(order.booked_for) if order.booked_for else None)
    if performed_on is None:
        raise InvalidInput([FieldProblem("performed_on", "required", "Give the date of the study")])
    study = studies.file_report(session, actor=actor, calendar=calendar, episode_id=order.episode_id, data=StudyIn(
        modality=order.modality, region=order.region, study=order.protocol[:200], origin="clinic", performed_on=performed_on,
        report_on_file=True, summary=data.summary))
    now = utcnow()
    order.performed_on = performed_on
    order.study_id = study.id
    order.report_received_at = now
    _enter(order, "reported", now)
    session.flush()
    _audit(session, actor, "report", order, study_id=study.id)
    return order


def review(session: Session, *, actor: Actor, order_id: int, data: ReviewIn) -> ImagingOrder:
    """A clinician read the report and said what it means: the loop is closed."""
    order = _moving(session, actor, order_id, "review", data.version)
    now = utcnow()
    order.reviewed_at = now
    order.reviewed_by_id = actor.user_id
    order.review_note = data.note
    order.concordant = data.concordant
    if order.study_id is not None:
        studies.judge_concordance(session, actor=actor, study_id=order.study_id, concordant=data.concordant)
    _enter(order, "reviewed", now)
    session.flush()
    _audit(session, actor, "review", order, concordant=data.concordant)
    return order


def cancel(session: Session, *, actor: Actor, order_id: int, data: CancelIn) -> ImagingOrder:
    order = _moving(session, actor, order_id, "cancel", data.version)
    now = utcnow()
    order.cancelled_at = now
    order.cancel_reason = data.reason
    order.standing_slot_at = None  # the standing slot is free for another order
    _enter(order, "cancelled", now)
    session.flush()
    _audit(session, actor, "cancel", order, reason=data.reason)
    return order


def list_orders(session: Session, *, actor: Actor, episode_id: int) -> list[ImagingOrder]:
    """An episode's orders, newest first; audited as a chart read."""
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(ImagingOrder).where(ImagingOrder.episode_id == episode_id)
                                .order_by(ImagingOrder.ordered_at.desc(), ImagingOrder.id.desc())))


def loop_of(order: ImagingOrder, centres: Mapping[str, object]) -> OrderLoop:
    centre = centres.get(order.centre_id) if order.centre_id else None
    return OrderLoop(order.id, order.clinic_id, order.episode_id, order.patient_id, order.modality, order.region, order.side,
                     order.urgency, order.status, order.ordered_at, getattr(centre, "name", None), order.sent_at, order.booked_for,
                     order.booked_at, order.performed_on, order.report_received_at, order.reviewed_at, order.cancel_reason,
                     order.send_state == "failed")


def order_loops(session: Session, *, knowledge: Knowledge, episode_ids: Sequence[int] | None) -> list[OrderLoop]:
    """Every order's loop (of these episodes), for the obligation provider."""
    query = select(ImagingOrder).order_by(ImagingOrder.id)
    if episode_ids is not None:
        query = query.where(ImagingOrder.episode_id.in_(list(episode_ids)))
    return [loop_of(order, knowledge.imaging_centres) for order in session.scalars(query)]
