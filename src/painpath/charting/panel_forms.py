"""One way for an episode-page panel's form to be handled: validate with the API's schema, call the
API's service, reconcile the worklist, and answer 303 back to the panel; or show the episode page again
with the form as typed and each problem next to its field (422, or 409 on a stale version).

Procedures, imaging and conservative care share it so their forms refuse and keep input the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from painpath.context import AppContext
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.patients import pages as patient_pages
from painpath.web.deps import Caller
from painpath.web.forms import errors_by_field, validation_problems


def optional(form: Mapping[str, str], name: str) -> str | None:
    """A form field as typed, or None when left empty (so the schema's default applies)."""
    return form.get(name) or None


def codes(raw: str | None) -> list[str]:
    """A comma- or semicolon-separated list typed into one box: "L4-5, L5-S1"."""
    return [part.strip() for part in (raw or "").replace(";", ",").split(",") if part.strip()]


def state_of(asked: patient_pages.PanelRequest, key: str) -> dict[str, Any]:
    """What a refused form of this panel left: the form as typed, which form, its problems by field."""
    state = dict(asked.state.get(key, {}))
    problems = state.get("problems", [])
    return {"form": state.get("form", {}), "which": state.get("which"), "target": state.get("target"),
            "problems": problems, "errors": errors_by_field(problems)}


def _problems_named(exc: ValidationError, rename: Mapping[str, str]) -> list[FieldProblem]:
    return [FieldProblem(rename.get(p.field.split(".")[0], p.field.split(".")[0]), p.rule, p.message) for p in validation_problems(exc)]


def submit(request: Request, ctx: AppContext, session: Any, caller: Caller, *, episode_id: int, key: str, which: str,  # noqa: ANN401
           form: Mapping[str, str], schema: type[BaseModel], values: Mapping[str, Any], act: Callable[[Any], object],
           anchor: str, target: int | None = None, rename: Mapping[str, str] | None = None) -> Response:
    """Validate `values` with `schema`, run `act(data)`, and answer as described above."""
    try:
        data = schema.model_validate(dict(values))
        act(data)
        ctx.reconcile(session, [episode_id])
    except ValidationError as exc:
        return _refused(request, ctx, session, caller, episode_id, key, which, target, form, _problems_named(exc, rename or {}), 422)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, episode_id, key, which, target, form, exc.problems, exc.status_code)
    return RedirectResponse(f"/episodes/{episode_id}#{anchor}", status_code=303)


def _refused(request: Request, ctx: AppContext, session: Any, caller: Caller, episode_id: int, key: str, which: str,  # noqa: ANN401
             target: int | None, form: Mapping[str, str], problems: list[FieldProblem], status: int) -> Response:
    session.rollback()
    state = {key: {"form": dict(form), "which": which, "target": target, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)
