"""Staff page: the records imported onto an episode, by category, and a form to import more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem
from painpath.core.validation import DbId, DbInt
from painpath.interop.fhir import CATEGORIES, CATEGORY_LABELS, count_phrase, system_label
from painpath.intake.imports import service
from painpath.intake.imports.upload import no_file, read_upload
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import clinic_clock, errors_by_field
from painpath.web.templating import templates

router = APIRouter()
LABELS = {"file": "Records file"}


def _page(request: Request, ctx: AppContext, session: DbSession, caller: Caller, episode_id: DbId, *,
          problems: list[FieldProblem] | None = None, notice: str | None = None, status_code: int = 200) -> Response:
    # The front desk files what arrives (the form and the list of files); the facts are the clinical chart.
    clinical = caller.can(Permission.CHART_READ)
    chart = service.read_imported(session, actor=caller.actor, episode_id=episode_id, **({} if clinical else {"limit": 0}))
    by_category: dict[str, list[Any]] = {c: [] for c in CATEGORIES}
    for fact in chart.facts:
        by_category[fact.category].append(fact)
    problems = problems or []
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "patient": chart.patient, "episode": chart.episode, "imports": chart.imports, "by_category": by_category,
        "category_labels": CATEGORY_LABELS, "count_phrase": count_phrase, "system_label": system_label,
        "problems": problems, "errors": errors_by_field(problems), "labels": LABELS, "notice": notice, "clinical": clinical,
    }
    return templates.TemplateResponse(request, "imports/imported.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/imported")
def imported_page(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
    imported: DbInt | None = None,
    again: bool = False,
) -> Response:
    notice = None
    if imported is not None:
        notice = "This file was already imported onto this episode; nothing was filed twice." if again else \
            f"The records were imported. {service.import_message(session, episode_id=episode_id, import_id=imported) or ''}".strip()
    return _page(request, ctx, session, caller, episode_id, notice=notice)


@router.post("/episodes/{episode_id}/imported")
async def import_from_page(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.INTAKE)],
) -> Response:
    try:
        sources = await read_upload(request)
        if not sources or all(not s.data for s in sources):
            raise no_file()
        summary = await run_in_threadpool(
            service.import_records, session, actor=caller.actor, episode_id=episode_id, path_or_bytes=sources,
            filename=sources[0].name if len(sources) == 1 else None, knowledge=ctx.knowledge, calendar=ctx.calendar,
        )
        await run_in_threadpool(ctx.reconcile, session, [episode_id])
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        await run_in_threadpool(session.rollback)
        return await run_in_threadpool(_page, request, ctx, session, caller, episode_id, problems=exc.problems, status_code=exc.status_code)
    again = "&again=1" if summary.already_imported else ""
    return RedirectResponse(f"/episodes/{episode_id}/imported?imported={summary.import_id}{again}", status_code=303)
