"""The patients slice's obligation provider: an open episode owes a booked first visit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.patients import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class FirstVisitProvider:
    name = rules.FIRST_VISIT_PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        target = context.settings.first_visit_target_business_days
        found: list[Finding] = []
        for facts in service.episode_facts(session, episode_ids=None if episode_ids is None else list(episode_ids)):
            found.extend(rules.first_visit_findings(facts, context.calendar, target))
        return found


register_provider(FirstVisitProvider())
