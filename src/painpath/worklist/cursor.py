"""The worklist's page cursor: a task's (due time, id), written as "<ISO due time>_<id>"."""

from __future__ import annotations

from datetime import datetime

from pydantic_core import PydanticCustomError

from painpath.core.validation import DB_INT_MAX


def encode_cursor(due_at: datetime, task_id: int) -> str:
    return f"{due_at.isoformat(timespec='microseconds')}_{task_id}"


def decode_cursor(value: str) -> tuple[datetime, int]:
    due, _, task_id = value.rpartition("_")
    return datetime.fromisoformat(due).replace(tzinfo=None), int(task_id)


def parse_cursor(value: str) -> str:
    """Pydantic check: refuse anything that is not a cursor this list wrote."""
    try:
        due_at, task_id = decode_cursor(value)
    except ValueError:
        raise PydanticCustomError("page_cursor", "Use the page links; this page position is not one the list gave") from None
    if not 1 <= task_id <= DB_INT_MAX or due_at.year < 1900:
        raise PydanticCustomError("page_cursor", "Use the page links; this page position is not one the list gave")
    return value
