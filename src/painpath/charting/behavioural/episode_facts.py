"""The behavioural sub-slice's fact reader (`painpath.facts.gather`): the offers made after a score crossed its
threshold, and the patient's answers, oldest first. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.behavioural.models import BehaviouralOfferRow
from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import BehaviouralOfferFact

_row = BehaviouralOfferRow.__table__.c
_OFFERS = FactSelect(lambda episode_in: select(_row.episode_id, _row.instrument_id, _row.score_on, _row.offered_on, _row.answer)
                     .where(episode_in(_row.episode_id)).order_by(_row.episode_id, _row.offered_on, _row.recorded_at, _row.id))


@register_reader("behavioural_offers")
def offer_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    found: dict[int, list[BehaviouralOfferFact]] = {}
    for episode_id, instrument, score_on, offered_on, answer in _OFFERS.rows(session, episode_ids):
        found.setdefault(episode_id, []).append(BehaviouralOfferFact(instrument, score_on, offered_on, answer))
    return {episode_id: {"behavioural_offers": tuple(facts)} for episode_id, facts in found.items()}
