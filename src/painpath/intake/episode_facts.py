"""The intake slice's fact reader (`painpath.facts.gather`): the red flags raised at triage. Not audited:
the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.intake.models import Triage


_triage = Triage.__table__.c
_TRIAGES = FactSelect(lambda episode_in: select(_triage.episode_id, _triage.hits).where(episode_in(_triage.episode_id))
                      .order_by(_triage.episode_id, _triage.decided_at, _triage.id))


@register_reader("red_flags")
def red_flag_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """The red-flag ids (pack ids, "RF-CES") raised by each episode's latest triage."""
    found: dict[int, Share] = {}
    latest = {}
    for episode_id, hits in _TRIAGES.rows(session, episode_ids):  # oldest first: the latest triage of each episode wins
        latest[episode_id] = hits
    for episode_id, hits in latest.items():
        found[episode_id] = {"red_flags": frozenset([hit["flag_id"] for hit in hits]) if hits else frozenset()}
    return found
