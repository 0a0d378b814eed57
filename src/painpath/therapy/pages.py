"""The episode page's "Physical therapy" panel: each PT course with its protocol, therapist and frequency,
and for each visit authorization a bar of visits used (counted from PT visit notes, never typed) out of
those approved, the window, visits left, the next visit and what to watch (progress note due, extension
asked and answered, the window ending). Forms start a course, record an authorization and record the
extension asked for and the payer's answer, for the roles the JSON API lets do the same.

A refused form is shown again on the episode page with its values and each problem next to its field;
nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission, Role
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients.models import Episode
from painpath.therapy import course_end, protocol_switch, rules, service
from painpath.therapy.models import PtAuthorization, PtCourse
from painpath.therapy.schemas import AuthorizationIn, CourseEndIn, CourseIn, ExtensionAnswerIn, ExtensionRequestedIn, ProtocolSwitchIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, validation_problems
from painpath.worklist.engine import Obligation

router = APIRouter()

STATE_KEY = "therapy"
COURSE_LABELS = {
    "protocol_id": "Protocol", "therapist_id": "Therapist", "practice_name": "Practice", "practice_kind": "Where",
    "practice_fax": "Practice fax", "frequency_per_week": "Visits a week", "duration_weeks": "Weeks", "start_date": "Starts on",
    "goals": "Functional goals",
}
AUTHORIZATION_LABELS = {"visits_approved": "Visits approved", "window_from": "From", "window_to": "To",
                        "authorization_number": "Authorization number"}
REQUEST_LABELS = {"progress_report_id": "Progress report sent with it", "reason": "Reason there is no progress report"}
REPORT_LABELS = {"written_on": "Written on", "summary": "Progress summary"}
CERTIFICATION_LABELS = {"certified_on": "Certified on", "role": "Who certifies"}
SWITCH_LABELS = {"protocol_id": "New protocol", "reason": "Why the protocol changes", "changed_on": "Takes effect on"}
END_LABELS = {"outcome": "How the course ended", "ended_on": "Last day of the course", "reason": "Why it ended"}
END_OUTCOMES = list(course_end.OUTCOME_WORDS.items())
SEND_LABELS = {"transport": "How to send", "practice_fax": "Practice fax"}
TRANSPORTS = [("fax", "Fax it to the practice"), ("print", "I printed it (hand it to the patient)")]
ANSWER_LABELS = {"outcome": "Payer's answer", **AUTHORIZATION_LABELS, "window_from": "New window from", "window_to": "New window to"}
PRACTICE_KINDS = [("onsite", "At this clinic"), ("partner", "A partner practice")]
ANSWER_OUTCOMES = [("approved", "Approved"), ("partial", "Partly approved"), ("denied", "Denied")]
OUTCOME_WORDS = dict(ANSWER_OUTCOMES)


def _short(d: date, today: date) -> str:
    return f"{d:%a} {d.day} {d:%b}" if d.year == today.year else f"{d:%a} {d.day} {d:%b %Y}"


# What the panel shows ---------------------------------------------------------------------------

def protocol_choices(knowledge: Any, episode: Episode) -> list[tuple[str, str]]:  # noqa: ANN401
    """The protocols for the episode's diagnosis first, then those for its body region, then the others
    (each by name): a CRPS episode on the "other" region sees graded motor imagery before hypermobility."""
    codes = list(episode.icd10_codes or [])

    def rank(p: Any) -> tuple[int, str]:  # noqa: ANN401
        if p.for_.diagnoses and p.fits(region=episode.body_region, icd10_codes=codes):
            return 0, p.name
        return (1 if episode.body_region in p.for_.regions else 2), p.name

    return [(p.id, p.name) for p in sorted(knowledge.pt_protocols.values(), key=rank)]


def _warnings(status: rules.AuthorizationStatus, today: date) -> list[str]:
    """What to watch on one authorization, in the order a coordinator acts on it."""
    auth, found = status.authorization, []
    unauthorized = status.first_unauthorized
    if unauthorized is not None and status.mark_number is not None and status.progress_note_due_on is not None:
        found.append(f"Progress note due before visit {status.mark_number} of {auth.visits_approved} "
                     f"(by {_short(status.progress_note_due_on, today)}), with the extension request")
    if auth.extension_requested_at is not None:
        asked = f"Extension requested on {_short(auth.extension_requested_at.date(), today)}"
        if auth.extension_answered_at is not None:
            asked += f"; the payer answered {OUTCOME_WORDS.get(auth.extension_outcome or '', auth.extension_outcome)} " \
                     f"on {_short(auth.extension_answered_at.date(), today)}"
        else:
            asked += "; no answer yet"
        found.append(asked)
    if unauthorized is not None:
        found.append(f"Without an extension, {unauthorized.words}")
    if status.visits_after_window:
        found.append(f"The window ends {_short(auth.window_to, today)} with {status.visits_after_window} planned "
                     f"visit{'s' if status.visits_after_window != 1 else ''} after it")
    elif today > auth.window_to:
        found.append(f"Expired on {_short(auth.window_to, today)}")
    return found


def _authorization_view(status: rules.AuthorizationStatus, row: PtAuthorization | None, today: date) -> dict[str, Any]:
    auth = status.authorization
    # The number within the authorization: its visits are counted from the window's start.
    upcoming = next(((n, v) for n, v in enumerate(status.visits, start=1) if not v.recorded and v.on >= today), (None, None))
    return {
        "id": auth.id, "row": row, "approved": auth.visits_approved, "used": status.used, "left": status.left,
        "shown_used": min(status.used, auth.visits_approved), "window_from": auth.window_from, "window_to": auth.window_to,
        "number": auth.authorization_number, "next_visit": upcoming[1], "next_number": upcoming[0], "warnings": _warnings(status, today),
        "percent": round(100 * min(status.used, auth.visits_approved) / auth.visits_approved),
        "can_request": auth.extension_requested_at is None, "can_answer": auth.extension_answered_at is None,
        "in_window": auth.window_from <= today <= auth.window_to,
    }


def _course_views(ctx: AppContext, session: Any, episode: Episode, today: date) -> list[dict[str, Any]]:  # noqa: ANN401
    courses = service.courses_for_episode(session, episode_id=episode.id)
    if not courses:
        return []
    rows = {a.id: a for a in session.scalars(select(PtAuthorization).where(PtAuthorization.course_id.in_([c.id for c in courses])))}
    names = dict(session.execute(select(User.id, User.display_name)
                                 .where(User.id.in_({c.therapist_id for c in courses} | {c.ended_by_id for c in courses} - {None}))).all())
    reports = service.progress_reports(session, course_ids=[c.id for c in courses])
    changes = protocol_switch.changes_for_courses(session, course_ids=[c.id for c in courses])

    def protocol_name(protocol_id: str) -> str:
        protocol = ctx.knowledge.pt_protocols.get(protocol_id)
        return protocol.name if protocol else protocol_id

    found = []
    for course in courses:
        view = service.evaluate(session, course=course, calendar=ctx.calendar, settings=ctx.settings)
        found.append({
            "course": course, "protocol": protocol_name(course.protocol_id),
            "switches": [{"on": c.changed_on, "from": protocol_name(c.from_protocol_id), "to": protocol_name(c.to_protocol_id),
                          "reason": c.reason} for c in changes.get(course.id, [])],
            "therapist": names.get(course.therapist_id, "a therapist"),
            "ended_by": names.get(course.ended_by_id) if course.ended_by_id else None,
            "recorded": len(view.facts.visit_dates), "planned": view.facts.planned_visits,
            "next_visit": next((v for v in view.visits if not v.recorded and v.on >= today), None),
            "authorizations": [_authorization_view(s, rows.get(s.authorization.id), today) for s in reversed(view.authorizations)],
            "obligations": [f for f in view.findings if isinstance(f, Obligation)],
            "reports": [r for r in reports if r.course_id == course.id],
            "report_choices": [(str(r.id), f"{_short(r.written_on, today)}: {r.summary[:60]}") for r in reports if r.course_id == course.id],
            "certifications": sorted(c.on for c in view.facts.certifications),
        })
    return found


def _therapists(session: Any, clinic_id: DbId) -> list[tuple[int, str]]:  # noqa: ANN401
    return [(u.id, u.display_name) for u in session.scalars(
        select(User).where(User.clinic_id == clinic_id, User.role == Role.THERAPIST.value, User.active.is_(True)).order_by(User.display_name))]


# Billing works PT authorizations (visits approved and used, extensions) from this panel.
@patient_pages.episode_panel(needs=(Permission.CHART_READ, Permission.AUTHORIZATION_WORK))
def _therapy_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode, caller = asked.ctx, asked.session, asked.episode, asked.caller
    today = ctx.calendar.local_date(utcnow())
    state = asked.state.get(STATE_KEY, {})
    problems = state.get("problems", [])
    context = {
        "courses": _course_views(ctx, session, episode, today), "today": today, "short": _short,
        "form": state.get("form", {}), "which": state.get("which"), "problems": problems, "errors": errors_by_field(problems),
        "course_labels": COURSE_LABELS, "authorization_labels": AUTHORIZATION_LABELS, "answer_labels": ANSWER_LABELS,
        "request_labels": REQUEST_LABELS, "report_labels": REPORT_LABELS, "certification_labels": CERTIFICATION_LABELS,
        "send_labels": SEND_LABELS, "switch_labels": SWITCH_LABELS, "transports": TRANSPORTS,
        "end_labels": END_LABELS, "end_outcomes": END_OUTCOMES, "end_words": course_end.OUTCOME_WORDS,
        "can_end": caller.can(Permission.NOTE_WRITE),
        "can_report": caller.can(Permission.NOTE_WRITE), "can_certify": caller.can(Permission.NOTE_SIGN),
        "practice_kinds": PRACTICE_KINDS, "answer_outcomes": ANSWER_OUTCOMES,
        "can_prescribe": caller.can(Permission.EPISODE_WRITE), "can_authorize": caller.can(Permission.AUTHORIZATION_WORK),
        # The prescription PDF is chart content: a role that sees the panel without reading charts gets no dead link.
        "can_read_chart": caller.can(Permission.CHART_READ),
    }
    if context["can_prescribe"]:
        context["protocols"] = protocol_choices(ctx.knowledge, episode)
        context["therapists"] = _therapists(session, episode.clinic_id)
    return [patient_pages.EpisodePanel("therapy/episode_therapy.html", context, slot="main")]


# Forms -----------------------------------------------------------------------------------------

def _values(form: Mapping[str, str], names: Mapping[str, str]) -> dict[str, Any]:
    """The named fields; an empty one is left out so the schema's default (or its required error) applies."""
    return {name: form[name] for name in names if form.get(name)}


def _refused(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: DbId, which: str,
             form: Mapping[str, str], exc: ValidationError | DomainError) -> Response:
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, ValidationError):
        problems: list[FieldProblem] = validation_problems(exc)
        status = 422
    else:
        problems, status = exc.problems, exc.status_code
    state = {STATE_KEY: {"form": dict(form), "which": which, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)


def _course(session: DbSession, caller: Caller, course_id: DbId) -> PtCourse:
    found = session.get(PtCourse, course_id)
    if found is None or found.clinic_id != caller.user.clinic_id:
        raise NotFound("pt_course", course_id)
    return found


def _authorization(session: DbSession, caller: Caller, authorization_id: DbId) -> PtAuthorization:
    found = session.get(PtAuthorization, authorization_id)
    if found is None or found.clinic_id != caller.user.clinic_id:
        raise NotFound("pt_authorization", authorization_id)
    return found


def _done(ctx: AppCtx, session: DbSession, episode_id: DbId, anchor: str) -> Response:
    ctx.reconcile(session, [episode_id])
    return RedirectResponse(f"/episodes/{episode_id}#{anchor}", status_code=303)


def _submit(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, *, episode_id: DbId, which: str, anchor: str,
            form: Mapping[str, str], schema: type[BaseModel], labels: Mapping[str, str], act: Callable[[Any], object]) -> Response:
    """Validate the form with the API's `schema`, run `act(data)` (the API's service) and go back to the panel at
    `anchor`; or show the episode page again with the form as typed and its problems (`which` names the form)."""
    try:
        act(schema.model_validate(_values(form, labels)))
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, which, form, exc)
    return _done(ctx, session, episode_id, anchor)


@router.post("/episodes/{episode_id}/pt-courses")
def start_course_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    try:
        data = CourseIn.model_validate(_values(form, COURSE_LABELS))
        course = service.create_course(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
        return _done(ctx, session, episode_id, f"pt-course-{course.id}")
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, "course", form, exc)


@router.post("/pt-courses/{course_id}/protocol")
def switch_protocol_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"switch-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=ProtocolSwitchIn, labels={"version": "Version", **SWITCH_LABELS},
                   act=lambda data: protocol_switch.switch_protocol(session, actor=caller.actor, knowledge=ctx.knowledge,
                                                                    course_id=course_id, data=data))


@router.post("/pt-courses/{course_id}/end")
def end_course_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"end-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=CourseEndIn, labels={"version": "Version", **END_LABELS},
                   act=lambda data: course_end.end_course(session, actor=caller.actor, course_id=course_id, data=data))


@router.post("/pt-courses/{course_id}/authorizations")
def record_authorization_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                              caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"authorize-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=AuthorizationIn, labels=AUTHORIZATION_LABELS,
                   act=lambda data: service.record_authorization(session, actor=caller.actor, course_id=course_id, data=data))


@router.post("/pt-authorizations/{authorization_id}/extension-request")
def extension_requested_form(authorization_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                             caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    episode_id = _authorization(session, caller, authorization_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"request-{authorization_id}",
                   anchor=f"pt-authorization-{authorization_id}", form=form, schema=ExtensionRequestedIn, labels={"version": "Version", **REQUEST_LABELS},
                   act=lambda data: service.record_extension_requested(session, actor=caller.actor, authorization_id=authorization_id, data=data))


@router.post("/pt-authorizations/{authorization_id}/extension-answer")
def extension_answer_form(authorization_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                          caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    episode_id = _authorization(session, caller, authorization_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"answer-{authorization_id}",
                   anchor=f"pt-authorization-{authorization_id}", form=form, schema=ExtensionAnswerIn, labels={"version": "Version", **ANSWER_LABELS},
                   act=lambda data: service.record_extension_answer(session, actor=caller.actor, authorization_id=authorization_id, data=data))
