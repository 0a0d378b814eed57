"""Pathway rules with plain data: each measure type, the combination, proposals, obligations, and J10."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from painpath.facts.vocabulary import (
    DocumentFact, EpisodeFacts, ImagingStudy, MeasureFact, ProcedureFact, ReliefReport, ScoreFact,
)
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas.pathways import PathwayStep
from painpath.plans import rules
from painpath.plans.rules import MEDICATION_USE, WORK_STATUS, MedicationDose, StepFacts
from painpath.worklist.engine import Cancellation, Fulfillment, NextChange, Obligation

KNOWLEDGE = load_knowledge()
INSTRUMENTS = KNOWLEDGE.instruments
NAMES = {p.id: p.name for p in KNOWLEDGE.procedures.values()}
START = date(2026, 1, 8)
TRIAL_END = date(2026, 2, 19)


def facts(**kw) -> EpisodeFacts:  # noqa: ANN003
    base = dict(episode_id=1, payer_id="bcbs_commercial", plan_type="commercial", body_region="cervical", laterality="right",
                onset_date=date(2025, 12, 15), diagnosis_codes=("M54.12",))
    return EpisodeFacts(**{**base, **kw})


def step(pathway: str, step_id: str) -> PathwayStep:
    return KNOWLEDGE.pathways[pathway].step(step_id)


def custom_step(*measures: dict, combine: str = "all", **kw) -> PathwayStep:  # noqa: ANN003
    body = {"id": "s", "name": "S", "kind": "conservative", "what": "w", "on_success": "maintain", "on_failure": "discharge",
            "success": {"combine": combine, "words": "w", "measures": list(measures)}, **kw}
    return PathwayStep.model_validate(body)


SOURCED = {"source": "test", "evidence": "K", "verified": False}


def evaluate(s: PathwayStep, f: EpisodeFacts, as_of: date = TRIAL_END) -> rules.StepEvaluation:
    return rules.evaluate_step(s, f, started_on=START, as_of=as_of, instruments=INSTRUMENTS, procedure_names=NAMES)


# --- J1: cervical radiculopathy ---------------------------------------------------------------------

J1_BASE = dict(
    scores=(ScoreFact("ndi", START, 21),),
    measures=(MeasureFact("pain_average", START, 7),),
)


def test_j1_pain_6_and_ndi_21_to_19_is_not_met_and_proposes_the_block():
    program = step("cervical_radiculopathy", "structured_program")
    f = facts(scores=(ScoreFact("ndi", START, 21), ScoreFact("ndi", TRIAL_END, 19)),
              measures=(MeasureFact("pain_average", START, 7), MeasureFact("pain_average", TRIAL_END, 6)))
    evaluation = evaluate(program, f)
    assert evaluation.status == "not_met"
    words = [r.explanation for r in evaluation.results]
    assert words == ["Pain 6/10 on 19 Feb, needs 4 or less",
                     "NDI 21 → 19: improved 2, needs 5 (its minimal important change)"]
    proposal = rules.propose(KNOWLEDGE.pathways["cervical_radiculopathy"], program, evaluation)
    assert (proposal.outcome, proposal.next_step) == ("failed", "cervical_block")
    assert "Selective nerve root block" in proposal.words


def test_j1_pain_3_and_ndi_down_by_its_mic_is_met_and_proposes_maintenance():
    program = step("cervical_radiculopathy", "structured_program")
    f = facts(scores=(ScoreFact("ndi", START, 21), ScoreFact("ndi", TRIAL_END, 16)),
              measures=(MeasureFact("pain_average", TRIAL_END, 3),))
    evaluation = evaluate(program, f)
    assert evaluation.status == "met"
    assert rules.propose(KNOWLEDGE.pathways["cervical_radiculopathy"], program, evaluation).next_step == "maintain"


def test_nothing_recorded_since_the_start_is_not_measurable_and_names_the_missing_facts():
    program = step("cervical_radiculopathy", "structured_program")
    evaluation = evaluate(program, facts(**J1_BASE))
    assert evaluation.status == "not_measurable"
    assert evaluation.missing == ("pain since 8 Jan", "NDI since 8 Jan")
    proposal = rules.propose(KNOWLEDGE.pathways["cervical_radiculopathy"], program, evaluation)
    assert proposal.outcome is None and "pain since 8 Jan" in proposal.words


def test_before_the_trial_ends_a_failing_step_is_not_yet_judged():
    program = step("cervical_radiculopathy", "structured_program")
    f = facts(scores=(ScoreFact("ndi", START, 21), ScoreFact("ndi", date(2026, 1, 29), 20)),
              measures=(MeasureFact("pain_average", date(2026, 1, 29), 6),))
    evaluation = evaluate(program, f, as_of=date(2026, 1, 29))
    assert evaluation.status == "not_met" and not evaluation.trial_over
    proposal = rules.propose(KNOWLEDGE.pathways["cervical_radiculopathy"], program, evaluation)
    assert proposal.outcome is None and "19 Feb" in proposal.words


# --- Each measure type -------------------------------------------------------------------------------

def test_instrument_mic_uses_the_smaller_of_points_and_percent_of_baseline():
    # ODI MIC: 10 points or 30% of the baseline; from 20, 30% is 6 points.
    s = custom_step({"type": "instrument_change", "instrument": "odi"})
    f = facts(scores=(ScoreFact("odi", START, 20), ScoreFact("odi", TRIAL_END, 14)))
    result = evaluate(s, f).results[0]
    assert result.status == "met" and result.explanation == "ODI 20 → 14: improved 6, needs 6 (its minimal important change)"


def test_instrument_where_higher_is_better_counts_a_rise_as_improvement():
    s = custom_step({"type": "instrument_change", "instrument": "lefs"})
    f = facts(scores=(ScoreFact("lefs", START, 40), ScoreFact("lefs", TRIAL_END, 45)))
    result = evaluate(s, f).results[0]
    assert result.status == "not_met" and "improved 5, needs 9" in result.explanation


def test_stable_or_better_fails_when_the_score_worsens():
    s = custom_step({"type": "instrument_change", "instrument": "odi", "require": "stable_or_better"})
    worse = evaluate(s, facts(scores=(ScoreFact("odi", START, 40), ScoreFact("odi", TRIAL_END, 46)))).results[0]
    same = evaluate(s, facts(scores=(ScoreFact("odi", START, 40), ScoreFact("odi", TRIAL_END, 40)))).results[0]
    assert (worse.status, worse.explanation) == ("not_met", "ODI 40 → 46: worse by 6")
    assert same.status == "met"


def test_functional_target_reads_the_latest_measure_in_the_step():
    s = custom_step({"type": "functional_target", "measure": "walking_minutes", "at_least": 30, **SOURCED},
                    {"type": "functional_target", "measure": "sleep_hours", "at_least": 6, **SOURCED})
    f = facts(measures=(MeasureFact("walking_minutes", date(2026, 2, 1), 35), MeasureFact("walking_minutes", TRIAL_END, 25),
                        MeasureFact("sleep_hours", TRIAL_END, 7)))
    walking, sleep = evaluate(s, f).results
    assert (walking.status, walking.explanation) == ("not_met", "Walking 25 minutes on 19 Feb, needs at least 30")
    assert sleep.status == "met"
    assert evaluate(s, f).status == "not_met"


def test_any_combination_is_met_by_one_measure():
    s = custom_step({"type": "functional_target", "measure": "walking_minutes", "at_least": 30, **SOURCED},
                    {"type": "pain_at_most", "at_most": 3, **SOURCED}, combine="any")
    f = facts(measures=(MeasureFact("walking_minutes", TRIAL_END, 40), MeasureFact("pain_average", TRIAL_END, 6)))
    assert evaluate(s, f).status == "met"


def test_relief_percent_needs_the_procedure_done_in_the_step_and_lasting_when_asked():
    s = custom_step({"type": "relief_percent", "at_least": 50, "lasting_days": 60, "procedure_id": "ilesi_lumbar", **SOURCED})
    done = ProcedureFact("ilesi_lumbar", ("62323",), "lumbar", "none", (), date(2026, 1, 20), False,
                         relief=(ReliefReport(date(2026, 2, 3), 70, "nrs", lasted_days=14),))
    not_done = evaluate(s, facts()).results[0]
    assert not_done.status == "not_measurable" and "not performed since 8 Jan" in not_done.explanation
    early = evaluate(s, facts(procedures=(done,)), as_of=date(2026, 2, 10)).results[0]
    assert early.status == "not_measurable" and early.missing == ("relief lasting 60 days",)
    lasted = replace(done, relief=(ReliefReport(date(2026, 3, 25), 70, "nrs", lasted_days=64),))
    assert evaluate(s, facts(procedures=(lasted,)), as_of=date(2026, 3, 25)).results[0].status == "met"
    faded = evaluate(s, facts(procedures=(done,)), as_of=date(2026, 4, 1)).results[0]
    assert faded.status == "not_met" and "for 14 days" in faded.explanation


def test_return_to_work_reads_the_latest_work_status():
    s = custom_step({"type": "return_to_work"})
    f = facts(extra={WORK_STATUS: ((date(2026, 1, 20), "off_work"), (TRIAL_END, "modified_duty"))})
    result = evaluate(s, f).results[0]
    assert result.status == "met" and "modified duty" in result.explanation
    assert evaluate(s, facts(extra={WORK_STATUS: ((TRIAL_END, "off_work"),)})).results[0].status == "not_met"


def test_imaging_and_document_steps_are_done_when_the_report_is_on_file():
    xray = step("hip_labral", "hip_xray")
    pending = evaluate(xray, facts(imaging=(ImagingStudy("xray", "hip", START, report_on_file=False),)))
    assert pending.status == "not_measurable" and pending.missing == ("X-ray of the hip report",)
    read = evaluate(xray, facts(imaging=(ImagingStudy("xray", "hip", START, report_on_file=True),)))
    assert read.status == "met"
    assert rules.propose(KNOWLEDGE.pathways["hip_labral"], xray, read).next_step == "mri_arthrogram"


# --- J10: spinal cord stimulation ------------------------------------------------------------------

TRIAL_START = date(2026, 3, 2)
TRIAL_DONE = date(2026, 3, 9)
OXY_BEFORE = MedicationDose("oxycodone", "opioid", 20, date(2025, 10, 1), None)


def scs_facts(*, relief: float, medications: tuple[MedicationDose, ...], odi_after: float) -> EpisodeFacts:
    trial = ProcedureFact("scs_trial", ("63650",), "lumbar", "none", (), TRIAL_START, False,
                          relief=(ReliefReport(TRIAL_DONE, relief, "nrs"),))
    return facts(body_region="lumbar", procedures=(trial,), extra={MEDICATION_USE: medications},
                 scores=(ScoreFact("odi", date(2026, 3, 1), 48), ScoreFact("odi", TRIAL_DONE, odi_after)),
                 documents=(DocumentFact("psych_eval", date(2026, 2, 10), "case_document:1", result="cleared"),))


def scs_evaluation(f: EpisodeFacts) -> rules.StepEvaluation:
    trial = step("spinal_cord_stimulation", "stimulator_trial")
    return rules.evaluate_step(trial, f, started_on=TRIAL_START, as_of=TRIAL_DONE, instruments=INSTRUMENTS, procedure_names=NAMES)


def test_j10_trial_with_60_percent_relief_stable_medicines_and_function_proposes_the_permanent_implant():
    evaluation = scs_evaluation(scs_facts(relief=60, medications=(OXY_BEFORE,), odi_after=44))
    assert evaluation.status == "met", evaluation.explanation
    assert evaluation.trial_ends_on == TRIAL_DONE  # a 7-day trial
    relief, meds, function = (r.explanation for r in evaluation.results)
    assert relief == "Relief after the Spinal cord stimulator trial on 2 Mar: 60%, needs 50%"
    assert meds.startswith("Medication use stable since 2 Mar")
    assert function == "ODI 48 → 44: stable or better"
    pathway = KNOWLEDGE.pathways["spinal_cord_stimulation"]
    proposal = rules.propose(pathway, pathway.step("stimulator_trial"), evaluation)
    assert (proposal.outcome, proposal.next_step) == ("succeeded", "permanent_implant")
    # ...and the implant step is the one whose authorization comes next.
    assert rules.procedures_ahead(pathway, pathway.step("permanent_implant")) == ["scs_implant"]


def test_j10_60_percent_relief_but_more_opioids_is_not_met():
    more = (replace(OXY_BEFORE, end=date(2026, 3, 4)), MedicationDose("Oxycodone", "opioid", 40, date(2026, 3, 5), None))
    evaluation = scs_evaluation(scs_facts(relief=60, medications=more, odi_after=44))
    assert evaluation.status == "not_met"
    meds = evaluation.results[1]
    assert meds.status == "not_met" and meds.explanation == "Medication use higher since 2 Mar: oxycodone 20 → 40 mg a day"
    pathway = KNOWLEDGE.pathways["spinal_cord_stimulation"]
    assert rules.propose(pathway, pathway.step("stimulator_trial"), evaluation).next_step == "discharge"


def test_j10_a_new_opioid_during_the_trial_counts_as_more_medication():
    added = (OXY_BEFORE, MedicationDose("tramadol", "opioid", 100, date(2026, 3, 3), None))
    result = scs_evaluation(scs_facts(relief=70, medications=added, odi_after=40)).results[1]
    assert result.status == "not_met" and "tramadol started" in result.explanation


def test_j10_less_than_half_relief_is_not_met():
    evaluation = scs_evaluation(scs_facts(relief=40, medications=(OXY_BEFORE,), odi_after=44))
    assert evaluation.status == "not_met" and evaluation.results[0].status == "not_met"


def test_j10_without_a_psychological_evaluation_the_trials_entry_condition_is_not_met():
    trial = step("spinal_cord_stimulation", "stimulator_trial")
    without = rules.check_entry(trial, facts())
    assert not without.met and without.results[0].missing == ("psych eval",)
    not_cleared = rules.check_entry(trial, facts(documents=(DocumentFact("psych_eval", date(2026, 2, 10), "x", result="deferred"),)))
    assert not not_cleared.met and "says deferred, needs cleared" in not_cleared.explanation
    cleared = rules.check_entry(trial, facts(documents=(DocumentFact("psych_eval", date(2026, 2, 10), "x", result="cleared"),)))
    assert cleared.met


def test_procedure_done_entry_counts_the_blocks():
    ablation = step("facet_low_back_pain", "ablation")
    block = ProcedureFact("mbb_lumbar", ("64493",), "lumbar", "bilateral", (), date(2026, 1, 5), True)
    one = rules.check_entry(ablation, facts(procedures=(block,)), NAMES)
    assert not one.met and one.results[0].explanation == "Lumbar medial branch block (diagnostic): 1 done, needs 2"
    assert rules.check_entry(ablation, facts(procedures=(block, replace(block, performed_on=date(2026, 1, 20)))), NAMES).met


# --- What a step leads to, and what it owes ---------------------------------------------------------

def test_a_step_prepares_its_own_procedure_and_the_procedure_it_leads_to():
    cervical = KNOWLEDGE.pathways["cervical_radiculopathy"]
    assert rules.procedures_ahead(cervical, cervical.step("structured_program")) == ["tfesi_cervical"]
    facet = KNOWLEDGE.pathways["facet_low_back_pain"]
    assert rules.procedures_ahead(facet, facet.step("second_block")) == ["mbb_lumbar", "rfa_lumbar"]
    assert rules.procedures_ahead(cervical, cervical.step("spine_surgery_referral")) == []


CALENDAR = BusinessCalendar()
NOW = datetime(2026, 1, 8, 16, 0, tzinfo=timezone.utc)


def step_facts(**kw) -> StepFacts:  # noqa: ANN003
    base = dict(step_row_id=7, plan_id=3, clinic_id=1, episode_id=1, patient_id=1, pathway_name="Cervical radiculopathy",
                step_name="Six-week structured program", status="active", started_on=START, trial_ends_on=TRIAL_END,
                decided_at=None, outcome_note=None)
    return StepFacts(**{**base, **kw})


def test_an_active_step_owes_a_clinician_review_when_its_trial_ends():
    found, change = rules.step_findings(step_facts(), CALENDAR, NOW)
    assert isinstance(found, Obligation)
    assert isinstance(change, NextChange) and CALENDAR.local_date(change.at) == TRIAL_END  # the proposal judges it then
    assert found.key == "plans:step-review:step:7" and found.owner_role == "clinician"
    assert found.title == "Review Six-week structured program: trial ends 19 Feb"
    assert CALENDAR.local_date(found.due_at) == TRIAL_END


def test_a_decided_step_meets_its_review_and_an_abandoned_one_cancels_its_work_with_the_reason():
    decided = datetime(2026, 2, 19, 17, 0, tzinfo=timezone.utc)
    met, unowed = rules.step_findings(step_facts(status="failed", decided_at=decided), CALENDAR, decided)
    assert isinstance(met, Fulfillment) and met.key == "plans:step-review:step:7"
    # An order or referral the step never got is not owed once its outcome is recorded, and the task says why.
    assert unowed == Cancellation("plans:step-*:step:7", "plans", "The step's outcome was recorded: failed")
    abandoned = rules.step_findings(step_facts(status="abandoned", decided_at=decided, outcome_note="hip, not spine",
                                               authorization_case_ids=(5,)), CALENDAR, decided)
    assert abandoned[:2] == [Cancellation("plans:*:step:7", "plans", "Plan changed: hip, not spine"),
                             Cancellation("auth:*:case:5", "plans", "Plan changed: hip, not spine")]
    assert isinstance(abandoned[2], NextChange) and abandoned[2].at > decided + timedelta(days=rules.CANCELLATION_DAYS)


@pytest.mark.parametrize("pathway_id", sorted(KNOWLEDGE.pathways))
def test_every_pathway_step_evaluates_on_empty_facts_without_error(pathway_id):
    pathway = KNOWLEDGE.pathways[pathway_id]
    for s in pathway.steps:
        evaluation = evaluate(s, facts())
        assert evaluation.status in ("not_measurable", "no_measure", "met")
        assert rules.propose(pathway, s, evaluation).words


def test_a_failing_step_is_judged_from_the_first_moment_of_its_trial_end_day():
    """The review's words hold while the trial runs and change at 00:00 of its last day in the clinic's time."""
    from time_steps import assert_steps_at

    pathway = KNOWLEDGE.pathways["cervical_radiculopathy"]
    program = pathway.step("structured_program")
    f = facts(scores=(ScoreFact("ndi", START, 21), ScoreFact("ndi", date(2026, 1, 29), 20)),
              measures=(MeasureFact("pain_average", date(2026, 1, 29), 6),))

    def findings_at(moment: datetime):  # noqa: ANN202 - the service's evaluation for the clinic's date, then the rule
        evaluation = evaluate(program, f, as_of=CALENDAR.local_date(moment))
        return rules.step_findings(step_facts(evaluation=evaluation, proposal=rules.propose(pathway, program, evaluation)),
                                   CALENDAR, moment)

    instant = assert_steps_at(findings_at, datetime(2026, 1, 30, 16, 0))
    assert instant == CALENDAR.start_of_local_day_utc(TRIAL_END)


def test_a_pivots_cancellations_lapse_the_instant_after_their_window():
    from time_steps import assert_steps_at

    decided = datetime(2026, 2, 19, 17, 0)
    abandoned = step_facts(status="abandoned", decided_at=decided, outcome_note="hip, not spine", authorization_case_ids=(5,))
    instant = assert_steps_at(lambda moment: rules.step_findings(abandoned, CALENDAR, moment), decided)
    assert instant == decided + timedelta(days=rules.CANCELLATION_DAYS, microseconds=1)


def test_relief_that_must_last_is_judged_again_the_day_it_would_have_lasted():
    """A procedure's relief 'so far' becomes 'not met' on the day it should have lasted to: a NextChange
    names that day, even though the trial ends later."""
    from time_steps import assert_steps_at

    s = custom_step({"type": "relief_percent", "at_least": 50, "lasting_days": 30, "procedure_id": "ilesi_lumbar", **SOURCED})
    done = ProcedureFact("ilesi_lumbar", ("62323",), "lumbar", "none", (), date(2026, 1, 20), False,
                         relief=(ReliefReport(date(2026, 2, 3), 70, "nrs", lasted_days=14),))
    f = facts(procedures=(done,))
    pathway = KNOWLEDGE.pathways["cervical_radiculopathy"]

    def findings_at(moment: datetime):  # noqa: ANN202 - what plans.service.step_facts gives the rule for that day
        today = CALENDAR.local_date(moment)
        evaluation = evaluate(s, f, as_of=today)
        return rules.step_findings(step_facts(trial_ends_on=date(2026, 4, 8), evaluation=evaluation,
                                              proposal=rules.propose(pathway, pathway.steps[0], evaluation),
                                              evaluation_changes_on=rules.evaluation_change_days(s, f, today)), CALENDAR, moment)

    instant = assert_steps_at(findings_at, datetime(2026, 2, 10, 16, 0))
    assert CALENDAR.local_date(instant) == date(2026, 2, 19)  # 20 Jan + 30 days
