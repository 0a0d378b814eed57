"""Workers' compensation timings (kind `workers_comp`, one pack): the clinic's own turnarounds on a claim, how long
after an independent medical evaluation (IME) the coordinator chases the examiner's report, how long the clinician
has to reconcile the plan with an IME that disagrees, and how long before the carrier's deadline the progress
report task opens. The carriers' own cadences (a PR-2 every 45 days) are in the payers pack. Every number carries
its source; these are clinic protocol, not regulation, so each says so and waits for the clinic to confirm it."""

from __future__ import annotations

from typing import ClassVar

from painpath.knowledge.schemas.common import Pack, Strict
from painpath.knowledge.schemas.referral_specialties import SourcedWait

__all__ = ["WorkersCompPack", "WorkersCompTimings"]


class WorkersCompTimings(Strict):
    ime_report_chase_after: SourcedWait  # from the IME date, the coordinator asks for the examiner's report
    ime_reconcile_within: SourcedWait  # from the IME findings recorded, a disagreeing IME is reconciled
    progress_report_opens_before: SourcedWait  # the progress report task opens this long before the carrier's deadline


class WorkersCompPack(Pack):
    collection: ClassVar[str] = "workers_comp"
    single: ClassVar[bool] = True  # one set of timings; a clinic changes the shipped pack's numbers
    timings: WorkersCompTimings
