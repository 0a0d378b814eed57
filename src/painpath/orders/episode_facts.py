"""The orders slice's fact readers (`painpath.facts.gather`): imaging studies, each report on file as a
document of the kit, and imaging orders with their loop. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, SharedFacts, register_reader
from painpath.facts.vocabulary import DocumentFact, ImagingOrderFact, ImagingStudy as ImagingFact
from painpath.orders import rules
from painpath.orders.models import ImagingOrder, ImagingStudy

_imaging = ImagingStudy.__table__.c
_STUDIES = FactSelect(lambda episode_in: select(
    _imaging.episode_id, _imaging.id, _imaging.modality, _imaging.region, _imaging.performed_on, _imaging.report_on_file,
    _imaging.concordant, _imaging.summary, _imaging.study, _imaging.records_request_id,
).where(episode_in(_imaging.episode_id)).order_by(_imaging.episode_id, _imaging.performed_on, _imaging.id))
_STUDY, _REPORT = SharedFacts(ImagingFact), SharedFacts(DocumentFact)


@register_reader("imaging")
def imaging_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's studies, oldest first, and the reports on file among them."""
    studies: dict[int, list[ImagingFact]] = {}
    reports: dict[int, list[DocumentFact]] = {}
    rows = _STUDIES.rows(session, episode_ids)
    concordant_flag = rules.CONCORDANT_FLAGS.get  # rules.concordant_flag, without a call per row
    for episode_id, study_id, modality, region, performed_on, report_on_file, concordant, summary, study, request_id in rows:
        made = _STUDY[modality, region, performed_on, report_on_file, concordant_flag(concordant), summary, ()]
        if (known := studies.get(episode_id)) is None:
            studies[episode_id] = [made]
        else:
            known.append(made)
        if report_on_file:
            reference = f"records_request:{request_id}" if request_id else f"imaging_study:{study_id}"
            reports.setdefault(episode_id, []).append(_REPORT["imaging_report", performed_on, reference, None, study])
    return {episode_id: {"imaging": tuple(found), "documents": tuple(reports.get(episode_id, ()))} for episode_id, found in studies.items()}


_orders = ImagingOrder.__table__.c
_ORDERS = FactSelect(lambda episode_in: select(
    _orders.episode_id, _orders.id, _orders.modality, _orders.region, _orders.side, _orders.protocol, _orders.urgency, _orders.status,
    _orders.ordered_at, _orders.plan_step_row_id, _orders.sent_at, _orders.booked_for, _orders.performed_on,
    _orders.report_received_at, _orders.reviewed_at,
).where(episode_in(_orders.episode_id)).order_by(_orders.episode_id, _orders.ordered_at, _orders.id))


@register_reader("imaging_orders")
def imaging_order_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's imaging orders, oldest first, with the clinic's date of each step of the loop."""
    day = query.calendar.local_date
    found: dict[int, list[ImagingOrderFact]] = {}
    for (episode_id, order_id, modality, region, side, protocol, urgency, status, ordered_at, step_id, sent_at, booked_for,
         performed_on, report_at, reviewed_at) in _ORDERS.rows(session, episode_ids):
        found.setdefault(episode_id, []).append(ImagingOrderFact(
            order_id, modality, region, side, protocol, urgency, status, day(ordered_at), step_id,
            day(sent_at) if sent_at else None, day(booked_for) if booked_for else None, performed_on,
            day(report_at) if report_at else None, day(reviewed_at) if reviewed_at else None))
    return {episode_id: {"imaging_orders": tuple(orders)} for episode_id, orders in found.items()}
