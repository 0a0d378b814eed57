"""Worklist filters, actions and output."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from painpath.core.auth.roles import Role
from painpath.core.validation import DbId, InputModel, PlausibleDate, UtcDateTime, Version
from painpath.worklist.cursor import parse_cursor

# A page boundary: "<due time>_<task id>" of the last (or first) task on the page the reader saw.
Cursor = Annotated[str, Field(max_length=60), AfterValidator(parse_cursor)]


class WorklistFilter(InputModel):
    role: Role | None = None
    assignee_id: DbId | None = None
    mine: bool = False
    status: Literal["open", "done", "met", "cancelled"] = "open"
    due_before: PlausibleDate | None = None
    overdue: bool = False
    patient_id: DbId | None = None
    episode_id: DbId | None = None
    # Patient name fragments or MRN, matched as the patient search matches them.
    q: str | None = Field(default=None, max_length=100)
    # Keyset paging on (due_at, id): rows after one cursor or before another, never an offset,
    # so a page never skips or repeats a task when tasks open or close between clicks.
    after: Cursor | None = None
    before: Cursor | None = None
    limit: int = Field(default=100, ge=1, le=500)

    @model_validator(mode="after")
    def _one_direction(self) -> "WorklistFilter":
        if self.after is not None and self.before is not None:
            raise ValueError("page after a task or before one, not both")
        return self


class CompleteTask(InputModel):
    note: str = Field(min_length=3, max_length=2000)
    version: Version


class ClaimTask(InputModel):
    version: Version


class ReassignTask(InputModel):
    version: Version
    assignee_id: DbId | None = None
    owner_role: Role | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "ReassignTask":
        if self.assignee_id is None and self.owner_role is None:
            raise ValueError("give assignee_id or owner_role (or both)")
        return self


class CommentIn(InputModel):
    body: str = Field(min_length=1, max_length=4000)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    episode_id: int
    patient_id: int
    patient_name: str | None = None
    title: str
    reason: str
    evidence: dict
    owner_role: str
    assignee_id: int | None
    assignee_name: str | None = None
    due_at: UtcDateTime
    status: str
    overdue: bool
    opened_at: UtcDateTime
    closed_at: UtcDateTime | None
    resolution: str | None
    version: int


class WorklistCounts(BaseModel):
    open: int
    overdue: int
    due_today: int
    claimed: int
    unclaimed: int
    closed_today: int


class WorklistPage(BaseModel):
    tasks: list[TaskOut]
    counts: WorklistCounts
    # Cursors for the neighbouring pages (pass as `after` / `before`); None at either end.
    next_cursor: str | None = None
    prev_cursor: str | None = None
