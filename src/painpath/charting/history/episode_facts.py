"""The history sub-slice's fact reader (`painpath.facts.gather`): the patient's history, read by every
episode of the patient (smoking and cotinine for fusion, surgeries). Not audited: the rules read facts, no
person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.history.models import PatientHistory
from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import HistoryFact, SurgeryFact
from painpath.patients.models import Episode

_history, _episode = PatientHistory.__table__.c, Episode.__table__.c
_HISTORIES = FactSelect(lambda episode_in: select(
    _episode.id, _history.smoking_status, _history.pack_years, _history.cotinine_ng_ml, _history.cotinine_on, _history.surgeries,
    _history.changed_at,
).join_from(Episode.__table__, PatientHistory.__table__, _history.patient_id == _episode.patient_id).where(episode_in(_episode.id)))


@register_reader("patient_history")
def history_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's patient history, where one is recorded."""
    found: dict[int, Share] = {}
    for episode_id, smoking, pack_years, cotinine, tested_on, surgeries, changed_at in _HISTORIES.rows(session, episode_ids):
        operations = tuple(
            SurgeryFact(s["procedure"], s["year"], s["region"], s.get("outcome", "unknown"))
            for s in sorted(surgeries or (), key=lambda s: s["year"])
        )
        changed_on = query.calendar.local_date(changed_at) if changed_at is not None else None
        found[episode_id] = {"history": HistoryFact(smoking, pack_years, cotinine, tested_on, operations, changed_on)}
    return found
