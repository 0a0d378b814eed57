"""The demo clinic's cost estimates (issue 19, part 4): the benefits of a few open episodes' primary coverages,
as the billing office reads them (original Medicare's 2026 Part B deductible and 20% coinsurance with no
out-of-pocket maximum; a commercial plan with its deductible partly met; another with its out-of-pocket maximum
reached; a copay plan), and one estimate given on an episode whose authorization request plans a priced
procedure (else the usual procedure for its region, as billing picks it on the page) (through the costs service, audited like one given from the page).
The estimate shows the cheaper choices too: episodes with a PT course come first, so its physical therapy at a
community clinic is shown, and the generic of a brand drug it names (a past trial of Lyrica, stopped for its cost,
is recorded through the medication-trials service when it names none).

Episodes are chosen from the records the demo already made, in id order, so every database gets the same clinic."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.costs import service
from painpath.patients import service as patients
from painpath.medications.trials import service as trials
from painpath.medications.trials.schemas import TrialIn
from painpath.patients.models import Episode
from painpath.therapy import service as therapy

# (deductible, met, coinsurance % x 100, copay, out-of-pocket maximum, met), in cents.
MEDICARE = (28300, 28300, 2000, None, None, None)
COMMERCIAL = ((150000, 90000, 2000, None, 500000, 120000),   # deductible partly met
              (300000, 300000, 3000, None, 600000, 600000),  # out-of-pocket maximum reached
              (100000, 100000, None, 5000, 400000, 150000))  # a copay per procedure


# When the episode plans no priced procedure, the usual one for its region, as billing would pick it on the page.
BY_REGION = {"knee": "knee_steroid_injection", "lumbar": "tfesi_lumbar"}


def _brand_drug(session: Session, ctx: AppContext, users: dict[str, User], episode: Episode, today) -> None:  # noqa: ANN001
    """A past trial of a brand drug with a generic when the estimated episode names none, so the demo shows the choice."""
    if not service.generic_alternatives(session, knowledge=ctx.knowledge, episode_id=episode.id):
        trials.record_trial(session, actor=actor_for(users["clinician"]), knowledge_trials=ctx.knowledge.medication_trials,
                            calendar=ctx.calendar, episode_id=episode.id, data=TrialIn(
                                drug_name="Lyrica", dose_mg=75, times_per_day=2, start_date=today - timedelta(days=60),
                                stop_date=today - timedelta(days=40), reason_stopped="cost",
                                response="Helped the burning a little; stopped for the price of the brand"))


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Record benefits on up to four open episodes' coverages and give one estimate; returns estimates given."""
    today = ctx.calendar.local_date(now)
    billing = actor_for(users["billing"])
    episode_ids = list(session.scalars(select(Episode.id).where(Episode.clinic_id == clinic_id, Episode.status == "open").order_by(Episode.id)))
    with_coverage = [(e, c) for e, c in patients.episodes_with_primary_coverage(session, episode_ids=episode_ids, on=today) if c is not None]
    planned = set(session.scalars(select(AuthorizationCase.episode_id).where(AuthorizationCase.clinic_id == clinic_id,
                                                                               AuthorizationCase.cpt_codes.is_not(None))))
    # Episodes with a PT course first (the estimate shows community PT), then the planned-procedure ones, so the
    # estimate has benefits to use.
    with_pt = {c.episode_id for c in therapy.active_courses(session, episode_ids=[e.id for e, _ in with_coverage])}
    with_coverage.sort(key=lambda pair: (pair[0].id not in with_pt, pair[0].id not in planned, pair[0].id))
    recorded, commercial, given = set(), 0, 0
    for episode, coverage in with_coverage:
        if coverage.id in recorded or len(recorded) >= 4:
            continue
        if coverage.plan_type == "medicare":
            values = MEDICARE
        elif coverage.plan_type in ("commercial", "medicare_advantage"):
            values = COMMERCIAL[commercial % len(COMMERCIAL)]
            commercial += 1
        else:
            continue
        deductible, met, coinsurance, copay, oop_max, oop_met = values
        as_of = today - timedelta(days=2 + len(recorded))
        service.record_benefits(session, actor=billing, episode_id=episode.id, today=today, expected_version=None, data=service.BenefitsIn(
            plan_year=today.year, deductible_cents=deductible, deductible_met_cents=met, coinsurance_hundredths=coinsurance,
            copay_cents=copay, oop_max_cents=oop_max, oop_met_cents=oop_met, in_network=True, as_of=as_of,
            verified_how=("eligibility_response", "phone", "portal")[len(recorded) % 3], reference=f"REF-{1000 + coverage.id}"))
        recorded.add(coverage.id)
        for chosen in (None, BY_REGION.get(episode.body_region)):
            if given:
                break
            view = service.build(session, actor=billing, knowledge=ctx.knowledge, episode_id=episode.id, today=today, chosen=chosen)
            if view.planned is not None and view.estimate is not None and not view.estimate.missing and any(s.share for s in view.estimate.sites):
                _brand_drug(session, ctx, users, episode, today)
                service.give(session, actor=billing, knowledge=ctx.knowledge, episode_id=episode.id, today=today, chosen=chosen)
                given += 1
    session.flush()
    return given


