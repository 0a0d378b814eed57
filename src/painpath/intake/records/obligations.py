"""The records slice's obligation provider: chase silent providers, escalate, fix failed sends."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.intake.records import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class RecordsProvider:
    name = rules.RECORDS_PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in service.request_facts(session, episode_ids=episode_ids):
            found.extend(rules.request_findings(facts, context.calendar, context.now))
        return found


register_provider(RecordsProvider())
