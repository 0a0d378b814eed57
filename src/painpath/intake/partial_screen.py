"""Red-flag answers saved one at a time as they are given on the call page, before the screen is saved:
an emergent answer opens the clinician's alert at once, even if the form is never submitted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.db import ids_in
from painpath.core.errors import Conflict, FieldProblem
from painpath.intake import rules, triage
from painpath.intake.models import IntakeCall, Triage
from painpath.intake.service import get_call


def save_answers(session: Session, *, actor: Actor, knowledge, call_id: int, answers: dict[str, Any]) -> IntakeCall:
    """Merge these answers into the call's saved partial screen (an empty answer clears it) and decide again.
    Answers that do not fit their question are refused with the same words as the full screen."""
    call = get_call(session, actor.clinic_id, call_id)
    if session.scalar(select(Triage.id).where(Triage.call_id == call.id)) is not None:
        raise Conflict(FieldProblem("call_id", "not_triaged", "This call already has a saved red-flag screen"))
    merged = {**((call.partial_answers or {}).get("answers") or {}), **answers}
    merged = {k: v for k, v in merged.items() if v is not None}
    decision = triage.evaluate(merged, knowledge.red_flags)  # raises InvalidInput for an answer that does not fit
    call.partial_answers = {"answers": merged, "reasons": list(decision.reasons) if decision.urgency == "emergent" else []}
    was_emergent = call.partial_emergent_at is not None
    if decision.urgency == "emergent":
        call.partial_emergent_at = call.partial_emergent_at or utcnow()
    else:
        call.partial_emergent_at = None
    session.flush()
    audit.record(session, actor, "intake.partial_answers", object_type="intake_call", object_id=call.id, patient_id=call.patient_id,
                 detail={"questions": sorted(answers), "emergent": decision.urgency == "emergent", "was_emergent": was_emergent})
    return call


def partial_facts(session: Session, *, episode_ids: list[int] | None) -> list[rules.PartialScreen]:
    query = select(IntakeCall).where(IntakeCall.partial_answers.is_not(None))
    if episode_ids is not None:
        query = query.where(ids_in(session, IntakeCall.episode_id, episode_ids))
    else:
        query = query.where(IntakeCall.partial_emergent_at.is_not(None))
    calls = list(session.scalars(query))
    if not calls:
        return []
    triaged = dict(session.execute(select(Triage.call_id, func.min(Triage.decided_at))
                                   .where(ids_in(session, Triage.call_id, [c.id for c in calls])).group_by(Triage.call_id)).all())
    return [rules.PartialScreen(
        call_id=c.id, episode_id=c.episode_id, patient_id=c.patient_id, clinic_id=c.clinic_id, emergent_at=c.partial_emergent_at,
        reasons=tuple((c.partial_answers or {}).get("reasons") or ()), triaged_at=triaged.get(c.id),
    ) for c in calls]
