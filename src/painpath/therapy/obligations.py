"""The therapy slice's obligation provider: what each active PT course owes (the gap week around the
end of a visit authorization, the date-based expiry warning, and Medicare's progress report and
plan-of-care recertification). Importing it also installs the therapist's chart-access rule."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from painpath.therapy import rules, service
from painpath.worklist.engine import EngineContext, Finding, register_provider


class TherapyProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        courses = service.active_courses(session, episode_ids=episode_ids)
        before_end = context.settings.pt_progress_note_visits_before_end
        found: list[Finding] = []
        for facts in service.course_facts(session, courses=courses, calendar=context.calendar):
            found.extend(rules.course_findings(facts, context.calendar, context.now, visits_before_end=before_end))
        return found


register_provider(TherapyProvider())
