"""Input of the behavioural-health offer form. Field checks are here; checks against the pack and the episode's
scores (a known offer for that instrument, a score of this episode, not before the score) are in the service."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from painpath.core.validation import DbId, InputModel, PastDate, SafeText, UtcDateTime, Version

Answer = Literal["accepted", "declined", "undecided"]


class OfferIn(InputModel):
    administration_id: DbId  # the score that prompted the offer
    offer: str = Field(min_length=1, max_length=60)  # a behavioural-health pack offer id
    answer: Answer
    offered_on: PastDate | None = None  # default: today
    note: SafeText | None = Field(default=None, max_length=2000)
    version: Version | None = None  # given when changing a recorded offer
    offer_id: DbId | None = None  # the recorded offer being changed (an undecided answer becomes a decision)


class OfferOut(BaseModel):
    id: int
    episode_id: int
    instrument_id: str
    administration_id: int | None
    score_on: date
    score_total: float
    offer: str
    offered_on: date
    offered_by_id: int | None
    answer: Answer
    note: str | None
    recorded_at: UtcDateTime
    version: int
    referral_link: str | None = None  # the referral form, prefilled, for an accepted offer that leads to a referral
