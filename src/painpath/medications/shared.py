"""What the trials and tapers sub-slices share: the "recorded as done" input of a plan item or taper step,
and the one obligation provider their dated items are filed under (medications/obligations.py)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from painpath.core.validation import InputModel

PLAN_PROVIDER = "medication_plans"


class DoneIn(InputModel):
    note: str | None = Field(default=None, max_length=2000)


def scoped(query, column, episode_ids: Sequence[int] | None):  # noqa: ANN001, ANN202
    """The query limited to these episodes, or every episode when none are named."""
    return query.where(column.in_(episode_ids)) if episode_ids is not None else query
