"""No database work on the event loop (issue 11, defect 2).

FastAPI runs sync routes and dependencies in its thread pool and async ones on the event loop. A query on
the event loop (the session lookup once was one) stalls every other request while it waits on a lock.
This walks every route's dependency tree and refuses an async callable that takes the database session,
except the reviewed ones below, which hand every database call to run_in_threadpool themselves.
"""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

# (module, function): async because they read an upload; every session call inside is run_in_threadpool.
REVIEWED_ASYNC = {
    ("painpath.intake.imports.views", "import_records"),
    ("painpath.intake.imports.pages", "import_from_page"),
}


def _takes_session(call) -> bool:  # noqa: ANN001
    try:
        hints = inspect.signature(call).parameters.values()
    except (TypeError, ValueError):
        return False
    return any("Session" in str(p.annotation) or p.annotation is Session or "DbSession" in str(p.annotation) for p in hints)


def test_no_async_route_or_dependency_takes_the_database_session(app):
    offenders = set()

    def walk(dependant) -> None:  # noqa: ANN001
        call = dependant.call
        if call is not None and inspect.iscoroutinefunction(call) and _takes_session(call):
            where = (call.__module__, call.__name__)
            if where not in REVIEWED_ASYNC:
                offenders.add(where)
        for dep in dependant.dependencies:
            walk(dep)

    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert len(routes) > 100
    for route in routes:
        walk(route.dependant)
    assert offenders == set(), f"async and given the database session (runs on the event loop): {sorted(offenders)}"
