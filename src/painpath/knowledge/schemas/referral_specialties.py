"""Referral specialties (kind `referral_specialties`): the specialties the clinic refers to, each with its
plain name and the records that usually go with the referral, and the referral loop's timings per urgency
(send, confirm receipt, confirm the appointment, chase the consult note, review it, escalate a stall).

Specialties merge across files, so a clinic adds its own (a sleep clinic, a headache centre) from its pack
directory. The timings are one set for the clinic: exactly one loaded pack carries `loop_timings` (the
built-in one unless a clinic ships a replacement of the whole file). Every number carries its source.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, ClassVar, Literal, Protocol

from pydantic import Field, PositiveInt

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = ["LoopTimings", "ReferralLoopTimings", "ReferralSpecialty", "ReferralSpecialtyPack", "SourcedWait"]

EscalationRole = Literal["clinician", "manager"]


class SourcedWait(Sourced):
    """A wait in days, business or calendar, with where it comes from."""

    amount: PositiveInt
    unit: Literal["business_days", "calendar_days"]

    def words(self) -> str:
        kind = "business day" if self.unit == "business_days" else "day"
        return f"{self.amount} {kind}{'' if self.amount == 1 else 's'}"

    def after(self, calendar: BusinessDays, day: date) -> date:
        """The day this wait after `day` (business days on the clinic's calendar, or calendar days)."""
        if self.unit == "business_days":
            return calendar.add_business_days(day, self.amount)
        return day + timedelta(days=self.amount)

    def before(self, calendar: BusinessDays, day: date) -> date:
        """The day this wait before `day` (`day` itself not counted)."""
        if self.unit == "business_days":
            return calendar.business_days_before(day, self.amount)
        return day - timedelta(days=self.amount)


class BusinessDays(Protocol):
    """What a wait needs of the clinic's calendar (core.clock.BusinessCalendar)."""

    def add_business_days(self, start: date, days: int) -> date: ...
    def business_days_before(self, day: date, days: int) -> date: ...


class LoopTimings(Strict):
    """One urgency's timings: each wait counts from the fact that starts it."""

    send_within: SourcedWait  # from the referral written to the referral sent
    confirm_receipt_after: SourcedWait  # from sending, with no acknowledgement
    confirm_appointment_after: SourcedWait  # from the acknowledgement, with no appointment date
    chase_consult_note_after: SourcedWait  # from the visit, with no consult note
    review_within: SourcedWait  # from the consult note received to the clinician's review
    escalate_after: SourcedWait  # an obligation overdue this long has stalled and escalates
    escalate_to: EscalationRole  # who gets a stalled coordinator step
    review_escalates_to: EscalationRole  # who gets a stalled clinician review


class ReferralLoopTimings(Strict):
    routine: LoopTimings
    urgent: LoopTimings

    def of(self, urgency: str) -> LoopTimings:
        return self.urgent if urgency == "urgent" else self.routine


class ReferralSpecialty(Strict):
    id: Slug
    name: NonEmptyStr  # in the clinic's words: "Spine surgery"
    records: Annotated[list[NonEmptyStr], Field(min_length=1)]  # what usually goes with the referral


class ReferralSpecialtyPack(Pack):
    collection: ClassVar[str] = "referral_specialties"
    referral_specialties: Annotated[list[ReferralSpecialty], Field(min_length=1)]
    loop_timings: ReferralLoopTimings | None = None
