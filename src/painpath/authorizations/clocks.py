"""When a payer's answer is due: the decision clock from the payer pack, counted on the payer's calendar.

Clocks come in business days, calendar days or hours (research/prior-auth.md section 9). A business-day
clock skips weekends and US federal holidays, except the holidays a payer works (Veterans Day for many
private payers, per the payer pack). A calendar-day or hour clock runs through everything. A business-day
or calendar-day answer is due by the close of that day on the clinic's clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import Payer, SourcedDuration


def payer_calendar(calendar: BusinessCalendar, payer: Payer) -> BusinessCalendar:
    """The clinic's calendar as this payer counts business days."""
    if payer.business_calendar.veterans_day_is_business_day:
        return replace(calendar, observed_holidays_ignored=calendar.observed_holidays_ignored | {"Veterans Day"})
    return calendar


def clock_for(payer: Payer, priority: str) -> SourcedDuration:
    return payer.decision_clock.expedited if priority == "expedited" else payer.decision_clock.standard


def decision_due(calendar: BusinessCalendar, payer: Payer, priority: str, submitted_at: datetime) -> datetime:
    """The moment (naive UTC) by which the payer owes its decision on a request submitted at `submitted_at`."""
    clock = clock_for(payer, priority)
    if clock.unit == "hours":
        return submitted_at + timedelta(hours=clock.amount)
    counted = payer_calendar(calendar, payer)
    if clock.unit == "business_days":
        return counted.due_after_business_days(submitted_at, clock.amount)
    day = counted.local_date(submitted_at) + timedelta(days=clock.amount)
    return counted.end_of_local_day_utc(day)


def describe_clock(payer: Payer, priority: str) -> str:
    clock = clock_for(payer, priority)
    unit = {"business_days": "business day", "calendar_days": "calendar day", "hours": "hour"}[clock.unit]
    return f"{clock.amount} {unit}{'s' if clock.amount != 1 else ''} ({priority})"
