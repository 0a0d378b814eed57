"""The instruments' obligation provider: a safety alert (PHQ-9 item 9) owes an immediate clinician assessment."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.charting.instruments import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class InstrumentSafetyProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        ids = None if episode_ids is None else list(episode_ids)
        found: list[Finding] = []
        for fact in service.alert_facts(session, knowledge=context.knowledge, episode_ids=ids):
            found.extend(rules.safety_findings(fact, context.calendar))
        return found


register_provider(InstrumentSafetyProvider())
