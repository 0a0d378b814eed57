"""The orders slice's obligation provider: send, book, chase the report of and review each imaging order
(orders/loop_rules.py says what is owed and when); a cancelled order cancels its work with the reason.
Importing this module also registers the slice's open-loops source for the clinic-wide board."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.orders import loop_rules, loops, order_service
from painpath.worklist.engine import EngineContext, Finding, register_provider

assert loops  # registered on import


class ImagingOrderProvider:
    name = loop_rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        rules_pack = context.knowledge.imaging_rules
        if rules_pack is None:
            return []
        found: list[Finding] = []
        for loop in order_service.order_loops(session, knowledge=context.knowledge, episode_ids=episode_ids):
            found.extend(loop_rules.order_findings(loop, rules_pack.timings, context.calendar, context.now))
        return found


register_provider(ImagingOrderProvider())
