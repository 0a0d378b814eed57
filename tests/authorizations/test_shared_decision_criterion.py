"""The `shared_decision` kit item of the stimulator trial policies, against plain facts: missing until a
decision about the trial is recorded with every named risk discussed, then met; a conversation that skipped
a risk names it; a patient who chose not to have the trial does not meet it. Read from the shipped policy,
so the risks are the pack's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from painpath.authorizations.criteria import evaluate
from painpath.authorizations.rules import checklist
from painpath.facts.vocabulary import EpisodeFacts, PlannedProcedure, SharedDecisionFact
from painpath.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
POLICY = KNOWLEDGE.policies["typical_scs_trial"]
TODAY = date(2026, 12, 7)
TRIAL = PlannedProcedure(kind="scs_trial", cpt_codes=("63650",), region="lumbar")
ALL_RISKS = ("lead_migration", "infection", "device_maintenance", "mri_conditions", "spinal_fluid_leak")
OPTIONS = (("stimulator_trial", "scs_trial"),)  # as the fact reader gives them from the pathway pack


def facts(*decisions: SharedDecisionFact) -> EpisodeFacts:
    base = EpisodeFacts(episode_id=1, payer_id="aetna_commercial", plan_type="commercial", body_region="lumbar", laterality="none",
                        onset_date=date(2025, 6, 1), diagnosis_codes=("M96.1",))
    return replace(base, shared_decisions=decisions)


def talk(on: date = date(2026, 12, 1), *, risks: tuple[str, ...] = ALL_RISKS, choice: str | None = "stimulator_trial",
         options: tuple[str, ...] = ("stimulator_trial", "continue_current_care"), step: str = "stimulator_trial") -> SharedDecisionFact:
    return SharedDecisionFact(on=on, pathway_id="spinal_cord_stimulation", step_id=step, options_discussed=options,
                              risks_discussed=tuple(("stimulator_trial", r) for r in risks), choice=choice, option_procedures=OPTIONS)


def item(f: EpisodeFacts, today: date = TODAY):
    decision = evaluate(POLICY, f, TRIAL, today, KNOWLEDGE.procedures, payer_name="Aetna")
    (found,) = [c for c in decision.criteria if c.criterion_id == "risk_conversation"]
    return found


def test_missing_until_the_conversation_is_recorded():
    found = item(facts())
    assert found.status == "missing_evidence"
    assert "No conversation about the" in found.explanation and "lead migration" in found.explanation
    assert "shared decision" in found.to_record


def test_met_once_every_named_risk_was_discussed():
    found = item(facts(talk()))
    assert found.status == "met"
    assert "1 Dec 2026" in found.explanation
    assert all(words in found.explanation for words in ("lead migration", "infection", "device maintenance and battery", "MRI conditions"))


def test_a_conversation_that_skipped_risks_names_them():
    found = item(facts(talk(risks=("lead_migration", "infection"))))
    assert found.status == "missing_evidence"
    assert "did not cover: device maintenance and battery and MRI conditions" in found.explanation
    assert found.to_record == "record that device maintenance and battery and MRI conditions were discussed with the patient"


def test_risks_ticked_for_another_option_do_not_count():
    other = replace(talk(), risks_discussed=tuple(("continue_current_care", r) for r in ALL_RISKS))
    assert item(facts(other)).status == "missing_evidence"


def test_the_trial_option_must_have_been_discussed():
    assert item(facts(talk(options=("continue_current_care",), choice=None))).status == "missing_evidence"


def test_the_latest_conversation_counts_and_a_future_one_does_not():
    partial, full = talk(date(2026, 11, 2), risks=("infection",)), talk(date(2026, 12, 1))
    assert item(facts(partial, full)).status == "met"
    assert item(facts(partial, full), today=date(2026, 11, 20)).status == "missing_evidence"  # the full talk is after today


def test_undecided_still_meets_it_but_choosing_not_to_have_the_trial_does_not():
    assert item(facts(talk(choice=None))).status == "met"
    declined = item(facts(talk(choice="continue_current_care")))
    assert declined.status == "not_met"
    assert "chose not to have the" in declined.explanation


def test_every_stimulator_trial_policy_with_the_item_agrees():
    for policy_id in ("medicare_scs_trial", "ma_scs_trial"):
        decision = evaluate(KNOWLEDGE.policies[policy_id], facts(), TRIAL, TODAY, KNOWLEDGE.procedures, payer_name="Medicare")
        assert {c.criterion_id: c.status for c in decision.criteria}["risk_conversation"] == "missing_evidence"
        decision = evaluate(KNOWLEDGE.policies[policy_id], facts(talk()), TRIAL, TODAY, KNOWLEDGE.procedures, payer_name="Medicare")
        assert {c.criterion_id: c.status for c in decision.criteria}["risk_conversation"] == "met"


def test_the_kit_item_is_the_clinicians_to_record():
    """The conversation is the clinician's: the kit line (and its worklist task) goes to the clinician."""
    decision = evaluate(POLICY, facts(), TRIAL, TODAY, KNOWLEDGE.procedures, payer_name="Aetna")
    (line,) = [i for i in checklist(decision) if i.criterion_id == "risk_conversation"]
    assert (line.status, line.owner_role) == ("missing", "clinician")
    decision = evaluate(POLICY, facts(talk()), TRIAL, TODAY, KNOWLEDGE.procedures, payer_name="Aetna")
    assert next(i for i in checklist(decision) if i.criterion_id == "risk_conversation").status == "present"
