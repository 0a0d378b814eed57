"""The work an imaging order's loop owes, as obligations. Pure: an order's dated facts, the pack's timings,
the calendar and now in; findings out.

- send the order (coordinator), once the clinician placed it;
- book the study (coordinator), once it is sent: an urgent one within hours, a routine one within days;
- chase the report (coordinator), some business days after the study date when no report came;
- review the report (clinician), once it arrived; met only when reviewed, which closes the loop.
Each due time derives from the fact that opened the work; a cancelled order cancels its open work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import OrderTimings
from painpath.orders.order_rules import describe
from painpath.worklist.engine import Cancellation, Finding, Fulfillment, Obligation, next_change_on

PROVIDER = "imaging_orders"
KINDS = ("imaging_order.send", "imaging_order.book", "imaging_order.chase_report", "imaging_order.review")


@dataclass(frozen=True)
class OrderLoop:
    """One order's dated facts, as the service reads them."""

    order_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    modality: str
    region: str
    side: str
    urgency: str
    status: str
    ordered_at: datetime
    centre_name: str | None = None
    sent_at: datetime | None = None
    booked_for: datetime | None = None
    booked_at: datetime | None = None
    performed_on: date | None = None
    report_received_at: datetime | None = None
    reviewed_at: datetime | None = None
    cancel_reason: str = ""
    send_failed: bool = False  # the last fax did not go (the order page says why and when it is tried again)


def key(order_id: int, step: str) -> str:
    return f"imaging_order:{order_id}:{step}"


def study_day(loop: OrderLoop, calendar: BusinessCalendar) -> date | None:
    """The study's date: as recorded, else the booked slot's day (the centre may not tell us it was done)."""
    if loop.performed_on is not None:
        return loop.performed_on
    return calendar.local_date(loop.booked_for) if loop.booked_for is not None else None


def chase_from(loop: OrderLoop, timings: OrderTimings, calendar: BusinessCalendar) -> date | None:
    """The day the report is chased if it has not come."""
    day = study_day(loop, calendar)
    return calendar.add_business_days(day, timings.chase_report_business_days.value) if day is not None else None


def book_due(loop: OrderLoop, timings: OrderTimings, calendar: BusinessCalendar) -> datetime | None:
    if loop.sent_at is None:
        return None
    if loop.urgency == "urgent":
        return loop.sent_at + timedelta(hours=timings.book_urgent_hours.value)
    return calendar.due_after_business_days(loop.sent_at, timings.book_routine_business_days.value)


def current_due(loop: OrderLoop, timings: OrderTimings, calendar: BusinessCalendar) -> datetime | None:
    """When the work of the order's current state is due (None: nothing owed yet), for the open-loops board."""
    if loop.status == "drafted":
        return calendar.due_after_business_days(loop.ordered_at, timings.send_business_days.value)
    if loop.status == "sent":
        return book_due(loop, timings, calendar)
    if loop.status in ("booked", "done"):
        day = chase_from(loop, timings, calendar)
        return calendar.end_of_local_day_utc(day) if day is not None else None
    if loop.status == "reported" and loop.report_received_at is not None:
        return calendar.due_after_business_days(loop.report_received_at, timings.review_business_days.value)
    return None


def order_findings(loop: OrderLoop, timings: OrderTimings, calendar: BusinessCalendar, now: datetime) -> list[Finding]:
    what = describe(loop.modality, loop.region, loop.side)
    if loop.status == "cancelled":
        return [Cancellation(key(loop.order_id, "*"), PROVIDER, f"The imaging order was cancelled: {loop.cancel_reason}")]

    def owe(step: str, title: str, due_at: datetime, role: str, reason: str) -> Obligation:
        return Obligation(key(loop.order_id, step), f"imaging_order.{step}", PROVIDER, loop.clinic_id, loop.episode_id, loop.patient_id,
                          title, due_at, role, reason, {"order_id": loop.order_id})

    def met(step: str, by: str, at: datetime) -> Fulfillment:
        return Fulfillment(key(loop.order_id, step), PROVIDER, by, at, {"order_id": loop.order_id})

    found: list[Finding] = []
    urgent = "urgent " if loop.urgency == "urgent" else ""
    if loop.status == "drafted":
        failed = (" The fax did not go: the order page says why; send it again or print it." if loop.send_failed else "")
        found.append(owe("send", f"Send the {urgent}imaging order: {what}", current_due(loop, timings, calendar), "coordinator",
                         f"The clinician placed this {urgent}order on {calendar.local_date(loop.ordered_at):%d %b}; "
                         "it goes to the imaging centre with its requisition." + failed))
        return found
    found.append(met("send", "the order was sent", loop.sent_at or loop.ordered_at))
    if loop.status == "sent":
        window = (f"within {timings.book_urgent_hours.value} hours" if loop.urgency == "urgent"
                  else f"within {timings.book_routine_business_days.value} business days")
        found.append(owe("book", f"Book the {urgent}study: {what}", book_due(loop, timings, calendar), "coordinator",
                         f"The order went to {loop.centre_name or 'the imaging centre'}; an {loop.urgency} study is booked {window} of sending."))
        return found
    found.append(met("book", "the study was booked", loop.booked_at or loop.sent_at or loop.ordered_at))
    if loop.status in ("booked", "done"):
        chase_on = chase_from(loop, timings, calendar)
        today = calendar.local_date(now)
        if chase_on is not None and today >= chase_on:
            day = study_day(loop, calendar)
            found.append(owe("chase_report", f"Chase the imaging report: {what}", calendar.end_of_local_day_utc(chase_on), "coordinator",
                             f"The study was due on {day:%d %b}; no report has come from {loop.centre_name or 'the centre'} "
                             f"{timings.chase_report_business_days.value} business days later."))
        elif chase_on is not None:
            found += next_change_on(PROVIDER, loop.episode_id, [chase_on], today, calendar, "the imaging report is chased if it has not come")
        return found
    received = loop.report_received_at or now
    found.append(met("chase_report", "the report arrived", received))
    if loop.status == "reported":
        found.append(owe("review", f"Review the imaging report: {what}", current_due(loop, timings, calendar), "clinician",
                         f"The report came back on {calendar.local_date(received):%d %b}; the loop closes when a clinician has read it "
                         "and said what it means for the plan."))
        return found
    found.append(met("review", "a clinician reviewed the report", loop.reviewed_at or received))
    return found
