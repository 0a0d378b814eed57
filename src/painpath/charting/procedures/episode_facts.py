"""The procedures sub-slice's fact reader (`painpath.facts.gather`): procedures performed, with the relief
reported after each. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.core.db import ids_in
from painpath.facts.gather import FactQuery, Share, fact_maker, fact_rows, register_reader
from painpath.facts.vocabulary import ProcedureFact, ReliefReport

_relief = fact_maker(ReliefReport)
_procedure = fact_maker(ProcedureFact)


@register_reader("procedures")
def procedure_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's procedures, oldest first, each with its relief reports, oldest first (two queries:
    the reliefs by episode too, so neither query grows with the other's rows)."""
    reliefs: dict[int, list[ReliefReport]] = {}
    relief = ProcedureRelief.__table__.c
    for procedure_id, *report in fact_rows(session, select(
        relief.procedure_id, relief.measured_on, relief.percent, relief.scale, relief.hours_after, relief.lasted_days,
    ).where(ids_in(session, relief.episode_id, episode_ids)).order_by(relief.measured_on, relief.id)):
        made = _relief(*report)
        if (known := reliefs.get(procedure_id)) is None:
            reliefs[procedure_id] = [made]
        else:
            known.append(made)
    found: dict[int, list[ProcedureFact]] = {}
    done = PerformedProcedure.__table__.c
    for (procedure_id, episode_id, key, cpt_codes, region, side, levels, performed_on, diagnostic, baseline_pain,
         baseline_scale, spacing_exception) in fact_rows(session, select(
            done.id, done.episode_id, done.procedure_key, done.cpt_codes, done.region, done.side, done.levels, done.performed_on,
            done.diagnostic, done.baseline_pain, done.baseline_scale, done.spacing_exception,
         ).where(ids_in(session, done.episode_id, episode_ids)).order_by(done.episode_id, done.performed_on, done.id)):
        made = _procedure(key, tuple(cpt_codes), region, side, tuple(levels), performed_on, diagnostic, baseline_pain, baseline_scale,
                          tuple(reliefs.get(procedure_id, ())), spacing_exception)
        if (known := found.get(episode_id)) is None:
            found[episode_id] = [made]
        else:
            known.append(made)
    return {episode_id: {"procedures": tuple(procedures)} for episode_id, procedures in found.items()}
