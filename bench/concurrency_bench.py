"""Concurrency benchmark: a small clinic's staff at once, against a real `painpath serve` process.

For each database (the embedded SQLite file and PostgreSQL) it migrates a fresh database, loads the demo
clinic, starts `painpath serve` on a free loopback port and signs in 16 staff clients (front desk, nurses,
coordinators, clinicians, the manager). Then, round-robin over the same clients and their usual routes:

- `single`: one request at a time (one thread walks the clients in turn): the floor;
- `concurrent`: every client in its own thread, a request then a short pause (staff pace), for a fixed time.

Routes: the worklist page and API, patient search, the episode page, a comment on a task, claiming a task,
recording an intake call. A 409 on a claim (someone took the task first) is a correct answer and counted
as such; any other 4xx, any 5xx, timeout or broken connection is an error.

Targets, each checked per database: 0 errors; and on SQLite the concurrent p95 at most 4x the single p95
of the same run. Exits 1 when a target is missed. Writes bench/results/concurrency-<timestamp>.json.

    python -m bench.concurrency_bench                       # both databases, 16 clients, 30 s
    python -m bench.concurrency_bench --database sqlite --clients 8 --seconds 5
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import harness
from bench.live import SECRET, ServerProcess, signed_in_client
from bench.databases import scratch_database
from painpath.context import build_context
from painpath.core.config import Settings
from painpath.core.migrate import upgrade
from painpath.demo import demo_password, load_demo

DEFAULT_ADMIN_URL = os.environ.get("PAINPATH_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MAX_SQLITE_P95_RATIO = 4.0

# Who is signed in: 16 people of a small clinic, interleaved so that the first n are a mix of roles too
# (the smoke test signs in 8). The manager comes first: the catalog is read with the manager's view.
ROSTER = (
    "manager", "front_desk", "coordinator", "clinician", "nurse", "coordinator2", "clinician2", "front_desk",
    "coordinator", "nurse", "coordinator2", "clinician", "front_desk", "coordinator", "clinician2", "coordinator2",
)
# Each profile is the routes that role uses, with weights.
PROFILES: dict[str, dict[str, int]] = {
    "front_desk": {"worklist_page": 2, "patient_search": 3, "intake_call": 2, "worklist_api": 1},
    "nurse": {"worklist_page": 2, "episode_page": 3, "intake_call": 1, "task_comment": 1},
    "coordinator": {"worklist_api": 2, "worklist_page": 1, "episode_page": 2, "task_claim": 1, "task_comment": 1},
    "clinician": {"episode_page": 4, "worklist_page": 1, "task_comment": 1},
    "manager": {"worklist_page": 2, "episode_page": 2, "patient_search": 1},
}
WRITES = {"intake_call", "task_comment", "task_claim"}


@dataclass
class Sample:
    op: str
    ms: float
    status: int | None  # None: timeout or broken connection
    ok: bool
    conflict: bool = False


@dataclass
class Catalog:
    """What the clients act on, read once through the API before timing."""

    episode_ids: list[int]
    patient_ids: list[int]
    task_ids: list[int]
    name_fragments: list[str]


@dataclass
class StaffClient:
    username: str
    http: httpx.Client
    rng: random.Random
    ops: list[str] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        profile = PROFILES[self.username.rstrip("0123456789")]
        self.ops, self.weights = list(profile), list(profile.values())


def _request(client: StaffClient, op: str, method: str, url: str, **kwargs) -> tuple[httpx.Response | None, float]:  # noqa: ANN003
    started = time.perf_counter()
    try:
        response = client.http.request(method, url, **kwargs)
    except httpx.HTTPError:
        response = None
    return response, (time.perf_counter() - started) * 1000


def run_op(client: StaffClient, op: str, catalog: Catalog) -> list[Sample]:
    """One staff action: one request (a claim is two: read the task's version, then claim it)."""
    rng = client.rng
    if op == "worklist_page":
        calls = [("GET", "/worklist", {})]
    elif op == "worklist_api":
        calls = [("GET", "/api/worklist", {"params": {"mine": "true"}})]
    elif op == "patient_search":
        calls = [("GET", "/patients", {"params": {"name": rng.choice(catalog.name_fragments)}})]
    elif op == "episode_page":
        calls = [("GET", f"/episodes/{rng.choice(catalog.episode_ids)}", {})]
    elif op == "task_comment":
        calls = [("POST", f"/api/tasks/{rng.choice(catalog.task_ids)}/comments", {"json": {"body": "Called the payer; waiting on a reference number."}})]
    elif op == "intake_call":
        body = {"patient_id": rng.choice(catalog.patient_ids), "source": "phone", "caller_name": "Front desk line",
                "caller_phone": "555-0199", "reason": "Follow-up question about the next visit", "pain_location": "lower back",
                "body_region": "lumbar"}
        calls = [("POST", "/api/intake/calls", {"json": body})]
    elif op == "task_claim":
        task_id = rng.choice(catalog.task_ids)
        response, ms = _request(client, op, "GET", f"/api/tasks/{task_id}")
        samples = [_sample("task_read", response, ms)]
        if response is not None and response.status_code == 200:
            response, ms = _request(client, op, "POST", f"/api/tasks/{task_id}/claim", json={"version": response.json()["version"]})
            samples.append(_sample(op, response, ms, conflict_ok=True))
        return samples
    else:
        raise ValueError(op)
    return [_sample(op, *_request(client, op, method, url, **kwargs)) for method, url, kwargs in calls]


def _sample(op: str, response: httpx.Response | None, ms: float, *, conflict_ok: bool = False) -> Sample:
    if response is None:
        return Sample(op, ms, None, ok=False)
    status = response.status_code
    conflict = conflict_ok and status == 409
    return Sample(op, ms, status, ok=status < 400 or conflict, conflict=conflict)


def read_catalog(client: httpx.Client) -> Catalog:
    """Open tasks of the whole clinic (the manager's view) and the episodes and patients they are about."""
    worklist = client.get("/api/worklist", params={"limit": 500})
    worklist.raise_for_status()
    tasks = worklist.json()["tasks"]
    if not tasks:
        raise RuntimeError("the demo clinic has no open tasks")
    names = {t["patient_name"] for t in tasks if t.get("patient_name")}
    return Catalog(
        episode_ids=sorted({t["episode_id"] for t in tasks}),
        patient_ids=sorted({t["patient_id"] for t in tasks}),
        task_ids=[t["id"] for t in tasks],
        name_fragments=sorted({name.split()[-1][:3] for name in names}),
    )


def warm_up(clients: list[StaffClient], catalog: Catalog) -> None:
    """Each client runs each of its actions once, untimed: templates compiled, pools filled."""
    for client in clients:
        for op in client.ops:
            run_op(client, op, catalog)


def run_single(clients: list[StaffClient], catalog: Catalog, seconds: float) -> list[Sample]:
    """One request at a time, walking the same clients in turn: the same mix, no contention."""
    samples: list[Sample] = []
    deadline = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < deadline:
        client = clients[turn % len(clients)]
        turn += 1
        samples.extend(run_op(client, client.rng.choices(client.ops, client.weights)[0], catalog))
    return samples


def run_concurrent(clients: list[StaffClient], catalog: Catalog, seconds: float, think: tuple[float, float]) -> list[Sample]:
    """Every client in its own thread: a request, then a pause drawn from `think` (seconds), until time is up."""
    results: list[list[Sample]] = [[] for _ in clients]
    start = threading.Barrier(len(clients))

    def work(index: int) -> None:
        client = clients[index]
        start.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            results[index].extend(run_op(client, client.rng.choices(client.ops, client.weights)[0], catalog))
            time.sleep(client.rng.uniform(*think))

    threads = [threading.Thread(target=work, args=(i,), name=f"client-{i}") for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for per_client in results for s in per_client]


def summarize(samples: list[Sample], seconds: float) -> dict:
    timing = harness.Timing("all", [s.ms for s in samples])
    errors = [s for s in samples if not s.ok]
    by_op: dict[str, dict] = {}
    for op in sorted({s.op for s in samples}):
        mine = [s for s in samples if s.op == op]
        by_op[op] = {**harness.Timing(op, [s.ms for s in mine]).summary(), "errors": sum(not s.ok for s in mine),
                     "conflicts": sum(s.conflict for s in mine)}
    return {
        "requests": len(samples),
        "requests_per_s": round(len(samples) / seconds, 2),
        "writes": sum(s.op in WRITES for s in samples),
        "errors": len(errors),
        "error_statuses": dict(Counter(str(s.status) for s in errors)),
        "claim_conflicts": sum(s.conflict for s in samples),
        **timing.summary(),
        "by_op": by_op,
    }


def prepare(url: str, folder: Path, patients: int) -> None:
    """Migrate and load the demo clinic, as `painpath db upgrade` and `painpath demo` do."""
    upgrade(url)
    settings = Settings(database_url=url, secret_key=SECRET, demo_mode=False, queue_url=f"sqlite:///{folder / 'queue.sqlite3'}")
    context = build_context(settings)
    try:
        load_demo(context, patients=patients)
    finally:
        context.db.dispose()


def sign_in_all(base_url: str, count: int, seed: int) -> list[StaffClient]:
    """`count` demo staff signed in (the roster repeats past 16), each with its own seeded choices."""
    usernames = [ROSTER[i % len(ROSTER)] for i in range(count)]
    clients: list[StaffClient] = []
    try:
        for i, username in enumerate(usernames):
            http = signed_in_client(base_url, username, demo_password(username.rstrip("0123456789")))
            clients.append(StaffClient(username, http, random.Random(seed + i)))
    except Exception:
        for client in clients:
            client.http.close()
        raise
    return clients


def bench_database(kind: str, args: argparse.Namespace, log: Callable[[str], None] = print) -> dict:
    with tempfile.TemporaryDirectory(prefix="painpath-concurrency-") as tmp, scratch_database(kind == "postgresql", args.admin_url, Path(tmp) / "painpath.sqlite3") as url:
        folder = Path(tmp)
        log(f"[{kind}] migrating and loading the demo clinic ({args.patients} patients)")
        prepare(url, folder, args.patients)
        server = ServerProcess(url, folder).start()
        clients: list[StaffClient] = []
        try:
            clients = sign_in_all(server.base_url, args.clients, args.seed)
            catalog = read_catalog(clients[0].http)
            warm_up(clients, catalog)
            log(f"[{kind}] {len(clients)} clients signed in; single client for {args.single_seconds:g} s")
            single = run_single(clients, catalog, args.single_seconds)
            log(f"[{kind}] {len(clients)} concurrent clients for {args.seconds:g} s")
            concurrent = run_concurrent(clients, catalog, args.seconds, (args.think_min, args.think_max))
        finally:
            for client in clients:
                client.http.close()
            server.stop()
            # GETs that lost the race to write and ran again holding the write lock (web/retry.py).
            reruns = server.log_tail(10**8).count("write_conflict_rerun")
        single_summary = summarize(single, args.single_seconds)
        concurrent_summary = summarize(concurrent, args.seconds)
        ratio = harness.ratio(concurrent_summary["p95_ms"], single_summary["p95_ms"])
        missed = []
        if single_summary["errors"] or concurrent_summary["errors"]:
            missed.append(f"errors: single {single_summary['errors']}, concurrent {concurrent_summary['errors']}")
        if kind == "sqlite" and ratio > args.max_ratio:
            missed.append(f"p95 ratio {ratio:.2f} > {args.max_ratio:g}")
        return {"database": kind, "single": single_summary, "concurrent": concurrent_summary,
                "p95_ratio": ratio, "write_conflict_reruns": reruns, "target_missed": missed}


def print_result(result: dict) -> None:
    print(f"\n{result['database']}")
    header = f"{'':<12}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}{'409s':>6}"
    print(header)
    print("-" * len(header))
    for phase in ("single", "concurrent"):
        s = result[phase]
        print(f"{phase:<12}{s['requests']:>10}{s['requests_per_s']:>9.1f}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}"
              f"{s['max_ms']:>9.1f}{s['errors']:>8}{s['claim_conflicts']:>6}")
    print(f"GETs run again after a write conflict: {result['write_conflict_reruns']}")
    print(f"p95 concurrent / single = {result['p95_ratio']:.2f}"
          + (f" (target <= {MAX_SQLITE_P95_RATIO:g})" if result["database"] == "sqlite" else ""))
    for op, s in result["concurrent"]["by_op"].items():
        print(f"  {op:<16} n={s['n']:<5} p50={s['p50_ms']:>7.1f} p95={s['p95_ms']:>7.1f} errors={s['errors']}")
    if result["concurrent"]["error_statuses"] or result["single"]["error_statuses"]:
        print(f"  error statuses: single {result['single']['error_statuses']}, concurrent {result['concurrent']['error_statuses']}")
    print("verdict: " + ("MISSED " + "; ".join(result["target_missed"]) if result["target_missed"] else "met"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the concurrent phase runs")
    parser.add_argument("--single-seconds", type=float, default=None, help="single-client phase (default: half of --seconds)")
    parser.add_argument("--think-min", type=float, default=0.5, help="shortest pause between a client's requests (s)")
    parser.add_argument("--think-max", type=float, default=1.5, help="longest pause between a client's requests (s)")
    parser.add_argument("--patients", type=int, default=60, help="demo patients to load")
    parser.add_argument("--max-ratio", type=float, default=MAX_SQLITE_P95_RATIO, help="SQLite p95 target: concurrent / single")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL URL that may create databases")
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.single_seconds is None:
        args.single_seconds = args.seconds / 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = [bench_database(kind, args) for kind in kinds]
    for result in results:
        print_result(result)
    path = harness.write_result("concurrency", {
        "benchmark": "concurrency",
        "params": {k: v for k, v in vars(args).items() if k not in ("admin_url", "results_dir")},
        "environment": {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "results": results,
    }, results_dir=args.results_dir)
    print(f"\nwrote {path}")
    return 1 if any(r["target_missed"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
