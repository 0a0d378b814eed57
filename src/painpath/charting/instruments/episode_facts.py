"""The instruments sub-slice's fact reader (`painpath.facts.gather`): scored questionnaires (ODI, NDI,
PEG, ...). Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.facts.gather import FactQuery, FactSelect, Share, SharedFacts, register_reader
from painpath.facts.vocabulary import ScoreFact

_given = InstrumentAdministration.__table__.c
_SCORES = FactSelect(lambda episode_in: select(_given.episode_id, _given.instrument_id, _given.administered_at, _given.total)
                     .where(episode_in(_given.episode_id)).order_by(_given.episode_id, _given.administered_at, _given.id))
_SCORE = SharedFacts(ScoreFact)


@register_reader("scores")
def score_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's scored administrations, oldest first, dated by the clinic's calendar."""
    found: dict[int, list[ScoreFact]] = {}
    rows = _SCORES.rows(session, episode_ids)
    local_date = query.calendar.local_date
    for episode_id, instrument_id, at, total in rows:
        made = _SCORE[instrument_id, local_date(at), total]
        if (known := found.get(episode_id)) is None:
            found[episode_id] = [made]
        else:
            known.append(made)
    return {episode_id: {"scores": tuple(scores)} for episode_id, scores in found.items()}
