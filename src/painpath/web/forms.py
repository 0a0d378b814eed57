"""Helpers the HTML pages share: read a posted form, turn validation errors into problems a person can
act on, place each problem next to its field, and show stored UTC times on the clinic's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from painpath.core.clock import BusinessCalendar
from painpath.core.errors import DomainError, FieldProblem, NotFound


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form as stripped strings (files ignored); the CSRF check has already parsed it."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def is_htmx(request: Request) -> bool:
    """An htmx swap wants the fragment; a history restore after a cache miss wants the whole page."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def plain_message(err: dict[str, Any]) -> str:
    """A pydantic error as a person reads it: what to enter, not the parser's words."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    given = err.get("input")
    if kind == "missing" or given is None or given == "":
        return "This is required"
    if kind == "string_too_short":
        return f"Enter at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return "This is not in the expected format"
    if kind.startswith("date_"):
        return "Enter a real date (year, month, day)"
    if kind.startswith("datetime_"):
        return "Enter a date and a time"
    if kind.startswith("int_"):
        return "Enter a whole number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"Enter {ctx.get('ge', ctx.get('gt'))} or more"
    if kind in ("less_than_equal", "less_than"):
        return f"Enter {ctx.get('le', ctx.get('lt'))} or less"
    if kind == "finite_number" or kind.startswith(("float_", "decimal_")):
        return "Enter a number"
    if kind.startswith("bool_"):
        return "Choose yes or no"
    if kind.startswith(("string_", "str_")):
        return "Enter text"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return "This is not in the expected form"
    if kind in ("literal_error", "enum"):
        return "Choose one of the listed options"
    if kind == "too_long":
        return f"Give at most {ctx.get('max_length')} items"
    message = str(err.get("msg", "Invalid value")).removeprefix("Value error, ")
    return message[:1].upper() + message[1:]


def validation_problems(exc: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as FieldProblems with plain-language messages."""
    problems = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ())) or "form"
        problems.append(FieldProblem(field, err.get("type", "invalid"), plain_message(err)))
    return problems


def refusal(exc: Exception) -> tuple[list[FieldProblem], int]:
    """Why a form was refused, and the status to answer with: a validation error (422), a version that moved under
    the edit (409), or the service's own problems with its status. NotFound is raised again: there is no form to
    show again for a row that is not there."""
    if isinstance(exc, ValidationError):
        return validation_problems(exc), 422
    if isinstance(exc, StaleDataError):
        return [FieldProblem("version", "current_version", "Someone else changed this first; reload and try again")], 409
    if isinstance(exc, NotFound) or not isinstance(exc, DomainError):
        raise exc
    return exc.problems, exc.status_code


def errors_by_field(problems: list[FieldProblem]) -> dict[str, list[str]]:
    """Messages keyed by the form field they belong to (icd10_codes[1] -> icd10_codes)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field.split("[")[0].split(".")[0], []).append(problem.message)
    return errors


def clinic_clock(calendar: BusinessCalendar) -> Callable[[datetime | None], datetime | None]:
    """Stored times are naive UTC; pages show them on the clinic's clock."""

    def convert(value: datetime | None) -> datetime | None:
        return None if value is None else calendar.to_local(value)

    return convert


def clinic_time_to_utc(calendar: BusinessCalendar, value: datetime) -> datetime:
    """A datetime-local value is the clinic's wall clock; store it as naive UTC like every timestamp."""
    return calendar.to_utc(value)
