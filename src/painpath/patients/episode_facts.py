"""The patients slice's fact reader (`painpath.facts.gather`): each episode's own fields and the primary
coverage in effect on the day asked about. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import Date, bindparam, or_, select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.patients.models import Coverage, Episode


_episode, _coverage = Episode.__table__.c, Coverage.__table__.c
_on = bindparam("on", type_=Date)
# The primary coverage (priority 1) in effect on the day asked about.
_in_effect = (
    (_coverage.patient_id == _episode.patient_id) & (_coverage.priority == 1) & (_coverage.effective_from <= _on)
    & or_(_coverage.effective_to.is_(None), _coverage.effective_to >= _on)
)
_EPISODES = FactSelect(lambda episode_in: select(
    _episode.id, _episode.body_region, _episode.laterality, _episode.onset_date, _episode.icd10_codes, _coverage.payer_id, _coverage.plan_type,
).select_from(Episode.__table__).outerjoin(Coverage.__table__, _in_effect).where(episode_in(_episode.id)).order_by(_episode.id, _coverage.id))


@register_reader("episodes")
def episode_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode with its primary coverage (priority 1) in effect on `today`, or none; the oldest such
    coverage when a patient has two (as primary_payer_id picks)."""
    rows = _EPISODES.rows(session, episode_ids, on=query.today)
    found: dict[int, Share] = {}
    for episode_id, body_region, laterality, onset_date, codes, payer_id, plan_type in rows:
        if episode_id not in found:  # the oldest primary coverage comes first
            found[episode_id] = {
                "payer_id": payer_id, "plan_type": plan_type, "body_region": body_region, "laterality": laterality,
                "onset_date": onset_date, "diagnosis_codes": tuple(codes or ()),
            }
    return found
