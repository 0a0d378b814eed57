"""The intake slice's obligation provider: callbacks, triage deadlines, letters, and triage routing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.intake import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class IntakeProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        settings = context.settings
        targets = rules.IntakeTargets(
            callback_business_days=settings.callback_target_business_days,
            triage_hours=settings.triage_target_hours,
            failed_attempts_before_letter=settings.failed_attempts_before_letter,
        )
        ids = None if episode_ids is None else list(episode_ids)
        found: list[Finding] = []
        for call in service.call_facts(session, episode_ids=ids):
            found.extend(rules.call_findings(call, targets, context.calendar))
        for decision in service.triage_facts(session, episode_ids=ids):
            found.extend(rules.triage_findings(decision, context.calendar))
        return found


register_provider(IntakeProvider())
