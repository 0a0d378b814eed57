"""Staff pages for intake: the callback queue, the new-call form, the intake screen for one call (attempts,
letter, the red-flag screen with its live decision, routing), the clinician's acknowledgement of an
emergent decision, and booking a visit.

Pages call the same services as the JSON API (views.py). A refused form shows its page again with the
values kept and each message next to the field it names. The episode page (patients slice, below this
one) gets intake's panels through `patients.pages.episode_panel`; booking and acknowledging from there
come back here and return to the page the form was on (`next`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, get_args
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from painpath.core.validation import DbId
from painpath.intake import partial_screen, rules, service, triage, visit_rules
from painpath.intake.models import IntakeCall, Triage
from painpath.intake.schemas import AcknowledgeIn, AppointmentIn, AttemptIn, CallIn, LetterIn
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.patients.models import Patient
from painpath.patients.schemas import BodyRegion, Laterality, Sex
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()

CALL_LABELS = {
    "caller_name": "Caller's name",
    "caller_phone": "Caller's phone",
    "caller_relation": "Caller is",
    "patient_id": "Patient",
    "given_name": "Given name",
    "family_name": "Family name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "phone": "Patient's phone",
    "source": "How it came in",
    "referring_provider": "Referring provider",
    "known_mrn": "MRN, if they have one",
    "payer_id": "Payer",
    "member_id": "Member ID",
    "group_number": "Group number",
    "received_at": "Received",
    "reason": "Reason for the call",
    "pain_location": "Where it hurts",
    "pain_duration_weeks": "For how long (weeks)",
    "body_region": "Body region",
    "laterality": "Side",
}
ATTEMPT_LABELS = {"outcome": "Outcome", "note": "Note"}
LETTER_LABELS = {"channel": "Sent as"}
ACK_LABELS = {"note": "What was done"}
BOOKING_LABELS = {
    "visit_type": "Visit type",
    "provider_type": "Provider",
    "start_at": "Date and time",
    "duration_minutes": "Length (minutes)",
    "modality": "How",
    "location_id": "Location",
    "reason": "Note for the visit",
}
VISIT_LABELS = {"reason": "Reason for cancelling", "start_at": "New date and time", "status": "Visit", "version": "Visit"}
RELATIONS = [("self", "The patient"), ("family", "Family member"), ("referring_office", "Referring office"), ("other", "Someone else")]
SOURCES = [("phone", "Phone call"), ("referral", "Referral"), ("fax", "Fax"), ("portal", "Portal message")]
OUTCOMES = [("reached", "Reached the caller"), ("no_answer", "No answer"), ("voicemail", "Left a voicemail"), ("busy", "Line busy"),
            ("wrong_number", "Wrong number")]
CHANNELS = [("letter", "Letter"), ("portal", "Portal message")]
VISIT_TYPES = [("new_patient", "New patient"), ("urgent", "Urgent"), ("follow_up", "Follow-up"), ("procedure", "Procedure")]
PROVIDER_TYPES = [("app", "Advanced practice provider (APP)"), ("physician", "Physician"), ("therapist", "Therapist")]
MODALITIES = [("in_person", "In person"), ("telehealth", "Telehealth")]
STATUS_WORDS = {
    "awaiting_callback": "Awaiting callback",
    "unreachable": "Unreachable: letter due",
    "reached": "Reached",
    "letter_sent": "Letter sent",
    "triaged": "Triaged",
}
URGENCY_WORDS = {
    "emergent": "Emergent",
    "urgent": "Urgent",
    "review": "Clinician review",
    "routine": "Routine",
    "incomplete": "Not decided yet",
}
# The booking form's starting values for each triage outcome (a person can change them).
BOOKING_PRESETS = {
    "emergent": {"visit_type": "urgent", "provider_type": "physician"},
    "urgent": {"visit_type": "urgent", "provider_type": "physician"},
    "review": {"visit_type": "new_patient", "provider_type": "app"},  # a review keeps the routine booking
    "routine": {"visit_type": "new_patient", "provider_type": "app"},
}


# Helpers ---------------------------------------------------------------------------------------

def _choices(literal: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    return [(v, v.replace("_", " ").capitalize()) for v in get_args(literal)]


def _page(request: Request, name: str, ctx: AppContext, caller: Caller, status_code: int = 200, **values: Any) -> Response:  # noqa: ANN401
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "status_words": STATUS_WORDS, "urgency_words": URGENCY_WORDS, **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _targets(ctx: AppContext) -> rules.IntakeTargets:
    settings = ctx.settings
    return rules.IntakeTargets(
        callback_business_days=settings.callback_target_business_days,
        triage_hours=settings.triage_target_hours,
        failed_attempts_before_letter=settings.failed_attempts_before_letter,
    )


def _due_work(session: Session, ctx: AppContext, episode_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """call id -> (what is owed next, by when): the callback or the letter, else the red-flag screen; computed by
    the same pure rules the worklist reconciles, so the page and the task agree without reading tasks."""
    words = {"intake.callback": "Callback", "intake.letter": "Letter", "intake.triage": "Red-flag screen"}
    owed: dict[int, tuple[str, datetime]] = {}
    if not episode_ids:
        return owed
    for facts in service.call_facts(session, episode_ids=episode_ids):
        found = {f.kind: f for f in rules.call_findings(facts, _targets(ctx), ctx.calendar) if getattr(f, "kind", None) in words}
        kind = next((k for k in words if k in found), None)  # in order of precedence
        if kind is not None:
            owed[facts.call_id] = (words[kind], found[kind].due_at)
    return owed


def _user_names(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def _state_problems(state: Mapping[str, Any] | None, key: str) -> tuple[dict[str, str], list[FieldProblem]]:
    found = (state or {}).get(key) or {}
    return found.get("form", {}), found.get("problems", [])


def _safe_next(raw: str | None, default: str) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw or any(ord(c) < 32 for c in raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw


# Callback queue --------------------------------------------------------------------------------

@router.get("/intake")
def callback_queue_page(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]) -> Response:
    clinic_id = caller.user.clinic_id
    queue = service.callback_queue(session, clinic_id=clinic_id)
    screening = list(session.scalars(
        select(IntakeCall).where(IntakeCall.clinic_id == clinic_id, IntakeCall.status == "reached").order_by(IntakeCall.received_at)
    ))
    owed = _due_work(session, ctx, [call.episode_id for call, _ in queue])
    audit_access.note_listed(session, caller.actor, list_name="intake_queue",
                             patient_ids=[call.patient_id for call, _ in queue] + [call.patient_id for call in screening])
    triage_due = {call.id: call.received_at + timedelta(hours=ctx.settings.triage_target_hours) for call in screening}
    return _page(
        request, "intake/queue.html", ctx, caller, queue=queue, owed=owed, screening=screening, triage_due=triage_due,
        names=_patient_names(session, [call.patient_id for call, _ in queue] + [call.patient_id for call in screening]),
        now=utcnow(), today=ctx.calendar.local_date(utcnow()), relations=dict(RELATIONS),
        callback_days=ctx.settings.callback_target_business_days,
    )


def _patient_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The patients' names for a list of calls (no chart is opened, so no chart-read audit per row)."""
    if not ids:
        return {}
    return {p.id: p.display_name for p in session.scalars(select(Patient).where(Patient.id.in_(set(ids))))}


# New call --------------------------------------------------------------------------------------

def _new_call_page(request: Request, ctx: AppContext, session: Session, caller: Caller, form: dict[str, str],
                   problems: list[FieldProblem], status_code: int = 200, duplicates: list[Patient] | None = None) -> Response:
    patient = None
    if form.get("patient_id"):
        try:
            patient, _coverages, _episodes = patients.read_chart(session, actor=caller.actor, patient_id=int(form["patient_id"]))
        except ValueError:
            patient = None
    payers = sorted(((p.id, p.name) for p in ctx.knowledge.payers.values()), key=lambda pair: pair[1])
    return _page(
        request, "intake/new_call.html", ctx, caller, status_code=status_code,
        form=form, problems=problems, errors=errors_by_field(problems), labels=CALL_LABELS, patient=patient,
        relations=RELATIONS, sources=SOURCES, payers=payers, sexes=_choices(Sex), duplicates=duplicates or [],
        body_regions=_choices(BodyRegion),
        lateralities=[(v, "Not one side" if v == "none" else label) for v, label in _choices(Laterality)],
    )


@router.get("/intake/new")
def new_call_form(
    request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)],
    patient_id: DbId | None = None,
) -> Response:
    form = {"caller_relation": "self", "source": "phone", "laterality": "none"}
    if patient_id is not None:
        form["patient_id"] = str(patient_id)
    return _new_call_page(request, ctx, session, caller, form, [])


# Form field -> where pydantic reports it (the person's fields are nested under new_patient).
_PERSON_FIELDS = ("given_name", "family_name", "birth_date", "sex", "phone")


def _call_values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: form.get(name) or None
        for name in ("caller_name", "caller_phone", "caller_relation", "source", "referring_provider", "payer_id", "member_id",
                     "group_number", "received_at",
                     "reason", "pain_location", "pain_duration_weeks", "body_region", "laterality")
    }
    values["caller_relation"] = values["caller_relation"] or "self"
    values["source"] = values["source"] or "phone"
    values["laterality"] = values["laterality"] or "none"
    if form.get("patient_id"):
        values["patient_id"] = form["patient_id"]
    else:
        person = {name: form.get(name) or None for name in _PERSON_FIELDS}
        # The patient calling for themselves: their phone is the caller's unless another is given.
        if person["phone"] is None and values["caller_relation"] == "self":
            person["phone"] = values["caller_phone"]
        values["new_patient"] = person
    return values


def _call_problems(problems: list[FieldProblem]) -> list[FieldProblem]:
    """new_patient.given_name -> given_name, so each message sits by the field the form shows."""
    return [FieldProblem(p.field.removeprefix("new_patient."), p.rule, p.message) for p in problems]


def _duplicates(session: Session, caller: Caller, form: Mapping[str, str]) -> list[Patient]:
    """Registered patients the new caller may be, unless staff already said none of them is."""
    if form.get("patient_id") or form.get("new_confirmed"):
        return []
    try:
        born = datetime.strptime(form.get("birth_date") or "", "%Y-%m-%d").date()
    except ValueError:
        born = None
    phone = form.get("phone") or (form.get("caller_phone") if (form.get("caller_relation") or "self") == "self" else None)
    found = patients.possible_duplicates(
        session, clinic_id=caller.user.clinic_id, given_name=form.get("given_name"), family_name=form.get("family_name"),
        birth_date=born, phone=phone, mrn=form.get("known_mrn"), viewer=caller.actor,
    )
    audit_access.note_listed(session, caller.actor, list_name="intake_duplicates", patient_ids=[p.id for p in found])
    return found


@router.post("/intake/new")
def record_call(
    request: Request, ctx: AppCtx, session: DbSession, form: FormFields, caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    if form.get("use_patient_id") and not form.get("patient_id"):
        # Staff chose an existing record offered below: the call is that patient's, no new chart.
        form = {**form, "patient_id": form["use_patient_id"]}
    duplicates = _duplicates(session, caller, form)
    try:
        data = CallIn.model_validate(_call_values(form))
        if duplicates:  # asked before a new chart is made; the answer comes back with the same form
            return _new_call_page(request, ctx, session, caller, form, [], 200, duplicates)
        call = service.record_call(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, data=data)
        ctx.reconcile(session, [call.episode_id])
    except ValidationError as exc:
        return _new_call_page(request, ctx, session, caller, form, _call_problems(validation_problems(exc)), 422, duplicates)
    except DomainError as exc:
        session.rollback()
        if form.get("patient_id") and any(p.field == "patient" for p in exc.problems):
            problems = [FieldProblem("patient_id", "exists", "That patient is not in this clinic; register the caller as new")]
            return _new_call_page(request, ctx, session, caller, {**form, "patient_id": ""}, problems, exc.status_code)
        return _new_call_page(request, ctx, session, caller, form, _call_problems(exc.problems), exc.status_code, duplicates)
    return RedirectResponse(f"/intake/calls/{call.id}", status_code=303)


# The red-flag screen ---------------------------------------------------------------------------

def _questions(ctx: AppContext) -> list:
    return list(ctx.knowledge.red_flags.questions)


def _sections(questions: list) -> list[tuple[str, list]]:
    """Questions grouped by section, sections in the order their first question appears in the pack."""
    grouped: dict[str, list] = {}
    for question in questions:
        grouped.setdefault(question.section or "Questions", []).append(question)
    return list(grouped.items())


def _answers(form: Mapping[str, str], questions: list) -> dict[str, Any]:
    """The posted screen as typed answers; an unanswered question is left out (the rules say what is missing)."""
    answers: dict[str, Any] = {}
    for question in questions:
        raw = (form.get(f"q-{question.id}") or "").strip()
        if raw == "":
            continue
        if question.kind == "yes_no":
            answers[question.id] = {"yes": True, "no": False}.get(raw.lower(), raw)
        elif question.kind == "number":
            try:
                answers[question.id] = int(raw)
            except ValueError:
                answers[question.id] = raw  # reported by validate_answers ("Enter a whole number ...")
        else:
            answers[question.id] = raw
    return answers


def _question_errors(problems: list[FieldProblem]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        if problem.field.startswith("answers."):
            errors.setdefault(problem.field.removeprefix("answers."), []).append(problem.message)
    return errors


def _decide(knowledge, answers: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN001
    """The decision so far for the fragment: answers that do not fit their question are reported and left out."""
    problems: list[FieldProblem] = []
    try:
        decision = service.preview(knowledge, answers)
    except InvalidInput as exc:
        problems = exc.problems
        bad = {p.field.removeprefix("answers.") for p in problems}
        decision = service.preview(knowledge, {k: v for k, v in answers.items() if k not in bad})
    pack = knowledge.red_flags
    return {
        "decision": decision, "answer_problems": problems, "preset": BOOKING_PRESETS.get(decision.urgency),
        "total_required": sum(1 for q in pack.questions if q.required and triage.is_asked(q, answers)),
        "yellow_defs": _yellow_defs(knowledge),
    }


def _yellow_defs(knowledge) -> dict[str, Any]:  # noqa: ANN001
    return {y.code: y for y in knowledge.red_flags.yellow_flags}


def _answered(knowledge, answers: Mapping[str, Any]) -> list[dict[str, str]]:  # noqa: ANN001
    """A saved screen's answers in question order, as words."""
    shown = []
    for question in knowledge.red_flags.questions:
        if question.id not in answers or answers[question.id] is None:
            continue
        value = answers[question.id]
        if question.kind == "yes_no":
            words = "Yes" if value is True else "No"
        elif question.kind == "choice":
            words = next((o.label for o in question.options or [] if o.value == value), str(value))
        else:
            words = f"{value} {question.unit or ''}".strip()
        shown.append({"text": question.text, "shown": words, "yes": value is True})
    return shown


# Call page -------------------------------------------------------------------------------------

def _locations(session: Session, clinic_id: DbId) -> list[tuple[int, str]]:
    return [(loc.id, loc.name) for loc in patients.list_locations(session, clinic_id=clinic_id)]


def _booking_context(session: Session, ctx: AppContext, caller: Caller, episode, latest: Triage | None,  # noqa: ANN001
                     state: Mapping[str, Any] | None, next_path: str) -> dict[str, Any]:
    """What the shared booking form needs: presets from the triage outcome, kept values and problems after a refusal."""
    form, problems = _state_problems(state, "booking")
    preset = dict(BOOKING_PRESETS.get(latest.urgency if latest else "routine", BOOKING_PRESETS["routine"]))
    if episode.first_visit_booked_at is not None:
        preset = {"visit_type": "follow_up", "provider_type": "app"}
    values = {"duration_minutes": "40", "modality": "in_person", **preset, **form}
    return {
        "booking": {
            "episode_id": episode.id, "next": next_path, "form": values, "problems": problems, "errors": errors_by_field(problems),
            "labels": BOOKING_LABELS, "visit_types": VISIT_TYPES, "provider_types": PROVIDER_TYPES, "modalities": MODALITIES,
            "locations": _locations(session, caller.user.clinic_id),
            "first_visit_days": ctx.settings.first_visit_target_business_days,
            "first_visit_due": ctx.calendar.due_after_business_days(episode.opened_at, ctx.settings.first_visit_target_business_days),
            "urgency": latest.urgency if latest else None,
        },
    }


def _routing_due(ctx: AppContext, routing, decided_at: datetime) -> datetime | None:  # noqa: ANN001
    """When the pack's routing says the case must be seen by (None: the clinic's own first-visit target applies)."""
    within = routing.due_within
    if within is None:
        return None
    if within.unit == "business_days":
        return ctx.calendar.due_after_business_days(decided_at, within.amount)
    return decided_at + (timedelta(days=within.amount) if within.unit == "calendar_days" else timedelta(hours=within.amount))


def _triage_context(session: Session, ctx: AppContext, episode, latest: Triage | None, state: Mapping[str, Any] | None,  # noqa: ANN001
                    next_path: str, appointments: list, call_href: str | None = None) -> dict[str, Any]:
    """The saved decision as the shared `triage_outcome` macro shows it: hard stop, acknowledgement, routing."""
    stop = latest is not None and latest.urgency == "emergent" and latest.acknowledged_at is None
    if latest is None:
        return {"triage": None, "stop": False, "outcome": None}
    form, problems = _state_problems(state, "ack")
    booked = next((a for a in appointments if a.status == "booked" and a.visit_type in service.FIRST_VISIT_TYPES
                   and a.booked_at >= latest.decided_at), None)
    routing = ctx.knowledge.red_flags.routing.for_urgency(latest.urgency)
    return {
        "triage": latest,
        "stop": stop,
        "outcome": {
            "due": _routing_due(ctx, routing, latest.decided_at),
            "t": latest, "stop": stop, "booked": booked, "episode_id": episode.id, "call_href": call_href,
            # A clinician records the review of a low-specificity flag, and any referral, with a note.
            "review_open": latest.urgency != "emergent" and service.needs_clinician_record(latest) and latest.acknowledged_at is None,
            "referrals": service.referrals_of(latest),
            "people": _user_names(session, [latest.decided_by_id, latest.acknowledged_by_id]),
            "routing": routing,
            "yellow_defs": _yellow_defs(ctx.knowledge),
            "first_due": ctx.calendar.due_after_business_days(episode.opened_at, ctx.settings.first_visit_target_business_days),
            "ack": {"form": form, "problems": problems, "errors": errors_by_field(problems), "labels": ACK_LABELS, "next": next_path},
        },
    }


def _saved_answers_form(call: IntakeCall) -> dict[str, str]:
    """The answers saved so far on the call, as the screen's form values (a reloaded page keeps them)."""
    saved = (call.partial_answers or {}).get("answers") or {}
    return {f"q-{qid}": ("yes" if value is True else "no" if value is False else str(value)) for qid, value in saved.items()}


def _call_page(request: Request, ctx: AppContext, session: Session, caller: Caller, call_id: DbId, *,
               state: Mapping[str, Any] | None = None, status_code: int = 200) -> Response:
    call = service.get_call(session, caller.user.clinic_id, call_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=call.episode_id)
    here = f"/intake/calls/{call.id}"
    latest = session.scalars(
        select(Triage).where(Triage.call_id == call.id).order_by(Triage.decided_at.desc(), Triage.id.desc())
    ).first()
    attempts = service.attempts(session, call=call)
    attempt_form, attempt_problems = _state_problems(state, "attempt")
    letter_form, letter_problems = _state_problems(state, "letter")
    screen_form, screen_problems = _state_problems(state, "triage")
    if not screen_form and latest is None:
        screen_form = _saved_answers_form(call)
    questions = _questions(ctx) if latest is None else []
    answers = _answers(screen_form, questions)
    payer = ctx.knowledge.payers.get(call.payer_id) if call.payer_id else None
    owed = _due_work(session, ctx, [call.episode_id]).get(call.id)
    appointments = service.appointments(session, episode_id=episode.id)
    context: dict[str, Any] = {
        "call": call, "patient": patient, "episode": episode, "attempts": attempts, "payer": payer, "owed": owed, "here": here,
        "attempters": _user_names(session, [a.by_id for a in attempts]),
        "outcome_words": dict(OUTCOMES), "relations": dict(RELATIONS), "sources": dict(SOURCES),
        "attempt": {"form": attempt_form, "problems": attempt_problems, "errors": errors_by_field(attempt_problems),
                    "labels": ATTEMPT_LABELS, "outcomes": OUTCOMES},
        "letter": {"form": letter_form, "problems": letter_problems, "errors": errors_by_field(letter_problems),
                   "labels": LETTER_LABELS, "channels": CHANNELS},
        "screen": {"sections": _sections(questions), "form": screen_form, "problems": screen_problems,
                   "errors": _question_errors(screen_problems), "count": len(questions)},
        "appointments": appointments,
        "now": utcnow(),
        "blocked": service.hard_stop(session, episode_id=episode.id) is not None,
        **_triage_context(session, ctx, episode, latest, state, here, appointments),
        **_booking_context(session, ctx, caller, episode, latest, state, here),
    }
    if latest is None:
        context.update(_decide(ctx.knowledge, answers))
    else:
        context["answered"] = _answered(ctx.knowledge, latest.answers)
    return _page(request, "intake/call.html", ctx, caller, status_code=status_code, **context)


@router.get("/intake/calls/{call_id}")
def call_page(call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.INTAKE)]) -> Response:
    return _call_page(request, ctx, session, caller, call_id)


def _refused(request: Request, ctx: AppContext, session: Session, caller: Caller, call_id: DbId, key: str,
             form: dict[str, str], exc: Exception) -> Response:
    """A refused form on the call page: the page again, with why next to the form."""
    session.rollback()
    if isinstance(exc, ValidationError):
        problems, status = validation_problems(exc), 422
    elif isinstance(exc, DomainError):
        problems, status = exc.problems, exc.status_code
    else:
        problems = [FieldProblem("version", "current_version", "Someone else changed this call first; the page now shows the latest. Try again.")]
        status = 409
    return _call_page(request, ctx, session, caller, call_id, state={key: {"form": form, "problems": problems}}, status_code=status)


@router.post("/intake/calls/{call_id}/attempts")
def record_attempt(
    call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    try:
        data = AttemptIn.model_validate({"outcome": form.get("outcome") or None, "note": form.get("note") or None})
        call = service.record_attempt(
            session, actor=caller.actor, call_id=call_id, outcome=data.outcome, note=data.note,
            failed_before_letter=ctx.settings.failed_attempts_before_letter,
        )
        ctx.reconcile(session, [call.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, call_id, "attempt", form, exc)
    return RedirectResponse(f"/intake/calls/{call_id}#red-flags" if data.outcome == "reached" else f"/intake/calls/{call_id}", status_code=303)


@router.post("/intake/calls/{call_id}/letter")
def letter_sent(
    call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    try:
        data = LetterIn.model_validate({"channel": form.get("channel") or None})
        call = service.record_letter_sent(session, actor=caller.actor, call_id=call_id, channel=data.channel)
        ctx.reconcile(session, [call.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, call_id, "letter", form, exc)
    return RedirectResponse(f"/intake/calls/{call_id}", status_code=303)


@router.post("/intake/calls/{call_id}/triage/preview")
def preview_triage(
    call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    """The decision so far, as the fragment htmx swaps into #decision; nothing is saved."""
    call = service.get_call(session, caller.user.clinic_id, call_id)
    context = {
        "caller": caller, "call": call, "urgency_words": URGENCY_WORDS, "local": clinic_clock(ctx.calendar), "oob": True,
        **_decide(ctx.knowledge, _answers(form, _questions(ctx))),
    }
    response = templates.TemplateResponse(request, "intake/_decision.html", context)
    response.headers["vary"] = "HX-Request"
    return response


@router.post("/intake/calls/{call_id}/triage/answers")
def save_answers(
    call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    """htmx on every change of the screen: the answers so far are saved on the call (an emergent one alerts a
    clinician at once, even if the screen is never saved), and the decision fragment comes back."""
    call = service.get_call(session, caller.user.clinic_id, call_id)
    decided = _decide(ctx.knowledge, _answers(form, _questions(ctx)))
    bad = {p.field.removeprefix("answers.") for p in decided["answer_problems"]}
    alerted = False
    if session.scalar(select(Triage.id).where(Triage.call_id == call.id)) is None:
        answers = {q.id: _answers(form, _questions(ctx)).get(q.id) for q in _questions(ctx) if q.id not in bad}
        saved = partial_screen.save_answers(session, actor=caller.actor, knowledge=ctx.knowledge, call_id=call.id, answers=answers)
        ctx.reconcile(session, [saved.episode_id])
        alerted = saved.partial_emergent_at is not None
    context = {
        "caller": caller, "call": call, "urgency_words": URGENCY_WORDS, "local": clinic_clock(ctx.calendar), "oob": True,
        "alerted": alerted, **decided,
    }
    response = templates.TemplateResponse(request, "intake/_decision.html", context)
    response.headers["vary"] = "HX-Request"
    return response


@router.post("/intake/calls/{call_id}/triage")
def record_triage(
    call_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    already = session.scalars(select(Triage.id).where(Triage.call_id == call_id, Triage.clinic_id == caller.user.clinic_id)).first()
    if already is not None:
        return RedirectResponse(f"/intake/calls/{call_id}", status_code=303)  # a second press of Save: the first one counts
    try:
        row = service.record_triage(session, actor=caller.actor, knowledge=ctx.knowledge, call_id=call_id, answers=_answers(form, _questions(ctx)))
        ctx.reconcile(session, [row.episode_id])
    except (DomainError, StaleDataError) as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, call_id, "triage", form, exc)
    return RedirectResponse(f"/intake/calls/{call_id}", status_code=303)


# Back to the page a form was on ----------------------------------------------------------------

_CALL_PATH = re.compile(r"^/intake/calls/(\d+)(?:[?#].*)?$")


def _render_back(request: Request, ctx: AppContext, session: Session, caller: Caller, next_path: str, episode_id: DbId,
                 state: Mapping[str, Any], status_code: int) -> Response:
    """Show the page the refused form was on (the call page or the episode page) with the message by the form."""
    found = _CALL_PATH.match(next_path)
    if found:
        return _call_page(request, ctx, session, caller, int(found.group(1)), state=state, status_code=status_code)
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status_code)


@router.post("/triage/{triage_id}/acknowledge")
def acknowledge(
    triage_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.TRIAGE_ACKNOWLEDGE)],
) -> Response:
    decision = session.get(Triage, triage_id)
    if decision is None or decision.clinic_id != caller.user.clinic_id:
        raise NotFound("triage", triage_id)
    next_path = _safe_next(form.get("next"), f"/episodes/{decision.episode_id}")
    try:
        data = AcknowledgeIn.model_validate({"note": form.get("note", "")})
        row = service.acknowledge_emergent(session, actor=caller.actor, triage_id=triage_id, note=data.note)
        ctx.reconcile(session, [row.episode_id])
    except (ValidationError, DomainError) as exc:
        session.rollback()
        problems = validation_problems(exc) if isinstance(exc, ValidationError) else exc.problems
        status = 422 if isinstance(exc, ValidationError) else exc.status_code
        return _render_back(request, ctx, session, caller, next_path, decision.episode_id, {"ack": {"form": form, "problems": problems}}, status)
    return RedirectResponse(next_path, status_code=303)


# Booking ---------------------------------------------------------------------------------------

@router.post("/episodes/{episode_id}/appointments")
def book_appointment(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
    caller: Annotated[Caller, requires(Permission.VISIT_BOOK)],
) -> Response:
    next_path = _safe_next(form.get("next"), f"/episodes/{episode_id}")
    values = {name: form.get(name) or None for name in BOOKING_LABELS}
    values = {k: v for k, v in values.items() if v is not None}
    try:
        data = AppointmentIn.model_validate(values)
        service.book_appointment(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        session.rollback()
        if isinstance(exc, ValidationError):
            problems, status = validation_problems(exc), 422
        elif isinstance(exc, DomainError):
            problems, status = exc.problems, exc.status_code
        else:
            problems, status = [FieldProblem("version", "current_version", "Someone else changed this episode first; try again")], 409
        if isinstance(exc, NotFound):
            raise  # an unknown episode (or one in another clinic) is the 404 page
        return _render_back(request, ctx, session, caller, next_path, episode_id, {"booking": {"form": form, "problems": problems}}, status)
    return RedirectResponse(next_path, status_code=303)


def visit_actions_context(ctx: AppContext, caller: Caller, state: Mapping[str, Any] | None, next_path: str) -> dict[str, Any]:
    """What each visit's action buttons need (the `act` of the appointments table), with a refused action's message."""
    mine = dict((state or {}).get("visit") or {})
    if mine:
        mine["errors"] = errors_by_field(mine.get("problems", []))
    return {"caller": caller, "next": next_path, "state": mine, "labels": VISIT_LABELS,
            "today": ctx.calendar.local_date(utcnow()), "note_types": visit_rules.NOTE_TYPE_FOR_VISIT}


# Panels on the episode page --------------------------------------------------------------------

@patient_pages.episode_panel(needs=Permission.CHART_SUMMARY)
def _episode_panels(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    """The latest triage decision (with the emergent hard stop), the episode's visits and the booking form."""
    session, episode, caller = asked.session, asked.episode, asked.caller
    here = f"/episodes/{episode.id}"
    latest = service.latest_triage(session, episode_id=episode.id)
    call = session.scalars(select(IntakeCall).where(IntakeCall.episode_id == episode.id).order_by(IntakeCall.received_at.desc())).first()
    appointments = service.appointments(session, episode_id=episode.id)
    call_href = f"/intake/calls/{call.id}" if call is not None and caller.can(Permission.INTAKE) else None
    panels = []
    if latest is not None or call is not None:
        context = {
            **_triage_context(session, asked.ctx, episode, latest, asked.state, here, appointments, call_href),
            "episode_call": call, "call_href": call_href, "urgency_words": URGENCY_WORDS,
        }
        panels.append(patient_pages.EpisodePanel("intake/episode_triage.html", context, slot="top"))
    context = {
        "appointments": appointments, "act": visit_actions_context(asked.ctx, caller, asked.state, here),
        "stop": service.hard_stop(session, episode_id=episode.id) is not None,
        **_booking_context(session, asked.ctx, caller, episode, latest, asked.state, here),
    }
    panels.append(patient_pages.EpisodePanel("intake/episode_visits.html", context, slot="side"))
    return panels
