"""The plans slice's fact reader (`painpath.facts.gather`): the decisions shared with the patient at pathway
steps, with which options lead to which procedure (from the pathway pack), so a payer's kit item can ask
whether the risks of the planned procedure were discussed. Not audited: the rules read facts, no person
reads a chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.facts.gather import FactQuery, FactSelect, Share, register_reader
from painpath.facts.vocabulary import SharedDecisionFact
from painpath.plans.models import SharedDecision

_row = SharedDecision.__table__.c
_DECISIONS = FactSelect(lambda episode_in: select(
    _row.episode_id, _row.discussed_on, _row.pathway_id, _row.step_id, _row.options_discussed, _row.risks_discussed, _row.choice,
).where(episode_in(_row.episode_id)).order_by(_row.episode_id, _row.discussed_on, _row.id))


def _option_procedures(knowledge, pathway_id: str, step_id: str) -> tuple[tuple[str, str], ...]:  # noqa: ANN001
    pathway = knowledge.pathways.get(pathway_id)
    step = next((s for s in pathway.steps if s.id == step_id), None) if pathway is not None else None
    if step is None or step.decision is None:
        return ()
    return tuple((o.id, o.procedure_id) for o in step.decision.options if o.procedure_id is not None)


@register_reader("shared_decisions")
def decision_facts(session: Session, episode_ids: list[int], query: FactQuery) -> dict[int, Share]:
    """Each episode's shared decisions, oldest first."""
    found: dict[int, list[SharedDecisionFact]] = {}
    for episode_id, on, pathway_id, step_id, options, risks, choice in _DECISIONS.rows(session, episode_ids):
        pairs = tuple((option, risk) for option, ids in sorted((risks or {}).items()) for risk in ids)
        fact = SharedDecisionFact(on, pathway_id, step_id, tuple(options or ()), pairs, choice,
                                  _option_procedures(query.knowledge, pathway_id, step_id))
        found.setdefault(episode_id, []).append(fact)
    return {episode_id: {"shared_decisions": tuple(facts)} for episode_id, facts in found.items()}
