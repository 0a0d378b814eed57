"""The outcomes dashboard's clinical settings (kind `outcome_measures`, one pack): the numbers a measure's definition
depends on that are not an instrument's own (an instrument's minimal important change is in its instrument pack).
Every number carries its source."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from painpath.knowledge.schemas.common import Pack, Sourced, Strict

__all__ = ["OutcomeMeasuresPack", "ReliefDurationSettings"]


class ReliefDurationSettings(Strict):
    """How long procedures relieve pain: what relief counts as meaningful, and when a patient still relieved at their
    last report counts as lost to follow-up."""

    meaningful_relief_percent: Annotated[float, Field(gt=0, le=100)]  # at least this % relief of the index pain
    meaningful_relief_source: Sourced
    lost_to_follow_up_days: Annotated[int, Field(ge=1, strict=True)]  # no relief report for longer than this
    lost_to_follow_up_source: Sourced


class OutcomeMeasuresPack(Pack):
    collection: ClassVar[str] = "outcome_measures"
    single: ClassVar[bool] = True
    relief_duration: ReliefDurationSettings
