"""Sending an authorization case to the payer: the packet PDF, the Da Vinci PAS request, and the payer's
synchronous answer applied to the case.

    render_packet(...)          the packet PDF for a case (cover letter + attached PDFs), chart read audited
    pas_request_for(...)        a case mapped onto a PasRequest (pure)
    submit_electronically(...)  record the submission, send it through a submitter plugin, keep the
                                packet sent, and apply the payer's answer when one comes back at once

What a failed send leaves behind (decided here, see the tests): nothing is recorded as submitted. The
submission, the stored packet and the state change happen in one savepoint that is rolled back when
the payer was not reached, refused the request (HTTP error) or answered with a PAS error (the request
could not be processed). The case stays preparing/ready at the same version, so the coordinator
retries the same button; the failed attempt is kept in the case history ("submit_failed") and the
audit log, and `SubmissionFailed` (HTTP 502) says what went wrong. Recording a submission the payer
never received would start the decision clock on the worklist, mark the submit task done and make the
"days from eligibility to submission" measure lie; and a submitted case cannot be submitted again.

The payer's answer is applied after the submission is kept: an answer we cannot apply automatically
(an approval without dates, say) leaves the case submitted with a history note, for staff to record.

An answer is only believed when it is an answer to what we sent (interop/pas/trust.py: the ClaimResponse
first, references that resolve, our patient's member id, our Claim). Anything else is refused: the case
is not changed, the refusal and its reason go into the case history and the audit log
("answer_refused"), and the worklist opens a coordinator task on the case page until a later move
settles it (rules._refused_exchanges). A PAS request that fails our own validation is not sent at all
("request_refused", same task). Answers that arrive later (a Subscription notification, an $inquire
result) come in through `receive_answer` and are matched against the request the case sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.authorizations import clocks, lifecycle, rules, service
from painpath.authorizations.criteria import PolicyDecision
from painpath.authorizations.models import AuthorizationCase, CaseDocument
from painpath.authorizations.packet import PDF, AttachedDocument, packet_content, render_packet_pdf
from painpath.authorizations.schemas import DecisionIn, DocumentIn, PendIn, SubmitIn
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, DomainError, FieldProblem, InvalidInput
from painpath.core.tenancy import Clinic
from painpath.facts.vocabulary import EpisodeFacts
from painpath.interop.pas import (
    PasBuildError,
    PasDecision,
    PasRequest,
    PayerSubmission,
    Person,
    ServiceLine,
    SubmissionResult,
    SubmitterSettings,
    SupportingDocument,
    UnknownSubmitter,
    build_request_bundle,
    read_claim_response_bundle,
    submitter_for,
)
from painpath.patients import service as patients

# What staff read when a submission is refused for a missing NPI: who fixes it, and where.
CLINIC_NPI_MISSING = "The clinic's NPI is missing: an administrator enters it on Clinic settings"
CLINICIAN_NPI_MISSING = ("The requesting clinician's NPI is missing: an administrator enters it on the Users page, "
                         "next to the clinician's account")

# The submission channel recorded on the case for each submitter plugin.
CHANNEL_OF_SUBMITTER = {"pas_http": "pas", "packet_fax": "fax", "packet_print": "mail"}
# CPT side modifiers: a bilateral session is one line with modifier 50.
_SIDE_MODIFIERS = {"bilateral": ("50",), "left": ("LT",), "right": ("RT",)}


class SubmissionFailed(DomainError):
    """The request did not reach the payer, or the payer could not process it. Nothing was recorded
    as submitted; retry once the cause is fixed."""

    status_code = 502


@dataclass(frozen=True)
class ElectronicSubmission:
    case: AuthorizationCase
    submitter: str
    channel: str
    detail: str  # what happened, in words, no PHI
    # approved | partially_approved | denied | pended: the payer's answer was applied;
    # refused: the answer was not about the request we sent (or not shaped as PAS says) and was not applied;
    # awaiting_answer: fax or print, staff record the answer when it comes;
    # needs_manual_entry: the payer answered but not in a shape we can apply (see the case history).
    outcome: str
    packet_document_id: int
    decision: PasDecision | None = None


@dataclass(frozen=True)
class _Parties:
    patient: object
    episode: object
    coverage: object | None
    clinic: Clinic
    clinician: User | None


# Reading what the packet and the request say ------------------------------------------------------

def _parties(session: Session, case: AuthorizationCase, today: date) -> _Parties:
    episode, coverage = patients.episodes_with_primary_coverage(session, episode_ids=[case.episode_id], on=today)[0]
    patient = patients.patient_of_episode(session, episode_id=case.episode_id)
    clinician = session.get(User, episode.responsible_clinician_id) if episode.responsible_clinician_id else None
    clinic = session.get(Clinic, case.clinic_id)
    assert clinic is not None and patient is not None
    return _Parties(patient=patient, episode=episode, coverage=coverage, clinic=clinic, clinician=clinician)


def _facts_and_decision(session: Session, knowledge, calendar: BusinessCalendar, case: AuthorizationCase,  # noqa: ANN001
                        today: date) -> tuple[EpisodeFacts, PolicyDecision | None]:
    """The episode's facts (with the kit's documents) and the policy decision for `today`, in any state:
    the packet quotes the criteria whether the case is still preparing or already submitted."""
    facts = service.facts_for_case(session, knowledge=knowledge, calendar=calendar, case=case, today=today)
    decision = service.decide(knowledge, case, facts, today) if case.policy_id in knowledge.policies else None
    return facts, decision


def _kit_documents(session: Session, case: AuthorizationCase) -> list[AttachedDocument]:
    """The case's documents; earlier packets are left out so a packet never contains a packet."""
    rows = session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.kind != "packet")
                           .order_by(CaseDocument.document_date, CaseDocument.id))
    return [AttachedDocument(title=row.title, kind=row.kind, document_date=row.document_date,
                             content=row.content if row.content and row.content_type == PDF else None) for row in rows]


def _display_name(user: User | None) -> str | None:
    return user.display_name if user else None


def _build_packet(session: Session, *, knowledge, calendar: BusinessCalendar, case: AuthorizationCase, today: date) -> bytes:  # noqa: ANN001
    parties = _parties(session, case, today)
    facts, decision = _facts_and_decision(session, knowledge, calendar, case, today)
    procedure = knowledge.procedures.get(case.procedure_id)
    payer = knowledge.payers.get(case.payer_id)
    patient = parties.patient
    content = packet_content(
        case, decision, facts,
        letter_date=today,
        clinic_name=parties.clinic.name, clinic_phone=parties.clinic.phone, clinic_fax=parties.clinic.return_fax,
        payer_name=payer.name if payer else case.payer_id,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        member_id=parties.coverage.member_id if parties.coverage else None,
        problem_summary=parties.episode.problem_summary,
        procedure_name=procedure.name if procedure else case.procedure_id,
        code_meanings={c.code: c.meaning for c in procedure.codes} if procedure else {},
        procedure_names={p.id: p.name for p in knowledge.procedures.values()},
        instrument_names={i.id: f"{i.name} ({i.title})" for i in knowledge.instruments.values()},
        clinician_name=_display_name(parties.clinician),
        documents=_kit_documents(session, case),
        clinic_npi=parties.clinic.npi, clinician_npi=parties.clinician.npi if parties.clinician else None,
        body_regions=knowledge.body_regions,
    )
    return render_packet_pdf(content)


def render_packet(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int) -> bytes:  # noqa: ANN001
    """The packet PDF as it would be sent today. Reading it is a chart read (audited through get_case)."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    return _build_packet(session, knowledge=knowledge, calendar=calendar, case=case, today=calendar.local_date(utcnow()))


# The PAS request ---------------------------------------------------------------------------------

def _split_name(display_name: str) -> tuple[str, tuple[str, ...]]:
    """'Ana Maria Ruiz' -> ('Ruiz', ('Ana', 'Maria')): staff have one display name, PAS wants family and given."""
    parts = display_name.split()
    return (parts[-1], tuple(parts[:-1])) if parts else (display_name, ())


def pas_request_for(case: AuthorizationCase, patient, coverage, clinic: Clinic, clinician: User | None,  # noqa: ANN001
                    facts: EpisodeFacts, packet_pdf: bytes | None, *, payer_name: str | None = None) -> PasRequest:
    """The case as a Da Vinci PAS request. Pure. PasBuildError names what is missing."""
    if coverage is None:
        raise PasBuildError("coverage: the patient has no primary coverage in effect; add it before submitting")
    if clinician is None:
        raise PasBuildError("clinician: the episode has no responsible clinician to name as the requester; assign one")
    if not clinic.npi:
        raise PasBuildError(f"clinic_npi: {CLINIC_NPI_MISSING}")
    if not clinician.npi:
        raise PasBuildError(f"practitioner_npi: {CLINICIAN_NPI_MISSING}")
    family, given = _split_name(clinician.display_name)
    gender = patient.sex if patient.sex in ("male", "female", "other", "unknown") else "unknown"
    lines = tuple(
        ServiceLine(code=code, units=case.units_requested, place_of_service=case.place_of_service, on=case.planned_on,
                    modifiers=_SIDE_MODIFIERS.get(case.side, ()))
        for code in case.cpt_codes
    )
    return PasRequest(
        clinic_name=clinic.name, clinic_npi=clinic.npi or "", clinic_phone=clinic.phone,
        practitioner_family=family, practitioner_given=given, practitioner_npi=clinician.npi or "",
        patient=Person(family=patient.family_name, given=(patient.given_name,), birth_date=patient.birth_date, gender=gender),
        member_id=coverage.member_id, coverage_group=coverage.group_number,
        payer_name=payer_name or coverage.payer_id, payer_id=coverage.payer_id,
        diagnosis_codes=tuple(facts.diagnosis_codes), lines=lines,
        level_of_service="urgent" if case.priority == "expedited" else "elective",
        packet=SupportingDocument(title=f"Prior authorization packet PA-{case.id}", content=packet_pdf) if packet_pdf else None,
    )


# Submitting --------------------------------------------------------------------------------------

class _NotSent(Exception):
    def __init__(self, result: SubmissionResult):
        self.result = result


def submit_electronically(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar,  # noqa: ANN001
                          settings: SubmitterSettings | None, case_id: int, version: int, submitter_name: str,
                          fax: str | None = None) -> ElectronicSubmission:
    """Submit the case through `submitter_name` ("pas_http", "packet_fax", "packet_print") and apply the
    payer's synchronous answer. Refused like `service.submit` while a criterion is unmet; raises
    SubmissionFailed (nothing recorded as submitted, the attempt kept in the history) when the request
    did not get through."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    submitter = _submitter(submitter_name, settings)  # an unknown name is refused before anything else
    channel = CHANNEL_OF_SUBMITTER.get(submitter_name) or ("pas" if submitter.sends_pas_bundle else "portal")
    payer = knowledge.payers.get(case.payer_id)
    payer_name = payer.name if payer else case.payer_id
    _refuse_without_npis(session, case)
    contact = payer.prior_auth if payer else None
    fax = fax or (contact.fax if contact else None)
    if submitter_name == "packet_fax" and not fax:
        raise InvalidInput(FieldProblem("fax", "required", f"Give {payer_name}'s prior-authorization fax number"))
    if submitter_name == "pas_http" and contact and contact.pas_endpoint:
        # The payer's own endpoint from the payer directory wins over the clinic-wide default.
        settings = (settings or SubmitterSettings()).model_copy(update={"pas_base_url": contact.pas_endpoint})
        submitter = _submitter(submitter_name, settings)
    reference = f"PA-{case.id}"
    try:
        with session.begin_nested():
            bundle_id = f"painpath-pa-{case.id}-{utcnow():%Y%m%d%H%M%S}"
            service.submit(session, actor=actor, knowledge=knowledge, calendar=calendar, case_id=case.id,
                           data=SubmitIn(version=version, channel=channel, reference=bundle_id if channel == "pas" else reference))
            today = calendar.local_date(case.submitted_at)
            packet = _build_packet(session, knowledge=knowledge, calendar=calendar, case=case, today=today)
            bundle = _bundle(session, knowledge, calendar, case, today, packet, payer_name, bundle_id) if submitter.sends_pas_bundle else None
            result = submitter.submit(PayerSubmission(reference=reference, payer_name=payer_name, bundle=bundle, packet=packet,
                                                      packet_filename=f"prior-authorization-{reference}.pdf", fax=fax))
            if not result.ok or (result.decision is not None and result.decision.outcome == "error"):
                raise _NotSent(result)
            document = service.add_document(
                session, actor=actor, calendar=calendar, case_id=case.id, content=packet, content_type=PDF,
                data=DocumentIn(kind="packet", title=f"Prior authorization packet {reference}, sent by {channel}", document_date=today),
            )
    except _NotSent as failed:
        _record_failure(session, actor, case, submitter_name, failed.result)
        raise SubmissionFailed(FieldProblem("submitter", "delivered", _failure_words(failed.result))) from None
    outcome = _apply_answer(session, actor=actor, knowledge=knowledge, calendar=calendar, case=case, result=result)
    return ElectronicSubmission(case=case, submitter=submitter_name, channel=channel, detail=result.detail, outcome=outcome,
                                packet_document_id=document.id, decision=result.decision)


def _submitter(name: str, settings: SubmitterSettings | None):  # noqa: ANN202
    try:
        return submitter_for(name, settings)
    except UnknownSubmitter as exc:
        raise InvalidInput(FieldProblem("submitter", "known_submitter", str(exc))) from None


def _refuse_without_npis(session: Session, case: AuthorizationCase) -> None:
    """A payer identifies the requester by NPI; without the real ones nothing is sent (never a stand-in number)."""
    clinic = session.get(Clinic, case.clinic_id)
    if clinic is None or not clinic.npi:
        raise Conflict(FieldProblem("clinic_npi", "required", CLINIC_NPI_MISSING))


def _bundle(session: Session, knowledge, calendar: BusinessCalendar, case: AuthorizationCase, today: date,  # noqa: ANN001
            packet: bytes, payer_name: str, bundle_id: str) -> dict:
    parties = _parties(session, case, today)
    facts, _decision = _facts_and_decision(session, knowledge, calendar, case, today)
    try:
        request = pas_request_for(case, parties.patient, parties.coverage, parties.clinic, parties.clinician, facts, packet,
                                  payer_name=payer_name)
        return build_request_bundle(request, bundle_id=bundle_id, now=utcnow())
    except PasBuildError as exc:
        raise Conflict(FieldProblem("pas_request", "complete", f"The PAS request cannot be built: {exc}")) from None


def _failure_words(result: SubmissionResult) -> str:
    """What went wrong and what happens next, in words a coordinator acts on (the technical detail stays in
    the history event's detail and the log)."""
    decision = result.decision
    if result.extra.get("request_refused"):
        why = f"The PAS request was not sent because it is not valid ({result.extra['request_refused']})"
    elif decision is not None and decision.outcome == "error":
        errors = "; ".join(f"{e.code} {e.description}" + (f" ({e.follow_up})" if e.follow_up else "") for e in decision.errors)
        why = f"The payer could not process the request: {errors or decision.summary}"
    elif result.http_status is not None:
        why = f"The payer's system turned the request away (it answered {result.http_status})"
    elif result.submitter == "pas_http":
        why = "The payer's electronic prior-authorization line did not answer, so the request did not reach them"
    else:
        why = "The packet could not be handed to the fax or print service, so it was not sent"
    return (f"{why}. Nothing was recorded as submitted and the case stays as it was: submit again in a few minutes, "
            "or send the packet another way; if it keeps failing, tell the clinic's administrator.")


def _record_failure(session: Session, actor: Actor, case: AuthorizationCase, submitter_name: str, result: SubmissionResult) -> None:
    """Keep the failed attempt in the case history and the audit log (no state change, no PHI). A request our
    own validation refused is recorded as such: it opens a coordinator task (rules._refused_exchanges)."""
    errors = [e.code for e in result.decision.errors] if result.decision is not None else []
    if result.extra.get("request_refused"):
        service.record_event(session, actor, case, rules.REQUEST_REFUSED, case.state,
                             note=f"The PAS request was not sent: {result.extra['request_refused']}.",
                             detail={"submitter": submitter_name})
        return
    service.record_event(session, actor, case, "submit_failed", case.state, note=_failure_words(result),
                   detail={"submitter": submitter_name, "http_status": result.http_status, "payer_errors": errors,
                         "technical": result.detail})


# The payer's answer ------------------------------------------------------------------------------

def _apply_answer(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case: AuthorizationCase,  # noqa: ANN001
                  result: SubmissionResult) -> str:
    decision = result.decision
    if decision is None:
        return "awaiting_answer"
    return _apply_decision(session, actor=actor, knowledge=knowledge, calendar=calendar, case=case, decision=decision)


def _apply_decision(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case: AuthorizationCase,  # noqa: ANN001
                    decision: PasDecision) -> str:
    if decision.outcome == "refused":
        _refuse(session, actor, case, decision)
        return "refused"
    if decision.outcome == "pended" and case.state == lifecycle.PENDED:
        # Already pended: the payer's clock and the follow-up task stand; the news goes into the history.
        service.record_event(session, actor, case, "payer_answer", case.state, note=decision.summary)
        return "pended"
    try:
        with session.begin_nested():
            if decision.outcome in ("approved", "partially_approved"):
                _approve(session, actor, calendar, case, decision)
            elif decision.outcome == "denied":
                service.record_decision(session, actor=actor, calendar=calendar, case_id=case.id, data=DecisionIn(
                    version=case.version, outcome="deny", denial_reason=_denial_words(decision), denial_code=_denial_code(decision)))
            elif decision.outcome == "pended":
                _pend(session, actor, knowledge, calendar, case, decision)
            else:
                raise Conflict(FieldProblem("decision", "known_outcome", f"The payer's answer ({decision.outcome}) has no move"))
    except DomainError as exc:
        # The payer has the request: the submission stands; staff record the answer by hand.
        service.record_event(session, actor, case, "payer_answer", case.state,
                       note=f"The payer answered ({decision.summary}) but it could not be applied: {exc}. Record the decision by hand.")
        return "needs_manual_entry"
    return decision.outcome


def _refuse(session: Session, actor: Actor, case: AuthorizationCase, decision: PasDecision) -> None:
    """The answer is not applied; the history and the audit log say why (the reasons carry no other
    patient's identifiers, trust.py), and the worklist opens the coordinator's task from this event."""
    service.record_event(session, actor, case, rules.ANSWER_REFUSED, case.state,
                         note=f"The payer's answer was not applied: {'; '.join(decision.refusals)}.",
                         detail={"reasons": list(decision.refusals)})


@dataclass(frozen=True)
class ReceivedAnswer:
    case: AuthorizationCase
    outcome: str  # as ElectronicSubmission.outcome
    decision: PasDecision


def receive_answer(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int,  # noqa: ANN001
                   answer: dict) -> ReceivedAnswer:
    """A payer answer that arrives after the submission (a Subscription notification, an $inquire result),
    matched against the PAS request this case sent and applied only when it is an answer to it."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    sent = _sent_request(session, knowledge, calendar, case)
    if isinstance(sent, str):
        decision = PasDecision(outcome="refused", summary=f"The payer's answer was refused and not applied: {sent}", refusals=(sent,))
    else:
        decision = read_claim_response_bundle(answer, request_bundle=sent)
    outcome = _apply_decision(session, actor=actor, knowledge=knowledge, calendar=calendar, case=case, decision=decision)
    return ReceivedAnswer(case=case, outcome=outcome, decision=decision)


def _sent_request(session: Session, knowledge, calendar: BusinessCalendar, case: AuthorizationCase) -> dict | str:  # noqa: ANN001
    """The PAS request bundle the case sent, built again (its ids derive from the bundle id kept as the
    submission reference; the packet and timestamps, which no answer refers to, are left out), or why
    there is none."""
    if case.submission_channel != "pas" or not case.submission_reference or case.submitted_at is None:
        return "this case was not sent to the payer electronically (Da Vinci PAS), so there is no request to match the answer to"
    payer = knowledge.payers.get(case.payer_id)
    try:
        return _bundle(session, knowledge, calendar, case, calendar.local_date(case.submitted_at), b"",
                       payer.name if payer else case.payer_id, case.submission_reference)
    except Conflict as exc:
        return f"the request this case sent cannot be rebuilt to match the answer against ({exc.problems[0].message})"


def _approve(session: Session, actor: Actor, calendar: BusinessCalendar, case: AuthorizationCase, decision: PasDecision) -> None:
    period = decision.authorized_period
    units_given = [int(i.authorized_units) for i in decision.items if i.authorized_units is not None]
    units = min(units_given) if units_given else case.units_requested
    codes = [code for item in decision.items for code in item.authorized_codes if code in case.cpt_codes]
    partial = decision.outcome == "partially_approved" or units < case.units_requested
    service.record_decision(session, actor=actor, calendar=calendar, case_id=case.id, data=DecisionIn(
        version=case.version, outcome="partially_approve" if partial else "approve",
        authorization_number=decision.authorization_number, approved_units=units, approved_codes=codes or None,
        approved_from=period.start if period else None, approved_to=period.end if period else None,
    ))


def _denial_words(decision: PasDecision) -> str:
    """The payer's specific reason as it sent it: review action, reason codes, notes."""
    parts = [decision.summary]
    for item in decision.items:
        if item.outcome == "denied":
            codes = f" (reason codes {', '.join(item.reason_codes)})" if item.reason_codes else ""
            parts.append(f"line {item.sequence}: {item.review_action}{codes}")
            parts.extend(item.notes)
    parts.extend(decision.notes)
    if decision.disposition:
        parts.append(decision.disposition)
    return "; ".join(dict.fromkeys(p for p in parts if p))


def _denial_code(decision: PasDecision) -> str | None:
    for item in decision.items:
        if item.outcome == "denied":
            return (item.reason_codes[0] if item.reason_codes else item.review_action_code)
    return None


def _pend(session: Session, actor: Actor, knowledge, calendar: BusinessCalendar, case: AuthorizationCase,  # noqa: ANN001
          decision: PasDecision) -> None:
    """A pend says what the payer asks for; PAS carries no deadline for the answer, so the payer's own
    decision clock from the payer pack (clocks.py) is the deadline the worklist counts down to."""
    asked = [r.description for r in decision.information_requests]
    references = [i.pend_reference for i in decision.items if i.pend_reference]
    request = decision.summary
    if asked:
        request += ". Asked for: " + "; ".join(asked)
    if references:
        request += f" (payer reference {', '.join(references)})"
    payer = knowledge.payers.get(case.payer_id)
    if payer is None:
        raise Conflict(FieldProblem("payer_id", "known_payer", f"{case.payer_id} is not in the payer directory; no clock to count"))
    due = clocks.decision_due(calendar, payer, case.priority, utcnow())
    service.pend(session, actor=actor, calendar=calendar, case_id=case.id,
                 data=PendIn(version=case.version, request=request, due_at=due.replace(tzinfo=timezone.utc)))


__all__ = [
    "CHANNEL_OF_SUBMITTER", "CLINICIAN_NPI_MISSING", "CLINIC_NPI_MISSING", "ElectronicSubmission", "ReceivedAnswer",
    "SubmissionFailed", "pas_request_for", "receive_answer", "render_packet", "submit_electronically",
]
