"""The outcomes benchmark runs end to end in its small mode and checks its own answer (the dashboard's figures and
the raw SQL count the same cases, referrals, requests, procedures ...), for every registered measure on one seeded
clinic. No timing assertions: `python -m bench.outcomes_bench` reports performance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_outcomes_benchmark_small_mode_agrees_with_raw_sql(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench.outcomes_bench", "--small", "--results-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (written,) = tmp_path.glob("outcomes-*.json")
    result = json.loads(written.read_text())
    assert result["params"]["episodes"] == 200 and result["dataset"]["authorization_case"] == 200
    assert result["verification"]["agree"] is True
    assert "authorization_denials_and_escalations" in result["registered_measures"]
    for name in ("dashboard", "dashboard_all", "cached", "floor"):
        assert result["timings"][name]["n"] == 1
    assert result["ratio_p50"] > 0 and "dashboard/floor time ratio" in done.stdout
    # the whole dashboard: every registered measure against its own floor, on one clinic with every fact kind
    assert result["timings"]["floor_all"]["n"] == 1 and result["ratio_all_p50"] > 0
    assert set(result["ratio_per_measure_p50"]) == set(result["registered_measures"]) and len(result["registered_measures"]) >= 15
    assert all(result["per_measure"][m]["n"] == 1 and result["per_measure"][f"{m} floor"]["n"] == 1 for m in result["registered_measures"])
    seeded = result["dataset"]
    for table in ("intake_call", "call_attempt", "triage", "appointment", "records_request", "pt_course", "pt_authorization", "encounter",
                  "form_request", "checkin_record", "performed_procedure", "procedure_relief", "care_plan", "instrument_administration",
                  "opioid_taper_plan"):
        assert seeded[table] > 0, table
    assert all(a == b and a for a, b in result["verification"]["counts"].values())
    assert "whole dashboard/floor time ratio" in done.stdout
