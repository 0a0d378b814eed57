"""The referrals slice's fact reader (`painpath.facts.gather`): each episode's referrals, and each consult
note received as a document of kind `consult_note`, so a pathway's success measure
`{type: document_on_file, kind: consult_note}` sees it. Not audited: the rules read facts, no person reads
a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import DocumentFact, ReferralFact
from painpath.referrals.models import Referral

_r = Referral.__table__.c
_REFERRALS = FactSelect(lambda episode_in: select(
    _r.episode_id, _r.id, _r.specialty, _r.urgency, _r.status, _r.created_at, _r.plan_step_row_id, _r.sent_at, _r.acknowledged_on,
    _r.appointment_on, _r.seen_on, _r.consult_note_on, _r.closed_at,
).where(episode_in(_r.episode_id)).order_by(_r.episode_id, _r.created_at, _r.id))


@register_reader("referrals")
def referral_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's referrals, oldest first, and the consult notes received among them."""
    referrals: dict[int, list[ReferralFact]] = {}
    notes: dict[int, list[DocumentFact]] = {}
    local = query.calendar.local_date
    for (episode_id, referral_id, specialty, urgency, status, created_at, step_id, sent_at, acknowledged_on, appointment_on, seen_on,
         consult_note_on, closed_at) in _REFERRALS.rows(session, episode_ids):
        referrals.setdefault(episode_id, []).append(ReferralFact(
            referral_id, specialty, urgency, status, local(created_at), step_id, local(sent_at) if sent_at else None, acknowledged_on,
            appointment_on, seen_on, consult_note_on, local(closed_at) if closed_at else None,
        ))
        if consult_note_on is not None and status != "cancelled":
            notes.setdefault(episode_id, []).append(DocumentFact("consult_note", consult_note_on, f"referral:{referral_id}"))
    return {episode_id: {"referrals": tuple(found), **({"documents": tuple(notes[episode_id])} if episode_id in notes else {})}
            for episode_id, found in referrals.items()}
