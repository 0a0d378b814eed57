"""The peer-to-peer preparation sheet: what the clinician has in front of them when they call the payer's
medical director about a denied (or partly approved) request.

    content = peer_to_peer_content(case, decision, facts, reported, ...)   pure
    render_peer_to_peer_pdf(content)                                       the PDF (shared WeasyPrint renderer)

It is one timeline, in date order, of the patient's story as the patient told it (a 2019 lifting injury,
a 2021 surgery elsewhere) and the clinic's record of the care given (conservative care, imaging,
procedures with the relief each gave), and for each clinic step the payer criterion it followed, as the
policy decision words it with its public source: "Physical therapy ... — followed <label> (<source>)".
A reviewer's questions are about exactly that: was the care tried, for how long, did the block work.
A step that counts toward a criterion not yet met says so instead, so the clinician is not surprised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from painpath.authorizations.criteria import CriterionResult, PolicyDecision
from painpath.authorizations.models import AuthorizationCase
# The packet's own words for care, imaging and criteria, so the sheet and the packet never say a step two ways.
from painpath.authorizations.packet import STATUS_WORDS, CriterionLine, care_line, criterion_line, imaging_line
from painpath.documents.render import render_pdf
from painpath.facts.vocabulary import CareComponent, EpisodeFacts, ImagingStudy, ProcedureFact
from painpath.knowledge.citations import citation
from painpath.knowledge.schemas import Criterion, Policy

TEMPLATE = "documents/peer_to_peer.html"
REPORTED = "Reported by the patient"
CLINIC = "Clinic record"
# Criteria a performed procedure is a step toward: the blocks that prove the pain generator, the relief
# of an earlier injection, the steroid injection tried first. Limits on the requested procedure itself
# (frequency, interval, levels) are not steps the patient took.
_PROCEDURE_CRITERIA = ("diagnostic_blocks", "prior_response", "steroid_injection_first")
_FOLLOWED = ("met", "waived")


@dataclass(frozen=True)
class ReportedEvent:
    """An event of the patient's own timeline, as plain data: its first day, the date in words, what happened."""

    on: date
    when: str  # "2019", "Mar 2021", "14 Mar 2021"
    what: str  # "Injury: lifting injury at work"
    origin: str  # "Reported by the patient", "From imported records"
    rank: int = 0  # vaguer dates first within the same first day


@dataclass(frozen=True)
class TimelineLine:
    on: date
    when: str
    origin: str  # REPORTED (or imported), or CLINIC
    what: str
    followed: tuple[str, ...] = ()  # "followed <label> (<source>)" per criterion, for clinic steps


@dataclass(frozen=True)
class PeerToPeerContent:
    reference: str
    prepared_on: date
    clinic_name: str
    payer_name: str
    policy_name: str | None
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    procedure_name: str
    problem_summary: str
    clinician_name: str | None
    denial: str | None  # the payer's reason, with its code
    peer_to_peer_at: str | None  # the call's time in the clinic's words
    timeline: tuple[TimelineLine, ...]
    criteria: tuple[CriterionLine, ...]


def criterion_words(result: CriterionResult) -> str:
    """"followed <label> (<source>)", or for a criterion not met "counts toward <label> (<source>): not yet met"."""
    cited = citation(result.source)
    named = f"{result.label} ({cited})" if cited else result.label
    if result.status in _FOLLOWED:
        return f"followed {named}"
    return f"counts toward {named}: {STATUS_WORDS.get(result.status, result.status).lower()}"


def _care_matches(care: CareComponent, result: CriterionResult, rule: object | None) -> bool:
    if result.type != "conservative_care" or rule is None:
        return False
    counts = getattr(rule, "counts", None)
    required = {r.kind for r in getattr(rule, "required", None) or ()}
    return counts is None or care.kind in counts or care.kind in required


def _imaging_matches(study: ImagingStudy, result: CriterionResult, rule: object | None) -> bool:
    return result.type == "imaging" and rule is not None and study.modality in getattr(rule, "modalities", ())


def _procedure_matches(procedure: ProcedureFact, result: CriterionResult, rule: object | None) -> bool:
    return result.type in _PROCEDURE_CRITERIA and rule is not None and procedure.kind in getattr(rule, "procedures", ())


@dataclass(frozen=True)
class _Policy:
    """The decision and the policy's criteria by id (the decision's results name them; the rules say what counts)."""

    decision: PolicyDecision | None
    rules: Mapping[str, Criterion]

    def followed(self, matches) -> tuple[str, ...]:  # noqa: ANN001
        if self.decision is None:
            return ()
        return tuple(criterion_words(c) for c in self.decision.criteria
                     if c.status != "not_applicable" and matches(c, self.rules.get(c.criterion_id) or c.criterion))


def _care_step(care: CareComponent, decision: _Policy) -> TimelineLine:
    line = care_line(care)
    until = f" to {care.end:%d %b %Y}" if care.end else ", ongoing"
    where = "reported from before this clinic" if care.source == "reported" else "at this clinic"
    what = f"{line.kind} ({where}): {line.description}, {care.start:%d %b %Y}{until}; {line.outcome.lower()}"
    return TimelineLine(care.start, f"{care.start:%d %b %Y}", CLINIC, what, decision.followed(lambda c, r: _care_matches(care, c, r)))


def _imaging_step(study: ImagingStudy, decision: _Policy) -> TimelineLine:
    line = imaging_line(study)
    return TimelineLine(study.performed_on, f"{study.performed_on:%d %b %Y}", CLINIC, f"{line.label}: {line.value}",
                        decision.followed(lambda c, r: _imaging_matches(study, c, r)))


def _procedure_step(procedure: ProcedureFact, names: Mapping[str, str], decision: _Policy) -> TimelineLine:
    name = names.get(procedure.kind, procedure.kind)
    where = ", ".join(procedure.levels)
    if procedure.side not in ("none", ""):
        where = f"{where}, {procedure.side}" if where else procedure.side
    what = f"{name}{' at ' + where if where else ''}"
    reliefs = []
    for report in sorted(procedure.relief, key=lambda r: r.measured_on):
        words = f"{report.percent:g}% relief"
        if report.hours_after is not None:
            words += f" {report.hours_after:g} h after"
        if report.lasted_days is not None:
            words += f", lasting {report.lasted_days} days"
        reliefs.append(words)
    what += f"; {'; '.join(reliefs)}" if reliefs else "; relief not recorded"
    return TimelineLine(procedure.performed_on, f"{procedure.performed_on:%d %b %Y}", CLINIC, what,
                        decision.followed(lambda c, r: _procedure_matches(procedure, c, r)))


def timeline_lines(facts: EpisodeFacts, policy: Policy | None, decision: PolicyDecision | None, reported: Sequence[ReportedEvent],
                   procedure_names: Mapping[str, str]) -> tuple[TimelineLine, ...]:
    """The patient's events and the clinic's steps in date order; on one day the patient's story comes first."""
    known = _Policy(decision, {c.id: c for c in policy.criteria} if policy else {})
    ranked: list[tuple[tuple, TimelineLine]] = [
        ((event.on, 0, event.rank, i), TimelineLine(event.on, event.when, event.origin, event.what)) for i, event in enumerate(reported)
    ]
    steps = [*(_care_step(c, known) for c in facts.care), *(_imaging_step(s, known) for s in facts.imaging),
             *(_procedure_step(p, procedure_names, known) for p in facts.procedures)]
    ranked += [((step.on, 1, 0, i), step) for i, step in enumerate(steps)]
    return tuple(line for _key, line in sorted(ranked, key=lambda pair: pair[0]))


def peer_to_peer_content(
    case: AuthorizationCase,
    policy: Policy | None,
    decision: PolicyDecision | None,
    facts: EpisodeFacts,
    reported: Sequence[ReportedEvent],
    *,
    prepared_on: date,
    clinic_name: str,
    payer_name: str,
    patient_name: str,
    patient_birth_date: date,
    patient_mrn: str,
    procedure_name: str,
    problem_summary: str,
    clinician_name: str | None,
    procedure_names: Mapping[str, str],
    peer_to_peer_at: str | None,
) -> PeerToPeerContent:
    """Everything the sheet says, from the case, the decision, the facts and the patient's events. Pure."""
    denial = None
    if case.denial_reason:
        denial = case.denial_reason + (f" (code {case.denial_code})" if case.denial_code else "")
    return PeerToPeerContent(
        reference=f"PA-{case.id}", prepared_on=prepared_on, clinic_name=clinic_name, payer_name=payer_name,
        policy_name=decision.policy_name if decision else None, patient_name=patient_name, patient_birth_date=patient_birth_date,
        patient_mrn=patient_mrn, procedure_name=procedure_name, problem_summary=problem_summary, clinician_name=clinician_name,
        denial=denial, peer_to_peer_at=peer_to_peer_at,
        timeline=timeline_lines(facts, policy, decision, reported, procedure_names),
        criteria=tuple(criterion_line(c) for c in decision.criteria if c.status != "not_applicable") if decision else (),
    )


def render_peer_to_peer_pdf(content: PeerToPeerContent) -> bytes:
    return render_pdf(TEMPLATE, {"p2p": content})
