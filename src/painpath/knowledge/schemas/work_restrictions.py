"""Work restrictions' timings (kind `work_restrictions`, one pack): how long a restriction usually lasts, how
many business days before it expires the re-evaluation is due, and when a return-to-work step's start is
confirmed with the employer and checked by a clinician. Every number carries its source."""

from __future__ import annotations

from typing import ClassVar

from painpath.knowledge.schemas.common import Pack, Strict
from painpath.knowledge.schemas.referral_specialties import SourcedWait

__all__ = ["RestrictionTimings", "WorkRestrictionsPack"]


class RestrictionTimings(Strict):
    default_duration: SourcedWait  # a new restriction's valid-until, from its issue date, when the form opens
    re_evaluate_before_expiry: SourcedWait  # the re-evaluation is due this long before valid-until (or earlier)
    employer_confirmation_within: SourcedWait  # from a return-to-work step's start
    clinician_check_after: SourcedWait  # from a return-to-work step's start


class WorkRestrictionsPack(Pack):
    collection: ClassVar[str] = "work_restrictions"
    single: ClassVar[bool] = True  # one set of timings; a clinic changes the shipped pack's numbers
    timings: RestrictionTimings
