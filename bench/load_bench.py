"""Load test: one web process against four, the same staff mix, on PostgreSQL (locust, headless).

It creates `painpath_bench_<random>` on PostgreSQL, migrates it and loads the demo clinic, writes the
catalog the locustfile acts on (open episodes and tasks, unsigned notes, open intake calls), then for each
`--workers` value starts `painpath serve --workers N` (bench/live.py; above one web process no background
consumer runs inside them), runs locust headless with `--users` simulated staff for `--seconds`, and
reads locust's totals: requests per second, p95, failures (counted from the moment the last person has signed in:
the argon2 sign-ins at the start do not weigh on the figures, and run time past that point is what counts). It prints each run and the throughput ratio of
the last to the first, and writes bench/results/load-<timestamp>.json. The database is dropped at the end.

Target (on a machine with at least 4 CPUs): 4 web processes serve at least 2.5x the requests per second
of one. The load generator runs on the same machine and takes CPU too; on fewer CPUs the ratio is capped
by the CPU count, and the verdict says so rather than failing.

    python -m bench.load_bench                              # 1 and 4 web processes, 60 users, 60 s each
    python -m bench.load_bench --workers 1 2 --seconds 20 --users 30
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import harness
from bench.concurrency_bench import DEFAULT_ADMIN_URL, prepare
from bench.databases import scratch_database
from bench.live import ServerProcess

LOCUSTFILE = Path(__file__).resolve().parent / "load" / "locustfile.py"
TARGET_RATIO = 2.5

CATALOG_QUERIES = {
    "episode_ids": "SELECT id FROM episode WHERE status = 'open' ORDER BY id",
    "task_ids": "SELECT id FROM task WHERE status = 'open' ORDER BY id",
    "encounter_ids": "SELECT id FROM encounter WHERE status = 'unsigned' ORDER BY id",
    "call_ids": "SELECT id FROM intake_call WHERE status NOT IN ('closed', 'scheduled') ORDER BY id",
}


def write_catalog(url: str, path: Path) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            catalog = {kind: list(connection.scalars(text(sql))) for kind, sql in CATALOG_QUERIES.items()}
    finally:
        engine.dispose()
    empty = [kind for kind, ids in catalog.items() if not ids]
    if empty:
        raise RuntimeError(f"the seeded clinic has nothing for {', '.join(empty)}")
    path.write_text(json.dumps(catalog))
    return {kind: len(ids) for kind, ids in catalog.items()}


def run_locust(base_url: str, folder: Path, workers: int, args: argparse.Namespace, catalog: Path) -> dict:
    prefix = folder / f"locust-{workers}"
    env = dict(os.environ, PAINPATH_LOAD_CATALOG=str(catalog), PAINPATH_LOAD_THINK=args.think)
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base_url,
               "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.seconds + args.sign_in_seconds}s",
               "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=args.seconds + args.sign_in_seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"locust exited with {done.returncode}: {done.stderr[-2000:]}")
    with open(f"{prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    by_route = {f"{row['Type']} {row['Name']}": {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                                 "p95_ms": float(row["95%"]), "median_ms": float(row["Median Response Time"])}
                for row in rows if row["Name"] != "Aggregated" and int(row["Request Count"])}
    return {"workers": workers, "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "requests_per_s": round(float(total["Requests/s"]), 1), "p50_ms": float(total["50%"]),
            "p95_ms": float(total["95%"]), "by_route": by_route}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="web process counts to compare, in order")
    parser.add_argument("--users", type=int, default=60, help="simulated staff signed in at once")
    parser.add_argument("--seconds", type=int, default=60, help="how long each run lasts")
    parser.add_argument("--sign-in-seconds", type=int, default=30, help="added to each run for everyone to sign in first")
    parser.add_argument("--think", default="0.1,0.3", help="pause between one person's clicks, min,max seconds")
    parser.add_argument("--patients", type=int, default=200, help="demo patients to load")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL URL that may create databases")
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="painpath-load-") as tmp, scratch_database(True, args.admin_url, Path(tmp) / "unused") as url:
        folder = Path(tmp)
        print(f"migrating and loading the demo clinic ({args.patients} patients)")
        prepare(url, folder, args.patients)
        catalog = folder / "catalog.json"
        print(f"catalog: {write_catalog(url, catalog)}")
        for workers in args.workers:
            server = ServerProcess(url, folder, workers=workers).start()
            try:
                print(f"{workers} web process(es): {args.users} users for {args.seconds} s")
                runs.append(run_locust(server.base_url, folder, workers, args, catalog))
            finally:
                server.stop()
    cpus = os.cpu_count() or 1
    ratio = harness.ratio(runs[-1]["requests_per_s"], runs[0]["requests_per_s"])
    print(f"\n{'web processes':>14}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'failures':>10}{'req/s vs first':>16}")
    for run in runs:
        run["throughput_vs_first"] = harness.ratio(run["requests_per_s"], runs[0]["requests_per_s"])
        print(f"{run['workers']:>14}{run['requests']:>10}{run['requests_per_s']:>9.1f}{run['p50_ms']:>9.0f}"
              f"{run['p95_ms']:>9.0f}{run['failures']:>10}{run['throughput_vs_first']:>15.2f}x")
    print(f"throughput {runs[-1]['workers']} / {runs[0]['workers']} web processes: {ratio:.2f}x on {cpus} CPUs")
    failures = sum(run["failures"] for run in runs)
    if cpus >= 4 and runs[-1]["workers"] >= 4:
        verdict = "met" if ratio >= TARGET_RATIO and not failures else f"MISSED (target {TARGET_RATIO}x, 0 failures)"
    else:
        verdict = f"not judged: the {TARGET_RATIO}x target needs 4 CPUs for 4 web processes; this machine has {cpus}"
    print(f"verdict: {verdict}")
    path = harness.write_result("load", {
        "benchmark": "load", "params": {k: v for k, v in vars(args).items() if k not in ("admin_url", "results_dir")},
        "environment": {"python": platform.python_version(), "machine": platform.machine(), "cpus": cpus},
        "runs": runs, "throughput_ratio": ratio, "verdict": verdict,
    }, results_dir=args.results_dir)
    print(f"wrote {path}")
    return 1 if verdict.startswith("MISSED") else 0


if __name__ == "__main__":
    sys.exit(main())
