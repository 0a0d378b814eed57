"""The behavioural sub-slice's obligation provider: a latest score past its threshold owes the clinician a
discussion of a pain-psychology referral or programme; the recorded offer meets it (rules.py says how)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.charting.behavioural import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class BehaviouralOfferProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        ids = None if episode_ids is None else list(episode_ids)
        found: list[Finding] = []
        pack = context.knowledge.behavioural_health
        for facts in service.behaviour_facts(session, knowledge=context.knowledge, calendar=context.calendar, episode_ids=ids):
            found.extend(rules.findings(facts, pack, context.calendar))
        return found


register_provider(BehaviouralOfferProvider())
