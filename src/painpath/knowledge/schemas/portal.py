"""The patient portal's two small packs.

- `reminders` (one pack): when a reminder e-mail goes out for a check-in: a telehealth check-in the day
  before its window opens (or the day before its booked time), a questionnaire the day its window opens,
  each at a local hour. Clinic protocol, not a guideline: every number says so.
- `crisis_resources` (one pack): what the portal shows a patient at once when an answer raises a safety
  alert (PHQ-9 item 9): the national lines with their public source, in plain words.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Sourced

__all__ = ["CrisisLine", "CrisisResourcesPack", "ReminderTiming", "RemindersPack"]

Days = Annotated[int, Field(ge=0, le=30, strict=True)]
Hour = Annotated[int, Field(ge=0, le=23, strict=True)]


class ReminderTiming(Sourced):
    days_before: Days  # before the day the check-in opens (or its booked day); 0: that day
    at_hour: Hour  # local clinic time the reminder is due


class RemindersPack(Pack):
    collection: ClassVar[str] = "reminders"
    single: ClassVar[bool] = True
    checkin: ReminderTiming  # a telehealth check-in (a call or a video visit)
    questionnaire: ReminderTiming  # a questionnaire to fill in at home


class CrisisLine(Sourced):
    id: NonEmptyStr
    name: NonEmptyStr  # "988 Suicide & Crisis Lifeline"
    how: NonEmptyStr  # "Call or text 988, or chat at 988lifeline.org"
    when: NonEmptyStr  # "Any time, day or night"
    tel: NonEmptyStr | None = None  # what a phone's dialler takes: "988"
    sms: NonEmptyStr | None = None
    url: NonEmptyStr | None = None


class CrisisResourcesPack(Pack):
    collection: ClassVar[str] = "crisis_resources"
    single: ClassVar[bool] = True
    lines: Annotated[list[CrisisLine], Field(min_length=1)]
