"""A taper's answer is a step function of time: an unrecorded dose step is missed from the first moment of
the next day in the clinic's time zone, and the provider says so in advance."""

from __future__ import annotations

from datetime import datetime, timedelta

from episode_facts import build
from painpath.core.auth.service import actor_for
from painpath.medications.tapers.models import TaperStep
from sqlalchemy import select
from time_steps import assert_steps_at, provider_findings_at

RECORDED = datetime(2026, 3, 2, 15, 0)  # Mon 2 Mar, 09:00 in Chicago


def test_an_unrecorded_step_is_missed_exactly_when_its_next_change_says(ctx, staff):  # noqa: ANN001
    actors = {role: actor_for(user) for role, user in staff.items()}
    episode_id = build(ctx, actors, "taper", RECORDED, 0)  # starts today; nothing recorded yet
    with ctx.db.session() as session:
        first = session.scalars(select(TaperStep).where(TaperStep.episode_id == episode_id, TaperStep.kind == "step")
                                .order_by(TaperStep.due_on)).first()
    instant = assert_steps_at(provider_findings_at(ctx, "medication_plans", episode_id), RECORDED)
    assert instant == ctx.calendar.start_of_local_day_utc(first.due_on + timedelta(days=1))
    missed = [f for f in provider_findings_at(ctx, "medication_plans", episode_id)(instant) if getattr(f, "kind", "") == "taper_step_missed"]
    assert len(missed) == 1
