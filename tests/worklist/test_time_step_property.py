"""Issue 14 part 1, time as data: reconciling only the episodes whose next change has come gives the same
worklist as reconciling everything, at any moment.

Each example builds a few episodes with random facts through the slices' own services (a taper, an opioid
prescription with its agreement and PDMP check, a PT course with its authorization, a records request sent
and perhaps chased, a care plan whose step opens an authorization case, a medication trial), each recorded
at a random moment before t0. Then: a full reconcile at t0, remembering each episode's next change; the
clock moves (often across several next changes) to t1, t2, ...; at each moment only the episodes whose
remembered instant has come are reconciled (and their instants remembered anew); a full reconcile of every
episode must then find nothing to do.

The instants are the stored `episode_review.next_review_at` that every reconcile records, and the due
episodes are reconciled by the periodic pass itself (`worklist.review.review_due`), chunks and claims included.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from episode_facts import KINDS, build
from painpath.core.auth.service import actor_for
from painpath.worklist.models import EpisodeReview
from painpath.worklist.review import review_due

pytestmark = pytest.mark.storage


# --- The property --------------------------------------------------------------------------------

START = datetime(2026, 3, 2, 15, 0)  # naive UTC

episodes = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 60 * 24 * 60), st.integers(0, 70)), min_size=3, max_size=6)
moves = st.lists(st.integers(1, 40 * 24 * 60), min_size=1, max_size=4)  # minutes forward, up to 40 days each


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=st.integers(0, 300 * 24 * 60), world=episodes, steps=moves)
def test_reconciling_only_due_episodes_equals_a_full_recompute_at_any_moment(ctx, staff, start, world, steps):  # noqa: ANN001
    actors = {role: actor_for(user) for role, user in staff.items()}
    t0 = START + timedelta(minutes=start) + timedelta(days=70)
    # Episodes recorded within 60 days before t0, the later kinds written after the earlier (records commit).
    ours = [build(ctx, actors, kind, t0 - timedelta(minutes=before), extra) for kind, before, extra in world]
    kinds = {e: kind for e, (kind, _b, _x) in zip(ours, world)}

    with time_machine.travel(t0, tick=False), ctx.db.session() as session:
        ctx.reconcile(session, episode_ids=ours, now=t0)

    moment = t0
    for minutes in steps:
        moment += timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            done = review_due(ctx, now=moment)
        for episode_id in set(done.reviewed_ids) & set(ours):
            event(f"a {kinds[episode_id]} episode came due")
        if done.opened + done.refreshed + done.met + done.cancelled:
            event("a due pass changed tasks")
        with time_machine.travel(moment, tick=False), ctx.db.session() as session:
            full = ctx.reconcile(session, episode_ids=ours, now=moment)
            session.rollback()  # a check, not a pass: what it would write is the answer
            remembered = dict(session.execute(
                select(EpisodeReview.episode_id, EpisodeReview.next_review_at).where(EpisodeReview.episode_id.in_(ours))).all())
        missed = (full.opened, full.refreshed, full.met, full.cancelled, full.failed)
        assert missed == (0, 0, 0, 0, 0), (
            f"at {moment} a full recompute still had work {missed}; kinds {kinds}, next changes {remembered}")
