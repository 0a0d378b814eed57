"""Red-flag triage: the answers to the phone screen plus the red-flag pack give an urgency and its reasons.

Pure: no I/O and no clock. Which answers raise which flag, at what urgency, and what the clinic then
does all live in the pack (knowledge/packs/red_flags.yaml); this module only reads it.

    decision = evaluate({"bladder_dysfunction": True, "saddle_numbness": True, ...}, knowledge.red_flags)
    decision.urgency   # "emergent"
    decision.reasons   # ("Emergent — possible cauda equina syndrome: new urinary retention ... and saddle numbness",)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from painpath.core.errors import FieldProblem, InvalidInput
from painpath.knowledge.schemas import URGENCY_RANK, Condition, Question, RedFlagPack, Routing, Urgency

Answer = bool | int | str | None  # None: not answered yet
DecisionUrgency = Literal["emergent", "urgent", "review", "routine", "incomplete"]
# How each urgency opens a reason, in the words staff read ("Clinician review — possible spinal cancer: ...").
URGENCY_WORDS: dict[str, str] = {"emergent": "Emergent", "urgent": "Urgent", "review": "Clinician review", "routine": "Routine"}


@dataclass(frozen=True)
class FlagHit:
    """One red flag raised by the answers, at the most severe urgency among its rules that fired."""

    flag_id: str
    condition: str
    urgency: Urgency
    action: str
    source: str  # the source of the rule that decided the urgency
    drivers: tuple[str, ...]  # question ids whose answers raised it, in question order
    reason: str
    referral_to: str | None = None  # a specialty the flag routes to ("rheumatology")


@dataclass(frozen=True)
class TriageDecision:
    urgency: DecisionUrgency
    hits: tuple[FlagHit, ...]  # most severe first, then in the pack's flag order
    reasons: tuple[str, ...]
    missing: tuple[str, ...]  # required questions not answered, in question order
    yellow_flags: tuple[str, ...]  # codes (C, D, F, ...) to carry forward; they never change urgency
    routing: Routing
    referrals: tuple[str, ...] = ()  # specialties the raised flags route to, in flag order


def evaluate(answers: Mapping[str, Answer], pack: RedFlagPack) -> TriageDecision:
    """Decide the urgency of a caller's answers; raise InvalidInput if an answer does not fit its question.

    The most severe flag decides. With no flag the caller is routine, but a screen with an unanswered
    required question is "incomplete" unless it already has an emergent flag: an emergent answer never
    waits for the rest of the form, and nothing else is booked until the screen is finished.
    """
    problems = validate_answers(answers, pack)
    if problems:
        raise InvalidInput(problems)

    questions = {q.id: q for q in pack.questions}
    position = {q.id: i for i, q in enumerate(pack.questions)}
    missing = tuple(q.id for q in pack.questions if q.required and answers.get(q.id) is None and is_asked(q, answers))

    hits: list[FlagHit] = []
    for flag in pack.flags:
        fired = []
        drivers: set[str] = set()
        for rule in flag.rules:
            holds, used = _holds(rule.when, answers)
            if holds:
                fired.append(rule)
                drivers |= used
        if not fired:
            continue
        top = max(fired, key=lambda r: URGENCY_RANK[r.urgency])  # first of the most severe, in pack order
        ordered = tuple(sorted(drivers, key=position.__getitem__))
        findings = _join([_finding(questions[qid], answers[qid]) for qid in ordered])
        hits.append(
            FlagHit(
                flag_id=flag.id,
                condition=flag.condition,
                urgency=top.urgency,
                action=flag.action,
                source=top.source,
                drivers=ordered,
                reason=f"{URGENCY_WORDS[top.urgency]} — {top.reason.format(drivers=findings)}",
                referral_to=flag.referral_to,
            )
        )
    hits.sort(key=lambda h: -URGENCY_RANK[h.urgency])  # stable: pack order among equals

    worst: Urgency | None = hits[0].urgency if hits else None
    urgency: DecisionUrgency
    if worst == "emergent":
        urgency = "emergent"
    elif missing:
        urgency = "incomplete"
    else:
        urgency = worst or "routine"

    reasons = [h.reason for h in hits]
    if urgency == "incomplete":
        labels = _join([questions[qid].label for qid in missing])
        count = f"{len(missing)} required question{'s' if len(missing) != 1 else ''}"
        reasons.append(f"Incomplete — {count} not yet answered: {labels}")
    elif not hits:
        answered = sum(1 for q in pack.questions if q.required and is_asked(q, answers))
        reasons.append(f"Routine — no red flags: none of the answers to the {answered} red-flag questions raised one")

    yellow = tuple(
        y.code for y in pack.yellow_flags if any(answers.get(qid) is True for qid in y.questions)
    )
    return TriageDecision(
        urgency=urgency,
        hits=tuple(hits),
        reasons=tuple(reasons),
        missing=missing,
        yellow_flags=yellow,
        routing=pack.routing.for_urgency(urgency),
        referrals=tuple(dict.fromkeys(h.referral_to for h in hits if h.referral_to)),
    )


def is_asked(question: Question, answers: Mapping[str, Answer]) -> bool:
    """A follow-up is asked only once the answer it follows makes it apply; every other question always is."""
    return question.ask_if is None or _holds(question.ask_if, answers)[0]


def validate_answers(answers: Mapping[str, Answer], pack: RedFlagPack) -> list[FieldProblem]:
    """Problems with the answers as given: unknown questions, wrong types, numbers out of range, bad choices.

    An unanswered question (None) is not a problem here; evaluate() reports it as missing.
    """
    questions = {q.id: q for q in pack.questions}
    problems: list[FieldProblem] = []
    for qid, value in answers.items():
        field = f"answers.{qid}"
        question = questions.get(qid)
        if question is None:
            problems.append(FieldProblem(field, "known_question", f"The red-flag screen has no question {qid!r}."))
            continue
        if value is None:
            continue
        if question.kind == "yes_no":
            if not isinstance(value, bool):
                problems.append(FieldProblem(field, "yes_no", f"Answer yes or no (true or false), not {value!r}."))
        elif question.kind == "number":
            # bool is an int in Python; True as an age is a form bug, not 1 year.
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(FieldProblem(field, "number", f"Enter a whole number for {question.label}, not {value!r}."))
            elif question.min is not None and question.max is not None and not question.min <= value <= question.max:
                unit = f" {question.unit}" if question.unit else ""
                problems.append(
                    FieldProblem(
                        field,
                        "number_range",
                        f"{question.label.capitalize()} must be between {question.min} and {question.max}{unit}, not {value}.",
                    )
                )
        else:
            values = [o.value for o in question.options or []]
            if not isinstance(value, str) or value not in values:
                problems.append(FieldProblem(field, "choice", f"Choose one of {', '.join(values)}, not {value!r}."))
    return problems


def _holds(condition: Condition, answers: Mapping[str, Answer]) -> tuple[bool, set[str]]:
    """Whether the answers satisfy the condition, and which answers made it so.

    any_of keeps every branch that holds, not just the first, so a reason names all the answers that
    point the same way ("new urinary retention and saddle numbness").
    """
    if condition.question is not None:
        value = answers.get(condition.question)
        if value is None:
            holds = False  # unanswered is unknown, never a yes
        elif condition.is_ is not None:
            holds = value == condition.is_ and type(value) is type(condition.is_)
        elif condition.at_least is not None:
            holds = isinstance(value, int) and value >= condition.at_least
        else:
            holds = isinstance(value, int) and condition.at_most is not None and value <= condition.at_most
        return holds, ({condition.question} if holds else set())
    results = [_holds(child, answers) for child in condition.children]
    if condition.any_of is not None or condition.min_count is not None:
        held = [used for ok, used in results if ok]
        enough = len(held) >= (condition.min_count or 1)
        return enough, set().union(*held) if enough else set()
    if all(ok for ok, _ in results):
        return True, set().union(*(used for _, used in results))
    return False, set()


def _finding(question: Question, value: Answer) -> str:
    if question.kind == "choice":
        return next(o.finding for o in question.options or [] if o.value == value)
    assert question.finding is not None  # the pack schema requires it for yes_no and number questions
    return question.finding.format(value=value) if question.kind == "number" else question.finding


def _join(parts: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b and c'."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
