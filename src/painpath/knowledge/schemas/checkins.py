"""Check-in cadences (kind `checkins`, one pack): how many short check-ins a PT block owes and how they are
spaced, how often a taper is checked on, and when a plan step measured by a questionnaire asks for its weekly
score. The windows after a procedure come from the procedures pack (`relief_checks`), not from here. Every
number carries its source."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import Pack, Sourced, Strict

__all__ = ["CheckinsPack", "PtBlockCheckins", "PtBlockCount", "TaperCheckins", "WeeklyScoreCheckins"]

Days = Annotated[int, Field(ge=0, strict=True)]
Positive = Annotated[int, Field(ge=1, strict=True)]


class PtBlockCount(Sourced):
    """Blocks up to `up_to_weeks` long owe `count` check-ins (the first rule that fits a block's length wins)."""

    up_to_weeks: Positive | None = None  # None: any longer block
    count: Positive


class PtBlockCheckins(Strict):
    counts: Annotated[list[PtBlockCount], Field(min_length=1)]
    window_days: Positive  # each check-in's window, from the day it opens
    window_source: Sourced

    @model_validator(mode="after")
    def _last_rule_catches_all(self) -> PtBlockCheckins:
        if self.counts[-1].up_to_weeks is not None:
            raise ValueError("the last PT block rule must have no up_to_weeks (it catches every longer block)")
        return self


class TaperCheckins(Sourced):
    every_days: Positive
    window_days: Positive


class WeeklyScoreCheckins(Sourced):
    first_after_days: Days  # from the step's start
    every_days: Positive
    window_days: Positive
    none_in_last_days: Days  # the trial's review week: no questionnaire opens in it


class CheckinsPack(Pack):
    collection: ClassVar[str] = "checkins"
    single: ClassVar[bool] = True
    pt_block: PtBlockCheckins
    taper: TaperCheckins
    weekly_scores: WeeklyScoreCheckins
