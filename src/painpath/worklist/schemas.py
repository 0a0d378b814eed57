"""Worklist filters, actions and output."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from painpath.core.auth.roles import Role


class WorklistFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    assignee_id: int | None = None
    mine: bool = False
    status: Literal["open", "done", "met", "cancelled"] = "open"
    due_before: date | None = None
    overdue: bool = False
    patient_id: int | None = None
    episode_id: int | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class CompleteTask(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=3, max_length=2000)
    version: int = Field(ge=1)


class ClaimTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class ReassignTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    assignee_id: int | None = None
    owner_role: Role | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "ReassignTask":
        if self.assignee_id is None and self.owner_role is None:
            raise ValueError("give assignee_id or owner_role (or both)")
        return self


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

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
    due_at: datetime
    status: str
    overdue: bool
    opened_at: datetime
    closed_at: datetime | None
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
