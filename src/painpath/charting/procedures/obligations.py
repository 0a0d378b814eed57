"""The procedures' obligation provider: relief checks at the windows each procedure's pack gives."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures import service
from painpath.charting.procedures.models import PerformedProcedure
from painpath.charting.procedures.relief_checks import (
    PROVIDER,
    ReliefFacts,
    relief_findings,
)
from painpath.charting.procedures.timeline import describe
from painpath.core.db import ids_in
from painpath.patients.models import Episode
from painpath.worklist.engine import EngineContext, Finding, register_provider


def _open_episode_ids(session: Session, episode_ids: Sequence[int] | None) -> list[int]:
    """Episodes with a procedure that are still open (a discharged episode owes no more calls)."""
    query = (select(Episode.id).where(Episode.status == "open")
             .where(Episode.id.in_(select(PerformedProcedure.episode_id))))
    if episode_ids is not None:
        query = query.where(ids_in(session, Episode.id, list(episode_ids)))
    return list(session.scalars(query))


class ReliefCheckProvider:
    name = PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        found: list[Finding] = []
        performed = service.procedures_for_episodes(session, _open_episode_ids(session, episode_ids))
        for entries in performed.values():
            for procedure, reliefs in entries:
                pack = context.knowledge.procedures.get(procedure.procedure_key)
                if pack is None or not pack.relief_checks:
                    continue
                found.extend(relief_findings(ReliefFacts(
                    procedure_id=procedure.id, clinic_id=procedure.clinic_id, episode_id=procedure.episode_id,
                    patient_id=procedure.patient_id, name=describe(procedure), performed_on=procedure.performed_on,
                    checks=pack.relief_checks, reports=[(r.measured_on, r.recorded_at) for r in reliefs],
                ), context.calendar))
        return found


register_provider(ReliefCheckProvider())
