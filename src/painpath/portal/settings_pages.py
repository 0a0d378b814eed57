"""The patient's own settings (/portal/settings): reminders, password, the e-mail address on file.

No id in any path: the record is the signed-in patient's own (portal/access.portal_patient)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem
from painpath.portal import account_settings, reminder_channels
from painpath.web.deps import Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field
from painpath.web.templating import templates

router = APIRouter()
LABELS = {"reminder_channel": "How we remind you", "current_password": "Your current password", "password": "New password",
          "password_again": "The same new password again", "email": "E-mail address"}
SAVED = {"reminders": "Your reminder choice is saved.", "password": "Your new password is saved. Other devices were signed out.",
         "email": "Your e-mail address is saved. Sign in with it from now on."}


def _choices() -> list[dict[str, Any]]:
    found = [{"value": c.name, "label": c.label, "available": c.available} for c in reminder_channels.channels()]
    found.insert(1, {"value": reminder_channels.NO_REMINDERS, "label": "No reminders", "available": True})
    return found


def _page(request: Request, session: Session, caller: Caller, *, which: str | None = None, form: dict | None = None,
          problems: list[FieldProblem] | None = None, status: int = 200) -> Response:
    account = account_settings.own_account(session, caller.actor)
    problems = problems or []
    return templates.TemplateResponse(request, "portal/settings.html", {
        "caller": caller, "account": account, "choices": _choices(), "labels": LABELS, "which": which,
        "form": form or {}, "problems": problems, "errors": errors_by_field(problems),
        "saved": SAVED.get(request.query_params.get("saved", "")),
    }, status_code=status)


def _version(form: dict) -> int | None:
    value = form.get("version", "")
    return int(value) if value.isdigit() else None


def _refused(request: Request, session: Session, caller: Caller, which: str, form: dict, exc: DomainError) -> Response:
    session.rollback()
    kept = {k: v for k, v in form.items() if "password" not in k}  # passwords are never sent back
    return _page(request, session, caller, which=which, form=kept, problems=exc.problems, status=exc.status_code)


@router.get("/portal/settings")
def settings_page(request: Request, session: DbSession, caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    return _page(request, session, caller)


@router.post("/portal/settings/reminders")
def reminders_form(request: Request, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    try:
        account_settings.set_reminder_channel(session, actor=caller.actor, channel=form.get("reminder_channel", ""), version=_version(form))
    except DomainError as exc:
        return _refused(request, session, caller, "reminders", form, exc)
    return RedirectResponse("/portal/settings?saved=reminders", status_code=303)


@router.post("/portal/settings/password")
def password_form(request: Request, session: DbSession, form: FormFields,
                  caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    try:
        account_settings.change_password(session, actor=caller.actor, current=form.get("current_password", ""),
                                         password=form.get("password", ""), password_again=form.get("password_again", ""),
                                         keep_session_id=caller.session_row.id)
    except DomainError as exc:
        return _refused(request, session, caller, "password", form, exc)
    return RedirectResponse("/portal/settings?saved=password", status_code=303)


@router.post("/portal/settings/email")
def email_form(request: Request, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    try:
        account_settings.change_email(session, actor=caller.actor, email=form.get("email", ""), current=form.get("current_password", ""),
                                      version=_version(form))
    except DomainError as exc:
        return _refused(request, session, caller, "email", form, exc)
    return RedirectResponse("/portal/settings?saved=email", status_code=303)
