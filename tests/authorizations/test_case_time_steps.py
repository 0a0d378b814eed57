"""A case being prepared is judged on the clinic's date: its answer holds through the day and is read
again from the first moment of the next; kit items are met at the start of the day they are seen met,
never at the instant of the pass, so two passes a minute apart find the same thing."""

from __future__ import annotations

from datetime import datetime, timedelta

from episode_facts import build
from painpath.core.auth.service import actor_for
from painpath.worklist.engine import Fulfillment
from time_steps import answer, assert_steps_at, next_change, provider_findings_at

RECORDED = datetime(2026, 3, 2, 15, 0)  # Mon 2 Mar, 09:00 in Chicago: the plan's first step opens the case


def test_a_preparing_case_is_read_again_at_the_next_local_midnight(ctx, staff):  # noqa: ANN001
    actors = {role: actor_for(user) for role, user in staff.items()}
    episode_id = build(ctx, actors, "plan", RECORDED, 0)
    findings_at = provider_findings_at(ctx, "authorizations", episode_id)
    later = RECORDED + timedelta(days=2, hours=1)
    found = findings_at(later)
    assert [f for f in found if isinstance(f, Fulfillment)], "the case has kit items already met"
    assert next_change(found, later) == ctx.calendar.start_of_local_day_utc(ctx.calendar.local_date(later) + timedelta(days=1))
    assert answer(findings_at(later + timedelta(minutes=1))) == answer(found)
    assert_steps_at(findings_at, later)
