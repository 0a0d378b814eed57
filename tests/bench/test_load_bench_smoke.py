"""The load test's locustfile imports, and every route its staff use is a route the app declares.

The locustfile is imported in a child process: locust patches the standard library (gevent) on import,
which the test process must not get."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from painpath.web.app import _route_table

ROOT = Path(__file__).resolve().parents[2]


def test_locustfile_routes_are_real_routes():
    shown = subprocess.run(
        [sys.executable, "-c", "import json; from bench.load import locustfile as f; "
         "print(json.dumps({'routes': f.ROUTES, 'users': sorted(c.__name__ for c in f.Staff.__subclasses__())}))"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])},
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    answer = json.loads(shown.stdout.strip().splitlines()[-1])
    assert answer["users"] == ["Clinician", "Coordinator", "FrontDesk"]
    declared = {(method, route.path) for route in _route_table() for method in getattr(route, "methods", ())}
    missing = sorted(f"{method} {path}" for method, path in answer["routes"].values() if (method, path) not in declared)
    assert not missing, f"the locustfile uses routes the app does not have: {missing}"
