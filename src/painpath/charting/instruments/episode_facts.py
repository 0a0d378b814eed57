"""The instruments sub-slice's fact reader (`painpath.facts.gather`): scored questionnaires (ODI, NDI,
PEG, ...). Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import ScoreFact


@register_reader("scores")
def score_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's scored administrations, oldest first, dated by the clinic's calendar."""
    found: dict[int, list[ScoreFact]] = {}
    rows = session.execute(
        select(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id,
               InstrumentAdministration.administered_at, InstrumentAdministration.total)
        .where(ids_in(session, InstrumentAdministration.episode_id, episode_ids))
        .order_by(InstrumentAdministration.episode_id, InstrumentAdministration.administered_at, InstrumentAdministration.id)
    )
    local_date = query.calendar.local_date
    for episode_id, instrument_id, at, total in rows:
        found.setdefault(episode_id, []).append(ScoreFact(instrument_id=instrument_id, on=local_date(at), total=total))
    return {episode_id: {"scores": tuple(scores)} for episode_id, scores in found.items()}
