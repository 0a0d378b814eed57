"""Walk the demo clinic's pages with several staff at once, against a real `painpath serve` process.

Loads the full demo clinic into a fresh SQLite file (or PostgreSQL with --database postgresql), starts the
server, signs in one client per role below and lets each follow every same-site link it finds, breadth
first from `/`, at the same time as the others. Reports pages seen, statuses, p50/p95/max and timeouts.
Target: no timeout, no 5xx. (A 403 is a page the role may not open: an answer, not a failure.)

    python -m bench.page_walk                      # 4 clients, SQLite, the default demo (200 patients)
    python -m bench.page_walk --clients 4 --max-pages 400
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from pathlib import Path

import httpx

from bench import harness
from bench.concurrency_bench import DEFAULT_ADMIN_URL, _database, prepare
from bench.live import ServerProcess, signed_in_client
from painpath.demo import DEFAULT_PATIENTS, demo_password

WALKERS = ("coordinator", "clinician", "front_desk", "nurse", "manager", "therapist", "billing")
LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/logout", "/login")


def walk(client: httpx.Client, max_pages: int, samples: list[tuple[str, float, int | None]]) -> None:
    """Breadth first over same-site links from `/`; one request per distinct URL, up to max_pages."""
    queue, seen = deque(["/"]), {"/"}
    while queue and len(samples) < max_pages:
        url = queue.popleft()
        started = time.perf_counter()
        try:
            response = client.get(url, follow_redirects=True)
        except httpx.HTTPError:
            samples.append((url, (time.perf_counter() - started) * 1000, None))
            continue
        samples.append((url, (time.perf_counter() - started) * 1000, response.status_code))
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            if link not in seen and not link.startswith(SKIP):
                seen.add(link)
                queue.append(link)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--max-pages", type=int, default=300, help="pages each client opens at most")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as timed out")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="painpath-walk-") as tmp, _database(args.database, args.admin_url, Path(tmp)) as url:
        prepare(url, Path(tmp), args.patients)
        server = ServerProcess(url, Path(tmp)).start()
        try:
            roles = [WALKERS[i % len(WALKERS)] for i in range(args.clients)]
            clients = [signed_in_client(server.base_url, role, demo_password(role), timeout=args.timeout) for role in roles]
            per_client: list[list] = [[] for _ in clients]
            threads = [threading.Thread(target=walk, args=(c, args.max_pages, per_client[i])) for i, c in enumerate(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            for client in clients:
                client.close()
        finally:
            server.stop()
    samples = [s for found in per_client for s in found]
    statuses = Counter("timeout" if status is None else str(status) for _url, _ms, status in samples)
    timing = harness.Timing("pages", [ms for _url, ms, _status in samples])
    failures = [(u, s) for u, _ms, s in samples if s is None or s >= 500]
    print(f"{args.database}: {len(clients)} clients ({', '.join(roles)}) opened {len(samples)} pages in {elapsed:.1f} s "
          f"({len({u for u, _m, _s in samples})} distinct)")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms, max {timing.max:.1f} ms")
    for url, status in failures[:20]:
        print(f"  FAILED {status or 'timeout'} {url}")
    print("verdict: " + ("met" if not failures else f"MISSED: {len(failures)} timeouts or server errors"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
