"""The patients slice's fact reader (`painpath.facts.gather`): each episode's own fields and the primary
coverage in effect on the day asked about. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.patients.models import Coverage, Episode


@register_reader("episodes")
def episode_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode with its primary coverage (priority 1) in effect on `today`, or none; the oldest such
    coverage when a patient has two (as primary_payer_id picks)."""
    on = query.today
    in_effect = (
        (Coverage.patient_id == Episode.patient_id) & (Coverage.priority == 1) & (Coverage.effective_from <= on)
        & or_(Coverage.effective_to.is_(None), Coverage.effective_to >= on)
    )
    rows = session.execute(
        select(Episode.id, Episode.body_region, Episode.laterality, Episode.onset_date, Episode.icd10_codes,
               Coverage.payer_id, Coverage.plan_type)
        .outerjoin(Coverage, in_effect).where(ids_in(session, Episode.id, episode_ids)).order_by(Episode.id, Coverage.id)
    )
    found: dict[int, Share] = {}
    for episode_id, body_region, laterality, onset_date, codes, payer_id, plan_type in rows:
        if episode_id not in found:  # the oldest primary coverage comes first
            found[episode_id] = {
                "payer_id": payer_id, "plan_type": plan_type, "body_region": body_region, "laterality": laterality,
                "onset_date": onset_date, "diagnosis_codes": tuple(codes or ()),
            }
    return found
