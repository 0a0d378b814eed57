"""JSON API for authorization cases: open, read with the criteria and the kit, move through the payer's
answers, attach documents. Each write reconciles the episode so the worklist follows at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from painpath.authorizations import lifecycle, peer_to_peer_service, rules, service, submission
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import (
    CaseOpenIn, DecisionIn, DocumentIn, PendIn, PlannedDateIn, StepIn, SubmitElectronicallyIn, SubmitIn,
)
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import error_body
from painpath.core.validation import DbId
from painpath.interop.pas import SubmitterSettings
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["authorizations"])

_CASE_FIELDS = (
    "id", "episode_id", "patient_id", "state", "procedure_id", "cpt_codes", "region", "side", "levels", "place_of_service",
    "units_requested", "planned_on", "priority", "payer_id", "policy_id", "opened_at", "submitted_at", "submission_channel",
    "submission_reference", "eligible_on_at_submission", "pend_request", "pend_due_at", "decided_at", "authorization_number",
    "approved_units", "approved_codes", "approved_from", "approved_to", "denial_reason", "denial_code", "peer_to_peer_at",
    "appealed_at", "closed_reason", "version",
)


def case_out(evaluated: service.Evaluated) -> dict:
    case = evaluated.case
    out = {name: getattr(case, name) for name in _CASE_FIELDS}
    ready, counted = evaluated.kit_progress
    decision = evaluated.decision
    out.update({
        "state_words": lifecycle.STATE_WORDS[case.state],
        "units_used": evaluated.units_used,
        "units_left": rules.units_left(case.approved_units, evaluated.units_used),
        "days_from_eligibility_to_submission": evaluated.days_from_eligibility_to_submission,
        "hours_to_decision": rules.hours_to_decision(case.submitted_at, case.decided_at),
        "kit": {"ready": ready, "items": counted, "checklist": [i.as_dict() for i in evaluated.checklist]},
        "decision": None if decision is None else {
            "outcome": decision.outcome, "eligible_on": decision.eligible_on, "summary": decision.summary,
            "authorization_required": decision.authorization_required, "warnings": list(decision.warnings),
            "criteria": [c.as_dict() for c in decision.criteria],
        },
        "moves": [m.action for m in lifecycle.available(case.state)],
    })
    return out


def _answer(ctx: AppCtx, session: DbSession, case) -> dict:  # noqa: ANN001
    ctx.reconcile(session, [case.episode_id])
    return case_out(service.evaluate_case(session, knowledge=ctx.knowledge, calendar=ctx.calendar, case=case))


@router.post("/episodes/{episode_id}/authorizations", status_code=201)
def open_case(episode_id: DbId, data: CaseOpenIn, ctx: AppCtx, session: DbSession,
              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    case = service.open_case(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return _answer(ctx, session, case)


@router.get("/episodes/{episode_id}/authorizations")
def list_cases(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> list[dict]:
    patients.read_episode(session, actor=caller.actor, episode_id=episode_id)  # clinic check + chart-read audit
    cases = service.cases_for_episode(session, episode_id=episode_id)
    today = ctx.calendar.local_date(utcnow())
    return [case_out(e) for e in service.evaluate_cases(session, knowledge=ctx.knowledge, calendar=ctx.calendar, cases=cases, today=today)]


@router.get("/authorizations/{case_id}")
def read_case(case_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> dict:
    case = service.get_case(session, actor=caller.actor, case_id=case_id)
    out = case_out(service.evaluate_case(session, knowledge=ctx.knowledge, calendar=ctx.calendar, case=case))
    out["history"] = [
        {"at": e.at, "action": e.action, "from_state": e.from_state, "to_state": e.to_state, "note": e.note, "actor_id": e.actor_id}
        for e in service.history(session, case_id=case.id)
    ]
    out["documents"] = [
        {"id": d.id, "kind": d.kind, "title": d.title, "document_date": d.document_date, "value": d.value, "result": d.result}
        for d in service.documents(session, case_id=case.id)
    ]
    return out


@router.post("/authorizations/{case_id}/submit")
def submit(case_id: DbId, data: SubmitIn, ctx: AppCtx, session: DbSession,
           caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    case = service.submit(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id, data=data)
    return _answer(ctx, session, case)


@router.post("/authorizations/{case_id}/pend")
def pend(case_id: DbId, data: PendIn, ctx: AppCtx, session: DbSession,
         caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    return _answer(ctx, session, service.pend(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data))


@router.post("/authorizations/{case_id}/decision")
def decision(case_id: DbId, data: DecisionIn, ctx: AppCtx, session: DbSession,
             caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    return _answer(ctx, session, service.record_decision(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data))


@router.post("/authorizations/{case_id}/step")
def step(case_id: DbId, data: StepIn, ctx: AppCtx, session: DbSession,
         caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    case = service.step(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id, data=data)
    return _answer(ctx, session, case)


@router.put("/authorizations/{case_id}/planned-date")
def planned_date(case_id: DbId, data: PlannedDateIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    return _answer(ctx, session, service.set_planned_date(session, actor=caller.actor, case_id=case_id, data=data))


@router.post("/authorizations/{case_id}/documents", status_code=201)
def add_document(case_id: DbId, data: DocumentIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    row = service.add_document(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data)
    ctx.reconcile(session, [row.episode_id])
    return {"id": row.id, "kind": row.kind, "title": row.title, "document_date": row.document_date}


# ---- The packet PDF and electronic submission (authorizations/submission.py) ---------------------

@router.get("/authorizations/{case_id}/packet.pdf", response_class=Response)
def packet_pdf(case_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    pdf = submission.render_packet(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="prior-authorization-PA-{case_id}.pdf"'})


@router.get("/authorizations/{case_id}/peer-to-peer.pdf", response_class=Response)
def peer_to_peer_pdf(case_id: DbId, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    """The peer-to-peer preparation sheet (authorizations/peer_to_peer.py), as the case page links it."""
    pdf = peer_to_peer_service.render_peer_to_peer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                   case_id=case_id)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="peer-to-peer-PA-{case_id}.pdf"'})


@router.post("/authorizations/{case_id}/submit-electronically")
def submit_electronically(case_id: DbId, data: SubmitElectronicallyIn, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    try:
        sent = submission.submit_electronically(
            session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, settings=SubmitterSettings(),
            case_id=case_id, version=data.version, submitter_name=data.submitter, fax=data.fax,
        )
    except submission.SubmissionFailed as exc:
        # Answered here rather than by the error handler so the transaction commits: the failed attempt
        # stays in the case history while the case itself is left as it was (submission.py explains why).
        case = session.get(AuthorizationCase, case_id)  # already clinic-checked and read-audited by the attempt
        body = {**error_body(exc.problems), "case": _answer(ctx, session, case)}
        return JSONResponse(jsonable_encoder(body), status_code=exc.status_code)  # type: ignore[return-value]
    out = _answer(ctx, session, sent.case)
    out["submission"] = {"submitter": sent.submitter, "channel": sent.channel, "outcome": sent.outcome, "detail": sent.detail,
                         "packet_document_id": sent.packet_document_id}
    return out


@router.post("/authorizations/{case_id}/payer-answers")
def payer_answer(case_id: DbId, answer: Annotated[dict, Body(description="The payer's PAS answer as FHIR JSON: a response "
                                                                   "Bundle, a Subscription notification or $inquire Parameters")],
                 ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    """A payer answer that arrives after the submission. Applied only when it answers the request this case
    sent; otherwise refused (outcome "refused", with the reasons), the case left as it was and a coordinator
    task opened. Either way the answer is received (200) and the refusal is kept in the case history."""
    received = submission.receive_answer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                         case_id=case_id, answer=answer)
    out = _answer(ctx, session, received.case)
    out["answer"] = {"outcome": received.outcome, "summary": received.decision.summary, "refusals": list(received.decision.refusals)}
    return out
