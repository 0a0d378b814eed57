"""The reconcile benchmark runs end to end at a tiny size on both databases and checks its own answer: a full
recompute leaves nothing due, a second full recompute writes no task row, the steady pass reviews nothing and
the 1% pass reviews exactly the episodes made due. No timing assertions: `python -m bench.reconcile_bench`
reports them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reconcile_benchmark_runs_at_a_tiny_size_and_agrees_with_itself(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.reconcile_bench", "--sizes", "300", "--iterations", "2", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = list(tmp_path.glob("reconcile-*.json"))
    assert len(written) == 1, done.stdout
    result = json.loads(written[0].read_text())
    assert set(result["runs"]) == {"postgresql", "sqlite"}
    for database, (run,) in result["runs"].items():
        assert run["size"] == 300, database
        assert run["full_first"]["opened"] > 300 and run["open_tasks"] == run["full_first"]["opened"]  # the providers found work
        assert run["full"]["reviewed"] == 300 and run["full"]["task_writes"] == 0
        assert run["one_percent"]["reviewed"] == 3  # episodes 100, 200, 300
        assert run["steady"]["n"] == 2 and run["steady_floor"]["n"] == 2
    assert "growth" not in done.stdout  # one size: no growth line
