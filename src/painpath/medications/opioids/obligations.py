"""The opioid-safety obligation provider: agreement, PDMP, drug tests, naloxone, co-prescribing warnings
and follow-up visits for every open episode on opioids (rules in safety_rules)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.medications.opioids import rules as safety_rules
from painpath.medications.opioids import service as safety_service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class OpioidSafetyProvider:
    name = safety_rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        policy = safety_service.policy(context.knowledge)
        if policy is None:
            return []  # no opioid packs loaded: no thresholds to act on
        today = context.calendar.local_date(context.now)
        found: list[Finding] = []
        for facts in safety_service.safety_facts(session, knowledge=context.knowledge, calendar=context.calendar,
                                                 episode_ids=episode_ids, today=today):
            found.extend(safety_rules.episode_findings(facts, policy, context.calendar, context.now))
        return found


register_provider(OpioidSafetyProvider())
