"""A case being prepared is judged on the clinic's date, and read again only on the day its answer can change:
the criteria engine names that day (criteria.PolicyDecision.changes_on). Kit items are met at the start of the
day they are seen met, never at the instant of the pass, so two passes a minute apart find the same thing."""

from __future__ import annotations

from datetime import datetime, timedelta

from episode_facts import build
from painpath.core.auth.service import actor_for
from painpath.worklist.engine import Fulfillment, next_review
from time_steps import answer, provider_findings_at

RECORDED = datetime(2026, 3, 2, 15, 0)  # Mon 2 Mar, 09:00 in Chicago: the plan's first step opens the case


def _owed(found: list) -> list:
    """The answer a worklist can act on: the obligations, and which kit items are met (a fulfillment's time is the
    day the pass saw it, which only matters when it closes an open task, and then both passes see the same day)."""
    return [f for f in answer(found) if not isinstance(f, Fulfillment)] + sorted(f.key for f in found if isinstance(f, Fulfillment))


def test_a_preparing_case_whose_answer_no_day_changes_is_not_read_again_by_the_clock(ctx, staff):  # noqa: ANN001
    """The plan's case waits on facts only (care, imaging and an exam to record, nothing dated ahead): no day
    changes its answer, so it names none, and its answer is the same a day, a week and three months later."""
    actors = {role: actor_for(user) for role, user in staff.items()}
    episode_id = build(ctx, actors, "plan", RECORDED, 0)
    findings_at = provider_findings_at(ctx, "authorizations", episode_id)
    later = RECORDED + timedelta(days=2, hours=1)
    found = findings_at(later)
    assert [f for f in found if isinstance(f, Fulfillment)], "the case has kit items already met"
    assert [f for f in answer(found) if not isinstance(f, Fulfillment)], "and kit items still owed"
    assert next_review(found, later) == {}
    assert answer(findings_at(later + timedelta(minutes=1))) == answer(found)
    for days in (1, 7, 90):
        assert _owed(findings_at(later + timedelta(days=days))) == _owed(found), f"the answer changed after {days} days"
