"""Imaging on the episode timeline: each study (when it was done, whether its report is on file) and each
step of each imaging order's loop."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.clock import BusinessCalendar
from painpath.orders import order_rules
from painpath.orders.models import ImagingOrder, ImagingStudy
from painpath.patients.models import Episode
from painpath.patients.timeline import TimelineEntry, register_source


def _noon(calendar: BusinessCalendar, day: date) -> datetime:
    # Studies are dated, not timed: place them at the clinic's midday so the day reads right.
    return calendar.to_utc(datetime.combine(day, time(12, 0)))


def describe(study: ImagingStudy) -> str:
    """"MRI lumbar spine without contrast (outside), report on file: L5-S1 disc extrusion"."""
    where = "outside" if study.origin == "outside" else "ordered here"
    report = "report on file" if study.report_on_file else "report not on file yet"
    text = f"{study.study} ({where}), {report}"
    return f"{text}: {study.summary}" if study.report_on_file and study.summary else text


@register_source
def imaging_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    return [
        TimelineEntry(_noon(calendar, s.performed_on), "imaging.study", f"{describe(s)}, done {s.performed_on:%d %b %Y}", "orders")
        for s in session.scalars(select(ImagingStudy).where(ImagingStudy.episode_id == episode.id))
    ]


def _order_steps(order: ImagingOrder, calendar: BusinessCalendar) -> list[tuple[datetime, str]]:
    what = order_rules.describe(order.modality, order.region, order.side)
    urgent = "urgent " if order.urgency == "urgent" else ""
    steps = [(order.ordered_at, f"Imaging ordered ({urgent}{what}): {order.clinical_question}")]
    if order.sent_at:
        steps.append((order.sent_at, f"Imaging order sent to the centre: {what}"))
    if order.booked_at and order.booked_for:
        steps.append((order.booked_at, f"Imaging booked for {calendar.to_local(order.booked_for):%d %b %Y %H:%M}: {what}"))
    if order.performed_on:
        steps.append((_noon(calendar, order.performed_on), f"Imaging study done: {what}"))
    if order.report_received_at:
        steps.append((order.report_received_at, f"Imaging report received: {what}"))
    if order.reviewed_at:
        steps.append((order.reviewed_at, f"Imaging report reviewed: {order.review_note}"))
    if order.cancelled_at:
        steps.append((order.cancelled_at, f"Imaging order cancelled ({what}): {order.cancel_reason}"))
    return steps


@register_source
def imaging_order_entries(session: Session, episode: Episode, calendar: BusinessCalendar) -> list[TimelineEntry]:
    return [
        TimelineEntry(at, "imaging.order", text, "orders")
        for order in session.scalars(select(ImagingOrder).where(ImagingOrder.episode_id == episode.id))
        for at, text in _order_steps(order, calendar)
    ]
