"""The clinical outcomes benchmark runs end to end in its small mode and every measure answers for every episode
it seeded. No timing assertions: performance is reported by `python -m bench.clinical_outcomes_bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_clinical_outcomes_benchmark_small_mode_answers_every_measure(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench.clinical_outcomes_bench", "--small", "--results-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (written,) = tmp_path.glob("clinical-outcomes-*.json")
    result = json.loads(written.read_text())
    assert result["params"] == {"episodes": 200, "iterations": 1, "database": "sqlite"}
    seen = result["verification"]
    assert seen["relief_duration"]["episodes"] == 200 and seen["mic_share"]["episodes"] == 200
    assert seen["pt_progression"]["episodes"] == result["dataset"]["pt_course"] > 0
    assert seen["mme_on_tapers"]["episodes"] == seen["taper_status"]["episodes"] == result["dataset"]["opioid_taper_plan"] > 0
    assert set(result["ratio_p50"]) == {"relief_duration", "mic_share", "pt_progression", "mme_on_tapers", "taper_status"}
