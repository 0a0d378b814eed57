"""The procedures sub-slice's fact reader (`painpath.facts.gather`): procedures performed, with the relief
reported after each. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, register_reader
from painpath.facts.vocabulary import ProcedureFact, ReliefReport


@register_reader("procedures")
def procedure_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's procedures, oldest first, each with its relief reports, oldest first (two queries:
    the reliefs by episode too, so neither query grows with the other's rows)."""
    reliefs: dict[int, list[ReliefReport]] = {}
    for procedure_id, measured_on, percent, scale, hours_after, lasted_days in session.execute(
        select(ProcedureRelief.procedure_id, ProcedureRelief.measured_on, ProcedureRelief.percent, ProcedureRelief.scale,
               ProcedureRelief.hours_after, ProcedureRelief.lasted_days)
        .where(ids_in(session, ProcedureRelief.episode_id, episode_ids)).order_by(ProcedureRelief.measured_on, ProcedureRelief.id)
    ):
        reliefs.setdefault(procedure_id, []).append(ReliefReport(
            measured_on=measured_on, percent=percent, scale=scale, hours_after=hours_after, lasted_days=lasted_days,
        ))
    found: dict[int, list[ProcedureFact]] = {}
    for (procedure_id, episode_id, key, cpt_codes, region, side, levels, performed_on, diagnostic, baseline_pain,
         baseline_scale, spacing_exception) in session.execute(
        select(PerformedProcedure.id, PerformedProcedure.episode_id, PerformedProcedure.procedure_key, PerformedProcedure.cpt_codes,
               PerformedProcedure.region, PerformedProcedure.side, PerformedProcedure.levels, PerformedProcedure.performed_on,
               PerformedProcedure.diagnostic, PerformedProcedure.baseline_pain, PerformedProcedure.baseline_scale,
               PerformedProcedure.spacing_exception)
        .where(ids_in(session, PerformedProcedure.episode_id, episode_ids))
        .order_by(PerformedProcedure.episode_id, PerformedProcedure.performed_on, PerformedProcedure.id)
    ):
        found.setdefault(episode_id, []).append(ProcedureFact(
            kind=key, cpt_codes=tuple(cpt_codes), region=region, side=side, levels=tuple(levels), performed_on=performed_on,
            diagnostic=diagnostic, baseline_pain=baseline_pain, baseline_scale=baseline_scale,
            relief=tuple(reliefs.get(procedure_id, ())), spacing_exception=spacing_exception,
        ))
    return {episode_id: {"procedures": tuple(procedures)} for episode_id, procedures in found.items()}
