"""Every test case of research/prior-auth.md sections 1 and 2, plus journeys J1, J5 and J6, against the
shipped policy packs (never hand-built policies): the numbers come from the packs.

Reading the research's "deny" for frequency limits: a request dated inside the rolling window is
refused, which the engine reports as `not_yet` with the day the window frees a slot (the decision is
then "eligible on" that day, never "eligible now").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from painpath.authorizations.criteria import PolicyDecision, evaluate, find_policy
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
from painpath.knowledge import Knowledge, load_knowledge

MEDICARE = "medicare_cgs_j15"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def decide(knowledge: Knowledge, payer_id: str, facts: EpisodeFacts, planned: PlannedProcedure, today: date) -> PolicyDecision:
    policy = find_policy(knowledge, payer_id, planned.kind, today)
    assert policy is not None, f"no policy for {payer_id} / {planned.kind}"
    return evaluate(policy, facts, planned, today, knowledge.procedures, payer_name=knowledge.payer(payer_id).name)


# --- building blocks ----------------------------------------------------------------------------------

RADICULAR_EXAM = {
    "straight_leg_raise": {"left": {"result": "positive", "angle_degrees": 40}, "right": {"result": "negative"}},
    "sensory_deficits": [{"dermatome": "L5", "side": "left", "finding": "diminished"}],
}


def exam(on: date, findings: dict | None = None, si_positive: int = 0) -> ExamFact:
    return ExamFact(on=on, findings=findings or {}, si_positive_count=si_positive, diagnosis_codes=(), reasoning="")


def mbb(on: date, relief: float, *, scale: str = "nrs", relief_scale: str | None = None, exception: str | None = None) -> ProcedureFact:
    return ProcedureFact(
        kind="mbb_lumbar",
        cpt_codes=("64493",),
        region="lumbar",
        side="bilateral",
        levels=("L4-5",),
        performed_on=on,
        diagnostic=True,
        baseline_pain=7,
        baseline_scale=scale,
        relief=(ReliefReport(measured_on=on, percent=relief, scale=relief_scale or scale, hours_after=2),),
        spacing_exception=exception,
    )


def rfa(on: date, *, side: str = "bilateral", relief: tuple[ReliefReport, ...] = ()) -> ProcedureFact:
    return ProcedureFact(
        kind="rfa_lumbar", cpt_codes=("64635",), region="lumbar", side=side, levels=("L4-5",),  # type: ignore[arg-type]
        performed_on=on, diagnostic=False, baseline_pain=7, baseline_scale="nrs", relief=relief,
    )


def facet_facts(blocks: tuple[ProcedureFact, ...], **more) -> EpisodeFacts:
    """A Medicare patient with 6 months of axial low back pain, failed NSAIDs and PT, baseline ODI."""
    base = EpisodeFacts(
        episode_id=6,
        payer_id=MEDICARE,
        plan_type="medicare",
        body_region="low_back",
        laterality="bilateral",
        onset_date=date(2025, 3, 1),
        diagnosis_codes=("M47.816",),
        care=(
            CareComponent("medication", date(2025, 3, 10), date(2025, 6, 10), "naproxen", "history"),
            CareComponent("physical_therapy", date(2025, 4, 1), date(2025, 6, 1), "PT 8 weeks", "therapy", failed=True),
        ),
        scores=(ScoreFact("odi", date(2025, 8, 1), 44),),
        procedures=blocks,
    )
    return replace(base, **more)


def rfa_plan(pos: str = "22", on: date | None = None) -> PlannedProcedure:
    return PlannedProcedure(
        kind="rfa_lumbar", cpt_codes=("64635",), region="lumbar", side="bilateral", levels=("L4-5",), place_of_service=pos,
        planned_on=on,
    )


# === Section 1: facet joint interventions ==========================================================


def test_blocks_of_85_and_78_percent_make_ablation_not_eligible_under_medicare(knowledge: Knowledge) -> None:
    facts = facet_facts((mbb(date(2025, 9, 1), 85), mbb(date(2025, 9, 16), 78)))
    decision = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2025, 10, 1))
    blocks = decision.criterion("diagnostic_blocks")
    assert blocks.status == "not_met"
    assert blocks.explanation == "Block 2 gave 78% relief; this payer needs at least 80% after each block."
    assert decision.outcome == "not_eligible"
    assert decision.summary.startswith("Not eligible under Medicare Part B (CGS J15).")
    assert "78%" in decision.summary


def test_blocks_10_days_apart_are_not_met_without_an_exception(knowledge: Knowledge) -> None:
    facts = facet_facts((mbb(date(2025, 9, 1), 90), mbb(date(2025, 9, 11), 88)))
    decision = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2025, 10, 1))
    blocks = decision.criterion("diagnostic_blocks")
    assert blocks.status == "not_met"
    assert blocks.explanation == (
        "Blocks 10 days apart (1 Sep 2025 and 11 Sep 2025); this payer needs the next block at least 14 days after "
        "the one before, unless an exception reason is documented."
    )
    assert decision.outcome == "not_eligible"


def test_blocks_10_days_apart_with_a_documented_exception_are_met_and_flagged(knowledge: Knowledge) -> None:
    reason = "second block moved forward: patient travelling for 6 weeks"
    facts = facet_facts((mbb(date(2025, 9, 1), 90), mbb(date(2025, 9, 11), 88, exception=reason)))
    decision = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2025, 10, 1))
    assert decision.criterion("diagnostic_blocks").status == "met"
    assert decision.outcome == "eligible_now"
    assert any("10 days apart" in w and reason in w for w in decision.warnings)


def test_third_ablation_in_the_same_region_within_365_days_is_refused_until_a_slot_frees(knowledge: Knowledge) -> None:
    # Left side on 1 Feb, right side on 15 Feb 2025: two sessions. The right side's relief lasted 6 months.
    lasting = (ReliefReport(measured_on=date(2025, 8, 25), percent=70, scale="nrs", lasted_days=190),)
    blocks = (mbb(date(2024, 12, 1), 90), mbb(date(2024, 12, 16), 85))
    facts = facet_facts(blocks + (rfa(date(2025, 2, 1), side="left"), rfa(date(2025, 2, 15), side="right", relief=lasting)))
    decision = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2025, 9, 1))
    assert decision.is_repeat
    assert decision.criterion("repeat_response").status == "met"
    frequency = decision.criterion("ablation_frequency")
    assert frequency.status == "not_yet"
    assert "2 sessions in the last 365 days (1 Feb 2025 and 15 Feb 2025)" in frequency.explanation
    assert "would be the 3rd and is refused" in frequency.explanation
    assert frequency.met_on == date(2026, 2, 1)
    assert decision.outcome == "eligible_on" and decision.eligible_on == date(2026, 2, 1)
    assert "Eligible on Sunday 1 February 2026" in decision.summary


def test_different_pain_scales_before_and_after_a_block_is_missing_evidence(knowledge: Knowledge) -> None:
    facts = facet_facts((mbb(date(2025, 9, 1), 90), mbb(date(2025, 9, 16), 85, relief_scale="vas")))
    decision = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2025, 10, 1))
    blocks = decision.criterion("diagnostic_blocks")
    assert blocks.status == "missing_evidence"
    assert "baseline on NRS but relief on VAS" in blocks.explanation
    assert blocks.to_record == "record the relief after block 2 on the same scale as the baseline (NRS)"
    assert decision.outcome == "needs_information"
    assert "record the relief after block 2 on the same scale" in decision.summary


@pytest.mark.parametrize("pos", ["19", "22"])
def test_hospital_outpatient_64633_needs_medicare_prior_authorization(knowledge: Knowledge, pos: str) -> None:
    planned = PlannedProcedure(kind="rfa_cervical", cpt_codes=("64633",), region="cervical", levels=("C5-6",), place_of_service=pos)
    policy = find_policy(knowledge, MEDICARE, "rfa_cervical", date(2025, 10, 1))
    assert policy is not None and policy.id == "medicare_facet_rfa"
    decision = evaluate(policy, facet_facts(()), planned, date(2025, 10, 1), knowledge.procedures, payer_name="Medicare")
    assert decision.authorization_required is True
    assert "Prior authorization is required here" in decision.summary


@pytest.mark.parametrize(("pos", "place"), [("24", "an ambulatory surgery center (ASC)"), ("11", "an office")])
def test_asc_or_office_64633_needs_no_medicare_prior_authorization(knowledge: Knowledge, pos: str, place: str) -> None:
    planned = PlannedProcedure(kind="rfa_cervical", cpt_codes=("64633",), region="cervical", levels=("C5-6",), place_of_service=pos)
    policy = find_policy(knowledge, MEDICARE, "rfa_cervical", date(2025, 10, 1))
    assert policy is not None
    decision = evaluate(policy, facet_facts(()), planned, date(2025, 10, 1), knowledge.procedures, payer_name="Medicare")
    assert decision.authorization_required is False
    assert f"Medicare does not require prior authorization for this procedure in {place}" in decision.summary


# === Section 2: epidural steroid injections ==========================================================


def esi_facts(onset: date, **more) -> EpisodeFacts:
    """Lumbar radicular pain with a concordant MRI, a radicular exam, baseline pain and ODI, failed naproxen."""
    base = EpisodeFacts(
        episode_id=2,
        payer_id=MEDICARE,
        plan_type="medicare",
        body_region="low_back",
        laterality="left",
        onset_date=onset,
        diagnosis_codes=("M54.16",),
        care=(CareComponent("medication", onset, None, "naproxen 500 mg twice a day", "visit", failed=True),),
        imaging=(ImagingStudy("mri", "lumbar", onset + timedelta(days=5), True, True, "L5-S1 disc protrusion"),),
        scores=(ScoreFact("odi", onset + timedelta(days=7), 46),),
        measures=(MeasureFact("pain_average", onset + timedelta(days=7), 7),),
        exam=exam(onset + timedelta(days=7), RADICULAR_EXAM),
    )
    return replace(base, **more)


def tfesi(on: date, relief: float | None = None, *, lasted_days: int | None = None, side: str = "left") -> ProcedureFact:
    measured_on = on + timedelta(days=lasted_days or 14)
    reports = () if relief is None else (ReliefReport(measured_on=measured_on, percent=relief, scale="nrs", lasted_days=lasted_days),)
    return ProcedureFact(
        kind="tfesi_lumbar", cpt_codes=("64483",), region="lumbar", side=side, levels=("L5-S1",), performed_on=on,  # type: ignore[arg-type]
        diagnostic=False, baseline_pain=7, baseline_scale="nrs", relief=reports,
    )


def tfesi_plan(codes: tuple[str, ...] = ("64483",), levels: tuple[str, ...] = ("L5-S1",)) -> PlannedProcedure:
    return PlannedProcedure(kind="tfesi_lumbar", cpt_codes=codes, region="lumbar", side="left", levels=levels)


def test_tfesi_with_three_levels_in_one_session_is_not_met(knowledge: Knowledge) -> None:
    facts = esi_facts(date(2025, 8, 1))
    planned = tfesi_plan(codes=("64483", "64484", "64484"), levels=())
    decision = decide(knowledge, MEDICARE, facts, planned, date(2025, 10, 1))
    levels = decision.criterion("levels_per_session")
    assert levels.status == "not_met"
    assert levels.explanation == "3 levels planned (64483 + 64484 + 64484); this payer covers at most 2 levels per session."
    assert decision.outcome == "not_eligible"
    # Two levels are fine.
    two = decide(knowledge, MEDICARE, facts, tfesi_plan(levels=("L4-5", "L5-S1")), date(2025, 10, 1))
    assert two.criterion("levels_per_session").status == "met"


def test_fifth_lumbar_esi_in_a_rolling_365_days_is_refused_under_medicare(knowledge: Knowledge) -> None:
    # Left and right sides on different days are separate sessions: four in eight months, each giving
    # relief for more than 3 months. A fifth would break the 4-per-rolling-12-months rule.
    days = ((date(2024, 11, 4), "left"), (date(2024, 11, 18), "right"), (date(2025, 3, 10), "left"), (date(2025, 3, 24), "right"))
    sessions = tuple(tfesi(d, 70, lasted_days=98, side=side) for d, side in days)
    facts = esi_facts(date(2024, 9, 1), procedures=sessions)
    today = date(2025, 7, 1)
    decision = decide(knowledge, MEDICARE, facts, tfesi_plan(), today)
    assert decision.is_repeat
    assert decision.criterion("repeat_response").status == "met"
    frequency = decision.criterion("esi_frequency")
    assert frequency.status == "not_yet"
    assert "4 sessions in the last 365 days" in frequency.explanation and "would be the 5th" in frequency.explanation
    # The oldest session (4 Nov 2024) leaves the rolling window 365 days later.
    assert frequency.met_on == date(2025, 11, 4)
    assert "A slot frees on 4 Nov 2025." in frequency.explanation
    assert decision.outcome == "eligible_on" and decision.eligible_on == date(2025, 11, 4)
    # The fourth in the window is fine: drop the oldest session.
    fourth = decide(knowledge, MEDICARE, replace(facts, procedures=sessions[1:]), tfesi_plan(), today)
    assert fourth.criterion("esi_frequency").status == "met"


def test_repeat_esi_with_40_percent_relief_is_not_met(knowledge: Knowledge) -> None:
    facts = esi_facts(date(2025, 3, 1), procedures=(tfesi(date(2025, 5, 1), 40, lasted_days=120),))
    decision = decide(knowledge, MEDICARE, facts, tfesi_plan(), date(2025, 10, 1))
    response = decision.criterion("repeat_response")
    assert response.status == "not_met"
    assert "gave at most 40% relief" in response.explanation and "at least 50%" in response.explanation
    assert decision.outcome == "not_eligible"


def test_request_at_3_weeks_of_radicular_pain(knowledge: Knowledge) -> None:
    onset = date(2025, 9, 1)
    today = onset + timedelta(weeks=3)
    facts = esi_facts(onset)
    medicare = decide(knowledge, MEDICARE, facts, tfesi_plan(), today)
    assert medicare.criterion("pain_4_weeks").status == "not_yet"
    assert medicare.outcome == "eligible_on"
    assert medicare.eligible_on == onset + timedelta(weeks=4)
    assert "by then your pain will have lasted 4 weeks" in medicare.summary
    # A BCBS FL MP-303 style policy needs 2 weeks only.
    loose = decide(knowledge, "uhc_commercial", replace(facts, payer_id="uhc_commercial", plan_type="commercial"), tfesi_plan(), today)
    assert loose.policy_id == "loose_tfesi"
    assert loose.criterion("pain_2_weeks").status == "met"
    assert loose.outcome == "eligible_now", [c.explanation for c in loose.criteria if c.status != "met"]


def test_herpes_zoster_waives_the_medicare_esi_duration_rule(knowledge: Knowledge) -> None:
    onset = date(2025, 9, 1)
    facts = esi_facts(onset, diagnosis_codes=("B02.9",))
    decision = decide(knowledge, MEDICARE, facts, tfesi_plan(), onset + timedelta(days=10))
    duration = decision.criterion("pain_4_weeks")
    assert duration.status == "waived"
    assert duration.waived_by == "acute herpes zoster is exempt from the 4-week rule (diagnosis B02.9 on the episode)"
    assert decision.outcome == "eligible_now"
    # Postherpetic nerve involvement (B02.29) is the sequela, in the same B02 family: it does not waive.
    sequela = decide(knowledge, MEDICARE, esi_facts(onset, diagnosis_codes=("B02.29",)), tfesi_plan(), onset + timedelta(days=10))
    assert sequela.criterion("pain_4_weeks").status == "not_yet"


def test_acute_disc_injury_on_imaging_waives_the_loose_two_week_rule(knowledge: Knowledge) -> None:
    onset = date(2025, 9, 1)
    mri = ImagingStudy("mri", "lumbar", onset + timedelta(days=2), True, True, "acute L5-S1 extrusion", findings=("acute_disc_injury",))
    facts = esi_facts(onset, imaging=(mri,), payer_id="uhc_commercial", plan_type="commercial")
    decision = decide(knowledge, "uhc_commercial", facts, tfesi_plan(), onset + timedelta(days=8))
    assert decision.criterion("pain_2_weeks").status == "waived"
    without = decide(knowledge, "uhc_commercial", replace(facts, imaging=(replace(mri, findings=()),)), tfesi_plan(), onset + timedelta(days=8))
    assert without.criterion("pain_2_weeks").status == "not_yet"


# === Imaging: red flags skip the conservative-care wait ===========================================


def test_a_red_flag_waives_the_mri_conservative_care_wait(knowledge: Knowledge) -> None:
    today = date(2025, 10, 6)
    planned = PlannedProcedure(kind="mri_lumbar", cpt_codes=("72148",), region="lumbar")
    facts = EpisodeFacts(
        episode_id=8, payer_id=MEDICARE, plan_type="medicare", body_region="low_back", laterality="both",
        onset_date=today - timedelta(days=3), diagnosis_codes=(), red_flags=frozenset({"RF-CES"}),
    )
    flagged = decide(knowledge, MEDICARE, facts, planned, today)
    assert flagged.criterion("six_weeks_conservative_care").status == "waived"
    assert "RF-CES" in (flagged.criterion("six_weeks_conservative_care").waived_by or "")
    assert flagged.outcome == "eligible_now"
    # Without the flag, two weeks of care in: eligible when 6 weeks are reached.
    care = (CareComponent("physical_therapy", today - timedelta(weeks=2), None, "PT", "therapy"),)
    plain = decide(knowledge, MEDICARE, replace(facts, red_flags=frozenset(), care=care), planned, today)
    assert plain.outcome == "eligible_on" and plain.eligible_on == today + timedelta(weeks=4)
    # The commercial benefit manager bypasses the wait for red flags too.
    commercial = decide(knowledge, "aetna_commercial", replace(facts, payer_id="aetna_commercial"), planned, today)
    assert commercial.policy_id == "typical_mri_lumbar" and commercial.outcome == "eligible_now"
    assert commercial.authorization_required


# === Journey J6: medial branch blocks, then ablation (Medicare) ====================================


def test_j6_blocks_of_85_and_82_percent_15_days_apart_are_eligible(knowledge: Knowledge) -> None:
    facts = facet_facts((mbb(date(2025, 9, 1), 85), mbb(date(2025, 9, 16), 82)))
    hopd = decide(knowledge, MEDICARE, facts, rfa_plan("22"), date(2025, 10, 1))
    assert hopd.outcome == "eligible_now", [c.explanation for c in hopd.criteria if c.status != "met"]
    assert hopd.criterion("diagnostic_blocks").explanation.startswith("Diagnostic blocks gave 85% on 1 Sep 2025 and 82% on 16 Sep 2025")
    assert hopd.authorization_required
    assert hopd.summary == (
        "Eligible now under Medicare Part B (CGS J15): every criterion is met. Prior authorization is required here: "
        "Medicare Part B (CGS J15) requires it in a hospital outpatient department."
    )
    asc = decide(knowledge, MEDICARE, facts, rfa_plan("24"), date(2025, 10, 1))
    assert asc.outcome == "eligible_now" and not asc.authorization_required


def test_j6_repeat_ablation_waits_for_6_months_of_relief(knowledge: Knowledge) -> None:
    blocks = (mbb(date(2025, 9, 1), 85), mbb(date(2025, 9, 16), 82))
    first = date(2025, 10, 6)
    at_3_months = (ReliefReport(measured_on=date(2026, 1, 6), percent=70, scale="nrs", lasted_days=92),)
    facts = facet_facts(blocks + (rfa(first, relief=at_3_months),))
    early = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2026, 1, 8))
    assert early.is_repeat
    assert early.criterion("diagnostic_blocks").status == "not_applicable"
    response = early.criterion("repeat_response")
    assert response.status == "not_yet" and response.met_on == date(2026, 4, 6)
    assert "if the relief holds" in response.explanation
    assert early.outcome == "eligible_on" and early.eligible_on == date(2026, 4, 6)
    # At 6 months the clinic records that the relief held: the repeat is eligible.
    at_6_months = at_3_months + (ReliefReport(measured_on=date(2026, 4, 7), percent=65, scale="nrs", lasted_days=183),)
    later = decide(knowledge, MEDICARE, facet_facts(blocks + (rfa(first, relief=at_6_months),)), rfa_plan(), date(2026, 4, 8))
    assert later.criterion("repeat_response").status == "met"
    assert later.outcome == "eligible_now"
    # If the relief was never re-measured after 3 months, the clinic is told what to record.
    stale = decide(knowledge, MEDICARE, facts, rfa_plan(), date(2026, 4, 8))
    assert stale.criterion("repeat_response").status == "missing_evidence"
    assert stale.criterion("repeat_response").to_record == (
        "record whether the relief after the last lumbar radiofrequency ablation of the medial branches (6 Oct 2025) lasted 6 months"
    )


def test_j6_no_more_than_2_ablations_per_region_per_rolling_12_months(knowledge: Knowledge) -> None:
    blocks = (mbb(date(2025, 1, 6), 85), mbb(date(2025, 1, 21), 82))
    held = (ReliefReport(measured_on=date(2025, 8, 20), percent=60, scale="nrs", lasted_days=190),)
    facts = facet_facts(blocks + (rfa(date(2025, 2, 3), relief=held), rfa(date(2025, 8, 20), relief=held)))
    decision = decide(knowledge, MEDICARE, replace(facts, procedures=facts.procedures), rfa_plan(), date(2025, 9, 1))
    # The last ablation (20 Aug) has not yet shown 6 months of relief, and the window is full.
    frequency = decision.criterion("ablation_frequency")
    assert frequency.status == "not_yet" and frequency.met_on == date(2026, 2, 3)
    assert "A slot frees on 3 Feb 2026." in frequency.explanation
    # The decision waits for the later of the two dates.
    assert decision.eligible_on == max(date(2026, 2, 3), decision.criterion("repeat_response").met_on or date.min)


# === Journey J5: knee hyaluronic acid after a steroid injection ======================================


def knee_facts(today: date, *, steroid: bool) -> EpisodeFacts:
    flare_care = (
        CareComponent("weight_loss", today - timedelta(weeks=4), None, "weight loss program", "history"),
        CareComponent("medication", today - timedelta(weeks=4), None, "diclofenac gel", "history", drug_class="nsaid"),
    )
    injections = (
        ProcedureFact(kind="knee_steroid_injection", cpt_codes=("20610",), region="knee", side="right", levels=(),
                      performed_on=today, diagnostic=False),
    ) if steroid else ()
    return EpisodeFacts(
        episode_id=5, payer_id=MEDICARE, plan_type="medicare", body_region="knee", laterality="right",
        onset_date=today - timedelta(weeks=10), diagnosis_codes=("M17.11",),
        care=flare_care,
        imaging=(ImagingStudy("xray", "knee", today, True, True, "medial joint-space narrowing, osteophytes"),),
        procedures=injections,
    )


@pytest.mark.parametrize("payer_id", [MEDICARE, "aetna_commercial"])
def test_j5_knee_hyaluronic_acid_is_projected_once_the_steroid_was_tried(knowledge: Knowledge, payer_id: str) -> None:
    today = date(2026, 3, 2)
    planned = PlannedProcedure(kind="knee_hyaluronic_acid", cpt_codes=("20610",), region="knee", side="right")
    before = decide(knowledge, payer_id, knee_facts(today, steroid=False), planned, today)
    assert before.outcome == "not_eligible"
    assert before.criterion("steroid_first").status == "not_met"
    assert before.criterion("steroid_first").explanation == (
        "No knee corticosteroid injection on record on the right side; this payer wants one tried first."
    )
    after = decide(knowledge, payer_id, knee_facts(today, steroid=True), planned, today)
    assert after.criterion("xray_confirmed_oa").status == "met"
    assert after.criterion("steroid_first").status == "met"
    # 3 months of conservative care counted from the first day of the flare care (2 Feb 2026).
    assert after.outcome == "eligible_on" and after.eligible_on == date(2026, 5, 2)
    assert "by then you will have had 3 months of conservative care" in after.summary


# === Journey J1: cervical radiculopathy under the strict commercial policy =========================

J1_FIRST_VISIT = date(2026, 1, 8)


def j1_facts(*, home_program_on_file: bool = True) -> EpisodeFacts:
    cervical_exam = {
        "spurling": {"left": "negative", "right": "positive"},
        "sensory_deficits": [{"dermatome": "C6", "side": "right", "finding": "diminished"}],
    }
    documents = (DocumentFact("home_exercise_program", J1_FIRST_VISIT, "visit:1"),) if home_program_on_file else ()
    return EpisodeFacts(
        episode_id=1, payer_id="bcbs_commercial", plan_type="commercial", body_region="neck", laterality="right",
        onset_date=date(2025, 12, 15), diagnosis_codes=("M54.12",),
        care=(
            CareComponent("medication", date(2025, 12, 15), date(2026, 1, 5), "naproxen 500 mg twice a day", "history"),
            CareComponent("medication", date(2025, 12, 20), date(2025, 12, 26), "6-day steroid pack", "history"),
            CareComponent("physical_therapy", J1_FIRST_VISIT, None, "PT twice a week: traction, nerve glides", "therapy"),
            CareComponent("home_exercise", J1_FIRST_VISIT, None, "home traction", "visit"),
            CareComponent("medication", J1_FIRST_VISIT, None, "gabapentin titration", "medications"),
        ),
        imaging=(ImagingStudy("mri", "cervical", date(2026, 1, 2), True, True, "moderate C5-6 foraminal stenosis"),),
        scores=(ScoreFact("ndi", J1_FIRST_VISIT, 42),),
        measures=(MeasureFact("pain_average", J1_FIRST_VISIT, 7),),
        exam=ExamFact(on=J1_FIRST_VISIT, findings=cervical_exam, si_positive_count=0, diagnosis_codes=("M54.12",), reasoning=""),
        documents=documents,
    )


J1_BLOCK = PlannedProcedure(kind="tfesi_cervical", cpt_codes=("64479",), region="cervical", side="right", levels=("C5-6",))


def test_j1_cervical_block_is_eligible_on_19_february_2026(knowledge: Knowledge) -> None:
    decision = decide(knowledge, "bcbs_commercial", j1_facts(), J1_BLOCK, J1_FIRST_VISIT)
    assert decision.policy_id == "strict_esi_cervical_transforaminal"
    assert decision.outcome == "eligible_on"
    assert decision.eligible_on == date(2026, 2, 19)
    assert decision.summary == (
        "Eligible on Thursday 19 February 2026 under BCBS commercial: by then you will have had 6 weeks of physical "
        "therapy. Prior authorization is required."
    )
    care = decision.criterion("six_weeks_with_pt")
    assert care.status == "not_yet" and care.met_on == date(2026, 2, 19)
    assert {c.criterion_id for c in decision.by_status("met")} >= {"concordant_imaging", "radicular_exam", "baseline_ndi", "home_exercise_program"}
    # Nothing changes between now and then: the projected day evaluates as eligible now.
    on_the_day = decide(knowledge, "bcbs_commercial", j1_facts(), J1_BLOCK, date(2026, 2, 19))
    assert on_the_day.outcome == "eligible_now"
    day_before = decide(knowledge, "bcbs_commercial", j1_facts(), J1_BLOCK, date(2026, 2, 18))
    assert day_before.outcome == "eligible_on" and day_before.eligible_on == date(2026, 2, 19)


def test_j1_without_the_home_program_on_file_still_projects_the_date(knowledge: Knowledge) -> None:
    decision = decide(knowledge, "bcbs_commercial", j1_facts(home_program_on_file=False), J1_BLOCK, J1_FIRST_VISIT)
    assert decision.outcome == "needs_information"
    assert decision.eligible_on == date(2026, 2, 19)
    assert decision.criterion("home_exercise_program").to_record == "put on file: home exercise program"
    assert decision.summary.startswith(
        "Cannot decide yet under BCBS commercial: we still need to put on file: home exercise program. "
        "Once that is done, the rest is met on Thursday 19 February 2026."
    )
