"""Shared input types with plausible ranges, so bad input is refused with 422 (field and rule) before it
reaches the database: ids and paging numbers that fit PostgreSQL's integer, finite measures, text without
NUL or control characters, and dates that are text (never a bare number) inside a range a clinic can mean.

Every slice's input schemas inherit `InputModel`; path and query parameters use the annotated aliases.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationError, WrapValidator, field_validator
from pydantic_core import PydanticCustomError

from painpath.core.clock import utcnow

# PostgreSQL's INTEGER: a larger id or count overflows there (a 500) instead of meaning "no such row".
DB_INT_MAX = 2**31 - 1
# How far a list may be paged; far beyond any clinic's rows, far below the database's limits.
OFFSET_MAX = 1_000_000
# Ranges a clinic can mean: nobody alive was born, fell ill or was treated before 1900.
EARLIEST_DATE = date(1900, 1, 1)
SCHEDULE_YEARS_AHEAD = 2
# Tab, newline and carriage return are text; NUL and other C0/C1 controls are not (PostgreSQL refuses NUL).
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}

DbId = Annotated[int, Ge(1), Le(DB_INT_MAX)]
Version = Annotated[int, Ge(1), Le(DB_INT_MAX)]
Offset = Annotated[int, Ge(0), Le(OFFSET_MAX)]
# Any count or small whole number stored in an INTEGER column.
DbInt = Annotated[int, Ge(-DB_INT_MAX), Le(DB_INT_MAX)]


def _one_number_problem(value: Any, handler: Any) -> Any:  # noqa: ANN401
    # A whole-or-decimal number is a union; report one problem for the field, not one per member type.
    try:
        return handler(value)
    except ValidationError as exc:
        if any(err["type"] == "finite_number" for err in exc.errors()):
            raise PydanticCustomError("finite_number", "Enter a number (not NaN or infinity)") from None
        raise PydanticCustomError("number_type", "Enter a number") from None


# A measure kept as typed (5 stays 5, 5.5 stays 5.5), finite.
FiniteNumber = Annotated[int | float, WrapValidator(_one_number_problem)]


def _has_control_character(text: str) -> bool:
    return any((ord(char) < 32 or 127 <= ord(char) < 160) and char not in _ALLOWED_CONTROLS for char in text)


def reject_control_characters(value: Any) -> Any:
    """Strings (also inside lists and dicts) must not carry NUL or other control characters."""
    if isinstance(value, str):
        if _has_control_character(value):
            raise PydanticCustomError("no_control_characters", "Remove control characters (such as NUL) from this text")
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            reject_control_characters(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_control_characters(key)
            reject_control_characters(item)
    return value


SafeText = Annotated[str, AfterValidator(reject_control_characters)]


def _date_as_text(value: Any) -> Any:
    # Lax pydantic reads 0 as 1970-01-01 and 1e9 as a 2001 date; a date must be written as a date.
    if isinstance(value, (int, float)):  # bool is an int too
        raise PydanticCustomError("date_type", "Enter the date as text, like 2026-03-14")
    return value


def _today() -> date:
    return utcnow().date()


def _date_range_checker(*, earliest_days: int | None, latest_days: int):  # noqa: ANN202
    """A check that a date lies from `earliest_days` (None: 1900) to `latest_days` days from today."""

    def check(value: date) -> date:
        day = value.date() if isinstance(value, datetime) else value
        today = _today()
        earliest = EARLIEST_DATE if earliest_days is None else today + timedelta(days=earliest_days)
        # One day of slack either side: the clinic's local date can differ from UTC's.
        latest = today + timedelta(days=latest_days + 1)
        if not (earliest - timedelta(days=1) <= day <= latest):
            raise PydanticCustomError(
                "plausible_date", "Enter a date from {earliest} to {latest}",
                {"earliest": earliest.isoformat(), "latest": (latest - timedelta(days=1)).isoformat()},
            )
        return value

    return check


def _dated(kind: type, *, earliest_days: int | None, latest_days: int) -> Any:
    return Annotated[
        kind, BeforeValidator(_date_as_text),
        AfterValidator(_date_range_checker(earliest_days=earliest_days, latest_days=latest_days)),
    ]


_SCHEDULE_DAYS = 366 * SCHEDULE_YEARS_AHEAD
# Born from 1900 up to today.
BirthDate = _dated(date, earliest_days=None, latest_days=0)
# Something that has happened: onset, a procedure performed, relief measured, a sample collected.
PastDate = _dated(date, earliest_days=None, latest_days=0)
# A date in a record that may lie ahead (coverage end, planned start, due date): 1900 to two years ahead.
PlausibleDate = _dated(date, earliest_days=None, latest_days=_SCHEDULE_DAYS)
PlausibleDateTime = _dated(datetime, earliest_days=None, latest_days=_SCHEDULE_DAYS)
# A visit or appointment: booked up to two years ahead, recorded up to two years back.
AppointmentDateTime = _dated(datetime, earliest_days=-_SCHEDULE_DAYS, latest_days=_SCHEDULE_DAYS)


def _as_utc(value: datetime | None) -> datetime | None:
    # Stored timestamps are naive UTC; the API says so with an offset instead of leaving readers to guess.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# Only the JSON carries the offset: Python code keeps comparing naive UTC, and output built with
# model_construct (which skips validation) is serialised with the offset too.
UtcDateTime = Annotated[datetime, PlainSerializer(_as_utc, return_type=datetime, when_used="json")]


class InputModel(BaseModel):
    """Base of every input schema: unknown fields refused, text trimmed, only finite numbers, no control
    characters in any text (NUL is refused by PostgreSQL and never belongs in a chart)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return reject_control_characters(value)
