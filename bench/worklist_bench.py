"""Benchmark: one coordinator's worklist through our API against the raw SQL that returns the same rows.

    python -m bench.worklist_bench [--episodes 20000] [--tasks 200000] [--iterations 200]

Creates its own PostgreSQL database, migrates and seeds it, signs in as the coordinator through the login
form, checks that `GET /api/worklist?mine=true` and the hand-written SQL return the same task rows in the
same order (and the same counts), then times, round-robin:

- raw_sql:  the floor. psycopg on a pool with the app's settings: the page of task rows joined with patient
            and assignee names, the open counts and the closed-today count (the same three queries'
            worth of logical work the service does), fetched into tuples.
- service:  `worklist.service.list_tasks` + `counts` in a session, no HTTP (ORM + pydantic models).
- api:      the HTTP request through FastAPI's TestClient: session cookie lookup, permission check,
            service, response validation and JSON.

Prints p50/p95 and the ratios api/raw and service/raw, writes JSON to bench/results/, says whether the
target (api p95 < 50 ms and api p95 <= 3x raw p95) was met, and drops the database.

The floor is the best hand-written SQL we know for the page: the "mine" condition as a UNION ALL of
its two halves, each walking its own partial index in due order and stopping after one page.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/worklist_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from bench import harness
from bench.databases import create_database, drop_database
from bench.seed import SeedSpec, Seeded, seed
from painpath.context import build_context
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.config import Settings
from painpath.core.db import Database, make_engine
from painpath.core.logging import configure_logging
from painpath.core.migrate import upgrade
from painpath.web.app import create_app
from painpath.worklist import service
from painpath.worklist.cursor import decode_cursor
from painpath.worklist.schemas import WorklistFilter

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_P95_MS = 50.0
TARGET_RATIO = 3.0
PAGE = 100

# The floor: what `service.list_tasks` and `service.counts` ask for with WorklistFilter(mine=True),
# written by hand. Same columns (all of task, patient name, assignee name), same filter, order and page.
# The task columns, patient and assignee names of the ids in a CTE named page, in due order.
_ROWS_OF_PAGE = """
SELECT t.id, t.key, t.provider, t.kind, t.episode_id, t.patient_id, t.title, t.reason, t.evidence,
       t.owner_role, t.assignee_id, t.due_at, t.status, t.opened_at, t.overdue_flagged_at, t.closed_at,
       t.closed_by_id, t.resolution, t.clinic_id, t.version,
       p.family_name, p.given_name, u.display_name
FROM page
JOIN task t ON t.id = page.id
JOIN patient p ON p.id = t.patient_id
LEFT JOIN app_user u ON u.id = t.assignee_id
ORDER BY t.due_at, t.id
"""
LIST_SQL = """
WITH page AS (
  SELECT id, due_at FROM (
    (SELECT t.id, t.due_at FROM task t
     WHERE t.clinic_id = %(clinic_id)s AND t.status = 'open' AND t.assignee_id = %(user_id)s
     ORDER BY t.due_at, t.id LIMIT %(limit)s + %(offset)s)
    UNION ALL
    (SELECT t.id, t.due_at FROM task t
     WHERE t.clinic_id = %(clinic_id)s AND t.status = 'open' AND t.assignee_id IS NULL AND t.owner_role = %(role)s
     ORDER BY t.due_at, t.id LIMIT %(limit)s + %(offset)s)
  ) mine ORDER BY due_at, id LIMIT %(limit)s OFFSET %(offset)s
)""" + _ROWS_OF_PAGE
# The HTML page's second page of the whole clinic's open tasks, as the page asks for it: rows after the
# first page's last (due_at, id), the due-date index walk starting at that key; no offset.
PAGE_TWO_SQL = """
WITH page AS (
  SELECT t.id FROM task t
  WHERE t.clinic_id = %(clinic_id)s AND t.status = 'open'
    AND t.due_at >= %(after_due)s AND (t.due_at > %(after_due)s OR t.id > %(after_id)s)
  ORDER BY t.due_at, t.id LIMIT %(limit)s
)""" + _ROWS_OF_PAGE
# Every open task of the clinic: the page's count tiles without "mine".
_MINE = "AND (t.assignee_id = %(user_id)s OR (t.assignee_id IS NULL AND t.owner_role = %(role)s))"
COUNTS_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE t.due_at <= %(now)s),
       count(*) FILTER (WHERE t.due_at > %(now)s AND t.due_at <= %(today_end)s),
       count(t.assignee_id)
FROM task t
WHERE t.clinic_id = %(clinic_id)s AND t.status = 'open'
  """ + _MINE + """
"""
CLOSED_TODAY_SQL = """
SELECT count(*) FROM task t
WHERE t.clinic_id = %(clinic_id)s
  """ + _MINE + """
  AND t.closed_at IS NOT NULL AND t.closed_at > %(today_start)s
"""

# Column positions in LIST_SQL rows.
_ID, _KEY, _DUE, _FAMILY, _GIVEN, _ASSIGNEE_NAME = 0, 1, 11, 20, 21, 22


def admin_url_from_env() -> str:
    return os.environ.get("PAINPATH_BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def _moments(calendar: BusinessCalendar) -> dict[str, Any]:
    # Same arithmetic as service.counts.
    now = utcnow()
    today_end = calendar.end_of_local_day_utc(calendar.local_date(now))
    return {"now": now, "today_end": today_end, "today_start": today_end - timedelta(days=1)}


class RawWorklist:
    """The floor: the hand-written SQL over psycopg, on a pool built with the app's settings."""

    def __init__(self, url: str, *, clinic_id: int, user_id: int, role: str, calendar: BusinessCalendar,
                 list_sql: str = LIST_SQL, mine: bool = True, **extra: Any):  # noqa: ANN401
        self.engine = make_engine(url)  # pool_size, max_overflow and pre-ping exactly as the app's
        self.params = {"clinic_id": clinic_id, "user_id": user_id, "role": role, "limit": PAGE, "offset": 0, **extra}
        self.calendar = calendar
        self.list_sql = list_sql
        # Without "mine" the counts cover the whole clinic, as the page's tiles do.
        self.counts_sql = COUNTS_SQL if mine else COUNTS_SQL.replace(_MINE, "")
        self.closed_sql = CLOSED_TODAY_SQL if mine else CLOSED_TODAY_SQL.replace(_MINE, "")

    def __call__(self) -> tuple[list[tuple], tuple, int]:
        params = {**self.params, **_moments(self.calendar)}
        conn = self.engine.raw_connection()
        try:
            with conn.cursor() as cur:
                cur.execute(self.list_sql, params)
                rows = cur.fetchall()
                cur.execute(self.counts_sql, params)
                counts = cur.fetchone()
                cur.execute(self.closed_sql, params)
                closed_today = cur.fetchone()[0]
            conn.commit()
        finally:
            conn.close()
        return rows, counts, closed_today

    def explain(self) -> dict[str, str]:
        params = {**self.params, **_moments(self.calendar)}
        plans = {}
        conn = self.engine.raw_connection()
        try:
            with conn.cursor() as cur:
                for name, sql in (("list", self.list_sql), ("counts", self.counts_sql), ("closed_today", self.closed_sql)):
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plans[name] = "\n".join(r[0] for r in cur.fetchall())
            conn.rollback()
        finally:
            conn.close()
        return plans

    def dispose(self) -> None:
        self.engine.dispose()


def _raw_counts(counts: tuple, closed_today: int) -> dict[str, int]:
    total, overdue, due_today, claimed = counts
    return {"open": total, "overdue": overdue, "due_today": due_today, "claimed": claimed,
            "unclaimed": total - claimed, "closed_today": closed_today}


def _raw_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    # Stored times are naive UTC; the API writes them with their offset, as "Z".
    return [
        {"id": r[_ID], "key": r[_KEY], "due_at": r[_DUE].isoformat() + "Z", "patient_name": f"{r[_FAMILY]}, {r[_GIVEN]}",
         "assignee_name": r[_ASSIGNEE_NAME]}
        for r in rows
    ]


def verify_same_rows(api_call, raw: RawWorklist, seeded: Seeded) -> dict[str, Any]:  # noqa: ANN001
    """Fail loudly unless the API and the raw SQL return the same task rows, in order, and the same counts."""
    before_rows, before_counts, before_closed = raw()
    page = api_call().json()
    after_rows, after_counts, after_closed = raw()
    api_rows = [{k: t[k] for k in ("id", "key", "due_at", "patient_name", "assignee_name")} for t in page["tasks"]]
    raw_rows = _raw_rows(before_rows)
    if [r["id"] for r in api_rows] != [r["id"] for r in raw_rows]:
        raise AssertionError(
            "API and raw SQL returned different task ids or order:\n"
            f"  api: {[r['id'] for r in api_rows][:20]}...\n  raw: {[r['id'] for r in raw_rows][:20]}..."
        )
    if api_rows != raw_rows:
        diff = next((a, r) for a, r in zip(api_rows, raw_rows, strict=True) if a != r)
        raise AssertionError(f"API and raw SQL rows differ: api={diff[0]} raw={diff[1]}")
    if raw_rows != _raw_rows(after_rows):
        raise AssertionError("raw SQL returned different rows on two calls; the data moved under the benchmark")
    # Counts depend on the clock (overdue, due today); accept the raw count from either side of the API call.
    candidates = [_raw_counts(before_counts, before_closed), _raw_counts(after_counts, after_closed)]
    if page["counts"] not in candidates:
        raise AssertionError(f"API and raw SQL counts differ: api={page['counts']} raw={candidates[0]}")
    expected_rows = min(PAGE, seeded.coordinator_open_tasks)
    if len(api_rows) != expected_rows or page["counts"]["open"] != seeded.coordinator_open_tasks:
        raise AssertionError(
            f"expected {expected_rows} rows of {seeded.coordinator_open_tasks} on the coordinator's list, "
            f"got {len(api_rows)} rows and open={page['counts']['open']}"
        )
    return {"same_rows": True, "rows": len(api_rows), "task_ids": [r["id"] for r in api_rows], "counts": page["counts"]}


def verify_page_two(page_call, raw: RawWorklist) -> dict[str, Any]:  # noqa: ANN001
    """The HTML page after the first page's last task lists the same tasks, in order, as the raw SQL."""
    rows, _counts, _closed = raw()
    html = page_call().text
    page_ids = [int(i) for i in re.findall(r'<a href="/tasks/(\d+)">', html)]
    raw_ids = [r[_ID] for r in rows]
    if not raw_ids or page_ids != raw_ids:
        raise AssertionError(f"HTML page two and raw SQL differ: page={page_ids[:10]}... raw={raw_ids[:10]}...")
    return {"same_rows": True, "rows": len(page_ids)}


def _statements_of(engine, fn) -> list[str]:  # noqa: ANN001
    """The SQL statements fn sends through engine (to show how many round trips a request makes)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _server_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()


def run(
    *,
    episodes: int = 20_000,
    tasks: int = 200_000,
    iterations: int = 200,
    warmup: int | None = None,
    admin_url: str | None = None,
    results_dir: Path | None = None,
    explain: bool = False,
    keep_database: bool = False,
    quiet: bool = False,
) -> tuple[dict[str, Any], Path]:
    """Run the whole benchmark; returns the result and the path of the JSON written."""
    say = (lambda *_a, **_k: None) if quiet else print
    admin_url = admin_url or admin_url_from_env()
    warmup = warmup if warmup is not None else max(3, min(20, iterations // 10))
    url = create_database(admin_url)
    say(f"database {url.rsplit('/', 1)[1]}: migrating")
    with ExitStack() as cleanup:
        cleanup.callback(lambda: say(f"kept database {url}") if keep_database else drop_database(admin_url, url))
        upgrade(url)
        say(f"seeding {episodes:,} open episodes and {tasks:,} tasks ...", flush=True)
        seeded = seed(url, SeedSpec(episodes=episodes, tasks=tasks))
        say(f"seeded in {seeded.seconds:.1f}s: {seeded.patients:,} patients, {seeded.open_tasks:,} open tasks, "
            f"{seeded.coordinator_open_tasks:,} on the coordinator's list")

        cleanup.enter_context(_production_logging_to_devnull())
        ctx = build_context(Settings(database_url=url, secret_key="x" * 40, cookie_secure=False), Database(url))
        cleanup.callback(ctx.db.dispose)
        # Entered, so one event loop serves every request, as in a running server (a bare TestClient
        # starts a thread and a loop per request, which is test-harness cost, not ours).
        client = cleanup.enter_context(TestClient(create_app(ctx)))
        _sign_in(client, seeded.coordinator_username, seeded.password)

        with ctx.db.session() as session:
            user = session.get(User, seeded.coordinator_id)  # detached after commit; the service reads ids only
        f = WorklistFilter(mine=True)
        raw = RawWorklist(url, clinic_id=user.clinic_id, user_id=user.id, role=user.role, calendar=ctx.calendar)
        cleanup.callback(raw.dispose)

        def api_call():  # noqa: ANN202
            response = client.get("/api/worklist", params={"mine": "true"})
            if response.status_code != 200:
                raise AssertionError(f"GET /api/worklist answered {response.status_code}: {response.text[:500]}")
            return response

        def service_call():  # noqa: ANN202
            with ctx.db.session() as session:
                return service.list_tasks(session, user=user, f=f), service.counts(session, user=user, f=f, calendar=ctx.calendar)

        # The HTML page bench pages the whole clinic's open tasks (the coordinator's own list may be one page).
        first_page = client.get("/api/worklist").json()
        if first_page["next_cursor"] is None:
            raise AssertionError("the clinic's open tasks fit one page; seed more tasks so the page bench has a second page")
        after_due, after_id = decode_cursor(first_page["next_cursor"])
        page_raw = RawWorklist(url, clinic_id=user.clinic_id, user_id=user.id, role=user.role, calendar=ctx.calendar,
                               list_sql=PAGE_TWO_SQL, mine=False, after_due=after_due, after_id=after_id)
        cleanup.callback(page_raw.dispose)

        def page_call():  # noqa: ANN202
            response = client.get("/worklist", params={"after": first_page["next_cursor"]})
            if response.status_code != 200:
                raise AssertionError(f"GET /worklist answered {response.status_code}: {response.text[:500]}")
            return response

        verification = verify_same_rows(api_call, raw, seeded)
        verification["page_two"] = verify_page_two(page_call, page_raw)
        service_ids = [t.id for t in service_call()[0]]
        if service_ids != verification["task_ids"]:
            raise AssertionError("service.list_tasks returned different task ids from the API")
        api_statements = _statements_of(ctx.db.engine, api_call)
        say(f"verified: API, service and raw SQL return the same {verification['rows']} task rows in the same order "
            f"and the same counts ({verification['counts']['open']} open); the API request runs "
            f"{len(api_statements)} SQL statements")

        variants: dict[str, Any] = {"raw_sql": raw, "service": service_call, "api": api_call,
                                    "page_raw_sql": page_raw, "page": page_call}
        plans = raw.explain() if explain else None
        for name, plan in (plans or {}).items():
            say(f"\nEXPLAIN (ANALYZE, BUFFERS) {name}:\n{plan}")

        say(f"timing {iterations} iterations (+{warmup} warmup) of each, round-robin ...", flush=True)
        timings = harness.compare(variants, iterations=iterations, warmup=warmup)
        result = _result(
            timings, seeded=seeded, verification=verification, api_statements=api_statements, plans=plans,
            params={"episodes": episodes, "tasks": tasks, "iterations": iterations, "warmup": warmup, "page": PAGE},
            url=url,
        )
        if not quiet:
            harness.print_table(timings, floor="raw_sql", title="coordinator worklist (GET /api/worklist?mine=true)")
        path = harness.write_result("worklist", result, results_dir=results_dir)
        target = result["target"]
        say(f"\ntarget: api p95 {timings['api'].p95:.2f} ms < {TARGET_P95_MS:.0f} ms: {'met' if target['p95_met'] else 'NOT met'}; "
            f"api/raw p95 {result['ratios']['api_raw_p95']:.2f}x <= {TARGET_RATIO:.0f}x: {'met' if target['ratio_met'] else 'NOT met'}"
            f" -> {'TARGET MET' if target['met'] else 'TARGET NOT MET'}")
        say(f"HTML page two (keyset) p95 {timings['page'].p95:.2f} ms vs raw SQL {timings['page_raw_sql'].p95:.2f} ms: "
            f"{result['ratios']['page_raw_p95']:.2f}x <= {TARGET_RATIO:.0f}x: {'met' if target['page_ratio_met'] else 'NOT met'}")
        say(f"wrote {path}")
        return result, path


@contextmanager
def _production_logging_to_devnull() -> Iterator[None]:
    """Request logs rendered as `painpath serve` renders them (JSON), written to /dev/null, not the terminal."""
    saved = structlog.get_config()
    httpx_log = logging.getLogger("httpx")  # the test client's own per-request log line
    httpx_level = httpx_log.level
    with open(os.devnull, "w") as sink:
        configure_logging()
        # Not cached on first use, so restoring the configuration afterwards takes effect everywhere.
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink), cache_logger_on_first_use=False)
        httpx_log.setLevel(logging.WARNING)
        try:
            yield
        finally:
            structlog.configure(**saved)
            httpx_log.setLevel(httpx_level)


def _sign_in(client: TestClient, username: str, password: str) -> None:
    """Through the real login form, as tests/conftest.py sign_in does."""
    page = client.get("/login")
    if page.status_code != 200:
        raise AssertionError(f"GET /login answered {page.status_code}")
    token = client.cookies.get("painpath_login_csrf")
    response = client.post("/login", data={"username": username, "password": password, "login_csrf": token, "next": "/"}, follow_redirects=False)
    if response.status_code != 303:
        raise AssertionError(f"sign-in failed ({response.status_code}): {response.text[:500]}")
    client.headers["x-csrf-token"] = client.get("/api/me").json()["csrf_token"]


def _result(timings: dict[str, harness.Timing], *, seeded: Seeded, verification: dict, api_statements: list[str],
            plans: dict | None, params: dict, url: str) -> dict[str, Any]:
    raw, svc, api = timings["raw_sql"], timings["service"], timings["api"]
    ratios = {
        "api_raw_p50": harness.ratio(api.p50, raw.p50),
        "api_raw_p95": harness.ratio(api.p95, raw.p95),
        "service_raw_p50": harness.ratio(svc.p50, raw.p50),
        "service_raw_p95": harness.ratio(svc.p95, raw.p95),
        "page_raw_p50": harness.ratio(timings["page"].p50, timings["page_raw_sql"].p50),
        "page_raw_p95": harness.ratio(timings["page"].p95, timings["page_raw_sql"].p95),
    }
    page_ratio_met = ratios["page_raw_p95"] <= TARGET_RATIO
    p95_met = api.p95 < TARGET_P95_MS
    ratio_met = ratios["api_raw_p95"] <= TARGET_RATIO
    return {
        "benchmark": "worklist",
        "description": "GET /api/worklist?mine=true for one coordinator vs. the raw SQL returning the same rows and counts",
        "timestamp": harness.timestamp(),
        "params": params,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sqlalchemy": sqlalchemy.__version__,
            "postgresql": _server_version(url),
        },
        "dataset": {
            "patients": seeded.patients,
            "episodes_open": seeded.episodes,
            "tasks": seeded.tasks,
            "tasks_open": seeded.open_tasks,
            "coordinator_open_tasks": seeded.coordinator_open_tasks,
            "seed_seconds": seeded.seconds,
            **seeded.detail,
        },
        "verification": {**verification, "api_sql_statements": len(api_statements), "api_sql": api_statements},
        "timings": {name: t.summary() for name, t in timings.items()},
        "ratios": ratios,
        "target": {
            "api_p95_ms_below": TARGET_P95_MS,
            "api_raw_p95_ratio_at_most": TARGET_RATIO,
            "p95_met": p95_met,
            "ratio_met": ratio_met,
            "page_ratio_met": page_ratio_met,
            "met": p95_met and ratio_met and page_ratio_met,
        },
        **({"explain": plans} if plans else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20_000, help="open episodes to seed (default 20000)")
    parser.add_argument("--tasks", type=int, default=200_000, help="tasks to seed (default 200000)")
    parser.add_argument("--iterations", type=int, default=200, help="timed iterations of each variant (default 200)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed iterations first (default iterations/10, 3..20)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the raw queries")
    parser.add_argument("--keep-db", action="store_true", help="leave the database for inspection instead of dropping it")
    parser.add_argument("--results-dir", type=Path, default=None, help="where to write JSON (default bench/results/)")
    args = parser.parse_args(argv)
    run(episodes=args.episodes, tasks=args.tasks, iterations=args.iterations, warmup=args.warmup,
        explain=args.explain, keep_database=args.keep_db, results_dir=args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
