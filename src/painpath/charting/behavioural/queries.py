"""Read model: the latest administration of each instrument on episodes, with its total and subscales. It reads
the instruments sub-slice's table read-only (as DESIGN.md allows read models to), since the duty is keyed by the
administration and STarT Back's threshold reads a subscale, which the episode facts' scores do not carry."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.db import ids_in


@dataclass(frozen=True)
class Administered:
    id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    instrument_id: str
    administered_at: datetime
    total: float
    subscales: dict


def latest_administrations(session: Session, *, instruments: Collection[str], episode_ids: Sequence[int] | None) -> list[Administered]:
    """Each episode's latest administration of each of `instruments` (by time, then id); every episode when
    `episode_ids` is None."""
    if not instruments or episode_ids == []:
        return []
    row = InstrumentAdministration
    query = (select(row.id, row.clinic_id, row.episode_id, row.patient_id, row.instrument_id, row.administered_at, row.total, row.subscales)
             .where(row.instrument_id.in_(sorted(instruments))).order_by(row.episode_id, row.instrument_id, row.administered_at, row.id))
    if episode_ids is not None:
        query = query.where(ids_in(session, row.episode_id, episode_ids))
    latest: dict[tuple[int, str], Administered] = {}
    for found in session.execute(query):
        latest[(found.episode_id, found.instrument_id)] = Administered(*found)
    return list(latest.values())
