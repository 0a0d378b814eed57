"""The medications slice's obligation providers register here on import (painpath.slices finds this module).

Opioid safety registers its own provider (medications/opioids/obligations.py). Planned trials and opioid
tapers share one provider, "medication_plans": its findings are the trials sub-slice's and the tapers
sub-slice's, each from its own module.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.medications.opioids import obligations as opioid_obligations  # noqa: F401  registers first, as before the split
from painpath.medications.shared import PLAN_PROVIDER
from painpath.medications.tapers.obligations import taper_findings
from painpath.medications.trials.obligations import trial_findings
from painpath.worklist.engine import EngineContext, Finding, register_provider


class MedicationPlanProvider:
    name = PLAN_PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        return [*trial_findings(session, episode_ids, context), *taper_findings(session, episode_ids, context)]


register_provider(MedicationPlanProvider())
