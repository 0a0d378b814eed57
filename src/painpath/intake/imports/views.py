"""JSON API: receive electronic records onto an episode, and read back what was filed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId, Offset, SafeText
from painpath.intake.imports import service
from painpath.intake.imports.schemas import ImportedFactOut, RecordImportOut
from painpath.intake.imports.upload import no_file, read_upload
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["records import"])


@router.post("/episodes/{episode_id}/record-imports", status_code=201)
async def import_records(
    episode_id: DbId,
    request: Request,
    ctx: AppCtx,
    session: DbSession,
    # Receiving records is intake work: the same people who take the calls file what arrives.
    caller: Annotated[Caller, requires(Permission.INTAKE)],
    filename: Annotated[SafeText | None, Query(max_length=255)] = None,
) -> JSONResponse:
    """File a FHIR R4 Bundle or Bulk Data NDJSON onto the episode: multipart files (one import for all of
    them), or the Bundle / NDJSON as the request body. 201 when filed, 200 when this content was already
    imported onto the episode (nothing filed twice), 422 with the reason when the file is refused."""
    sources = await read_upload(request)
    if not sources:
        raise no_file()
    summary = await run_in_threadpool(
        service.import_records, session, actor=caller.actor, episode_id=episode_id, path_or_bytes=sources,
        filename=filename or (sources[0].name if len(sources) == 1 else None), knowledge=ctx.knowledge, calendar=ctx.calendar,
    )
    await run_in_threadpool(ctx.reconcile, session, [episode_id])  # a questionnaire's safety alert opens its task at once
    return JSONResponse(summary.as_dict(), status_code=200 if summary.already_imported else 201)


@router.get("/episodes/{episode_id}/record-imports")
def list_imports(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> list[dict]:
    chart = service.read_imported(session, actor=caller.actor, episode_id=episode_id, limit=0)
    return [RecordImportOut.of(row).model_dump(mode="json") for row in chart.imports]


@router.get("/episodes/{episode_id}/imported-facts")
def imported_facts(
    episode_id: DbId,
    session: DbSession,
    caller: Annotated[Caller, requires(Permission.CHART_READ)],
    category: Annotated[SafeText | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Offset = 0,
) -> dict:
    """Facts filed from imported records, by category then newest first; each with its provenance."""
    chart = service.read_imported(session, actor=caller.actor, episode_id=episode_id, category=category or None, limit=limit, offset=offset)
    return {
        "episode_id": episode_id,
        "category": category or None,
        "total": chart.total,
        "limit": limit,
        "offset": offset,
        "facts": [ImportedFactOut.of(row).model_dump(mode="json") for row in chart.facts],
    }
