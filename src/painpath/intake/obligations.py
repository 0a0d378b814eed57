"""The intake slice's obligation providers: callbacks, triage deadlines, letters and triage routing; the
first visit (met by an attended visit); and the reschedule each no-show owes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.intake import partial_screen, rules, service, visit_rules, visits
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
        review = context.knowledge.red_flags.routing.review.due_within
        review_days = review.amount if review is not None and review.unit == "business_days" else 1
        for decision in service.triage_facts(session, episode_ids=ids):
            found.extend(rules.triage_findings(decision, context.calendar, review_days))
        for screen in partial_screen.partial_facts(session, episode_ids=ids):
            found.extend(rules.partial_screen_findings(screen, context.calendar))
        return found


class FirstVisitProvider:
    name = visit_rules.FIRST_VISIT_PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        target = context.settings.first_visit_target_business_days
        found: list[Finding] = []
        for facts in visits.first_visit_facts(session, episode_ids=None if episode_ids is None else list(episode_ids)):
            found.extend(visit_rules.first_visit_findings(facts, context.calendar, target))
        return found


class NoShowProvider:
    name = visit_rules.NO_SHOW_PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        for facts in visits.first_visit_facts(session, episode_ids=None if episode_ids is None else list(episode_ids)):
            found.extend(visit_rules.no_show_findings(facts, context.calendar))
        return found


register_provider(IntakeProvider())
register_provider(FirstVisitProvider())
register_provider(NoShowProvider())
