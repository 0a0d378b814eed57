"""The authorization readiness benchmark runs end to end in its small mode and checks its own answer.
No timing assertions: performance is reported by `python -m bench.authorization_readiness_bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readiness_benchmark_small_mode_decides_every_open_case(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.authorization_readiness_bench", "--small", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = list(tmp_path.glob("authorization-readiness-*.json"))
    assert len(written) == 1, done.stdout
    result = json.loads(written[0].read_text())

    assert result["benchmark"] == "authorization-readiness"
    assert result["params"]["episodes"] == 200 and result["params"]["database"] == "sqlite"
    assert result["dataset"]["episode"] == 200 and result["dataset"]["open_cases"] == 200
    verification = result["verification"]
    assert verification["all_decided"] is True and verification["decided"] == 200
    # The mix of facts gives more than one answer: the engine really ran (a stub gives one outcome).
    assert len(verification["outcomes"]) >= 3, verification["outcomes"]
    assert sum(verification["outcomes"].values()) == 200
    assert verification["checklist_items"] > 200
    # The raw-SQL floor read every open case and its episode's row, and the fact rows besides.
    raw = verification["raw_floor_rows"]
    assert raw["cases"] == 200 and raw["episodes"] >= 200 and raw["imaging"] > 0 and raw["conservative_care"] > 0
    for name in ("readiness", "readiness_cold", "criteria_stubbed", "floor"):
        assert result["timings"][name]["n"] == 1
        assert result["episodes_per_second"][name] > 0
    assert result["ratio_p50"] > 0 and result["cold_ratio_p50"] > 0
    assert "episodes/s" in done.stdout and "floor (raw SQL rows)" in done.stdout
