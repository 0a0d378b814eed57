"""The imaging rules before an order is placed, with plain data: conservative care before a spine MRI (about six
weeks, ACP/Chou 2011 and NICE NG59) with the projected date, a red flag waiving it, an X-ray of the joint before
an MR arthrogram of the hip (ACR), and prior authorization by plan type."""

from __future__ import annotations

from datetime import date

import pytest

from painpath.facts.vocabulary import CareComponent, EpisodeFacts, ImagingStudy
from painpath.knowledge.loader import load_knowledge
from painpath.orders.appropriateness import OrderDraft, verdicts

TODAY = date(2026, 12, 7)
LUMBAR_MRI = OrderDraft("mri", "lumbar")
HIP_ARTHROGRAM = OrderDraft("mri_arthrogram", "hip", "right")


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def _facts(**changes) -> EpisodeFacts:  # noqa: ANN003
    base = {"episode_id": 1, "payer_id": "medicare", "plan_type": "medicare", "body_region": "lumbar", "laterality": "left",
            "onset_date": date(2026, 11, 20), "diagnosis_codes": ("M54.16",)}
    return EpisodeFacts(**{**base, **changes})


def _verdict(knowledge, facts: EpisodeFacts, draft: OrderDraft, rule_id: str, today: date = TODAY):  # noqa: ANN001, ANN202
    names = {flag.id: flag.condition for flag in knowledge.red_flags.flags}
    found = {v.rule_id: v for v in verdicts(facts, draft, today, knowledge.imaging_rules.imaging_rules, names)}
    return found[rule_id]


def test_a_lumbar_mri_without_red_flags_before_six_weeks_of_care_is_not_yet_appropriate_and_says_when(knowledge):
    # Pain since 20 Nov, nothing else recorded: six weeks from the onset is 1 Jan 2027.
    verdict = _verdict(knowledge, _facts(), LUMBAR_MRI, "spine_conservative_care_first")
    assert verdict.outcome == "not_yet" and verdict.holds_back
    assert verdict.appropriate_on == date(2027, 1, 1)
    assert "01 Jan 2027" in verdict.words and "the pain began on 20 Nov 2026" in verdict.words
    assert "Chou" in verdict.source and "NG59" in verdict.source


def test_conservative_care_recorded_earlier_than_the_onset_counts_from_its_start(knowledge):
    care = (CareComponent("physical_therapy", date(2026, 11, 2), None, "PT twice a week", "clinic"),
            CareComponent("medication", date(2026, 11, 9), None, "Naproxen", "reported", drug_class="nsaid"))
    verdict = _verdict(knowledge, _facts(care=care, onset_date=date(2026, 10, 1)), LUMBAR_MRI, "spine_conservative_care_first")
    assert (verdict.outcome, verdict.appropriate_on) == ("not_yet", date(2026, 12, 14))
    on_the_day = _verdict(knowledge, _facts(care=care), LUMBAR_MRI, "spine_conservative_care_first", today=date(2026, 12, 14))
    assert on_the_day.outcome == "met" and not on_the_day.holds_back


def test_a_cauda_equina_red_flag_waives_the_wait_and_is_named(knowledge):
    verdict = _verdict(knowledge, _facts(red_flags=frozenset({"RF-CES"})), LUMBAR_MRI, "spine_conservative_care_first")
    cauda_equina = next(flag.condition for flag in knowledge.red_flags.flags if flag.id == "RF-CES")
    assert verdict.outcome == "waived" and verdict.waived_by == (cauda_equina,)
    assert cauda_equina in verdict.words and verdict.appropriate_on is None


def test_a_red_flag_that_does_not_call_for_imaging_at_once_does_not_waive_it(knowledge):
    # Inflammatory back pain is worked up, not imaged at once (ACP: defer imaging after a trial of therapy).
    verdict = _verdict(knowledge, _facts(red_flags=frozenset({"RF-INFLAM"})), LUMBAR_MRI, "spine_conservative_care_first")
    assert verdict.outcome == "not_yet"


def test_nothing_recorded_means_not_yet_without_a_date(knowledge):
    verdict = _verdict(knowledge, _facts(onset_date=None), LUMBAR_MRI, "spine_conservative_care_first")
    assert (verdict.outcome, verdict.appropriate_on) == ("not_yet", None)


def test_a_hip_mr_arthrogram_needs_an_x_ray_of_the_hip_first(knowledge):
    facts = _facts(body_region="hip", imaging=(ImagingStudy("xray", "lumbar", date(2026, 11, 25), True),))
    before = _verdict(knowledge, facts, HIP_ARTHROGRAM, "joint_xray_first")
    assert before.outcome == "not_yet" and "No X-ray of the hip" in before.words and "ACR" in before.source
    with_film = _facts(body_region="hip", imaging=(ImagingStudy("xray", "hip", date(2026, 11, 30), True),))
    after = _verdict(knowledge, with_film, HIP_ARTHROGRAM, "joint_xray_first")
    assert after.outcome == "met" and "30 Nov 2026" in after.words


def test_rules_about_other_studies_say_nothing(knowledge):
    names = {flag.id: flag.condition for flag in knowledge.red_flags.flags}
    found = verdicts(_facts(), OrderDraft("xray", "hip", "right"), TODAY, knowledge.imaging_rules.imaging_rules, names)
    assert found == []
    spine = {v.rule_id for v in verdicts(_facts(), LUMBAR_MRI, TODAY, knowledge.imaging_rules.imaging_rules, names)}
    assert "joint_xray_first" not in spine


def test_prior_authorization_is_likely_on_commercial_plans_not_on_traditional_medicare(knowledge):
    commercial = _verdict(knowledge, _facts(plan_type="commercial"), HIP_ARTHROGRAM, "advanced_imaging_prior_auth")
    medicare = _verdict(knowledge, _facts(plan_type="medicare"), HIP_ARTHROGRAM, "advanced_imaging_prior_auth")
    assert (commercial.outcome, medicare.outcome) == ("prior_auth_likely", "prior_auth_unlikely")


def test_the_payers_own_policy_decides_prior_authorization_when_the_packs_have_one(knowledge):
    from painpath.orders.appropriateness import payer_policy

    aetna = _facts(payer_id="aetna_commercial", plan_type="commercial")
    policy = payer_policy(knowledge, aetna, LUMBAR_MRI, TODAY)
    assert policy is not None and policy.id == "typical_mri_lumbar"
    names = {flag.id: flag.condition for flag in knowledge.red_flags.flags}
    (said,) = [v for v in verdicts(aetna, LUMBAR_MRI, TODAY, knowledge.imaging_rules.imaging_rules, names, policy)
               if v.rule_id == "advanced_imaging_prior_auth"]
    assert said.outcome == "prior_auth_likely" and "radiology benefit manager" in said.words and "eviCore" in said.source
    medicare = _facts(payer_id="medicare", plan_type="medicare")
    (said,) = [v for v in verdicts(medicare, LUMBAR_MRI, TODAY, knowledge.imaging_rules.imaging_rules, names,
                                   payer_policy(knowledge, medicare, LUMBAR_MRI, TODAY)) if v.rule_id == "advanced_imaging_prior_auth"]
    assert said.outcome == "prior_auth_unlikely" and "Traditional Medicare does not require prior authorization" in said.words
    # No policy pack covers an MR arthrogram: the plan-type rule of the imaging pack answers.
    assert payer_policy(knowledge, aetna, HIP_ARTHROGRAM, TODAY) is None
