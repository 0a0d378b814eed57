"""The admins' users page: list staff accounts, create one, disable or enable, reset a password,
change a role, unlock. Only Permission.USER_ADMIN reaches it; every change is audited by the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from painpath.core.auth import service as auth_service
from painpath.core.auth import user_admin
from painpath.core.auth.passwords import MIN_PASSWORD_LENGTH
from painpath.core.auth.roles import Permission, Role
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.web.deps import Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field
from painpath.web.templating import templates

router = APIRouter(tags=["users"], include_in_schema=False)
Admin = Annotated[Caller, requires(Permission.USER_ADMIN)]

ROLE_WORDS = {role.value: role.value.replace("_", " ").capitalize() for role in Role}
LABELS = {"username": "Username", "display_name": "Name", "role": "Role", "password": "Password", "user_id": "User", "npi": "NPI"}
# What the page says after each action; keyed so no text from the URL is ever shown.
DONE_WORDS = {
    "created": "Account created.", "disabled": "Account disabled; its sessions were ended.", "enabled": "Account enabled.",
    "password": "Password reset; the user's sessions were ended.", "role": "Role changed; the user signs in again.",
    "unlocked": "Account unlocked.", "npi": "NPI saved.",
}


def _page(request: Request, session: Session, caller: Caller, *, problems: list[FieldProblem] | None = None,
          form: dict | None = None, done: str | None = None, status_code: int = 200) -> Response:
    users = user_admin.list_users(session, clinic_id=caller.user.clinic_id)
    context = {
        "caller": caller, "users": users, "now": utcnow(), "roles": list(ROLE_WORDS.items()), "role_words": ROLE_WORDS,
        "problems": problems or [], "errors": errors_by_field(problems or []), "labels": LABELS, "form": form or {},
        "notice": DONE_WORDS.get(done or ""), "min_password": MIN_PASSWORD_LENGTH,
    }
    return templates.TemplateResponse(request, "users.html", context, status_code=status_code)


def _act(request: Request, session: Session, caller: Caller, form: dict, done: str, change: Callable[[], object]) -> Response:
    try:
        change()
    except DomainError as exc:
        session.rollback()
        return _page(request, session, caller, problems=exc.problems, form=form, status_code=exc.status_code)
    return RedirectResponse(f"/admin/users?done={done}", status_code=303)


def _user_id(form: dict) -> int:
    raw = form.get("user_id", "")
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(FieldProblem("user_id", "integer", "Choose a user from the list"))
    return int(raw)


@router.get("/admin/users")
def users_page(request: Request, session: DbSession, caller: Admin, done: str | None = None) -> Response:
    return _page(request, session, caller, done=done)


@router.post("/admin/users")
def create(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    safe_form = {k: v for k, v in form.items() if k != "password"}
    return _act(request, session, caller, safe_form, "created", lambda: auth_service.create_user(
        session, clinic_id=caller.user.clinic_id, username=form.get("username", ""),
        display_name=form.get("display_name", "") or form.get("username", ""), role=form.get("role", ""),
        password=form.get("password", ""), actor=caller.actor,
    ))


@router.post("/admin/users/disable")
def disable(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, {}, "disabled",
                lambda: user_admin.set_active(session, actor=caller.actor, user_id=_user_id(form), active=False))


@router.post("/admin/users/enable")
def enable(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, {}, "enabled",
                lambda: user_admin.set_active(session, actor=caller.actor, user_id=_user_id(form), active=True))


@router.post("/admin/users/password")
def reset_password(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, {}, "password",
                lambda: user_admin.reset_password(session, actor=caller.actor, user_id=_user_id(form), password=form.get("password", "")))


@router.post("/admin/users/role")
def change_role(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, {}, "role",
                lambda: user_admin.change_role(session, actor=caller.actor, user_id=_user_id(form), role=form.get("role", "")))


@router.post("/admin/users/unlock")
def unlock(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, {}, "unlocked", lambda: user_admin.unlock(session, actor=caller.actor, user_id=_user_id(form)))


@router.post("/admin/users/npi")
def set_npi(request: Request, session: DbSession, caller: Admin, form: FormFields) -> Response:
    return _act(request, session, caller, dict(form), "npi",
                lambda: user_admin.set_npi(session, actor=caller.actor, user_id=_user_id(form), npi=form.get("npi", "")))
