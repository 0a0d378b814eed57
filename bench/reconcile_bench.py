"""The reconcile benchmark: the periodic review pass and the full recompute at 2,000, 20,000 and 100,000 episodes.

    .venv/bin/python -m bench.reconcile_bench                           # PostgreSQL and SQLite, all three sizes
    .venv/bin/python -m bench.reconcile_bench --sizes 2000,20000 --databases postgresql

For each database and size: a fresh database, migrated, seeded with open episodes and the first contact that
started each one (bench/seed.py `seed_clinic_facts`), then, with the real providers and the clock fixed:

- `full_first`: the first full recompute (opens every task the facts owe), chunk by chunk;
- `full`: a full recompute over unchanged facts (`painpath reconcile --full`): target at 20,000 at most 10 s,
  and no chunk's write transaction over 250 ms (each chunk's transaction is timed, commit included);
- `steady`: the periodic pass with nothing due (target at 20,000 at most 0.5 s), against its floor
  `steady_floor`: the raw SQL that selects the due episode ids (psycopg / sqlite3 cursor, same engine);
- `one_percent`: the pass when 1% of episodes are due, against `one_percent_floor`: the same episodes'
  share of the full recompute (its seconds per episode times the count).

It checks its own answer and fails loudly otherwise: after a full recompute nothing is due; the 1% pass
reviews exactly the episodes made due, writes no task row, and leaves nothing due. Results go to
`bench/results/reconcile-<timestamp>.json`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text

from bench import harness
from bench.databases import scratch_database
from bench.seed import seed_clinic_facts
from painpath.context import build_context
from painpath.core.config import Settings
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.worklist.review import full_recompute, review_due

ADMIN_URL = os.environ.get("PAINPATH_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 3, 4, 15, 0)
TARGETS = {"steady_s_at_20000": 0.5, "full_s_at_20000": 10.0, "chunk_transaction_ms": 250.0}


class TaskWrites:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.count = engine, 0

    def _record(self, _conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001
        words = statement.lstrip().upper()
        if words.startswith(("INSERT INTO TASK ", "UPDATE TASK ", "DELETE FROM TASK ")):
            self.count += 1

    def __enter__(self) -> TaskWrites:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def _due_count(db: Database, at: datetime) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM episode_review WHERE next_review_at <= :at"), {"at": at}).scalar_one()


def _raw_due_ids(db: Database, at: datetime) -> list:
    """The steady pass's floor: the indexed SELECT of due episode ids, on a driver cursor, into tuples."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        marker = "%s" if db.engine.dialect.name == "postgresql" else "?"
        cursor.execute(f"SELECT episode_id, version FROM episode_review WHERE next_review_at <= {marker} "
                       f"ORDER BY next_review_at, episode_id LIMIT 200", (at,))
        rows = cursor.fetchall()
        raw.commit()
        return rows
    finally:
        raw.close()


def _analyze(db: Database) -> None:
    """After the first pass filled the task and audit tables, PostgreSQL's autovacuum would analyze them within a
    minute (well past its 10% threshold); until then its planner believes the task table is empty and scans it
    for every chunk's IN list. The benchmark analyzes at once instead of waiting for autovacuum."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def run_one(url: str, size: int, *, chunk: int, iterations: int) -> dict:
    upgrade(url)
    seeded = seed_clinic_facts(url, size, now=NOW - timedelta(minutes=1))
    context = build_context(Settings(database_url=url, secret_key="b" * 40, demo_mode=False), Database(url))
    db = context.db
    try:
        started = time.perf_counter()
        first = full_recompute(context, now=NOW, chunk=chunk)
        full_first_s = time.perf_counter() - started
        _analyze(db)
        with TaskWrites(db.engine) as writes:
            started = time.perf_counter()
            full = full_recompute(context, now=NOW, chunk=chunk)
            full_s = time.perf_counter() - started
        if _due_count(db, NOW) != 0:
            raise SystemExit(f"after a full recompute {_due_count(db, NOW)} episodes are still due")

        steady = harness.compare({
            "steady": lambda: review_due(context, now=NOW, chunk=chunk),
            "steady_floor": lambda: _raw_due_ids(db, NOW),
        }, iterations=iterations, warmup=3)
        if review_due(context, now=NOW).reviewed != 0:
            raise SystemExit("the steady pass reviewed episodes with nothing due")

        with db.engine.begin() as conn:
            conn.execute(text("UPDATE episode_review SET next_review_at = :at WHERE episode_id % 100 = 0"), {"at": NOW})
        due = _due_count(db, NOW)
        with TaskWrites(db.engine) as one_writes:
            started = time.perf_counter()
            one = review_due(context, now=NOW, chunk=chunk)
            one_s = time.perf_counter() - started
        if one.reviewed != due or one_writes.count != 0 or _due_count(db, NOW) != 0:
            raise SystemExit(f"1% pass: reviewed {one.reviewed} of {due} due, {one_writes.count} task writes, "
                             f"{_due_count(db, NOW)} still due")
        with db.engine.connect() as conn:
            tasks = conn.execute(text("SELECT count(*) FROM task WHERE status = 'open'")).scalar_one()
        per_episode = full_s / max(1, full.reviewed)
        return {
            "size": size,
            "seed_s": seeded.seconds,
            "open_tasks": tasks,
            "full_first": {"s": round(full_first_s, 3), "opened": first.opened, "chunks": first.chunks,
                           "max_chunk_ms": round(max(first.chunk_seconds) * 1000, 1)},
            "full": {"s": round(full_s, 3), "reviewed": full.reviewed, "chunks": full.chunks, "task_writes": writes.count,
                     "max_chunk_ms": round(max(full.chunk_seconds) * 1000, 1)},
            "steady": steady["steady"].summary(),
            "steady_floor": steady["steady_floor"].summary(),
            "steady_ratio_p50": harness.ratio(steady["steady"].p50, steady["steady_floor"].p50),
            "one_percent": {"s": round(one_s, 3), "reviewed": one.reviewed, "chunks": one.chunks,
                            "max_chunk_ms": round(max(one.chunk_seconds) * 1000, 1) if one.chunk_seconds else 0.0},
            "one_percent_floor_s": round(per_episode * due, 3),
        }
    finally:
        db.dispose()


def _print(database: str, rows: list[dict]) -> None:
    print(f"\n{database} (max ms: the longest chunk's write transaction, commit included)")
    print(f"{'episodes':>9} {'open tasks':>10} {'full 1st s':>10} {'max ms':>7} {'full s':>8} {'max ms':>7} "
          f"{'steady ms':>9} {'floor ms':>8} {'1% s':>7} {'1% floor s':>10}")
    for r in rows:
        print(f"{r['size']:>9} {r['open_tasks']:>10} {r['full_first']['s']:>10.2f} {r['full_first']['max_chunk_ms']:>7.0f} "
              f"{r['full']['s']:>8.2f} {r['full']['max_chunk_ms']:>7.0f} "
              f"{r['steady']['p50_ms']:>9.2f} {r['steady_floor']['p50_ms']:>8.2f} {r['one_percent']['s']:>7.2f} "
              f"{r['one_percent_floor_s']:>10.2f}")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"growth {a['size']} -> {b['size']} ({b['size'] / a['size']:.0f}x episodes): full x{b['full']['s'] / a['full']['s']:.1f}, "
              f"steady x{b['steady']['p50_ms'] / a['steady']['p50_ms']:.1f}, 1% pass x{b['one_percent']['s'] / a['one_percent']['s']:.1f}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000,100000", help="comma-separated open-episode counts")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    result: dict = {
        "parameters": vars(args) | {"results_dir": str(args.results_dir)},
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()},
        "targets": TARGETS,
        "runs": {},
    }
    for database in args.databases.split(","):
        rows = []
        for size in sizes:
            with tempfile.TemporaryDirectory() as folder, scratch_database(database == "postgresql", ADMIN_URL, Path(folder) / "bench.sqlite3") as url:
                rows.append(run_one(url, size, chunk=args.chunk, iterations=args.iterations))
            print(f"  {database} {size}: done", flush=True)
        result["runs"][database] = rows
        _print(database, rows)
    path = harness.write_result("reconcile", result, results_dir=args.results_dir)
    print(f"\nwrote {path}")
    return result


if __name__ == "__main__":
    main()
