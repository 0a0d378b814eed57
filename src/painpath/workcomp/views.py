"""JSON API for the episode's workers' compensation claim: read it, enter or edit it. Same service as the
panel; the claim keepers also read the clinical chart (the claim says how the injury happened)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import ValidationError

from painpath.core.auth.roles import Permission
from painpath.core.errors import InvalidInput
from painpath.core.validation import DbId
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, PermissionDenied, requires
from painpath.web.forms import validation_problems
from painpath.workcomp import service
from painpath.workcomp.models import WorkCompClaim
from painpath.workcomp.schemas import ClaimIn, ClaimUpdate

router = APIRouter(prefix="/api", tags=["workers' compensation"])


def claim_out(claim: WorkCompClaim | None) -> dict[str, Any] | None:
    if claim is None:
        return None
    return {"id": claim.id, "episode_id": claim.episode_id, "version": claim.version, "opened_at": claim.opened_at.isoformat(),
            **{name: getattr(claim, name) for name in ClaimIn.model_fields}}


@router.get("/episodes/{episode_id}/workcomp-claim")
def read_claim(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict | None:
    """The claim, or null when the episode is not a workers' compensation claim."""
    patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    return claim_out(service.episode_claim(session, episode_id=episode_id))


@router.put("/episodes/{episode_id}/workcomp-claim")
def save_claim(episode_id: DbId, data: dict[str, Any], ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.PATIENT_WRITE)]) -> dict | None:
    """Enter the claim (no `version`) or edit it (with the `version` read)."""
    if not caller.can(Permission.CHART_READ):
        raise PermissionDenied(Permission.CHART_READ)
    try:
        parsed = ClaimUpdate.model_validate(data) if "version" in data else ClaimIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_problems(exc)) from exc
    claim = service.save_claim(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=parsed)
    ctx.reconcile(session, [episode_id])
    return claim_out(claim)
