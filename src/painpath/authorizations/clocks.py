"""When a payer's answer is due: the decision clock from the payer pack, counted on the payer's calendar.

Clocks come in business days, calendar days or hours (research/prior-auth.md section 9). A business-day
clock skips weekends and US federal holidays, except the holidays a payer works (Veterans Day for many
private payers, per the payer pack). A calendar-day or hour clock runs through everything. A business-day
or calendar-day answer is due by the close of that day on the clinic's clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import Payer, SourcedDuration


def payer_calendar(calendar: BusinessCalendar, payer: Payer) -> BusinessCalendar:
    """The clinic's calendar as this payer counts business days."""
    if payer.business_calendar.veterans_day_is_business_day:
        return replace(calendar, observed_holidays_ignored=calendar.observed_holidays_ignored | {"Veterans Day"})
    return calendar


def clock_for(payer: Payer, priority: str) -> SourcedDuration:
    return payer.decision_clock.expedited if priority == "expedited" else payer.decision_clock.standard


def received_on(calendar: BusinessCalendar, payer: Payer, priority: str, submitted_at: datetime) -> date | None:
    """The day a payer with a receipt cut-off counts a standard request as received (None: no such rule, the
    clock runs from the submission itself). California: after 5:30 pm Pacific, or on a day off, it is the next
    business day."""
    cutoff = payer.decision_clock.receipt_cutoff
    if cutoff is None or priority == "expedited":
        return None
    counted = payer_calendar(calendar, payer)
    local = submitted_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(cutoff.timezone))
    hour, minute = (int(part) for part in cutoff.after_local_time.split(":"))
    day = local.date()
    if local.time() > time(hour, minute) or not counted.is_business_day(day):
        day = counted.add_business_days(day, 1)
    return day


def decision_due(calendar: BusinessCalendar, payer: Payer, priority: str, submitted_at: datetime) -> datetime:
    """The moment (naive UTC) by which the payer owes its decision on a request submitted at `submitted_at`."""
    clock = clock_for(payer, priority)
    if clock.unit == "hours":
        return submitted_at + timedelta(hours=clock.amount)
    counted = payer_calendar(calendar, payer)
    received = received_on(calendar, payer, priority, submitted_at)
    if received is not None and clock.unit == "business_days":
        # Counting starts the day after receipt.
        return counted.end_of_local_day_utc(counted.add_business_days(received, clock.amount))
    if clock.unit == "business_days":
        return counted.due_after_business_days(submitted_at, clock.amount)
    day = counted.local_date(submitted_at) + timedelta(days=clock.amount)
    return counted.end_of_local_day_utc(day)


def describe_clock(payer: Payer, priority: str) -> str:
    clock = clock_for(payer, priority)
    unit = {"business_days": "business day", "calendar_days": "calendar day", "hours": "hour"}[clock.unit]
    return f"{clock.amount} {unit}{'s' if clock.amount != 1 else ''} ({priority})"
