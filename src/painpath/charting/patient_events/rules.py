"""Checks and words for the patient's timeline of major events. Pure: no I/O, no clock.

A patient says "2019", "March 2021" or "14 March 2021": the date is a year, a month or a day, and it
is kept at that precision (`occurred_on` is the period's first day). Events sort by that day, and among
events of the same first day the vaguer one comes first ("2021" before "March 2021" before "1 March 2021"),
so a vague date never appears to follow a precise one it may well precede.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date

from painpath.core.errors import FieldProblem

KINDS = ("onset", "injury", "imaging", "procedure", "surgery", "medication_change", "work_change", "other")
KIND_WORDS = {
    "onset": "Pain began", "injury": "Injury", "imaging": "Imaging", "procedure": "Procedure", "surgery": "Surgery",
    "medication_change": "Medication change", "work_change": "Work change", "other": "Other event",
}
PRECISIONS = ("year", "month", "day")
ORIGIN_WORDS = {"reported": "reported by the patient", "imported": "from imported records"}
EARLIEST_YEAR = 1900


def precision_of(month: int | None, day: int | None) -> str:
    return "day" if day is not None else "month" if month is not None else "year"


def first_day(year: int, month: int | None, day: int | None) -> date:
    """The first day of the period the patient named (raises ValueError for a day the month does not have)."""
    return date(year, month or 1, day or 1)


def date_problems(year: int | None, month: int | None, day: int | None, *, today: date) -> list[FieldProblem]:
    """Every problem with a partial date, each naming the part that is wrong."""
    if year is None:
        return [FieldProblem("year", "required", "Give at least the year the event happened")]
    if year < EARLIEST_YEAR:
        return [FieldProblem("year", "plausible", f"The year must be {EARLIEST_YEAR} or later")]
    if year > today.year:
        return [FieldProblem("year", "not_future", "The event cannot be in a future year; the timeline is what has happened")]
    if month is None and day is not None:
        return [FieldProblem("month", "required_with_day", "A day needs its month; leave the day empty if the patient only knows the year")]
    if month is not None and not 1 <= month <= 12:
        return [FieldProblem("month", "range", "The month is a number from 1 to 12")]
    if day is not None:
        last = calendar.monthrange(year, month or 1)[1]
        if not 1 <= day <= last:
            return [FieldProblem("day", "in_month", f"{calendar.month_name[month or 1]} {year} has days 1 to {last}")]
    start = first_day(year, month, day)
    if start > today:
        field = "day" if day is not None else "month"
        return [FieldProblem(field, "not_future", "The event cannot be in the future; the timeline is what has happened")]
    return []


def event_problems(values: Mapping[str, object], *, today: date) -> list[FieldProblem]:
    """Every problem with one event: its kind, its date parts, its description."""
    problems: list[FieldProblem] = []
    kind = values.get("kind")
    if kind not in KINDS:
        problems.append(FieldProblem("kind", "known_kind", f"Choose the kind of event: {', '.join(KIND_WORDS[k].lower() for k in KINDS)}"))
    problems += date_problems(values.get("year"), values.get("month"), values.get("day"), today=today)  # type: ignore[arg-type]
    return problems


def when_words(on: date, precision: str) -> str:
    """"2019", "Mar 2021", "14 Mar 2021": the date as precisely as the patient gave it."""
    if precision == "year":
        return f"{on.year}"
    if precision == "month":
        return f"{on:%b %Y}"
    return f"{on:%d %b %Y}"


def sort_key(on: date, precision: str, ident: int = 0) -> tuple[date, int, int]:
    """Date order: the period's first day, then the vaguer date first, then the order of entry."""
    return (on, PRECISIONS.index(precision) if precision in PRECISIONS else 0, ident)


def summary(kind: str, description: str) -> str:
    """"Injury: lifted a pallet at work, low back pain since"."""
    return f"{KIND_WORDS.get(kind, kind)}: {description}"
