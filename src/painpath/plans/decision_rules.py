"""Pure rules for shared decisions: which pathway steps offer one, and whether a recorded decision fits the
step's options in the pack. No I/O: the service reads and writes, these only judge plain data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas.pathways import Pathway, PathwayStep, StepDecision


@dataclass(frozen=True)
class DecisionPoint:
    """A pathway step that carries options to share with the patient."""

    pathway: Pathway
    step: PathwayStep

    @property
    def decision(self) -> StepDecision:
        assert self.step.decision is not None  # only steps with a decision become points
        return self.step.decision

    @property
    def key(self) -> str:
        return f"{self.pathway.id}.{self.step.id}"


def fits(pathway: Pathway, body_region: str | None, codes: Sequence[str]) -> bool:
    """The pathway is for the episode's region and, when both name diagnoses, one of its codes. An episode with
    no code yet is not held to the pathway's diagnoses."""
    if body_region not in pathway.applies_to.body_regions:
        return False
    prefixes = pathway.applies_to.icd10_prefixes
    if not prefixes or not codes:
        return True
    wanted = [p.replace(".", "").upper() for p in prefixes]
    return any(c.replace(".", "").upper().startswith(w) for c in codes for w in wanted)


def decision_points(pathways: Iterable[Pathway], *, first: Sequence[str] = (), body_region: str | None = None,
                    codes: Sequence[str] = ()) -> list[DecisionPoint]:
    """The steps with a decision, of the pathways named in `first` (in that order: the active plan's), then of
    the pathways that fit the episode (by name); a pathway for neither is left out."""
    by_id = {p.id: p for p in pathways}
    ordered = [by_id[p] for p in dict.fromkeys(first) if p in by_id]
    ordered += sorted((p for p in by_id.values() if p.id not in first and fits(p, body_region, codes)), key=lambda p: p.name)
    return [DecisionPoint(p, s) for p in ordered for s in p.steps if s.decision is not None]


def decision_problems(decision: StepDecision, *, options_discussed: Sequence[str], risks_discussed: Mapping[str, Sequence[str]],
                      choice: str | None, discussed_on: date, today: date) -> list[FieldProblem]:
    """What does not fit the step's options: unknown options or risks, a risk of an option not discussed, a
    choice among options not discussed, a date in the future."""
    known = [o.id for o in decision.options]
    problems = []
    for option_id in options_discussed:
        if decision.option(option_id) is None:
            problems.append(FieldProblem("options_discussed", "known_option", f"No option {option_id!r} at this step; known: {', '.join(known)}"))
    if not options_discussed:
        problems.append(FieldProblem("options_discussed", "required", "Tick at least one option discussed with the patient"))
    for option_id, risk_ids in risks_discussed.items():
        option = decision.option(option_id)
        if option is None:
            problems.append(FieldProblem("risks_discussed", "known_option", f"No option {option_id!r} at this step; known: {', '.join(known)}"))
            continue
        if risk_ids and option_id not in options_discussed:
            problems.append(FieldProblem("risks_discussed", "option_discussed",
                                         f"Risks of {option.name.lower()} were ticked, but the option itself was not discussed"))
        for risk_id in risk_ids:
            if option.risk(risk_id) is None:
                problems.append(FieldProblem("risks_discussed", "known_risk",
                                             f"{option.name} has no risk {risk_id!r}; known: {', '.join(r.id for r in option.risks)}"))
    if choice is not None:
        chosen = decision.option(choice)
        if chosen is None:
            problems.append(FieldProblem("choice", "known_option", f"No option {choice!r} at this step; known: {', '.join(known)}"))
        elif choice not in options_discussed:
            problems.append(FieldProblem("choice", "option_discussed", f"The patient can only choose an option discussed: {chosen.name} was not ticked"))
    if discussed_on > today:
        problems.append(FieldProblem("discussed_on", "not_future", "The conversation cannot be dated after today"))
    return problems
