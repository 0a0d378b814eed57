"""The demo clinic's work restrictions (issue 17, J9): on two charted episodes, a signed light-duty restriction
drafted from the chart with a graded return-to-work plan (a step under way whose employer confirmation and
clinician check are owed, then full duty) and a drafted amendment awaiting signature, and a signed one about to expire whose re-evaluation task is open.

Each restriction is drafted and signed through the service (validated and audited like one from the form), from
the episode's latest functional measures; its dates are then set in the past directly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.models import FunctionalMeasure
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.paperwork import restrictions_service, return_to_work_service
from painpath.paperwork.restrictions_schemas import RestrictionIn, StepIn
from painpath.patients.models import Episode

# (days back it was issued, weeks it lasts, the return-to-work plan's steps as (days from today, kind, what))
RESTRICTIONS = (
    (10, 4, ((-3, "graded", "three 8-hour shifts a week, no lifting over 15 lb"), (25, "full_duty", "full duty, no limits"))),
    (24, 4, ()),  # expires in four days: its re-evaluation is due
)


def _at(ctx: AppContext, day: date) -> datetime:
    return ctx.calendar.to_utc(datetime.combine(day, time(10, 0)))


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Add the restrictions (and the plan) to the first charted open episodes; returns how many restrictions."""
    clinician = actor_for(users["clinician"])
    episodes = list(session.scalars(
        select(Episode.id).join(FunctionalMeasure, FunctionalMeasure.episode_id == Episode.id)
        .where(Episode.clinic_id == clinic_id, Episode.status == "open", FunctionalMeasure.measure == "sitting_minutes")
        .group_by(Episode.id).order_by(Episode.id).limit(len(RESTRICTIONS))))
    today = ctx.calendar.local_date(now)
    for episode_id, (back, weeks, steps) in zip(episodes, RESTRICTIONS, strict=False):
        issued = today - timedelta(days=back)
        draft = restrictions_service.draft_from_chart(session, actor=clinician, episode_id=episode_id)
        valid_until = issued + timedelta(weeks=weeks)
        data = RestrictionIn(duty_level="light", issued_on=issued, valid_until=valid_until, re_evaluate_on=valid_until - timedelta(days=2),
                             avoid=["ladder_climbing"], notes="Modified duty is available at the employer (warehouse supervisor role).",
                             **{"lifting_lb": 15, **draft.limits, "break_every_minutes": 45})
        restriction = restrictions_service.create_restriction(session, actor=clinician, episode_id=episode_id, data=data)
        restrictions_service.sign_restriction(session, actor=clinician, restriction_id=restriction.id, version=restriction.version)
        restriction.signed_at = _at(ctx, issued)
        if steps:  # the first also has an amendment drafted (a lighter lifting limit), waiting for the clinician's signature
            restrictions_service.create_restriction(session, actor=clinician, episode_id=episode_id,
                                                    data=data.model_copy(update={"lifting_lb": 10, "issued_on": today}))
        for days, kind, what in steps:
            return_to_work_service.add_step(session, actor=clinician, episode_id=episode_id,
                                            data=StepIn(starts_on=today + timedelta(days=days), kind=kind, description=what))
    session.flush()
    return len(episodes)
