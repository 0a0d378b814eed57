"""Worklist filters, actions and output."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from painpath.core.auth.roles import Role
from painpath.core.validation import DbId, InputModel, Offset, PlausibleDate, UtcDateTime, Version


class WorklistFilter(InputModel):
    role: Role | None = None
    assignee_id: DbId | None = None
    mine: bool = False
    status: Literal["open", "done", "met", "cancelled"] = "open"
    due_before: PlausibleDate | None = None
    overdue: bool = False
    patient_id: DbId | None = None
    episode_id: DbId | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: Offset = 0


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
