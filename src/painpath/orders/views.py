"""JSON API for imaging studies (record one, record that its report arrived, list an episode's) and imaging
orders (place one, list an episode's, read one, its FHIR export; the loop's moves are on the order page).

Writing needs EPISODE_WRITE: nurses, coordinators and clinicians all record that an outside MRI report
came in (RECORDS_REQUEST leaves out clinicians and NOTE_WRITE leaves out coordinators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.orders import fhir_export, order_service, service
from painpath.orders.schemas import OrderIn, OrderOut, ReportIn, StudyIn, StudyOut
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["orders"])


@router.post("/episodes/{episode_id}/imaging-studies", response_model=StudyOut, status_code=201)
def record_study(episode_id: DbId, data: StudyIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    return service.record_study(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)


@router.get("/episodes/{episode_id}/imaging-studies", response_model=list[StudyOut])
def list_studies(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return service.list_studies(session, actor=caller.actor, episode_id=episode_id)


@router.post("/imaging-studies/{study_id}/report", response_model=StudyOut)
def record_report(study_id: DbId, data: ReportIn, session: DbSession, caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    return service.record_report(session, actor=caller.actor, study_id=study_id, data=data)


@router.post("/episodes/{episode_id}/imaging-orders", response_model=OrderOut, status_code=201)
def place_order(episode_id: DbId, data: OrderIn, ctx: AppCtx, session: DbSession,
                caller: Annotated[Caller, requires(Permission.ORDER_PLACE)]):  # noqa: ANN201
    """A clinician places an imaging order (the order form's "Place the order"); it waits to be sent."""
    order = order_service.place_order(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return order


@router.get("/episodes/{episode_id}/imaging-orders", response_model=list[OrderOut])
def list_orders(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return order_service.list_orders(session, actor=caller.actor, episode_id=episode_id)


@router.get("/imaging-orders/{order_id}", response_model=OrderOut)
def read_order(order_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return order_service.read_order(session, actor=caller.actor, order_id=order_id)


@router.get("/imaging-orders/{order_id}/fhir")
def imaging_order_fhir(order_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict:
    """The order as a FHIR R4B Bundle: its ServiceRequest and the Task that tracks its loop."""
    order = order_service.read_order(session, actor=caller.actor, order_id=order_id)
    return fhir_export.order_bundle(order, ctx.knowledge.imaging_centres.get(order.centre_id or ""))
