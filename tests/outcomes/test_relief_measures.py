"""Relief duration as a Kaplan-Meier curve: the pure part against the published 6-MP remission figures, the
duration rule on plain reports, and a hand-built clinic through the real API."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from painpath.knowledge.loader import load_knowledge
from painpath.outcomes.measures import Filters, measure
from painpath.outcomes.relief_measures import Duration, Report, figure, fit_curve, relief_duration

DATA = Path(__file__).resolve().parents[1] / "data" / "km" / "freireich_6mp.csv"


def _group(name: str) -> tuple[list[float], list[bool]]:
    with DATA.open(encoding="utf-8") as handle:  # a missing file is an error, never a skip
        rows = [r for r in csv.DictReader(handle) if r["group"] == name]
    return [float(r["weeks"]) for r in rows], [r["relapsed"] == "1" for r in rows]


def test_the_fit_gives_the_published_6mp_kaplan_meier_table():
    weeks, relapsed = _group("6-MP")
    curve = fit_curve(weeks, relapsed, at=(6, 10, 20))
    assert (curve.n, curve.events, curve.censored) == (21, 9, 12)
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in published.items():
        assert curve.survival_at(t) == pytest.approx(s, abs=0.0005), t
    assert curve.survival_at(5.9) == 1.0 and curve.survival_at(35) == pytest.approx(0.448, abs=0.0005)
    assert curve.median == 23
    assert curve.median_low is not None and curve.median_low <= 23
    assert curve.at_risk == {6: 21, 10: 15, 20: 8}


def test_the_fit_gives_the_published_placebo_median():
    weeks, relapsed = _group("placebo")
    curve = fit_curve(weeks, relapsed)
    assert (curve.n, curve.events, curve.censored) == (21, 21, 0)
    assert curve.median == 8
    assert curve.survival_at(8) == pytest.approx(8 / 21, abs=0.0005)


DAY = date(2026, 3, 2)
RULE = {"threshold": 50.0, "lost_after": 90}  # the outcome_measures pack's numbers (test_the_relief_numbers_come_from_the_pack)


def test_the_relief_numbers_come_from_the_pack_with_their_sources():
    settings = load_knowledge().outcome_measures.relief_duration
    assert (settings.meaningful_relief_percent, settings.lost_to_follow_up_days) == (RULE["threshold"], RULE["lost_after"])
    assert "L38773" in settings.meaningful_relief_source.source and settings.meaningful_relief_source.verified is True
    assert settings.lost_to_follow_up_source.evidence == "K" and settings.lost_to_follow_up_source.verified is False


def test_relief_ends_at_the_first_report_below_half_on_the_day_it_lasted_to():
    reports = [Report(DAY + timedelta(days=14), 80), Report(DAY + timedelta(days=60), 30, lasted_days=45)]
    assert relief_duration(DAY, reports, as_of=date(2026, 12, 1), **RULE) == Duration(45.0, ended=True)
    # without lasted_days: the day of the report
    assert relief_duration(DAY, [Report(DAY + timedelta(days=60), 30)], as_of=date(2026, 12, 1), **RULE) == Duration(60.0, ended=True)
    # never relieved: the event at the first report; reports out of order are sorted
    assert relief_duration(DAY, [Report(DAY + timedelta(days=20), 90), Report(DAY + timedelta(days=3), 10)],
                           as_of=DAY, **RULE) == Duration(3.0, ended=True)


def test_still_relieved_is_censored_at_the_last_report_and_lost_after_90_days():
    reports = [Report(DAY + timedelta(days=14), 80), Report(DAY + timedelta(days=50), 60)]
    assert relief_duration(DAY, reports, as_of=DAY + timedelta(days=140), **RULE) == Duration(50.0, ended=False, lost=False)
    assert relief_duration(DAY, reports, as_of=DAY + timedelta(days=141), **RULE) == Duration(50.0, ended=False, lost=True)
    assert relief_duration(DAY, [], as_of=DAY, **RULE) is None


def test_the_figure_has_a_step_curve_and_a_row_per_procedure_naming_its_episodes():
    found = figure({"rfa_lumbar": [(1, Duration(100, True)), (2, Duration(200, False)), (3, Duration(50, False, lost=True))],
                    "esi": [(4, Duration(10, True))]}, names={"rfa_lumbar": "Lumbar RFA", "esi": "Epidural"}, unreported=2)
    assert [r.key for r in found.rows] == ["esi", "rfa_lumbar"]
    rfa = found.rows[1]
    assert rfa.episode_ids == (1, 2, 3)
    assert rfa.cells[:6] == ("Lumbar RFA", 3, 1, 1, 1, 100.0)  # 50 censored; at 100 two at risk, one ends: S = 0.5
    assert found.chart.kind == "step" and found.chart.x[0] == 0.0
    assert found.notes == ("2 procedures with no relief report left out",)


# --- a hand-built clinic through the real API -----------------------------------------------------------------

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _procedure(client, episode_id: int, on: date, reports: list[dict]) -> int:  # noqa: ANN001
    body = {"procedure_key": "rfa_lumbar", "cpt_codes": ["64635"], "side": "left", "levels": ["L4-5"],
            "performed_on": on.isoformat(), "baseline_pain": 8, "baseline_scale": "nrs"}
    response = client.post(f"/api/episodes/{episode_id}/procedures", json=body)
    assert response.status_code == 201, response.text
    procedure_id = response.json()["id"]
    for report in reports:
        answer = client.post(f"/api/procedures/{procedure_id}/relief", json={"scale": "nrs", **report})
        assert answer.status_code == 201, answer.text
    return procedure_id


def test_a_hand_built_clinic_gives_its_known_curve(client_for, patient_payload, episode_payload, ctx, clinic, clock):
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episodes = []
    for n in range(5):
        patient_id = coordinator.post("/api/patients", json={**patient_payload, "mrn": f"MRN-{n}"}).json()["id"]
        episodes.append(coordinator.post(f"/api/patients/{patient_id}/episodes",
                                         json={**episode_payload, "body_region": "lumbar"}).json()["id"])
    on = date(2026, 3, 2)
    d = lambda days: (on + timedelta(days=days)).isoformat()  # noqa: E731
    _procedure(clinician, episodes[0], on, [{"measured_on": d(14), "percent": 80}, {"measured_on": d(100), "percent": 20, "lasted_days": 90}])
    _procedure(clinician, episodes[1], on, [{"measured_on": d(14), "percent": 70}, {"measured_on": d(120), "pain_score": 6}])  # 25%
    _procedure(clinician, episodes[2], on, [{"measured_on": d(14), "percent": 90}, {"measured_on": d(200), "percent": 60}])  # still relieved
    _procedure(clinician, episodes[3], on, [{"measured_on": d(30), "percent": 75}])  # lost: last report long ago
    _procedure(clinician, episodes[4], on, [])  # no report: left out
    rfa = ctx.knowledge.procedures["rfa_lumbar"]
    with ctx.db.session() as session:
        found = measure("relief_duration").compute(session, clinic_id=clinic.id, filters=Filters(date(2026, 1, 1), date(2026, 6, 30)),
                                                   knowledge=ctx.knowledge, calendar=ctx.calendar)
        outside = measure("relief_duration").compute(session, clinic_id=clinic.id, filters=Filters(date(2026, 4, 1), date(2026, 6, 30)),
                                                     knowledge=ctx.knowledge, calendar=ctx.calendar)
        narrowed = [measure("relief_duration").compute(session, clinic_id=clinic.id, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                       filters=Filters(date(2026, 1, 1), date(2026, 6, 30), **chosen))
                    for chosen in ({"procedure_id": "mbb_lumbar"}, {"payer_id": "no_such_payer"}, {"clinician_id": 999_999},
                                   {"pathway_id": "facet_low_back_pain"}, {"procedure_id": "rfa_lumbar", "location_id": None})]
    assert outside.rows == ()
    assert [len(f.rows) for f in narrowed] == [0, 0, 0, 0, 1]  # no care plan: the pathway filter admits none
    (row,) = found.rows
    assert row.key == "rfa_lumbar" and row.episode_ids == tuple(sorted(episodes[:4]))
    # durations 90 (event), 120 (event), 200 (censored, still relieved), 30 (censored, lost to follow-up)
    # S: 1 until 90; 3/4 * ... at risk at 90: 3 (30 censored before) -> 2/3; at 120: 2 at risk -> 2/3 * 1/2 = 1/3
    assert row.cells[:6] == (rfa.name, 4, 2, 1, 1, 120.0)
    assert row.cells[8:] == (4, 3, 3, 1)  # at risk at t: duration t or more (the one lost at 30 still counts at 30)
    series = found.chart.series[0]
    at = dict(zip(found.chart.x, series.values))
    assert at[90.0] == pytest.approx(2 / 3, abs=1e-4) and at[120.0] == pytest.approx(1 / 3, abs=1e-4)
    assert found.notes == ("1 procedure with no relief report left out",)
    assert "at least 50% of the pain" in found.definition and "older than 90 days" in found.definition
    # A clinic that counts 75% as meaningful (the pack's number, not the code's): the 70% at day 14 now ends the second
    # procedure there and the 60% at day 200 ends the third; the 75% at day 30 is still meaningful (lost to follow-up).
    settings = ctx.knowledge.outcome_measures.relief_duration
    stricter = replace(ctx.knowledge, outcome_measures=ctx.knowledge.outcome_measures.model_copy(update={
        "relief_duration": settings.model_copy(update={"meaningful_relief_percent": 75.0})}))
    with ctx.db.session() as session:
        (row,) = measure("relief_duration").compute(session, clinic_id=clinic.id, filters=Filters(date(2026, 1, 1), date(2026, 6, 30)),
                                                    knowledge=stricter, calendar=ctx.calendar).rows
    assert row.cells[:5] == (rfa.name, 4, 3, 0, 1)
