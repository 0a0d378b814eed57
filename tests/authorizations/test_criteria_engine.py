"""The criteria engine, one criterion type at a time: thresholds exactly at the boundary, ongoing vs
ended care, rolling windows across a year end, missing facts, waivers, and the overall answer.

Policies here are built by hand from one criterion each so every edge is visible in the test; the
research cases against the shipped packs live in test_criteria_research_cases.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import (
    CareComponent,
    DocumentFact,
    EpisodeFacts,
    ExamFact,
    ImagingStudy,
    MeasureFact,
    PlannedProcedure,
    ProcedureFact,
    ReliefReport,
    ScoreFact,
)
from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import Policy, add_months

CATALOGUE = load_knowledge().procedures
SOURCE = {"source": "test policy", "evidence": "V", "verified": True}
TODAY = date(2026, 1, 8)


def policy(*criteria: dict[str, Any], **overrides: Any) -> Policy:
    data = {
        "id": "test_policy",
        "name": "Test policy",
        "plan_types": ["commercial"],
        "procedures": ["tfesi_lumbar"],
        "effective_from": "2020-01-01",
        "authorization_required": {"rule": "always", "note": "Test payer reviews it.", **SOURCE},
        "criteria": [{"label": c.get("label", c["type"]), "id": c.get("id", c["type"]), **SOURCE, **c} for c in criteria],
        **overrides,
    }
    return Policy.model_validate(data)


def facts(**fields: Any) -> EpisodeFacts:
    base = EpisodeFacts(
        episode_id=1, payer_id="aetna_commercial", plan_type="commercial", body_region="low_back", laterality="left",
        onset_date=date(2025, 10, 1), diagnosis_codes=("M54.16",),
    )
    return replace(base, **fields)


PLANNED = PlannedProcedure(kind="tfesi_lumbar", cpt_codes=("64483",), region="lumbar", side="left", levels=("L5-S1",))


def run(pol: Policy, f: EpisodeFacts, today: date = TODAY, planned: PlannedProcedure = PLANNED):
    return evaluate(pol, f, planned, today, CATALOGUE, payer_name="Acme Commercial")


def status(pol: Policy, f: EpisodeFacts, today: date = TODAY, planned: PlannedProcedure = PLANNED):
    return run(pol, f, today, planned).criteria[0]


def procedure(kind: str, on: date, *, region: str = "lumbar", side: str = "left", diagnostic: bool = False, **more: Any) -> ProcedureFact:
    return ProcedureFact(kind=kind, cpt_codes=(), region=region, side=side, levels=("L5-S1",), performed_on=on, diagnostic=diagnostic, **more)  # type: ignore[arg-type]


# --- pain duration -----------------------------------------------------------------------------------

PAIN_6_WEEKS = policy({"type": "pain_duration", "min": {"weeks": 6}})


def test_pain_duration_is_met_exactly_on_the_day_it_reaches_the_threshold() -> None:
    onset = date(2025, 11, 27)  # 6 weeks later is 8 Jan 2026
    assert status(PAIN_6_WEEKS, facts(onset_date=onset)).status == "met"
    day_before = status(PAIN_6_WEEKS, facts(onset_date=onset), TODAY - timedelta(days=1))
    assert day_before.status == "not_yet" and day_before.met_on == TODAY
    assert day_before.explanation == "Pain since 27 Nov 2025, 5 weeks and 6 days so far; this payer needs pain for at least 6 weeks, reached on 8 Jan 2026."


def test_pain_duration_in_months_counts_calendar_months_clamped_to_the_month_end() -> None:
    three_months = policy({"type": "pain_duration", "min": {"months": 1}})
    result = status(three_months, facts(onset_date=date(2025, 1, 31)), date(2025, 2, 1))
    assert result.met_on == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_pain_duration_without_an_onset_date_asks_for_it() -> None:
    result = status(PAIN_6_WEEKS, facts(onset_date=None))
    assert result.status == "missing_evidence"
    assert result.to_record == "record when the pain started (the onset date)"


# --- conservative care -------------------------------------------------------------------------------

SIX_WEEKS_WITH_PT = policy(
    {"type": "conservative_care", "min": {"weeks": 6}, "required": [{"kind": "physical_therapy", "min": {"weeks": 4}}]}
)


def care(kind: str, start: date, end: date | None = None) -> CareComponent:
    return CareComponent(kind, start, end, kind, "test")  # type: ignore[arg-type]


def test_ongoing_care_projects_the_day_it_reaches_the_weeks() -> None:
    ongoing = facts(care=(care("physical_therapy", date(2025, 12, 18)),))  # 3 weeks in
    result = status(SIX_WEEKS_WITH_PT, ongoing)
    assert result.status == "not_yet"
    assert result.met_on == date(2026, 1, 29)  # 18 Dec + 6 weeks
    assert "3 weeks of conservative care and 3 weeks of physical therapy" in result.explanation
    assert status(SIX_WEEKS_WITH_PT, ongoing, date(2026, 1, 29)).status == "met"
    assert status(SIX_WEEKS_WITH_PT, ongoing, date(2026, 1, 28)).status == "not_yet"


def test_ended_care_that_fell_short_is_not_met() -> None:
    ended = facts(care=(care("physical_therapy", date(2025, 11, 1), date(2025, 11, 22)),))  # 3 weeks, then stopped
    result = status(SIX_WEEKS_WITH_PT, ended)
    assert result.status == "not_met"
    assert "none of it is going on now" in result.explanation
    assert "3 weeks of conservative care and 3 weeks of physical therapy" in result.explanation


def test_ended_care_that_was_long_enough_is_met() -> None:
    ended = facts(care=(care("physical_therapy", date(2025, 10, 1), date(2025, 11, 12)),))  # exactly 6 weeks
    assert status(SIX_WEEKS_WITH_PT, ended).status == "met"


def test_overlapping_care_is_not_counted_twice_and_other_kinds_fill_the_total() -> None:
    overlapping = facts(
        care=(
            care("medication", date(2025, 11, 13), date(2025, 12, 11)),  # 4 weeks of medication first
            care("physical_therapy", date(2025, 12, 4), None),  # PT overlaps the last week
        )
    )
    result = status(SIX_WEEKS_WITH_PT, overlapping)
    # Union: 13 Nov .. 8 Jan = 8 weeks (met); PT 4 Dec .. 8 Jan = 5 weeks (met).
    assert result.status == "met"
    pt_only_short = facts(care=(care("medication", date(2025, 10, 1), None), care("physical_therapy", date(2025, 12, 25))))
    short = status(SIX_WEEKS_WITH_PT, pt_only_short)
    assert short.status == "not_yet" and short.met_on == date(2026, 1, 22)  # PT reaches 4 weeks


def test_a_required_component_never_started_is_not_met_and_no_care_at_all_is_missing() -> None:
    no_pt = status(SIX_WEEKS_WITH_PT, facts(care=(care("medication", date(2025, 10, 1)),)))
    assert no_pt.status == "not_met" and "no physical therapy on record" in no_pt.explanation
    nothing = status(SIX_WEEKS_WITH_PT, facts())
    assert nothing.status == "missing_evidence"
    assert nothing.to_record == "record the conservative care tried so far (what, and from when to when), or start it"


def test_care_outside_the_window_does_not_count() -> None:
    windowed = policy({"type": "conservative_care", "min": {"weeks": 6}, "within": {"months": 6}})
    old = facts(care=(care("physical_therapy", date(2025, 1, 1), date(2025, 4, 1)),))
    assert status(windowed, old).status == "not_met"
    assert status(policy({"type": "conservative_care", "min": {"weeks": 6}}), old).status == "met"


def test_documented_conservative_care_without_a_week_count() -> None:
    documented = policy({"type": "conservative_care"})
    assert status(documented, facts(care=(care("medication", TODAY),))).status == "met"
    assert status(documented, facts()).status == "missing_evidence"


def test_concurrent_active_rehab_must_still_be_going_on() -> None:
    with_rehab = policy({"type": "conservative_care", "min": {"weeks": 4}, "concurrent_active_rehab": True})
    stopped = facts(care=(care("physical_therapy", date(2025, 10, 1), date(2025, 12, 1)), care("medication", date(2025, 10, 1))))
    result = status(with_rehab, stopped)
    assert result.status == "not_met" and "no active rehabilitation" in result.explanation
    going = facts(care=(care("home_exercise", date(2025, 10, 1)),))
    assert status(with_rehab, going).status == "met"


# --- imaging -------------------------------------------------------------------------------------------

def recency(**fields: Any) -> dict[str, Any]:
    return {"since_onset": False, **fields, **SOURCE}


MRI_24_MONTHS = policy({"type": "imaging", "modalities": ["mri", "ct"], "recency": recency(within={"months": 24}), "concordant": True})


def mri(on: date, **more: Any) -> ImagingStudy:
    return ImagingStudy(**{"modality": "mri", "region": "lumbar", "performed_on": on, "report_on_file": True, "concordant": True, **more})


def test_imaging_is_valid_through_the_last_day_of_its_window() -> None:
    assert status(MRI_24_MONTHS, facts(imaging=(mri(date(2024, 1, 8)),))).status == "met"
    expired = status(MRI_24_MONTHS, facts(imaging=(mri(date(2024, 1, 7)),)))
    assert expired.status == "not_met"
    assert expired.explanation.startswith("The MRI of 7 Jan 2024 is 24 months old;")


def test_imaging_report_and_concordance_must_be_recorded() -> None:
    no_report = status(MRI_24_MONTHS, facts(imaging=(mri(date(2025, 12, 1), report_on_file=False),)))
    assert no_report.status == "missing_evidence" and no_report.to_record == "get the report of the MRI of 1 Dec 2025 on file"
    unknown = status(MRI_24_MONTHS, facts(imaging=(mri(date(2025, 12, 1), concordant=None),)))
    assert unknown.status == "missing_evidence"
    discordant = status(MRI_24_MONTHS, facts(imaging=(mri(date(2025, 12, 1), concordant=False),)))
    assert discordant.status == "not_met" and "does not support the working diagnosis" in discordant.explanation


def test_imaging_of_another_region_or_none_is_missing() -> None:
    neck = facts(imaging=(mri(date(2025, 12, 1), region="cervical"),))
    result = status(MRI_24_MONTHS, neck)
    assert result.status == "missing_evidence"
    assert result.to_record == "record the MRI or CT report of the lumbar/sacral region (within the last 24 months), or order the study"
    # Sacral imaging counts for a lumbar procedure (one region, as payers count it).
    assert status(MRI_24_MONTHS, facts(imaging=(mri(date(2025, 12, 1), region="sacral"),))).status == "met"


def test_imaging_taken_before_the_symptoms_does_not_count_when_the_payer_says_so() -> None:
    this_episode = policy({"type": "imaging", "modalities": ["xray"], "regions": ["knee"], "recency": recency(since_onset=True)})
    old_xray = ImagingStudy("xray", "knee", date(2025, 6, 1), True)
    knee = PlannedProcedure(kind="mri_knee", cpt_codes=("73721",), region="knee")
    before = status(this_episode, facts(imaging=(old_xray,)), planned=knee)
    assert before.status == "not_met"
    assert before.explanation == (
        "The X-ray of 1 Jun 2025 was taken before this problem began (1 Oct 2025); this payer needs X-ray of the "
        "knee region, taken since this problem began (a new study is needed)."
    )
    # Without an onset date nobody can tell whether the film is of this problem: ask for the date.
    unknown = status(this_episode, facts(onset_date=None, imaging=(old_xray,)), planned=knee)
    assert unknown.status == "missing_evidence" and unknown.to_record == "record when the pain started (the onset date)"
    assert status(this_episode, facts(imaging=(replace(old_xray, performed_on=date(2025, 10, 2)),)), planned=knee).status == "met"


def test_imaging_that_expires_before_the_booked_date_is_warned() -> None:
    booked = replace(PLANNED, planned_on=date(2026, 3, 1))
    decision = run(MRI_24_MONTHS, facts(imaging=(mri(date(2024, 2, 1)),)), planned=booked)
    assert decision.criteria[0].status == "met"
    assert decision.warnings == ("The MRI of 1 Feb 2024 will be older than 24 months on the booked date 1 Mar 2026.",)


# --- diagnostic blocks ----------------------------------------------------------------------------------

BLOCKS = policy({"type": "diagnostic_blocks", "procedures": ["mbb_lumbar"], "count": 2, "min_relief_percent": 80, "min_days_between": 14})
RFA = PlannedProcedure(kind="rfa_lumbar", cpt_codes=("64635",), region="lumbar", levels=("L4-5",))


def block(on: date, relief: float | None, *, levels: tuple[str, ...] = ("L4-5",), scale: str = "nrs", **more: Any) -> ProcedureFact:
    reports = () if relief is None else (ReliefReport(on, relief, scale),)
    return ProcedureFact(
        kind="mbb_lumbar", cpt_codes=("64493",), region="lumbar", side="bilateral", levels=levels, performed_on=on,
        diagnostic=True, baseline_pain=7, baseline_scale="nrs", relief=reports, **more,
    )


def test_blocks_exactly_at_80_percent_and_14_days_apart_are_met() -> None:
    result = status(BLOCKS, facts(procedures=(block(date(2025, 12, 1), 80), block(date(2025, 12, 15), 80))), planned=RFA)
    assert result.status == "met"
    thirteen = status(BLOCKS, facts(procedures=(block(date(2025, 12, 1), 80), block(date(2025, 12, 14), 80))), planned=RFA)
    assert thirteen.status == "not_met" and "13 days apart" in thirteen.explanation


def test_only_the_latest_blocks_count_and_too_few_is_not_met() -> None:
    three = (block(date(2025, 10, 1), 40), block(date(2025, 11, 1), 85), block(date(2025, 11, 20), 90))
    assert status(BLOCKS, facts(procedures=three), planned=RFA).status == "met"
    one = status(BLOCKS, facts(procedures=three[2:]), planned=RFA)
    assert one.status == "not_met" and one.explanation.startswith("1 of the 2 diagnostic blocks done (20 Nov 2025)")


def test_blocks_at_other_levels_or_without_relief() -> None:
    wrong_level = (block(date(2025, 12, 1), 90, levels=("L3-4",)), block(date(2025, 12, 16), 90))
    result = status(BLOCKS, facts(procedures=wrong_level), planned=RFA)
    assert result.status == "not_met" and result.explanation.startswith("Block 1 was at L3-4 but the lumbar radiofrequency")
    no_relief = status(BLOCKS, facts(procedures=(block(date(2025, 12, 1), 90), block(date(2025, 12, 16), None))), planned=RFA)
    assert no_relief.status == "missing_evidence"
    assert no_relief.to_record == "record the relief after block 2 on the same scale"


def test_blocks_in_another_region_do_not_count() -> None:
    neck = (replace(block(date(2025, 12, 1), 90), kind="mbb_cervical", region="cervical"),) * 2
    assert status(BLOCKS, facts(procedures=neck), planned=RFA).status == "not_met"


# --- frequency and interval ---------------------------------------------------------------------------

TWO_PER_YEAR = policy({"type": "frequency_limit", "procedures": ["rfa_lumbar", "rfa_cervical"], "max_sessions": 2, "window_days": 365})


def test_rolling_window_across_the_year_end() -> None:
    sessions = (procedure("rfa_lumbar", date(2025, 12, 15)), procedure("rfa_lumbar", date(2025, 12, 29), side="right"))
    result = status(TWO_PER_YEAR, facts(procedures=sessions), date(2026, 1, 5), planned=RFA)
    assert result.status == "not_yet"
    assert result.met_on == date(2026, 12, 15)  # a calendar year would have reset on 1 Jan
    assert status(TWO_PER_YEAR, facts(procedures=sessions), date(2026, 12, 15), planned=RFA).status == "met"
    assert status(TWO_PER_YEAR, facts(procedures=sessions), date(2026, 12, 14), planned=RFA).status == "not_yet"


def test_one_date_is_one_session_and_other_regions_do_not_count() -> None:
    same_day = (procedure("rfa_lumbar", date(2025, 6, 1)), procedure("rfa_lumbar", date(2025, 6, 1), side="right"))
    assert status(TWO_PER_YEAR, facts(procedures=same_day), planned=RFA).status == "met"
    neck = (procedure("rfa_cervical", date(2025, 6, 1), region="cervical"), procedure("rfa_cervical", date(2025, 9, 1), region="thoracic"))
    assert status(TWO_PER_YEAR, facts(procedures=neck), planned=RFA).status == "met"
    neck_plan = PlannedProcedure(kind="rfa_cervical", cpt_codes=("64633",), region="cervical")
    # Thoracic and cervical are one region: the third cervical/thoracic session waits.
    assert status(TWO_PER_YEAR, facts(procedures=neck), planned=neck_plan).status == "not_yet"


def test_min_interval_boundary_and_nothing_earlier() -> None:
    interval = policy({"type": "min_interval", "procedures": ["tfesi_lumbar"], "min": {"days": 14}})
    last = facts(procedures=(procedure("tfesi_lumbar", date(2025, 12, 25)),))
    assert status(interval, last).status == "met"  # exactly 14 days
    early = status(interval, last, date(2026, 1, 7))
    assert early.status == "not_yet" and early.met_on == TODAY
    assert status(interval, facts()).status == "met"


# --- prior response ------------------------------------------------------------------------------------

RESPONSE = policy({"type": "prior_response", "procedures": ["tfesi_lumbar"], "min_relief_percent": 50, "min_lasting": {"months": 3}})


def esi_with(*reports: ReliefReport) -> EpisodeFacts:
    return facts(procedures=(procedure("tfesi_lumbar", date(2025, 9, 1), relief=reports),))


def test_prior_response_boundaries() -> None:
    exactly = esi_with(ReliefReport(date(2025, 12, 1), 50, "nrs", lasted_days=91))  # 1 Sep + 91 days = 1 Dec
    assert status(RESPONSE, exactly).status == "met"
    short = esi_with(ReliefReport(date(2025, 12, 5), 50, "nrs", lasted_days=80))
    assert status(RESPONSE, short).status == "not_met"
    weak = status(RESPONSE, esi_with(ReliefReport(date(2025, 10, 1), 49.5, "nrs", lasted_days=120)))
    assert weak.status == "not_met" and "at most 49.5% relief" in weak.explanation


def test_prior_response_still_holding_is_projected_and_unknown_duration_is_missing() -> None:
    holding = esi_with(ReliefReport(date(2025, 10, 15), 70, "nrs", lasted_days=44))
    result = status(RESPONSE, holding, date(2025, 10, 20))
    assert result.status == "not_yet" and result.met_on == date(2025, 12, 1)
    unknown = status(RESPONSE, esi_with(ReliefReport(date(2025, 10, 15), 70, "nrs")))
    assert unknown.status == "missing_evidence" and unknown.to_record.startswith("record how long the relief after")
    nothing = status(RESPONSE, esi_with())
    assert nothing.status == "missing_evidence"


def test_prior_response_on_a_first_request() -> None:
    assert status(RESPONSE, facts()).status == "not_applicable"
    required = policy({"type": "prior_response", "procedures": ["scs_trial"], "min_relief_percent": 50, "required_first": True})
    result = status(required, facts())
    assert result.status == "not_met" and "No spinal cord stimulator trial on record" in result.explanation


# --- planned session, scores, exam, documents -------------------------------------------------------


def test_levels_from_levels_or_from_code_lines() -> None:
    two = policy({"type": "levels_per_session", "max_levels": 2})
    assert status(two, facts(), planned=replace(PLANNED, levels=("L4-5", "L5-S1"))).status == "met"
    three_codes = replace(PLANNED, levels=(), cpt_codes=("64483", "64484", "64484"))
    assert status(two, facts(), planned=three_codes).status == "not_met"
    assert status(two, facts(), planned=replace(PLANNED, levels=(), cpt_codes=())).status == "missing_evidence"


def test_score_required_minimum_and_window() -> None:
    pain_6 = policy({"type": "score_required", "measures": ["pain_average"], "what": "average pain", "min_value": 6, "within_days": 30})
    assert status(pain_6, facts(measures=(MeasureFact("pain_average", date(2025, 12, 9), 6),))).status == "met"  # 30 days, 6/10
    low = status(pain_6, facts(measures=(MeasureFact("pain_average", TODAY, 5),)))
    assert low.status == "not_met" and low.explanation.startswith("Latest average pain 5 on 8 Jan 2026")
    stale = status(pain_6, facts(measures=(MeasureFact("pain_average", date(2025, 12, 8), 8),)))
    assert stale.status == "missing_evidence"
    ndi = policy({"type": "score_required", "instruments": ["ndi"], "what": "a baseline NDI"})
    assert status(ndi, facts(scores=(ScoreFact("ndi", TODAY, 30),))).explanation == "NDI 30 on 8 Jan 2026; this payer needs a baseline NDI."


def test_exam_findings() -> None:
    si = policy({"type": "exam_finding", "min_si_provocation_tests": 3})
    tests = {"distraction": "positive", "thigh_thrust": "positive", "compression": "positive", "sacral_thrust": "negative"}
    assert status(si, facts(exam=ExamFact(TODAY, {"si_tests": tests}, 3, (), ""))).status == "met"
    two = status(si, facts(exam=ExamFact(TODAY, {"si_tests": tests}, 2, (), "")))
    assert two.status == "not_met" and two.explanation.startswith("2 of 4 SI provocation tests done were positive")
    untested = status(si, facts(exam=ExamFact(TODAY, {}, 0, (), "")))
    assert untested.status == "missing_evidence"
    assert status(si, facts()).status == "missing_evidence"
    radicular = policy({"type": "exam_finding", "signs": ["radicular"]})
    negative = {"straight_leg_raise": {"left": {"result": "negative"}, "right": {"result": "negative"}}}
    assert status(radicular, facts(exam=ExamFact(TODAY, negative, 0, (), ""))).status == "not_met"
    weak = {"motor_deficits": [{"level": "L5", "side": "left", "grade": 4}]}
    assert status(radicular, facts(exam=ExamFact(TODAY, weak, 0, (), ""))).status == "met"
    recent = policy({"type": "exam_finding", "within_days": 60})
    assert status(recent, facts(exam=ExamFact(TODAY - timedelta(days=61), {}, 0, (), ""))).status == "missing_evidence"


def test_documents_psych_eval_and_nicotine() -> None:
    docs = policy({"type": "documents", "kinds": ["home_exercise_program", "behavioral_evaluation"]})
    one = status(docs, facts(documents=(DocumentFact("home_exercise_program", TODAY, "x"),)))
    assert one.status == "missing_evidence" and one.to_record == "put on file: behavioral evaluation"
    psych = policy({"type": "psych_eval"})
    assert status(psych, facts(documents=(DocumentFact("psych_eval", TODAY, "x", result="cleared"),))).status == "met"
    assert status(psych, facts(documents=(DocumentFact("psych_eval", TODAY, "x", result="not cleared"),))).status == "not_met"
    assert status(psych, facts(documents=(DocumentFact("psych_eval", TODAY, "x"),))).status == "missing_evidence"
    cotinine = policy({"type": "nicotine_test", "max_ng_per_ml": 10, "within_days": 30})
    assert status(cotinine, facts(documents=(DocumentFact("nicotine_test", TODAY, "x", value=10),))).status == "met"
    high = status(cotinine, facts(documents=(DocumentFact("nicotine_test", TODAY, "x", value=10.5),)))
    assert high.status == "not_met" and high.explanation.startswith("Cotinine 10.5 ng/mL on 8 Jan 2026")
    old = status(cotinine, facts(documents=(DocumentFact("nicotine_test", TODAY - timedelta(days=31), "x", value=2),)))
    assert old.status == "missing_evidence" and old.to_record == "repeat the cotinine test"


def test_steroid_first_must_be_on_the_same_knee() -> None:
    steroid = policy({"type": "steroid_injection_first", "procedures": ["knee_steroid_injection"]})
    knee = PlannedProcedure(kind="knee_hyaluronic_acid", cpt_codes=("20610",), region="knee", side="right")
    left = facts(procedures=(procedure("knee_steroid_injection", date(2025, 12, 1), region="knee", side="left"),))
    assert status(steroid, left, planned=knee).status == "not_met"
    right = facts(procedures=(procedure("knee_steroid_injection", date(2025, 12, 1), region="knee", side="right"),))
    assert status(steroid, right, planned=knee).status == "met"


# --- applicability, waivers, the overall answer ---------------------------------------------------------


def test_initial_and_repeat_criteria() -> None:
    pol = policy(
        {"id": "first_only", "type": "pain_duration", "min": {"weeks": 52}, "applies_to": "initial"},
        {"id": "repeat_only", "type": "min_interval", "procedures": ["tfesi_lumbar"], "min": {"days": 1}, "applies_to": "repeat"},
        repeat_group=["tfesi_lumbar", "ilesi_lumbar"],
    )
    first = run(pol, facts())
    assert [c.status for c in first.criteria] == ["not_yet", "not_applicable"] and not first.is_repeat
    after_ilesi = run(pol, facts(procedures=(procedure("ilesi_lumbar", date(2025, 11, 1)),)))
    assert after_ilesi.is_repeat and [c.status for c in after_ilesi.criteria] == ["not_applicable", "met"]


def test_waiver_by_diagnosis_code_ignores_dots_and_case() -> None:
    pol = policy(
        {"id": "pain", "type": "pain_duration", "min": {"weeks": 4}},
        exceptions=[{"id": "zoster", "label": "herpes zoster", "waives": ["pain"], "when": {"diagnoses": {"codes": ["B02.29"], **SOURCE}}, **SOURCE}],
    )
    recent = facts(onset_date=TODAY - timedelta(days=3))
    assert run(pol, replace(recent, diagnosis_codes=("b0229",))).criteria[0].status == "waived"
    assert run(pol, replace(recent, diagnosis_codes=("B01.9",))).criteria[0].status == "not_yet"


def test_overall_answer_precedence_and_projected_date() -> None:
    pol = policy(
        {"id": "pain", "type": "pain_duration", "min": {"weeks": 20}},
        {"id": "docs", "type": "documents", "kinds": ["behavioral_evaluation"]},
        {"id": "levels", "type": "levels_per_session", "max_levels": 1},
    )
    onset = date(2025, 10, 1)
    missing = run(pol, facts(onset_date=onset))
    assert missing.outcome == "needs_information" and missing.eligible_on == onset + timedelta(weeks=20)
    with_doc = facts(onset_date=onset, documents=(DocumentFact("behavioral_evaluation", TODAY, "x"),))
    waiting = run(pol, with_doc)
    assert waiting.outcome == "eligible_on" and waiting.eligible_on == onset + timedelta(weeks=20)
    assert waiting.summary.startswith("Eligible on Wednesday 18 February 2026 under Acme Commercial: by then your pain will have lasted 20 weeks.")
    too_many = run(pol, facts(onset_date=onset), planned=replace(PLANNED, levels=("L4-5", "L5-S1")))
    assert too_many.outcome == "not_eligible" and too_many.eligible_on is None
    assert run(pol, with_doc, onset + timedelta(weeks=20)).outcome == "eligible_now"


def test_booked_before_the_eligible_date_is_warned() -> None:
    decision = run(PAIN_6_WEEKS, facts(onset_date=TODAY), planned=replace(PLANNED, planned_on=TODAY + timedelta(days=7)))
    assert decision.warnings == ("The booked date 15 Jan 2026 is before the eligible date 19 Feb 2026.",)


def test_not_covered_is_never_eligible() -> None:
    pol = policy(not_covered={"reason": "this plan considers it experimental/investigational", **SOURCE})
    decision = run(pol, facts())
    assert decision.outcome == "not_eligible"
    assert decision.summary.startswith("Not eligible under Acme Commercial: this plan considers it experimental/investigational.")


# --- property: a projected day, used as today, is met ----------------------------------------------------

PROJECTING = policy(
    {"id": "pain", "type": "pain_duration", "min": {"weeks": 6}},
    {"id": "care", "type": "conservative_care", "min": {"weeks": 6}, "within": {"months": 6},
     "required": [{"kind": "physical_therapy", "min": {"weeks": 4}}]},
    {"id": "freq", "type": "frequency_limit", "procedures": ["tfesi_lumbar"], "max_sessions": 2, "window_days": 182},
    {"id": "gap", "type": "min_interval", "procedures": ["tfesi_lumbar"], "min": {"days": 30}},
)


@settings(max_examples=150, deadline=None)
@given(
    onset_ago=st.integers(min_value=0, max_value=120),
    pt_ago=st.integers(min_value=0, max_value=200),
    pt_length=st.one_of(st.none(), st.integers(min_value=1, max_value=120)),
    medication_ago=st.integers(min_value=0, max_value=300),
    sessions_ago=st.lists(st.integers(min_value=0, max_value=400), max_size=4),
)
def test_a_projected_date_used_as_today_is_met(
    onset_ago: int, pt_ago: int, pt_length: int | None, medication_ago: int, sessions_ago: list[int]
) -> None:
    pt_start = TODAY - timedelta(days=pt_ago)
    episode = facts(
        onset_date=TODAY - timedelta(days=onset_ago),
        care=(
            care("physical_therapy", pt_start, None if pt_length is None else pt_start + timedelta(days=pt_length)),
            care("medication", TODAY - timedelta(days=medication_ago), None),
        ),
        procedures=tuple(procedure("tfesi_lumbar", TODAY - timedelta(days=ago)) for ago in sessions_ago),
    )
    decision = run(PROJECTING, episode)
    for result in decision.criteria:
        if result.status == "not_yet":
            assert result.met_on is not None and result.met_on > TODAY
            later = run(PROJECTING, episode, result.met_on)
            assert later.criterion(result.criterion_id).status == "met", (result.criterion_id, result.explanation)
            day_before = run(PROJECTING, episode, result.met_on - timedelta(days=1))
            assert day_before.criterion(result.criterion_id).status != "met"
    if decision.outcome == "eligible_on":
        on_the_day = run(PROJECTING, episode, decision.eligible_on)
        lapses = [w for w in decision.warnings if w.startswith("By ")]
        # Either the projected day is eligible, or the decision said today what will have lapsed by then.
        assert (on_the_day.outcome == "eligible_now") != bool(lapses), (on_the_day.outcome, lapses)


def test_what_lapses_before_the_projected_day_is_said_today() -> None:
    pol = policy(
        {"id": "pain", "type": "pain_duration", "min": {"weeks": 6}},
        {"id": "mri", "type": "imaging", "modalities": ["mri"], "recency": recency(within={"months": 24})},
    )
    decision = run(pol, facts(onset_date=TODAY - timedelta(weeks=2), imaging=(mri(date(2024, 1, 20)),)))
    assert decision.outcome == "eligible_on" and decision.eligible_on == TODAY + timedelta(weeks=4)
    assert decision.criterion("mri").status == "met"
    assert decision.warnings == (
        "By 5 Feb 2026 this will no longer hold (imaging): The MRI of 20 Jan 2024 is 24 months old; this payer needs "
        "MRI of the lumbar/sacral region, within the last 24 months (a new study is needed).",
    )


# --- words said when read ------------------------------------------------------------------------


def test_decisions_compare_by_their_words_which_are_said_when_read() -> None:
    # Same status and dates, different words (the onset day is quoted): not the same decision.
    earlier, later = run(PAIN_6_WEEKS, facts(onset_date=date(2025, 10, 1))), run(PAIN_6_WEEKS, facts(onset_date=date(2025, 10, 2)))
    assert (earlier.outcome, earlier.criteria[0].status) == (later.outcome, later.criteria[0].status) == ("eligible_now", "met")
    assert "explanation" not in vars(earlier.criteria[0])  # not said yet
    assert earlier != later and earlier.criteria[0] != later.criteria[0]
    assert earlier.criteria[0].explanation == "Pain since 1 Oct 2025 (3 months); this payer needs pain for at least 6 weeks."
    again = run(PAIN_6_WEEKS, facts(onset_date=date(2025, 10, 1)))
    assert again == earlier and hash(again) == hash(earlier) and again.summary == earlier.summary
    assert list(earlier.criteria[0].as_dict()) == [
        "criterion_id", "type", "label", "status", "explanation", "source", "evidence", "verified", "met_on", "to_record",
        "waived_by", "by_then", "requirement",
    ]
