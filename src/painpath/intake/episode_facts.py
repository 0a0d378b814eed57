"""The intake slice's fact reader (`painpath.facts.gather`): the red flags raised at triage. Not audited:
the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, fact_rows, register_reader
from painpath.intake.models import Triage


@register_reader("red_flags")
def red_flag_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """The red-flag ids (pack ids, "RF-CES") raised by each episode's latest triage."""
    found: dict[int, Share] = {}
    triage = Triage.__table__.c
    rows = fact_rows(session, select(triage.episode_id, triage.hits).where(ids_in(session, triage.episode_id, episode_ids))
                     .order_by(triage.episode_id, triage.decided_at, triage.id))
    latest = {}
    for episode_id, hits in rows:  # oldest first: the latest triage of each episode wins
        latest[episode_id] = hits
    for episode_id, hits in latest.items():
        found[episode_id] = {"red_flags": frozenset([hit["flag_id"] for hit in hits]) if hits else frozenset()}
    return found
