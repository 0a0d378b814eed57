"""Portal invitations: the staff panel on the episode page (invite, resend, revoke) and the public page a
patient opens from the invitation e-mail to set a password.

The staff routes sit under the episode id, so the chart-access policy checks them like any chart write.
The public routes take a token, not an id: they never say whose invitation a link was, unknown and expired
links get the same page, and guessing is throttled like sign-in (core/auth/throttle.py).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from painpath.core.auth import service as auth_service
from painpath.core.auth import throttle
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import service as patient_service
from painpath.portal import invitations
from painpath.web.deps import SESSION_COOKIE, AppCtx, Caller, DbSession, public, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field
from painpath.web.templating import templates

router = APIRouter()
INVITE_CSRF_COOKIE = "painpath_invite_csrf"
LABELS = {"email": "E-mail address"}
PASSWORD_LABELS = {"password": "New password", "password_again": "The same password again", "email": "E-mail address"}
TOKEN_CHARS = 100  # a token is 43 characters; anything far longer is not one of ours


# The staff panel ---------------------------------------------------------------------------------

@patient_pages.episode_panel(needs=Permission.PORTAL_INVITE)
def _portal_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    access = invitations.portal_access(asked.session, clinic_id=asked.episode.clinic_id, patient_id=asked.patient.id)
    state = asked.state.get("portal", {})
    problems = state.get("problems", [])
    suggested = (access.latest.email if access.latest else None) or (access.account.email if access.account else None) or asked.patient.email or ""
    form = state.get("form") or {"email": suggested}
    creator = None
    if access.latest is not None:
        creator = asked.session.get(invitations.User, access.latest.created_by_user_id)
    context = {"access": access, "form": form, "problems": problems, "errors": errors_by_field(problems), "labels": LABELS,
               "refused": bool(problems), "invited_by": creator.display_name if creator else None,
               "local": clinic_clock(asked.ctx.calendar), "done": asked.request.query_params.get("portal")}
    return [patient_pages.EpisodePanel("portal/episode_panel.html", context, slot="side")]


def _refused(request: Request, ctx, session: Session, caller: Caller, episode_id: int, exc: DomainError, form: dict) -> Response:  # noqa: ANN001
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    state = {"portal": {"form": dict(form), "problems": exc.problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=exc.status_code)


def _episode_patient(session: Session, caller: Caller, episode_id: int) -> int:
    _patient, episode = patient_service.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return episode.patient_id


def _version(form: dict) -> int | None:
    value = form.get("version", "")
    return int(value) if value.isdigit() else None


def _send(session: Session, ctx, caller: Caller, invitation_id: int, token: str) -> str:  # noqa: ANN001
    sent = invitations.send_invitation(session, actor=caller.actor, calendar=ctx.calendar, invitation_id=invitation_id, token=token)
    return "sent" if sent.transmission == "sent" else "not-sent"


@router.post("/episodes/{episode_id}/portal/invite")
def invite_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.PORTAL_INVITE)]) -> Response:
    try:
        patient_id = _episode_patient(session, caller, episode_id)
        invitation, token = invitations.invite(session, actor=caller.actor, patient_id=patient_id, email=form.get("email", ""),
                                               account_version=_version(form))
    except DomainError as exc:
        return _refused(request, ctx, session, caller, episode_id, exc, form)
    outcome = _send(session, ctx, caller, invitation.id, token)
    return RedirectResponse(f"/episodes/{episode_id}?portal={outcome}#portal", status_code=303)


@router.post("/episodes/{episode_id}/portal/resend")
def resend_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.PORTAL_INVITE)]) -> Response:
    try:
        patient_id = _episode_patient(session, caller, episode_id)
        invitation, token = invitations.resend(session, actor=caller.actor, patient_id=patient_id)
    except DomainError as exc:
        return _refused(request, ctx, session, caller, episode_id, exc, form)
    outcome = _send(session, ctx, caller, invitation.id, token)
    return RedirectResponse(f"/episodes/{episode_id}?portal={outcome}#portal", status_code=303)


@router.post("/episodes/{episode_id}/portal/revoke")
def revoke_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.PORTAL_INVITE)]) -> Response:
    try:
        patient_id = _episode_patient(session, caller, episode_id)
        invitations.revoke(session, actor=caller.actor, patient_id=patient_id, account_version=_version(form))
    except DomainError as exc:
        return _refused(request, ctx, session, caller, episode_id, exc, form)
    return RedirectResponse(f"/episodes/{episode_id}?portal=revoked#portal", status_code=303)


# The public link ---------------------------------------------------------------------------------

def _policy(ctx) -> auth_service.AuthPolicy:  # noqa: ANN001
    s = ctx.settings
    return auth_service.AuthPolicy(lockout_failures=s.lockout_failures, lockout_minutes=s.lockout_minutes, session_hours=s.session_hours,
                                   address_failures=s.address_failures, address_window_minutes=s.address_window_minutes)


def _address(request: Request) -> str:
    return throttle.client_address(request.client.host if request.client else None)


def _refusal_page(request: Request, session: Session, refused: invitations.InvitationRefused | None, *, throttled: str | None = None) -> Response:
    reason = refused.reason if refused else "throttled"
    known = refused.clinic_id if refused and refused.reason in ("used", "revoked") else None
    clinic_name, clinic_phone = invitations.clinic_phone_for_refusal(session, known)
    # An unknown link and an expired one read the same, with the same status: the page is no oracle.
    status = {"used": 410, "revoked": 410, "throttled": 429}.get(reason, 404)
    response = templates.TemplateResponse(request, "portal/invitation_refused.html",
                                          {"caller": None, "reason": reason, "clinic_name": clinic_name, "clinic_phone": clinic_phone,
                                           "throttled": throttled}, status_code=status)
    response.headers["cache-control"] = "no-store"
    return response


def _form_page(request: Request, token: str, invitation, *, problems: list[FieldProblem] | None = None, status: int = 200) -> Response:  # noqa: ANN001
    csrf = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "portal/invitation.html",
        {"caller": None, "token": token, "email": invitation.email, "expires_at": invitation.expires_at, "invite_csrf": csrf,
         "problems": problems or [], "errors": errors_by_field(problems or []), "labels": PASSWORD_LABELS,
         "local": clinic_clock(request.app.state.context.calendar)},
        status_code=status,
    )
    response.set_cookie(INVITE_CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/portal/invitation")
    response.headers["cache-control"] = "no-store"  # a page reached by a one-time link: no copy in any cache
    return response


def _checked(request: Request, ctx, session: Session, token: str):  # noqa: ANN001, ANN202
    """The open invitation, or the refusal page to answer with (a miss counts towards the address's throttle)."""
    policy, address = _policy(ctx), _address(request)
    if throttle.is_throttled(session, address, policy):
        return None, _refusal_page(request, session, None, throttled=throttle.refusal_message(policy))
    try:
        if len(token) > TOKEN_CHARS:
            raise invitations.InvitationRefused("unknown")
        return invitations.open_invitation(session, token), None
    except invitations.InvitationRefused as refused:
        if refused.reason in ("unknown", "expired"):
            throttle.record_failure(session, address)
        return None, _refusal_page(request, session, refused)


@router.get("/portal/invitation/{token}", dependencies=[public()])
def invitation_page(token: str, request: Request, ctx: AppCtx, session: DbSession) -> Response:
    invitation, refusal = _checked(request, ctx, session, token)
    return refusal or _form_page(request, token, invitation)


@router.post("/portal/invitation/{token}", dependencies=[public()])
def accept_invitation(token: str, request: Request, ctx: AppCtx, session: DbSession,
                      invite_csrf: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                      password_again: Annotated[str, Form()] = "") -> Response:
    invitation, refusal = _checked(request, ctx, session, token)
    if refusal is not None:
        session.commit()  # the throttle's count stands even though the answer is a refusal
        return refusal
    cookie = request.cookies.get(INVITE_CSRF_COOKIE)
    if not cookie or not secrets.compare_digest(cookie.encode(), invite_csrf.encode()):
        problem = FieldProblem("password", "form_expired", "This form expired; please type your new password again")
        return _form_page(request, token, invitation, problems=[problem], status=403)
    try:
        user = invitations.accept(session, token=token, password=password, password_again=password_again)
    except invitations.InvitationRefused as refused:
        session.rollback()
        return _refusal_page(request, session, refused)
    except DomainError as exc:
        session.rollback()
        return _form_page(request, token, invitation, problems=exc.problems, status=exc.status_code)
    policy = _policy(ctx)
    user.last_login_at = utcnow()
    cookie_token, _row = auth_service.open_session(session, user, policy)
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie_token, httponly=True, samesite="lax", secure=ctx.settings.session_cookie_secure,
                        max_age=ctx.settings.session_hours * 3600)
    response.delete_cookie(INVITE_CSRF_COOKIE, path="/portal/invitation")
    return response
