"""Turn errors into the one API error shape, or into a page a person can act on."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from painpath.core.auth import service as auth_service
from painpath.core.errors import DomainError, FieldProblem, error_body
from painpath.core.logging import get_logger
from painpath.web.deps import SESSION_COOKIE, Caller, CsrfRejected, NotSignedIn, PermissionDenied
from painpath.web.forms import plain_message
from painpath.web.templating import templates
from painpath.core.auth.roles import permission_refusal
from painpath.web.wording import HTTP_WORDS


log = get_logger("painpath.web.errors")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _problem_response(request: Request, status: int, problems: list[FieldProblem], caller: Caller | None = None,
                      *, for_patient: bool = False) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(problems), status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "problems": problems, "caller": caller, "for_patient": for_patient}, status_code=status
    )


# A patient who opens a staff page (an old bookmark, a link in a forwarded e-mail) is told where their own pages are.
PATIENT_REFUSAL = "This page is for the clinic's staff. Your own care plan, visits and forms are in your patient portal."


def _signed_in_caller(request: Request) -> Caller | None:
    """The person behind the request's session cookie, for the navigation of a page no route answered
    (a route's own refusals never reach here with a caller). Sync: run in the thread pool."""
    with request.app.state.context.db.session(reads_first=True) as session:
        resolved = auth_service.resolve_session(session, request.cookies.get(SESSION_COOKIE))
        if resolved is None:
            return None
        user, row = resolved
        session.expunge_all()  # detached with what was loaded: the page reads name, role and CSRF token
        return Caller(user=user, session_row=row, actor=auth_service.actor_for(user))


def _validation_problems(exc: RequestValidationError, *, plain: bool) -> list[FieldProblem]:
    """Each refused field; a page says the rule in plain words, the API keeps pydantic's own message."""
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "form")]
        field = ".".join(loc) or "request"
        message = plain_message(err) if plain else err.get("msg", "Invalid value")
        problems.append(FieldProblem(field, err.get("type", "invalid"), message))
    return problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return _problem_response(request, exc.status_code, exc.problems)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        problem = FieldProblem("version", "current_version", "Someone else saved this record first; reload and try again")
        return _problem_response(request, 409, [problem])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Framework refusals (a body that is not JSON, an unknown path) speak the same error shape.
        words = None if wants_json(request) else HTTP_WORDS.get(exc.status_code)
        problem = FieldProblem("request", f"http_{exc.status_code}", words or str(exc.detail))
        # An unknown address keeps the signed-in navigation, so the person can carry on from the styled page.
        caller = await run_in_threadpool(_signed_in_caller, request) if exc.status_code == 404 and not wants_json(request) else None
        response = _problem_response(request, exc.status_code, [problem], caller)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        # The driver's message can quote row values (PostgreSQL: "DETAIL: Key (mrn)=(...) already exists"),
        # so only its class, SQLSTATE and constraint name are logged, never the text or the statement.
        original = exc.orig
        diag = getattr(original, "diag", None)
        log.error(
            "database error", error=type(original).__name__, sqlstate=getattr(original, "sqlstate", None),
            constraint=getattr(diag, "constraint_name", None), route=getattr(request.scope.get("route"), "path", "unmatched"),
        )
        if isinstance(exc, IntegrityError):
            problem = FieldProblem("request", "conflict", "This conflicts with a record already saved; reload the page and try again")
            return _problem_response(request, 409, [problem])
        problem = FieldProblem("request", "database", "The database could not complete this; try again in a moment")
        return _problem_response(request, 500, [problem])

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _problem_response(request, 422, _validation_problems(exc, plain=not wants_json(request)))

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse(error_body([FieldProblem("session", "signed_in", "Sign in first")]), status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        if exc.role == "patient":
            problem = FieldProblem("permission", exc.permission.value, PATIENT_REFUSAL)
            # The patient's own navigation stays on the page, so the way back to their portal is where it always is.
            caller = None if wants_json(request) else await run_in_threadpool(_signed_in_caller, request)
            return _problem_response(request, 403, [problem], caller, for_patient=True)
        problem = FieldProblem("permission", exc.permission.value, permission_refusal(exc.permission.value))
        return _problem_response(request, 403, [problem])

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        problem = FieldProblem("csrf_token", "matches_session", "The form expired or came from elsewhere; reload the page and try again")
        return _problem_response(request, 403, [problem])
