"""The procedures sub-slice's fact reader (`painpath.facts.gather`): procedures performed, with the relief
reported after each. Not audited: the rules read facts, no person reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.facts.gather import FactQuery, FactSelect, Share, SharedFacts, register_reader
from painpath.facts.vocabulary import ProcedureFact, ReliefReport

_relief_row, _done = ProcedureRelief.__table__.c, PerformedProcedure.__table__.c
_RELIEFS = FactSelect(lambda episode_in: select(
    _relief_row.procedure_id, _relief_row.measured_on, _relief_row.percent, _relief_row.scale, _relief_row.hours_after,
    _relief_row.lasted_days,
).where(episode_in(_relief_row.episode_id)).order_by(_relief_row.measured_on, _relief_row.id))
_PROCEDURES = FactSelect(lambda episode_in: select(
    _done.id, _done.episode_id, _done.procedure_key, _done.cpt_codes, _done.region, _done.side, _done.levels, _done.performed_on,
    _done.diagnostic, _done.baseline_pain, _done.baseline_scale, _done.spacing_exception,
).where(episode_in(_done.episode_id)).order_by(_done.episode_id, _done.performed_on, _done.id))
_RELIEF, _PROCEDURE = SharedFacts(ReliefReport), SharedFacts(ProcedureFact)


@register_reader("procedures")
def procedure_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:  # noqa: ARG001
    """Each episode's procedures, oldest first, each with its relief reports, oldest first (two queries:
    the reliefs by episode too, so neither query grows with the other's rows)."""
    reliefs: dict[int, list[ReliefReport]] = {}
    for procedure_id, *report in _RELIEFS.rows(session, episode_ids):
        made = _RELIEF[tuple(report)]
        if (known := reliefs.get(procedure_id)) is None:
            reliefs[procedure_id] = [made]
        else:
            known.append(made)
    found: dict[int, list[ProcedureFact]] = {}
    for (procedure_id, episode_id, key, cpt_codes, region, side, levels, performed_on, diagnostic, baseline_pain,
         baseline_scale, spacing_exception) in _PROCEDURES.rows(session, episode_ids):
        made = _PROCEDURE[key, tuple(cpt_codes), region, side, tuple(levels), performed_on, diagnostic, baseline_pain, baseline_scale,
                          tuple(reliefs.get(procedure_id, ())), spacing_exception]
        if (known := found.get(episode_id)) is None:
            found[episode_id] = [made]
        else:
            known.append(made)
    return {episode_id: {"procedures": tuple(procedures)} for episode_id, procedures in found.items()}
