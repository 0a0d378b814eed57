"""The pure rules of shared decisions: which pathway steps an episode is offered decisions at (the active
plan's pathway first, then the pathways that fit its region and diagnosis), and what a recorded decision
must fit in the pack (known options and risks, risks only of options discussed, a choice among them, no
future date)."""

from __future__ import annotations

from datetime import date

from painpath.knowledge import load_knowledge
from painpath.plans.decision_rules import decision_points, decision_problems

KNOWLEDGE = load_knowledge()
PATHWAYS = list(KNOWLEDGE.pathways.values())
KNEE = KNOWLEDGE.pathways["knee_osteoarthritis"].step("steroid_injection").decision
TODAY = date(2026, 12, 7)


def keys(**asked) -> list[str]:  # noqa: ANN003
    return [p.key for p in decision_points(PATHWAYS, **asked)]


def test_a_knee_episode_is_offered_the_injection_decision():
    assert keys(body_region="knee", codes=["M17.12"]) == ["knee_osteoarthritis.steroid_injection"]


def test_a_lumbar_episode_is_offered_what_fits_its_diagnosis():
    assert keys(body_region="lumbar", codes=["M96.1"]) == ["spinal_cord_stimulation.stimulator_trial"]
    assert keys(body_region="lumbar", codes=["M47.816"]) == ["facet_low_back_pain.ablation"]
    # No diagnosis yet: every pathway of the region, by name.
    assert keys(body_region="lumbar") == ["facet_low_back_pain.ablation", "spinal_cord_stimulation.stimulator_trial"]


def test_the_active_plans_pathway_comes_first_even_when_it_does_not_fit():
    assert keys(first=["spinal_cord_stimulation"], body_region="lumbar", codes=["M47.816"]) == [
        "spinal_cord_stimulation.stimulator_trial", "facet_low_back_pain.ablation"]
    assert keys(first=["knee_osteoarthritis"], body_region="cervical", codes=["M47.812"]) == ["knee_osteoarthritis.steroid_injection"]


def problems(**given) -> list[tuple[str, str]]:  # noqa: ANN003
    values = {"options_discussed": ["steroid_injection", "hyaluronic_acid"], "risks_discussed": {}, "choice": None,
              "discussed_on": TODAY, "today": TODAY, **given}
    return [(p.field, p.rule) for p in decision_problems(KNEE, **values)]


def test_a_decision_that_fits_the_pack_has_no_problems():
    assert problems() == []
    assert problems(risks_discussed={"steroid_injection": ["flare", "infection"]}, choice="hyaluronic_acid") == []


def test_what_does_not_fit_is_named_by_field():
    assert problems(options_discussed=[]) == [("options_discussed", "required")]
    assert problems(options_discussed=["steroid_injection", "surgery"]) == [("options_discussed", "known_option")]
    assert problems(risks_discussed={"no_injection": ["pain_continues"]}) == [("risks_discussed", "option_discussed")]
    assert problems(risks_discussed={"steroid_injection": ["may_not_help"]}) == [("risks_discussed", "known_risk")]
    assert problems(risks_discussed={"surgery": ["bleeding"]}) == [("risks_discussed", "known_option")]
    assert problems(choice="no_injection") == [("choice", "option_discussed")]
    assert problems(choice="surgery") == [("choice", "known_option")]
    assert problems(discussed_on=date(2026, 12, 8)) == [("discussed_on", "not_future")]
