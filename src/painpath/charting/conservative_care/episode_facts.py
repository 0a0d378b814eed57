"""The conservative-care sub-slice's fact reader (`painpath.facts.gather`): care recorded at a visit (PT
elsewhere, a home program, a medication the patient tried). Not audited: the rules read facts, no person
reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.conservative_care import rules
from painpath.charting.conservative_care.models import CareEntry
from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import CareComponent


@register_reader("conservative_care")
def care_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's care entries, oldest first."""
    found: dict[int, list[CareComponent]] = {}
    rows = session.execute(
        select(CareEntry.episode_id, CareEntry.kind, CareEntry.start_date, CareEntry.end_date, CareEntry.description,
               CareEntry.source, CareEntry.drug_class, CareEntry.failed)
        .where(ids_in(session, CareEntry.episode_id, episode_ids)).order_by(CareEntry.episode_id, CareEntry.start_date, CareEntry.id)
    )
    for episode_id, kind, start, end, description, source, drug_class, failed in rows:
        found.setdefault(episode_id, []).append(CareComponent(
            kind=kind, start=start, end=end, description=description, source=source, drug_class=drug_class,
            failed=rules.failed_flag(failed),
        ))
    return {episode_id: {"care": tuple(care)} for episode_id, care in found.items()}
