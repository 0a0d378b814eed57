"""The referrals slice's obligation provider: send, confirm receipt, confirm the appointment, chase the
consult note, review it and adjust the plan; a stalled step escalates; a cancellation cancels with its reason."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.referrals import open_loops, rules, service  # noqa: F401 - open_loops registers the board source at start-up
from painpath.worklist.engine import EngineContext, Finding, register_provider


class ReferralProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        timings = context.knowledge.referral_timings
        if timings is None:
            return []
        found: list[Finding] = []
        for facts in service.loop_facts(session, knowledge=context.knowledge, episode_ids=episode_ids):
            found.extend(rules.referral_findings(facts, timings.of(facts.urgency), context.calendar, context.now))
        return found


register_provider(ReferralProvider())
