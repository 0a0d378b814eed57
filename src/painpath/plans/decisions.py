"""Shared decisions use cases: record (or update, version-checked) what was discussed with the patient at a
pathway step that offers options, and read an episode's decisions for its page, the patient's plan and the
facts the authorization kit reads. The options, their benefits, risks and the patient's duties come from
the step's `decision` block in the pathway pack; only ids, the patient's questions and the choice are stored.
Every write is audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import FieldProblem, InvalidInput, StaleWrite
from painpath.knowledge.schemas.pathways import DecisionOption, Pathway, PathwayStep, StepDecision
from painpath.patients import service as patients
from painpath.plans import decision_rules
from painpath.plans.models import SharedDecision
from painpath.plans.schemas import DecisionIn


@dataclass(frozen=True)
class DecisionView:
    """A recorded decision with its step's options from the pack, for pages and the patient's plan."""

    row: SharedDecision
    pathway: Pathway
    step: PathwayStep
    decision: StepDecision

    @property
    def discussed(self) -> list[DecisionOption]:
        return [o for o in self.decision.options if o.id in (self.row.options_discussed or [])]

    @property
    def chosen(self) -> DecisionOption | None:
        return self.decision.option(self.row.choice) if self.row.choice else None

    def risk_discussed(self, option_id: str, risk_id: str) -> bool:
        return risk_id in (self.row.risks_discussed or {}).get(option_id, [])


def _step_decision(knowledge, pathway_id: str, step_id: str) -> tuple[Pathway, PathwayStep, StepDecision]:  # noqa: ANN001
    pathway = knowledge.pathways.get(pathway_id)
    if pathway is None:
        raise InvalidInput(FieldProblem("pathway_id", "known_pathway", f"No pathway {pathway_id!r}; known: {', '.join(sorted(knowledge.pathways))}"))
    try:
        step = pathway.step(step_id)
    except KeyError:
        known = ", ".join(s.id for s in pathway.steps)
        raise InvalidInput(FieldProblem("step_id", "known_step", f"No step {step_id!r} in {pathway.name}; known: {known}")) from None
    if step.decision is None:
        offering = ", ".join(s.id for s in pathway.steps if s.decision is not None) or "none"
        raise InvalidInput(FieldProblem("step_id", "step_has_decision", f"{step.name} offers no options to decide on; steps that do: {offering}"))
    return pathway, step, step.decision


def _find(session: Session, episode_id: int, pathway_id: str, step_id: str) -> SharedDecision | None:
    return session.scalars(select(SharedDecision).where(
        SharedDecision.episode_id == episode_id, SharedDecision.pathway_id == pathway_id, SharedDecision.step_id == step_id)).first()


def record_decision(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                    data: DecisionIn) -> SharedDecision:
    """Record the decision at a step (or update the one recorded, when `data.version` is the one loaded);
    nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    pathway, _step, decision = _step_decision(knowledge, data.pathway_id, data.step_id)
    today = calendar.local_date(utcnow())
    discussed_on = data.discussed_on or today
    options = list(dict.fromkeys(data.options_discussed))
    risks = {option: list(dict.fromkeys(ids)) for option, ids in data.risks_discussed.items() if ids}
    problems = decision_rules.decision_problems(decision, options_discussed=options, risks_discussed=risks, choice=data.choice,
                                                discussed_on=discussed_on, today=today)
    if problems:
        raise InvalidInput(problems)
    row = _find(session, episode.id, pathway.id, data.step_id)
    if row is None:
        row = SharedDecision(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, pathway_id=pathway.id,
                             step_id=data.step_id)
        session.add(row)
        action = "plan.shared_decision_recorded"
    elif data.version != row.version:
        raise StaleWrite("shared decision", data.version or 0, row.version)
    else:
        action = "plan.shared_decision_updated"
    row.pack_version = knowledge.pathway_versions.get(pathway.id, 1)
    row.options_discussed, row.risks_discussed = options, risks
    row.patient_questions, row.choice, row.discussed_on = data.patient_questions or None, data.choice, discussed_on
    row.recorded_by_id, row.recorded_at = actor.user_id, utcnow()
    session.flush()
    audit.record(session, actor, action, object_type="shared_decision", object_id=row.id, patient_id=row.patient_id,
                 clinic_id=row.clinic_id, detail={"pathway": pathway.id, "step": row.step_id, "options": options, "choice": row.choice,
                                                  "risks": risks, "discussed_on": discussed_on.isoformat()})
    return row


def views_of(knowledge, rows: list[SharedDecision]) -> list[DecisionView]:  # noqa: ANN001
    """The rows with their steps' options; a decision whose pathway or step left the packs is left out."""
    found = []
    for row in rows:
        pathway = knowledge.pathways.get(row.pathway_id)
        step = next((s for s in pathway.steps if s.id == row.step_id), None) if pathway else None
        if step is not None and step.decision is not None:
            found.append(DecisionView(row, pathway, step, step.decision))
    return found


def episode_decisions(session: Session, *, episode_id: int) -> list[SharedDecision]:
    """An episode's decisions, oldest first. Not audited: for callers that already read the chart (the
    patient's plan, the episode page's panel after its read)."""
    return list(session.scalars(select(SharedDecision).where(SharedDecision.episode_id == episode_id)
                                .order_by(SharedDecision.discussed_on, SharedDecision.id)))


def list_decisions(session: Session, *, actor: Actor, knowledge, episode_id: int) -> list[DecisionView]:  # noqa: ANN001
    """An episode's decisions with their options, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return views_of(knowledge, episode_decisions(session, episode_id=episode.id))


def user_names(session: Session, ids: list[int | None]) -> dict[int, str]:
    """Who recorded the decisions, by user id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
