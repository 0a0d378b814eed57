"""The plans slice's obligation provider: a clinician reviews each step when its trial ends; a recorded
outcome meets the review; a pivot cancels the abandoned step's work (and its authorization case's) with
the pivot's reason."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.plans import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class PlanProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in service.step_facts(session, knowledge=context.knowledge, calendar=context.calendar,
                                        episode_ids=episode_ids, now=context.now):
            found.extend(rules.step_findings(facts, context.calendar, context.now))
        return found


register_provider(PlanProvider())
