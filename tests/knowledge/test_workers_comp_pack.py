"""The workers' compensation pack: the clinic's own turnarounds on a claim, each a clinic protocol with its source,
unverified until the clinic confirms it; and a pack without one of them is refused, naming the field."""

from __future__ import annotations

import pytest

from painpath.knowledge import PackError
from painpath.knowledge.loader import load_knowledge

TIMINGS = ("ime_report_chase_after", "ime_reconcile_within", "progress_report_opens_before")


def test_each_turnaround_is_a_clinic_protocol_with_its_source_and_unverified():
    timings = load_knowledge().workers_comp.timings
    for name in TIMINGS:
        wait = getattr(timings, name)
        assert wait.evidence == "K" and wait.verified is False and "clinic protocol" in wait.source.lower(), name
    assert "Labor Code 4062" in timings.ime_reconcile_within.source


def test_a_pack_missing_a_turnaround_is_refused_naming_it(tmp_path):
    (tmp_path / "workers_comp.yaml").write_text(
        "pack: {id: workers_comp, kind: workers_comp, version: 2, effective_date: 2026-12-07, last_verified: 2026-12-07}\n"
        "timings:\n"
        "  ime_report_chase_after: {amount: 5, unit: business_days, source: clinic protocol, evidence: K, verified: false}\n"
        "  ime_reconcile_within: {amount: 10, unit: business_days, source: clinic protocol, evidence: K, verified: false}\n"
    )
    with pytest.raises(PackError, match="progress_report_opens_before"):
        load_knowledge([tmp_path])
