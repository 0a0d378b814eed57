"""The check-ins' obligation provider: a PT block's open check-in for the nurse, a missed one for the
coordinator, two missed for the clinician, red flags at a check-in for the clinician (checkins.rules)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import PerformedProcedure
from painpath.checkins import rules
from painpath.checkins.facts import read as read_facts
from painpath.checkins.models import CheckinRecord
from painpath.medications.tapers.models import TaperPlan
from painpath.plans.models import PlanStep
from painpath.therapy.models import PtCourse
from painpath.core.db import ids_in
from painpath.patients.models import Episode
from painpath.worklist.engine import EngineContext, Finding, register_provider


class CheckinProvider:
    name = rules.PROVIDER

    def findings(self, session: Session, *, episode_ids: Sequence[int] | None, context: EngineContext) -> list[Finding]:
        pack = context.knowledge.checkins
        if pack is None:
            return []
        # Only episodes with a fact that owes check-ins (the whole clinic is not loaded on a full sweep).
        sources = union(select(PerformedProcedure.episode_id), select(PtCourse.episode_id), select(TaperPlan.episode_id),
                        select(PlanStep.episode_id), select(CheckinRecord.episode_id)).subquery()
        query = select(Episode.id, Episode.clinic_id, Episode.patient_id).where(Episode.status == "open",
                                                                                Episode.id.in_(select(sources.c[0])))
        if episode_ids is not None:
            query = query.where(ids_in(session, Episode.id, list(episode_ids)))
        today = context.calendar.local_date(context.now)
        found: list[Finding] = []
        for episode_id, facts in read_facts(session, episodes=query, knowledge=context.knowledge, calendar=context.calendar).items():
            checkins = rules.schedule(facts, pack, today)
            if checkins:
                found += rules.findings(checkins, facts.records, today, context.calendar)
        return found


register_provider(CheckinProvider())
