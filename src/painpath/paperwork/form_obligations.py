"""The forms queue's obligation provider: draft, clinician review and signature, send; an open form past
its own legal deadline is flagged overdue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.paperwork import form_rules, form_service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class FormsProvider:
    name = form_rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in form_service.queue_facts(session, knowledge=context.knowledge, calendar=context.calendar, episode_ids=episode_ids):
            found.extend(form_rules.form_findings(facts, context.calendar, context.now))
        return found


register_provider(FormsProvider())
