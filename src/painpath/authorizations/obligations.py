"""The authorizations slice's obligation provider: what each open case owes (submit on the eligibility
date, missing kit items, payer follow-up when the decision clock runs out, pends, peer-to-peer packets,
approvals that end before the booked date)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.authorizations import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class AuthorizationProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in service.case_facts(session, knowledge=context.knowledge, calendar=context.calendar,
                                        episode_ids=episode_ids, now=context.now):
            found.extend(rules.case_findings(facts, context.calendar, context.now))
        return found


register_provider(AuthorizationProvider())
