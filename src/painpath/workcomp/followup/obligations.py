"""The workers' compensation obligation provider: reconcile the plan with a disagreeing IME, the carrier's
progress report on its cadence, and telling the patient the approval step while a request waits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.workcomp import rules
from painpath.workcomp.followup import queries
from painpath.worklist.engine import EngineContext, Finding, register_provider


class WorkCompProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in queries.claim_facts(session, knowledge=context.knowledge, calendar=context.calendar, episode_ids=episode_ids):
            found.extend(rules.claim_findings(facts, context.calendar, context.now))
        return found


register_provider(WorkCompProvider())
