"""The conservative-care sub-slice's fact reader (`painpath.facts.gather`): care recorded at a visit (PT
elsewhere, a home program, a medication the patient tried). Not audited: the rules read facts, no person
reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.conservative_care import rules
from painpath.charting.conservative_care.models import CareEntry
from painpath.facts.gather import FactQuery, FactSelect, Share, SharedFacts, register_reader
from painpath.facts.vocabulary import CareComponent

_entry = CareEntry.__table__.c
_ENTRIES = FactSelect(lambda episode_in: select(
    _entry.episode_id, _entry.kind, _entry.start_date, _entry.end_date, _entry.description, _entry.source, _entry.drug_class, _entry.failed,
).where(episode_in(_entry.episode_id)).order_by(_entry.episode_id, _entry.start_date, _entry.id))
_CARE = SharedFacts(CareComponent)


@register_reader("conservative_care")
def care_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's care entries, oldest first."""
    found: dict[int, list[CareComponent]] = {}
    rows = _ENTRIES.rows(session, episode_ids)
    failed_flag = rules.FAILED_FLAGS.get  # rules.failed_flag, without a call per row
    for episode_id, kind, start, end, description, source, drug_class, failed in rows:
        care = _CARE[kind, start, end, description, source, drug_class, failed_flag(failed)]
        if (known := found.get(episode_id)) is None:
            found[episode_id] = [care]
        else:
            known.append(care)
    return {episode_id: {"care": tuple(care)} for episode_id, care in found.items()}
