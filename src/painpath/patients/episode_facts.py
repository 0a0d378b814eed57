"""The patients slice's fact reader (`painpath.facts.gather`): each episode's own fields and the primary
coverage in effect on the day asked about. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, fact_rows, register_reader
from painpath.patients.models import Coverage, Episode


@register_reader("episodes")
def episode_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode with its primary coverage (priority 1) in effect on `today`, or none; the oldest such
    coverage when a patient has two (as primary_payer_id picks)."""
    on = query.today
    episode, coverage = Episode.__table__.c, Coverage.__table__.c
    in_effect = (
        (coverage.patient_id == episode.patient_id) & (coverage.priority == 1) & (coverage.effective_from <= on)
        & or_(coverage.effective_to.is_(None), coverage.effective_to >= on)
    )
    rows = fact_rows(session, select(episode.id, episode.body_region, episode.laterality, episode.onset_date, episode.icd10_codes,
                                     coverage.payer_id, coverage.plan_type)
                     .select_from(Episode.__table__).outerjoin(Coverage.__table__, in_effect)
                     .where(ids_in(session, episode.id, episode_ids)).order_by(episode.id, coverage.id))
    found: dict[int, Share] = {}
    for episode_id, body_region, laterality, onset_date, codes, payer_id, plan_type in rows:
        if episode_id not in found:  # the oldest primary coverage comes first
            found[episode_id] = {
                "payer_id": payer_id, "plan_type": plan_type, "body_region": body_region, "laterality": laterality,
                "onset_date": onset_date, "diagnosis_codes": tuple(codes or ()),
            }
    return found
