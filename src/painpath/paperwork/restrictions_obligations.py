"""The work restrictions' obligation provider: re-evaluate a signed restriction before it expires; confirm each
started return-to-work step with the employer and have a clinician check it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.paperwork import return_to_work_service, restrictions_service
from painpath.paperwork.restrictions_duties import PROVIDER, restriction_findings, step_findings
from painpath.worklist.engine import EngineContext, Finding, register_provider


class WorkRestrictionProvider:
    name = PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        pack = context.knowledge.work_restrictions
        if pack is None:
            return []
        found: list[Finding] = []
        for facts in restrictions_service.restriction_facts(session, episode_ids=episode_ids):
            found.extend(restriction_findings(facts, pack.timings, context.calendar, context.now))
        for step in return_to_work_service.step_facts(session, episode_ids=episode_ids):
            found.extend(step_findings(step, pack.timings, context.calendar, context.now))
        return found


register_provider(WorkRestrictionProvider())
