"""The demo clinic's imaging orders (issue 16): one order in every state of its loop, on two charted
episodes, entered through the orders services as staff would, so the order page offers each state's form, the
episode panels list them and the worklist and the open-loops board have work to show:

placed and not sent; sent, not booked (urgent, so the standing-slot picker shows); booked into a standing urgent
slot; study done and the report awaited; the report back and awaiting the clinician's review; reviewed (the loop
closed); cancelled. Sending prints the requisition (no fax leaves a demo) and commits, so this runs last."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.core.clock import utcnow
from painpath.orders import order_sending, order_service, slots
from painpath.orders.models import ImagingOrder
from painpath.orders.schemas import BookIn, CancelIn, DoneIn, OrderIn, OrderReportIn, ReviewIn, SendIn
from painpath.patients.models import Episode
from painpath.plans import service as plan_service
from painpath.plans.models import PlanStep
from painpath.plans.schemas import GoalIn, PlanStartIn

STATES = ("drafted", "sent", "booked", "done", "reported", "reviewed", "cancelled")
# The study each region's patient is sent for: (modality, protocol, contrast, side, question, relevant history).
STUDIES = {
    "hip": ("mri_arthrogram", "MR arthrogram of the hip with intra-articular gadolinium", "intra_articular", "right",
            "Labral tear? Groin pain with clicking, positive FADIR", "Hip X-ray: no arthritis, normal joint space"),
    "knee": ("mri", "MRI knee without contrast", "none", "left", "Meniscal tear? Locking and medial joint-line pain",
             "Knee X-ray: mild medial joint-space narrowing"),
    "shoulder": ("mri_arthrogram", "MR arthrogram of the shoulder", "intra_articular", "right", "Labral or rotator-cuff tear? Pain on overhead reach",
                 "Shoulder X-ray: no fracture"),
    "lumbar": ("mri", "MRI lumbar spine without contrast", "none", "none", "Disc herniation compressing L5 or S1? Leg pain below the knee",
               "Eight weeks of physical therapy and NSAIDs without improvement"),
    "cervical": ("mri", "MRI cervical spine without contrast", "none", "none", "Foraminal stenosis at C5-6 or C6-7? Arm pain and numbness",
                 "Six weeks of physical therapy without improvement"),
}


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """An order in each state on the clinic's open charted episodes; how many were made (none for a demo
    anchored in the future: the services date everything today)."""
    if now > utcnow():
        return 0
    episodes = list(session.scalars(select(Episode).where(
        Episode.clinic_id == clinic_id, Episode.status == "open", Episode.first_visit_at.is_not(None),
        Episode.responsible_clinician_id.is_not(None), Episode.body_region.in_(tuple(STUDIES))).order_by(Episode.id)))
    coordinator = actor_for(users["coordinator"])
    made = 0
    if not episodes:
        return 0
    # On two episodes, alternately: each then has an order with an open task (placed; sent; report back), and the
    # order page lists its episode's other orders, so the worklist leads to every state.
    for index, state in enumerate(STATES):
        episode = episodes[index % min(2, len(episodes))]
        clinician = actor_for(session.get(User, episode.responsible_clinician_id))
        _as_of(_order_in_state(session, ctx, clinician, coordinator, episode, state), now)
        made += 1
    plan_episodes = _plan_steps_that_are_orders(session, ctx, coordinator, clinic_id, now)
    ctx.reconcile(session, [e.id for e in episodes] + plan_episodes)
    session.commit()
    return made


# Journey J3 on two hip patients: one whose plan is at its MR arthrogram step, the order placed from the step
# and booked into a standing urgent slot; one at the orthopaedics referral step, not written yet (the plan
# offers the prefilled referral form, and the clinician has the task).
HIP_PLAN_STEPS = ("mri_arthrogram", "orthopedics_referral")
HIP_GOALS = [GoalIn(text="Walk 30 minutes without groin pain", measure="walking_minutes", target=30)]


def _plan_steps_that_are_orders(session: Session, ctx: AppContext, coordinator, clinic_id: int, now: datetime) -> list[int]:  # noqa: ANN001
    """Hip-labral plans started at their order steps on charted hip episodes without a plan: their ids."""
    hips = list(session.scalars(select(Episode).where(
        Episode.clinic_id == clinic_id, Episode.status == "open", Episode.first_visit_at.is_not(None), Episode.body_region == "hip",
        Episode.responsible_clinician_id.is_not(None), ~Episode.id.in_(select(ImagingOrder.episode_id)),
        ~Episode.id.in_(select(PlanStep.episode_id))).order_by(Episode.id)))
    for episode, step_id in zip(hips, HIP_PLAN_STEPS):
        clinician = actor_for(session.get(User, episode.responsible_clinician_id))
        plan = plan_service.start_plan(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id,
                                       data=PlanStartIn(pathway_id="hip_labral", goals=HIP_GOALS, first_step_id=step_id))
        if step_id != "mri_arthrogram":
            continue
        row = session.scalars(select(PlanStep).where(PlanStep.plan_id == plan.id, PlanStep.status == "active")).one()
        modality, protocol, contrast, side, question, history = STUDIES["hip"]
        order = order_service.place_order(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode.id, data=OrderIn(
            modality=modality, protocol=protocol, contrast=contrast, region="hip", side=side, clinical_question=question,
            relevant_history=history, urgency="urgent", centre_id="lakeside_imaging", plan_step_row_id=row.id))
        order = order_sending.send_order(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order.id,
                                         data=SendIn(version=order.version, send_by="print"))
        _as_of(order_service.book(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order.id,
                                  data=_slot(session, ctx, order)), now)
    return [e.id for e in hips[:len(HIP_PLAN_STEPS)]]


def _order_in_state(session: Session, ctx: AppContext, clinician, coordinator, episode: Episode, state: str) -> ImagingOrder:  # noqa: ANN001
    modality, protocol, contrast, side, question, history = STUDIES[episode.body_region]
    urgent = state in ("sent", "booked")
    order = order_service.place_order(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episode.id, data=OrderIn(
        modality=modality, protocol=protocol, contrast=contrast, region=episode.body_region, side=side, clinical_question=question,
        relevant_history=history, urgency="urgent" if urgent else "routine", centre_id="lakeside_imaging"))
    if state == "cancelled":
        order_service.cancel(session, actor=clinician, order_id=order.id,
                             data=CancelIn(version=order.version, reason="Pain settled after the injection; imaging no longer needed"))
    if state in ("drafted", "cancelled"):
        return order
    order = order_sending.send_order(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order.id,
                                     data=SendIn(version=order.version, send_by="print"))
    if state == "sent":
        return order
    order = order_service.book(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order.id,
                               data=_slot(session, ctx, order))
    if state == "booked":
        return order
    yesterday = _slot_was_yesterday(session, ctx, order)
    order = order_service.record_done(session, actor=coordinator, order_id=order.id, data=DoneIn(version=order.version, performed_on=yesterday))
    if state == "done":
        return order
    order = order_service.receive_report(session, actor=coordinator, calendar=ctx.calendar, order_id=order.id, data=OrderReportIn(
        version=order.version, summary="Findings answer the clinical question; see the full report"))
    if state == "reported":
        return order
    return order_service.review(session, actor=clinician, order_id=order.id, data=ReviewIn(
        version=order.version, concordant="yes", note="Concordant with the exam; discussed with the patient, plan adjusted"))


STAMPS = ("ordered_at", "sent_at", "last_attempt_at", "booked_at", "report_received_at", "reviewed_at", "cancelled_at", "status_changed_at")


def _as_of(order: ImagingOrder, now: datetime) -> None:
    """Every step dated at the demo's moment, not the wall clock's, so the same seed gives the same tasks."""
    anchor = now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo else now
    for name in STAMPS:
        if getattr(order, name) is not None:
            setattr(order, name, anchor)


def _slot(session: Session, ctx: AppContext, order: ImagingOrder) -> BookIn:
    """A standing urgent slot for an urgent order when one is free within 48 hours; else the next business day at 9:00."""
    now = utcnow()
    if order.urgency == "urgent":
        offers = slots.urgent_offers(ctx.knowledge.imaging_centres.values(), order.modality, now, ctx.calendar,
                                     order_service.booked_slots(session, clinic_id=order.clinic_id))
        if offers:
            local = ctx.calendar.to_local(offers[0].at).replace(tzinfo=None)
            return BookIn(version=order.version, centre_id=offers[0].centre_id, booked_for=local, standing=True)
    day = ctx.calendar.add_business_days(ctx.calendar.local_date(now), 1)
    return BookIn(version=order.version, centre_id="lakeside_imaging", booked_for=datetime.combine(day, time(9, 0)), minutes=45)


def _slot_was_yesterday(session: Session, ctx: AppContext, order: ImagingOrder) -> date:
    """The services book only future slots: a demo order whose study is done had its slot yesterday."""
    yesterday = ctx.calendar.local_date(utcnow()) - timedelta(days=1)
    order.booked_for = ctx.calendar.to_utc(datetime.combine(yesterday, time(9, 0)))
    order.standing_slot_at = None
    session.flush()
    return yesterday
