"""The admins' alerts page: the worklist tasks addressed to the admin role (the engine's own failures).

Admins do not read charts, so they hold no worklist permission; these tasks name an episode by number and
the failing rules in plain words, never the patient, and this page shows only them. They close by
themselves when the rules run again without error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from painpath.core.auth.roles import Permission, Role
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import clinic_clock
from painpath.web.templating import templates
from painpath.worklist.engine import OPEN
from painpath.worklist.models import Task

router = APIRouter(tags=["admin"], include_in_schema=False)
RECENTLY_CLOSED = 20  # enough to see what was fixed lately; the audit log keeps the rest


@router.get("/admin/alerts")
def alerts_page(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.USER_ADMIN)]) -> Response:
    mine = select(Task).where(Task.clinic_id == caller.user.clinic_id, Task.owner_role == Role.ADMIN.value)
    open_tasks = list(session.scalars(mine.where(Task.status == OPEN).order_by(Task.due_at, Task.id)))
    closed = list(session.scalars(mine.where(Task.status != OPEN).order_by(Task.closed_at.desc(), Task.id.desc()).limit(RECENTLY_CLOSED)))
    context = {"caller": caller, "open_tasks": open_tasks, "closed": closed, "local": clinic_clock(ctx.calendar)}
    return templates.TemplateResponse(request, "admin_alerts.html", context)
