"""The worklist benchmark runs end to end at a tiny size against PostgreSQL (unreachable is a failure, never a
skip) and checks its own answer. No timing assertions: performance is reported as ratios by
`python -m bench.worklist_bench`, never asserted in tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get(
    "PAINPATH_BENCH_PG_ADMIN_URL",
    os.environ.get("PAINPATH_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)


def _harness():  # noqa: ANN202
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import harness

    return harness


def test_harness_percentiles_and_result_file(tmp_path):
    harness = _harness()
    timing = harness.Timing("x", [float(v) for v in range(1, 101)])
    assert timing.p50 == 50.5
    assert 95.0 <= timing.p95 <= 96.0
    assert harness.Timing("one", [3.0]).p95 == 3.0
    path = harness.write_result("demo", {"timings": {"x": timing}}, results_dir=tmp_path / "results")
    assert path.parent == tmp_path / "results" and path.name.startswith("demo-")
    assert json.loads(path.read_text())["timings"]["x"]["n"] == 100


def test_worklist_benchmark_runs_end_to_end_and_api_matches_raw_sql(tmp_path):
    env = {**os.environ, "PAINPATH_BENCH_PG_ADMIN_URL": ADMIN_URL}
    done = subprocess.run(
        [sys.executable, "-m", "bench.worklist_bench", "--episodes", "200", "--tasks", "2000", "--iterations", "5",
         "--results-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = list(tmp_path.glob("worklist-*.json"))
    assert len(written) == 1, done.stdout
    result = json.loads(written[0].read_text())

    assert result["benchmark"] == "worklist"
    assert result["params"] == {"episodes": 200, "tasks": 2000, "iterations": 5, "warmup": 3, "page": 100}
    assert result["dataset"]["episodes_open"] == 200 and result["dataset"]["tasks"] == 2000

    verification = result["verification"]
    assert verification["same_rows"] is True
    expected = min(100, result["dataset"]["coordinator_open_tasks"])
    assert expected > 0
    assert verification["rows"] == expected == len(verification["task_ids"])
    assert verification["counts"]["open"] == result["dataset"]["coordinator_open_tasks"]

    # The HTML page's second page of the clinic's open tasks matches the raw SQL's rows.
    second = min(100, result["dataset"]["tasks_open"] - 100)
    assert second > 0 and verification["page_two"] == {"same_rows": True, "rows": second}
    for name in ("raw_sql", "service", "api", "page_raw_sql", "page"):
        summary = result["timings"][name]
        assert summary["n"] == 5
        assert {"p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms"} <= set(summary)
    assert set(result["ratios"]) == {"api_raw_p50", "api_raw_p95", "service_raw_p50", "service_raw_p95", "page_raw_p50", "page_raw_p95"}
    assert {"p95_met", "ratio_met", "page_ratio_met", "met"} <= set(result["target"])
    assert all(isinstance(result["target"][k], bool) for k in ("p95_met", "ratio_met", "page_ratio_met", "met"))
    assert "TARGET" in done.stdout  # the printed verdict, whichever way it went
    assert "HTML page two (keyset)" in done.stdout
