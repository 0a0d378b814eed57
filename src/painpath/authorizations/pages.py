"""Staff pages for prior authorizations: the board (every open case by state, with what it waits for),
the case page (criteria, kit, documents, history and the moves the state allows) and the episode page's
line per case with the "Open an authorization" form.

Pages call the same service functions as the JSON API. A refused form is shown again with its values
and each problem next to its field (422, or 409 for an illegal move, unmet criteria or a stale version);
nothing is saved. Every write reconciles the episode so the worklist follows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.documents.uploads import clean_filename, is_readable_pdf, size_limit_words
from painpath.authorizations import clocks, lifecycle, policy_change_service, service, submission
from painpath.authorizations.criteria_words import PLACE_OF_SERVICE_WORDS
from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.authorizations.schemas import CaseOpenIn, DecisionIn, DocumentIn, PendIn, PlannedDateIn, StepIn, SubmitIn
from painpath.context import AppContext
from painpath.core.auth import chart_access
from painpath.core.auth.models import User
from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId, SafeText
from painpath.orders import pages as imaging_pages
from painpath.interop.pas import SubmitterSettings
from painpath.patients import pages as patient_pages
from painpath.patients.models import Patient
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()

# Board columns, left to right: (key, heading, states). Withdrawn and expired cases show only on request.
BOARD_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("preparing", "Preparing", (lifecycle.PREPARING,)),
    ("ready", "Ready to submit", (lifecycle.READY,)),
    ("submitted", "Submitted", (lifecycle.SUBMITTED,)),
    ("pended", "Pended", (lifecycle.PENDED,)),
    ("decided", "Decided", (lifecycle.APPROVED, lifecycle.PARTIALLY_APPROVED, lifecycle.DENIED)),
    ("escalated", "Peer-to-peer / appeal", (lifecycle.PEER_TO_PEER, lifecycle.APPEALED)),
)
CLOSED_COLUMN = ("closed", "Withdrawn / expired", (lifecycle.WITHDRAWN, lifecycle.EXPIRED))

STATUS_WORDS = {
    "met": "Met", "not_yet": "Not yet", "not_met": "Not met", "missing_evidence": "Missing",
    "waived": "Waived", "not_applicable": "Not applicable",
}
ITEM_WORDS = {"present": "Ready", "missing": "Missing", "pending": "Waiting", "blocked": "Blocked", "waived": "Waived",
              "not_applicable": "Not applicable"}
OUTCOME_WORDS = {"eligible_now": "Eligible now", "eligible_on": "Eligible on a later date",
                 "needs_information": "Information missing", "not_eligible": "Not eligible"}
ACTION_WORDS = {
    "open": "Opened", "submit": "Submitted", "pend": "Payer asked for information", "answer_pend": "Information sent",
    "policy_change_reviewed": "Payer policy change reviewed", "approve": "Approved", "partially_approve": "Partially approved", "deny": "Denied", "mark_ready": "Marked ready",
    "reopen": "Back to preparing", "schedule_peer_to_peer": "Peer-to-peer scheduled", "appeal": "Appeal filed",
    "expire": "Approval expired", "withdraw": "Withdrawn", "document": "Document added", "planned_date": "Procedure date changed",
    "submit_failed": "Sending failed (not submitted)", "payer_answer": "Payer answered",
    "answer_refused": "Payer answer refused (not applied)", "request_refused": "PAS request refused (not sent)",
}
CHANNELS = [("fax", "Fax"), ("portal", "Payer portal"), ("pas", "Electronic (Da Vinci PAS)"), ("phone", "Phone"), ("mail", "Mail")]
OUTCOMES = [("approve", "Approved"), ("partially_approve", "Partially approved"), ("deny", "Denied")]
SIDES = [("none", "Not sided"), ("left", "Left"), ("right", "Right"), ("bilateral", "Bilateral")]
PLACES = [("11", "11 Office"), ("22", "22 Hospital outpatient"), ("24", "24 Ambulatory surgery center")]
PRIORITIES = [("standard", "Standard"), ("expedited", "Expedited (urgent)")]
# Kinds the criteria engine reads by name; a policy's "documents" criterion adds its own.
BASE_DOCUMENT_KINDS = ("psych_eval", "nicotine_test", "pt_notes", "imaging_report", "letter_of_medical_necessity", "packet", "other")
MAX_PDF_BYTES = 10 * 1024 * 1024

OPEN_LABELS = {"procedure_id": "Procedure", "cpt_codes": "CPT codes", "side": "Side", "levels": "Levels",
               "place_of_service": "Place of service", "units_requested": "Units requested", "planned_on": "Planned date",
               "priority": "Priority", "coverage": "Coverage"}
SUBMIT_LABELS = {"channel": "Sent by", "reference": "Reference", "submitted_at": "Sent at"}
DECISION_LABELS = {"outcome": "Payer's answer", "decided_at": "Answered at", "authorization_number": "Authorization number",
                   "approved_units": "Units approved", "approved_codes": "Codes approved", "approved_from": "Approved from",
                   "approved_to": "Approved to", "denial_reason": "Denial reason", "denial_code": "Denial code"}
PEND_LABELS = {"request": "What the payer asks for", "due_at": "Answer due by"}
STEP_LABELS = {"note": "Note", "at": "When"}
PLANNED_LABELS = {"planned_on": "Procedure date"}
SEND_LABELS = {"submitter": "Send by", "fax": "Payer's fax", "clinic_npi": "Clinic NPI", "pas_request": "Electronic request",
               "version": "Version"}
DOCUMENT_LABELS = {"kind": "Kind", "title": "Title", "document_date": "Dated", "value": "Value", "result": "Result", "content": "PDF",
                   "modality": "Study (for an imaging report)", "concordant": "Concordant with the diagnosis"}


# Plain words -----------------------------------------------------------------------------------

def short_day(d: date, today: date) -> str:
    """19 Feb (the year only when it is not this year)."""
    return f"{d.day} {d:%b}" if d.year == today.year else f"{d.day} {d:%b %Y}"


def weekday_day(d: date, today: date) -> str:
    """Mon 30 Nov: for a due date a coordinator will act on."""
    return f"{d:%a} {short_day(d, today)}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class Words:
    """What the pages need to phrase a case: names from the packs and the clinic's clock."""

    knowledge: Any
    calendar: BusinessCalendar
    today: date

    def procedure(self, case: AuthorizationCase) -> str:
        found = self.knowledge.procedures.get(case.procedure_id)
        return found.name if found else case.procedure_id

    def payer(self, case: AuthorizationCase) -> str:
        found = self.knowledge.payers.get(case.payer_id)
        return found.name if found else case.payer_id

    def unit(self, case: AuthorizationCase) -> str:
        found = self.knowledge.procedures.get(case.procedure_id)
        return found.unit if found else "unit"

    def moment(self, at: datetime) -> str:
        local = self.calendar.to_local(at)
        return f"{weekday_day(local.date(), self.today)} {local:%H:%M}"


def _kit_words(item: service.Evaluated) -> str | None:
    ready, counted = item.kit_progress
    return f"{ready} of {counted} kit items ready" if counted else None


def _preparing_words(item: service.Evaluated, words: Words, with_payer: bool) -> str:
    decision = item.decision
    if decision is None:
        if item.case.policy_id is None:
            return f"no {words.payer(item.case)} policy on file for this procedure: check with the payer"
        return "criteria not checked (episode facts unavailable)"
    under = f" under {words.payer(item.case)}" if with_payer else ""
    if decision.outcome == "eligible_now":
        head = f"eligible now{under}"
    elif decision.outcome == "eligible_on" and decision.eligible_on:
        head = f"eligible on {short_day(decision.eligible_on, words.today)}{under}"
    elif decision.outcome == "needs_information":
        missing = [c.to_record or c.label for c in decision.criteria if c.status == "missing_evidence"]
        head = f"needs {missing[0]}" if missing else "needs information"
        if with_payer:
            head += f" for {words.payer(item.case)}"
    else:
        blocked = [c.label for c in decision.criteria if c.status == "not_met"]
        head = f"not eligible{under}" + (f": {blocked[0]}" if blocked else "")
    kit = _kit_words(item)
    return f"{head}; {kit}" if kit else head


def waits_for(item: service.Evaluated, words: Words, *, with_payer: bool = False) -> str:
    """What the case waits for, in the words a coordinator would use: "eligible on 19 Feb; 5 of 7 kit items ready"."""
    case = item.case
    state = case.state
    if state in (lifecycle.PREPARING, lifecycle.READY):
        return _preparing_words(item, words, with_payer)
    if state in lifecycle.AWAITING_PAYER:
        payer = words.knowledge.payers.get(case.payer_id)
        since = case.appealed_at if state == lifecycle.APPEALED else case.submitted_at
        what = "appeal decision" if state == lifecycle.APPEALED else "payer decision"
        if payer is None or since is None:
            return f"waiting for the {what}"
        due = clocks.decision_due(words.calendar, payer, case.priority, since)
        return f"{what} due {weekday_day(words.calendar.local_date(due), words.today)}"
    if state == lifecycle.PENDED:
        return f"information due by {words.moment(case.pend_due_at)}" if case.pend_due_at else "information requested"
    if state == lifecycle.PEER_TO_PEER:
        return f"peer-to-peer {words.moment(case.peer_to_peer_at)}" if case.peer_to_peer_at else "peer-to-peer to schedule"
    if state in lifecycle.IN_FORCE:
        head = "approved" if state == lifecycle.APPROVED else "partially approved"
        if case.approved_to:
            head += f" to {short_day(case.approved_to, words.today)}"
        if case.approved_units:
            head += f", {item.units_used} of {_count(case.approved_units, words.unit(case))} used"
        booked = f"booked {short_day(case.planned_on, words.today)}" if case.planned_on else "not booked yet"
        return f"{head}; {booked}"
    if state == lifecycle.DENIED:
        return f"denied{': ' + case.denial_reason if case.denial_reason else ''}; peer-to-peer, appeal or resubmit"
    if state == lifecycle.EXPIRED:
        return f"approval ended {short_day(case.approved_to, words.today)}" if case.approved_to else "approval expired"
    return f"withdrawn{': ' + case.closed_reason if case.closed_reason else ''}"


# Shared loading --------------------------------------------------------------------------------

def _today(ctx: AppContext) -> date:
    return ctx.calendar.local_date(utcnow())


def _user_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def _patient_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Patient.id, Patient.family_name, Patient.given_name).where(Patient.id.in_(set(ids))))
    return {pid: f"{family}, {given}" for pid, family, given in rows}


def _entered_state_at(session: Session, case_ids: Sequence[int]) -> dict[int, datetime]:
    """When each case's last history event happened: the moment it entered its present state (one query)."""
    if not case_ids:
        return {}
    rows = session.execute(select(CaseEvent.case_id, func.max(CaseEvent.at)).where(CaseEvent.case_id.in_(list(case_ids)))
                           .group_by(CaseEvent.case_id))
    return dict(rows.all())


def _page(request: Request, name: str, ctx: AppContext, caller: Caller, status_code: int = 200, **values: Any) -> Response:  # noqa: ANN401
    context = {"caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name, **values}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# The board -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    case: AuthorizationCase
    patient_name: str
    procedure: str
    payer: str
    state_words: str
    business_days: int
    waits_for: str


def _board_cases(session: Session, caller: Caller, *, show_closed: bool, payer_id: str, mine_id: DbId | None) -> list[AuthorizationCase]:
    """The board's cases: the clinic's, kept to the caller's caseload (a therapist sees only their patients')."""
    query = select(AuthorizationCase).where(AuthorizationCase.clinic_id == caller.user.clinic_id,
                                            chart_access.caseload_filter(caller.actor, AuthorizationCase.episode_id))
    if not show_closed:
        query = query.where(AuthorizationCase.state.not_in(list(lifecycle.TERMINAL)))
    if payer_id:
        query = query.where(AuthorizationCase.payer_id == payer_id)
    if mine_id is not None:
        query = query.where((AuthorizationCase.opened_by_id == mine_id) | (AuthorizationCase.submitted_by_id == mine_id))
    return list(session.scalars(query.order_by(AuthorizationCase.opened_at, AuthorizationCase.id)))


@router.get("/authorizations")
def board(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
          payer: SafeText = "", mine: bool = False, closed: bool = False) -> Response:
    today = _today(ctx)
    words = Words(ctx.knowledge, ctx.calendar, today)
    cases = _board_cases(session, caller, show_closed=closed, payer_id=payer,
                         mine_id=caller.user.id if mine else None)
    # One evaluation for every case: the facts of all their episodes are gathered in batch.
    evaluated = service.evaluate_cases(session, knowledge=ctx.knowledge, calendar=ctx.calendar, cases=cases, today=today)
    names = _patient_names(session, [c.patient_id for c in cases])
    audit_access.note_listed(session, caller.actor, list_name="authorization_board", patient_ids=[c.patient_id for c in cases])
    entered = _entered_state_at(session, [c.id for c in cases])
    cards: dict[str, list[Card]] = {}
    for item in evaluated:
        case = item.case
        since = ctx.calendar.local_date(entered.get(case.id, case.opened_at))
        cards.setdefault(case.state, []).append(Card(
            case=case, patient_name=names.get(case.patient_id, "Unknown patient"), procedure=words.procedure(case),
            payer=words.payer(case), state_words=lifecycle.STATE_WORDS[case.state],
            business_days=ctx.calendar.business_days_between(since, today), waits_for=waits_for(item, words),
        ))
    columns = [*BOARD_COLUMNS, CLOSED_COLUMN] if closed else list(BOARD_COLUMNS)
    payers = sorted(((p.id, p.name) for p in ctx.knowledge.payers.values()), key=lambda pair: pair[1])
    return _page(request, "authorizations/board.html", ctx, caller, columns=columns, cards=cards,
                 state_words=lifecycle.STATE_WORDS, payers=payers, f={"payer": payer, "mine": mine, "closed": closed},
                 total=len(cases))


# The case page ---------------------------------------------------------------------------------

def _document_kinds(knowledge: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    kinds = set(BASE_DOCUMENT_KINDS)
    for policy in knowledge.all_policies():
        for criterion in policy.criteria:
            kinds.update(getattr(criterion, "kinds", None) or ())
    return [(k, k.replace("_", " ").capitalize()) for k in sorted(kinds)]


def render_case_page(request: Request, ctx: AppContext, session: Session, caller: Caller, case_id: DbId, *,
                     state: Mapping[str, Any] | None = None, status_code: int = 200) -> Response:
    """The case page; a refused form passes `state` ({which, form, problems}) so it shows why."""
    case = service.get_case(session, actor=caller.actor, case_id=case_id)
    today = _today(ctx)
    words = Words(ctx.knowledge, ctx.calendar, today)
    item = service.evaluate_case(session, knowledge=ctx.knowledge, calendar=ctx.calendar, case=case, today=today)
    events = service.history(session, case_id=case.id)
    refused = [r for r in service.refusals_by_case(session, [case.id]).get(case.id, []) if r.settled_at is None]
    documents = service.documents(session, case_id=case.id)
    procedure = ctx.knowledge.procedures.get(case.procedure_id)
    state = state or {}
    problems = state.get("problems", [])
    return _page(
        request, "authorizations/case.html", ctx, caller, status_code=status_code,
        case=case, item=item, decision=item.decision, words=words, today=today,
        patient_name=_patient_names(session, [case.patient_id]).get(case.patient_id, "Unknown patient"),
        procedure=procedure, procedure_name=words.procedure(case), payer_name=words.payer(case),
        policy=ctx.knowledge.policy_on(case.policy_id, today) if case.policy_id in ctx.knowledge.policies else None,
        place_words=PLACE_OF_SERVICE_WORDS.get(case.place_of_service, f"place of service {case.place_of_service}"),
        waits_for=waits_for(item, words, with_payer=True), kit=_kit_words(item),
        events=events, refused=refused, documents=documents, people=_user_names(session, [e.actor_id for e in events]),
        moves={m.action: m for m in lifecycle.available(case.state)}, state_words=lifecycle.STATE_WORDS,
        status_words=STATUS_WORDS, item_words=ITEM_WORDS, outcome_words=OUTCOME_WORDS, action_words=ACTION_WORDS,
        channels=CHANNELS, outcomes=OUTCOMES, document_kinds=_document_kinds(ctx.knowledge),
        which=state.get("which"), form=state.get("form", {}), problems=problems, errors=errors_by_field(problems),
        labels={"submit": SUBMIT_LABELS, "decision": DECISION_LABELS, "pend": PEND_LABELS, "step": STEP_LABELS,
                "planned": PLANNED_LABELS, "document": DOCUMENT_LABELS, "send": SEND_LABELS},
        imaging_modalities=imaging_pages.MODALITIES, imaging_concordant=imaging_pages.CONCORDANT,
        contact=_payer_contact(ctx.knowledge, case), send_ways=_send_ways(ctx.knowledge, case),
        policy_changes=policy_change_service.case_changes(session, knowledge=ctx.knowledge, calendar=ctx.calendar, case=case, today=today),
        days_to_submission=(item.case.submitted_at and item.case.eligible_on_at_submission
                            and (ctx.calendar.local_date(item.case.submitted_at) - item.case.eligible_on_at_submission).days),
    )


def _payer_contact(knowledge: Any, case: AuthorizationCase) -> Any:  # noqa: ANN401
    payer = knowledge.payers.get(case.payer_id)
    return payer.prior_auth if payer else None


def _send_ways(knowledge: Any, case: AuthorizationCase) -> list[tuple[str, str]]:  # noqa: ANN401
    """How this case can go out: electronically when a PAS endpoint is known (the payer's or the clinic's
    default), and always as the packet by fax or on paper."""
    contact = _payer_contact(knowledge, case)
    ways = []
    if (contact and contact.pas_endpoint) or SubmitterSettings().pas_base_url:
        ways.append(("pas_http", "Electronically to the payer (Da Vinci PAS)"))
    ways += [("packet_fax", "Fax the packet"), ("packet_print", "Print the packet to mail")]
    return ways


@router.get("/authorizations/{case_id}")
def case_page(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    return render_case_page(request, ctx, session, caller, case_id)


# Case actions ----------------------------------------------------------------------------------

def _values(form: Mapping[str, str], names: Mapping[str, str]) -> dict[str, Any]:
    return {name: form.get(name) or None for name in names}


def _codes(raw: str | None) -> list[str]:
    """"64635, 64636" -> ["64635", "64636"]: codes and levels are typed as one comma-separated line."""
    return [part.strip().upper() for part in (raw or "").replace(";", ",").split(",") if part.strip()]


def _problems(exc: Exception) -> tuple[list[FieldProblem], int]:
    if isinstance(exc, ValidationError):
        return validation_problems(exc), 422
    assert isinstance(exc, DomainError)
    return exc.problems, exc.status_code


def _act(request: Request, ctx: AppContext, session: Session, caller: Caller, case_id: DbId, which: str,
         form: Mapping[str, str], change: Callable[[], Any]) -> Response:
    """Run one change on a case: redirect back on success; on refusal roll everything back and show why."""
    episode_id = service.get_case(session, actor=caller.actor, case_id=case_id).episode_id
    try:
        change()
        ctx.reconcile(session, [episode_id])
    except submission.SubmissionFailed as exc:
        # Not rolled back: the failed attempt stays in the history while the case is left as it was.
        state = {"which": which, "form": dict(form), "problems": exc.problems}
        return render_case_page(request, ctx, session, caller, case_id, state=state, status_code=exc.status_code)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        problems, status = _problems(exc)
        state = {"which": which, "form": dict(form), "problems": problems}
        return render_case_page(request, ctx, session, caller, case_id, state=state, status_code=status)
    return RedirectResponse(f"/authorizations/{case_id}", status_code=303)


def _versioned(model: type[BaseModel], form: Mapping[str, str], names: Mapping[str, str], **extra: Any) -> BaseModel:  # noqa: ANN401
    return model.model_validate({**_values(form, names), "version": form.get("version") or None, **extra})


@router.post("/authorizations/{case_id}/submit")
def submit_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        data = _versioned(SubmitIn, form, SUBMIT_LABELS)
        service.submit(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id, data=data)
    return _act(request, ctx, session, caller, case_id, "submit", form, change)


@router.get("/authorizations/{case_id}/packet")
def packet_download(case_id: DbId, ctx: AppCtx, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    """The packet PDF as it would be sent today (cover letter with the criteria, then the kit's PDFs)."""
    pdf = submission.render_packet(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="prior-authorization-PA-{case_id}.pdf"'})


@router.post("/authorizations/{case_id}/submit-electronically")
def send_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    """Send the case to the payer. A send that did not get through keeps its history entry (the
    transaction commits) while the case stays as it was, and the page says what happens next."""
    version = form.get("version", "")
    if not version.isdigit() or len(version) > 9:
        state = {"which": "send", "form": dict(form), "problems": [FieldProblem("version", "integer", "Reload the page and try again")]}
        return render_case_page(request, ctx, session, caller, case_id, state=state, status_code=422)
    return _act(request, ctx, session, caller, case_id, "send", form, lambda: submission.submit_electronically(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, settings=SubmitterSettings(),
        case_id=case_id, version=int(version), submitter_name=form.get("submitter", ""), fax=form.get("fax") or None))


@router.post("/authorizations/{case_id}/decision")
def decision_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                  caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        codes = _codes(form.get("approved_codes")) or None
        data = _versioned(DecisionIn, form, DECISION_LABELS, approved_codes=codes)
        service.record_decision(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data)
    return _act(request, ctx, session, caller, case_id, "decision", form, change)


@router.post("/authorizations/{case_id}/pend")
def pend_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        data = _versioned(PendIn, form, PEND_LABELS)
        service.pend(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data)
    return _act(request, ctx, session, caller, case_id, "pend", form, change)


@router.post("/authorizations/{case_id}/step")
def step_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        data = _versioned(StepIn, form, STEP_LABELS, action=form.get("action") or None)
        service.step(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case_id, data=data)
    return _act(request, ctx, session, caller, case_id, f"step-{form.get('action', '')}", form, change)


@router.post("/authorizations/{case_id}/planned-date")
def planned_date_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        data = _versioned(PlannedDateIn, form, PLANNED_LABELS)
        service.set_planned_date(session, actor=caller.actor, case_id=case_id, data=data)
    return _act(request, ctx, session, caller, case_id, "planned", form, change)


class _Refused(DomainError):
    """A problem the page finds before the service is asked (the uploaded file)."""

    status_code = 422


@dataclass(frozen=True)
class Upload:
    content: bytes | None
    content_type: str | None
    filename: str | None


async def _upload(request: Request) -> Upload:
    """The optional PDF posted with a document (the CSRF check has already parsed the multipart form)."""
    posted = (await request.form()).get("content")
    if posted is None or isinstance(posted, str) or not posted.filename:
        return Upload(None, None, None)
    return Upload(await posted.read(), posted.content_type, posted.filename)


def _checked_pdf(upload: Upload) -> tuple[bytes | None, str | None]:
    if upload.content is None:
        return None, None
    name = clean_filename(upload.filename)
    if len(upload.content) > MAX_PDF_BYTES:
        raise _Refused(FieldProblem(
            "content", "max_size", f"{name} is larger than the limit; attach a PDF {size_limit_words(MAX_PDF_BYTES)} (scan it at a lower resolution)",
        ))
    if not upload.content.startswith(b"%PDF-") or not is_readable_pdf(upload.content):
        raise _Refused(FieldProblem("content", "pdf", f"{name} is not a PDF that can be opened; attach a PDF or leave it empty"))
    return upload.content, "application/pdf"


@router.post("/authorizations/{case_id}/documents")
def document_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                  upload: Annotated[Upload, Depends(_upload)],
                  caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    def change() -> None:
        data = DocumentIn.model_validate({k: v for k, v in _values(form, DOCUMENT_LABELS).items() if k != "content"})
        content, content_type = _checked_pdf(upload)
        service.add_document(session, actor=caller.actor, calendar=ctx.calendar, case_id=case_id, data=data, content=content, content_type=content_type)
    return _act(request, ctx, session, caller, case_id, "document", form, change)


# The episode page ------------------------------------------------------------------------------

def _procedure_choices(knowledge: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    """Procedures a payer authorizes (not the imaging and therapy entries, which have their own flows)."""
    found = [(p.id, p.name) for p in knowledge.procedures.values() if p.category not in ("imaging", "therapy")]
    return sorted(found, key=lambda pair: pair[1])


@patient_pages.episode_panel(needs=Permission.CHART_SUMMARY)
def _authorizations_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session = asked.ctx, asked.session
    today = _today(ctx)
    words = Words(ctx.knowledge, ctx.calendar, today)
    cases = service.cases_for_episode(session, episode_id=asked.episode.id)
    evaluated = service.evaluate_cases(session, knowledge=ctx.knowledge, calendar=ctx.calendar, cases=cases, today=today) if cases else []
    lines = [{"case": e.case, "procedure": words.procedure(e.case), "words": waits_for(e, words, with_payer=True),
              "state_words": lifecycle.STATE_WORDS[e.case.state]} for e in evaluated]
    state = asked.state.get("authorizations", {})
    problems = state.get("problems", [])
    context = {
        "lines": lines, "form": state.get("form", {}), "problems": problems, "errors": errors_by_field(problems),
        "open_labels": OPEN_LABELS, "procedures": _procedure_choices(ctx.knowledge), "sides": SIDES, "places": PLACES,
        "priorities": PRIORITIES, "refused": bool(state),
    }
    return [patient_pages.EpisodePanel("authorizations/episode_panel.html", context, slot="side")]


@router.post("/episodes/{episode_id}/authorizations")
def open_case_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    try:
        values = _values(form, OPEN_LABELS)
        values.pop("coverage")
        values["cpt_codes"] = _codes(form.get("cpt_codes"))
        values["levels"] = _codes(form.get("levels"))
        values = {k: v for k, v in values.items() if v is not None}  # empty fields take the schema's defaults
        data = CaseOpenIn.model_validate(values)
        case = service.open_case(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                 episode_id=episode_id, data=data)
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        problems, status = _problems(exc)
        state = {"authorizations": {"form": dict(form), "problems": problems}}
        return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)
    return RedirectResponse(f"/episodes/{episode_id}#authorization-{case.id}", status_code=303)
