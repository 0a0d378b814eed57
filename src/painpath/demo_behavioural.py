"""The demo clinic's behavioural health (issue 16 point 5): on every seventh charted episode, in turn, a PCS past
Sullivan's cut-off with the offer still to discuss (the clinician's task open), one the patient declined, and a
TSK-17 past its cut-off where the patient accepted a pain-psychology referral (the panel links to the referral
form). The first one's plan also carries paced breathing and sleep hygiene, printed on the patient's plan.
Scores are the published example answers (research/clinical.md 2.2), entered through the charting services."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from painpath.charting.behavioural import service as behavioural
from painpath.charting.behavioural.schemas import OfferIn
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.demo_states import at_clinic
from painpath.plans import support

PCS_ALL_4 = {f"pcs_{i}": 4 for i in range(1, 14)}  # total 52
TSK17_E1 = dict(zip([f"tsk_{i}" for i in range(1, 18)], [1, 3, 3, 2, 2, 3, 2, 2, 3, 2, 3, 3, 2, 3, 3, 3, 3]))  # total 43
EVERY = 7
OPEN, DECLINED, ACCEPTED = 1, 3, 5  # index % EVERY


def _give(session: Session, ctx: AppContext, nurse: Actor, episode_id: int, instrument: str, answers: dict, on: date) -> int:
    row = instruments.administer(session, actor=nurse, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                 data=AdministrationIn(instrument_id=instrument, answers=answers, administered_at=at_clinic(on, 11)))
    return row.id


def _offer(session: Session, ctx: AppContext, clinician: Actor, episode_id: int, administration_id: int, answer: str, on: date,
           note: str) -> None:
    behavioural.record_offer(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                             data=OfferIn(administration_id=administration_id, offer="pain_psychology_referral", answer=answer,
                                          offered_on=on, note=note))


def _support(session: Session, ctx: AppContext, clinician: Actor, episode_id: int) -> None:
    for strategy, note in (("paced_breathing", "Twice a day, and when the pain flares"), ("sleep_hygiene", None)):
        support.add_item(session, actor=clinician, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                         data=support.SupportItemIn(strategy_id=strategy, note=note))


def behavioural_health(session: Session, ctx: AppContext, clinician: Actor, nurse: Actor, episode_id: int, today: date, index: int) -> bool:
    """The episode's behavioural-health state by its index; whether it got one."""
    state = index % EVERY
    if state == OPEN:
        _give(session, ctx, nurse, episode_id, "pcs", PCS_ALL_4, today - timedelta(days=1))
        _support(session, ctx, clinician, episode_id)
    elif state == DECLINED:
        given = _give(session, ctx, nurse, episode_id, "pcs", PCS_ALL_4, today - timedelta(days=14))
        _offer(session, ctx, clinician, episode_id, given, "declined", today - timedelta(days=14),
               "Wants to see how physical therapy goes first; ask again at the next score")
    elif state == ACCEPTED:
        given = _give(session, ctx, nurse, episode_id, "tsk17", TSK17_E1, today - timedelta(days=7))
        _offer(session, ctx, clinician, episode_id, given, "accepted", today - timedelta(days=7), "Keen to try; prefers afternoon sessions")
    else:
        return False
    return True
