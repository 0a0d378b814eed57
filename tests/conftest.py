"""Shared fixtures: a migrated database (SQLite or PostgreSQL), a clinic, staff, and signed-in clients.

PAINPATH_TEST_DB=sqlite (default) or postgresql chooses the database; `make test` runs both.
PostgreSQL tests create their own database and drop it at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from painpath.context import AppContext, build_context, load_models
from painpath.core.auth.models import User
from painpath.core.config import Settings
from painpath.core.db import Base, Database
from painpath.core.migrate import upgrade
from painpath.core.runtime import settle_after_start_up
from painpath.core.tenancy import Clinic
from painpath.web.app import create_app

from pack_writing import payer, write_pack  # noqa: F401 - fixtures for the knowledge tests
from shared_clinic import add_clinic, add_staff
from support import EPISODE, PATIENT, SECRET, TEST_DB, create_pg_database, drop_pg_database, migrated_pg_template, password_for, sign_in, small_pdf  # noqa: F401

# `make test` (scripts/run-tests.sh) sets this: a skipped or xfailed test is a failure there, so a green run
# means every collected test ran and passed. A test that belongs to one database carries a marker instead
# (sqlite_only, postgresql_only) and the other pass deselects it, which is not a skip.
FORBID_SKIPS = os.environ.get("PAINPATH_FORBID_SKIPS") == "1"
OTHER_DATABASE_MARKER = {"sqlite": "postgresql_only", "postgresql": "sqlite_only"}
LONG_TESTS_FIRST = ("tests/web/test_api_schema_fuzz.py", "tests/e2e/", "tests/cli/", "tests/bench/",
                    "tests/web/test_kill_durability.py", "tests/web/test_forms_keep_input.py",
                    "tests/authorizations/test_kit_items_through_pages.py", "tests/intake/imports/test_records_import_cli.py")


def pytest_configure(config) -> None:  # noqa: ANN001, ARG001
    """Each test process tunes the collector as a painpath process does after start-up (core/runtime.py)."""
    load_models()
    settle_after_start_up()


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """Deselect the tests that belong to the other database. The PostgreSQL pass also runs only the tests that
    reach a database: those using a migrated database (database_url, directly or through ctx, db, app,
    client_for...) or marked `storage`. The others (rules, packs, parsers, PDFs) never touch the database, so a
    second pass over them proves nothing the SQLite pass did not."""
    other = OTHER_DATABASE_MARKER[TEST_DB]
    keep, drop = [], []
    for item in items:
        uses_storage = "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("storage")
        wanted = not item.get_closest_marker(other) and (TEST_DB != "postgresql" or uses_storage)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # The long tests (browser journeys, real server processes, command-line subprocesses) go first, each module
    # kept together: handed out last, one of them would keep a worker busy while the others sit idle.
    items[:] = sorted(keep, key=lambda item: next((i for i, p in enumerate(LONG_TESTS_FIRST) if item.nodeid.startswith(p)), len(LONG_TESTS_FIRST)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Under PAINPATH_FORBID_SKIPS=1 a skip (or an xfail) is reported as a failure that says why it happened."""
    outcome = yield
    report = outcome.get_result()
    if not FORBID_SKIPS or not (report.skipped or hasattr(report, "wasxfail")):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else getattr(report, "wasxfail", "") or str(report.longrepr)
    if hasattr(report, "wasxfail"):
        del report.wasxfail
    report.outcome = "failed"
    report.longrepr = f"{item.nodeid} was skipped or expected to fail, and `make test` runs every test to a pass (PAINPATH_FORBID_SKIPS=1): {reason}"


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ANN001
    """The last guard: a skip reported anywhere else (a whole module skipped at collection) fails the run too."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if FORBID_SKIPS and skipped and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        reporter.write_line(f"{len(skipped)} skipped under PAINPATH_FORBID_SKIPS=1: failing the run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Iterator[str]:
    """This worker's migrated database: on SQLite a file each test copies; on PostgreSQL a copy of the run's
    migrated template (support.migrated_pg_template: migrated once, not once per worker) that each test empties."""
    load_models()
    if TEST_DB == "postgresql":
        url = create_pg_database(template=migrated_pg_template())
        yield url
        if _PG_RESET:
            _PG_RESET.pop().dispose()
        drop_pg_database(url)
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield str(path)


# The PostgreSQL reset's engine, one per worker. Its connection stays open between tests: a new server
# process starts with cold catalog caches, and a DELETE naming every table costs much more there (measured:
# 19 ms against 1.3 ms a reset on a quiet machine, 100 ms against 10 ms on a busy one).
_PG_RESET: list = []


def _pg_reset_engine(url: str):  # noqa: ANN202
    if not _PG_RESET:
        _PG_RESET.append(create_engine(url, pool_size=1))
    return _PG_RESET[0]


# One Database (engine) per worker, kept from test to test. A new engine per test would compile every statement
# again (SQLAlchemy keeps compiled statements per engine) and, on PostgreSQL, open new server processes whose
# catalog caches start cold; together most of a small test's time.
# - PostgreSQL: every test of a worker uses the worker's database, emptied between tests; the pooled connections
#   stay open (a connection goes back to the pool rolled back).
# - SQLite: every test has its own copy of the template in its tmp_path, as a test that leaves a connection open
#   must not reach the next test's file. The engine's pool is emptied after each test and its new connections
#   open the current test's file (do_connect), so the engine, and its compiled statements, stay.
_WARM: dict[str, Database] = {}
_SQLITE_FILE: list[str] = [""]


def _open_current_sqlite_file(_dialect, _record, cargs, _cparams) -> None:  # noqa: ANN001
    cargs[:] = [_SQLITE_FILE[0]]


def warm_database(url: str) -> Database:
    if url.startswith("sqlite:///"):
        _SQLITE_FILE[0] = url.removeprefix("sqlite:///")
        if "sqlite" not in _WARM:
            _WARM["sqlite"] = Database(url)
            event.listen(_WARM["sqlite"].engine, "do_connect", _open_current_sqlite_file)
        db = _WARM["sqlite"]
        db.url = url
        db.engine.url = make_url(url)  # what code reads the database's place from (core/cluster_lock.py)
        return db
    if url not in _WARM:
        _WARM[url] = Database(url)
    return _WARM[url]


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    """A clean, migrated database for one test."""
    if TEST_DB == "postgresql":
        with _pg_reset_engine(migrated_template).begin() as conn:
            # audit_event refuses deletes (migration 0019). Only this reset between tests may empty it:
            # as replica, this one transaction fires no ordinary triggers (the test database's owner is a superuser),
            # so the tables empty in any order. DELETE, not TRUNCATE: a test leaves most of the tables empty, and
            # TRUNCATE pays a fixed price per table (seconds for all of them) where DELETE of nothing is free.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join(f'DELETE FROM "{t.name}"' for t in Base.metadata.sorted_tables)))
            conn.execute(text(  # ids start at 1 again, as in a new database
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        return migrated_template
    path = tmp_path / "painpath.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        demo_mode=False,
        # TestClient and the e2e live server speak plain http, where a browser drops Secure cookies;
        # tests/web/test_security_headers.py checks the production default (Secure) on its own settings.
        cookie_secure=False,
        queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    )


@pytest.fixture
def ctx(settings) -> Iterator[AppContext]:
    context = build_context(settings, warm_database(settings.database_url))
    yield context
    if context.db.is_sqlite:  # its connections hold this test's file: closed (the engine stays)
        context.db.dispose()
    # On PostgreSQL the pooled connections stay open for the next test (their server processes keep warm caches);
    # a connection goes back to the pool rolled back, and the reset empties the tables from its own connection.


@pytest.fixture
def db(ctx) -> Database:
    return ctx.db


@pytest.fixture
def clinic(db) -> Clinic:
    return add_clinic(db)


@pytest.fixture
def staff(db, clinic) -> dict[str, User]:
    """One user per role, username = role name."""
    return add_staff(db, clinic)


@pytest.fixture
def app(ctx):  # noqa: ANN201
    return create_app(ctx)


@pytest.fixture
def client_for(app, staff):  # noqa: ANN201
    """Factory: a TestClient signed in as the user of `role`."""
    with ExitStack() as clients:

        def make(role: str) -> TestClient:
            # Entered, a TestClient keeps one event loop (and its thread) for all its requests; used bare it starts
            # a new thread and loop for every request (measured: about 1.5 ms of CPU a request). The app has no
            # lifespan handlers, so entering runs nothing else.
            return sign_in(clients.enter_context(TestClient(app)), role, password_for(role))

        yield make


@pytest.fixture
def patient_payload() -> dict:
    return dict(PATIENT)


@pytest.fixture
def episode_payload() -> dict:
    return dict(EPISODE)


