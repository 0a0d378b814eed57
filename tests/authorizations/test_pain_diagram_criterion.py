"""The `pain_diagram` criterion (issue 15 part 2): met only by a diagram charted at a visit (the episode facts'
pain_diagrams) inside its window and marking a region; a document of kind "pain_diagram" filed in the kit by
hand does not meet it. The shipped lumbar epidural policies that ask for one say it is the clinic's own item."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from painpath.authorizations import rules as auth_rules
from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import DocumentFact, EpisodeFacts, PainDiagramFact, PainMark, PlannedProcedure
from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import Policy

KNOWLEDGE = load_knowledge()
SOURCE = {"source": "test policy", "evidence": "V", "verified": True}
TODAY = date(2026, 12, 7)
PLANNED = PlannedProcedure(kind="tfesi_lumbar", cpt_codes=("64483",), region="lumbar", side="left", levels=("L5-S1",))
POLICY = Policy.model_validate({
    "id": "test_policy", "name": "Test policy", "plan_types": ["commercial"], "procedures": ["tfesi_lumbar"],
    "effective_from": "2020-01-01", "authorization_required": {"rule": "always", "note": "Reviewed.", **SOURCE},
    "criteria": [{"id": "pain_diagram", "type": "pain_diagram", "label": "Pain diagram", "within_days": 90, **SOURCE}],
})
TWO_REGIONS = (PainMark("leg_lateral_left", "burning", 6), PainMark("low_back", "aching", 4))


def _result(**fields):  # noqa: ANN003, ANN202
    base = EpisodeFacts(episode_id=1, payer_id="bcbs_commercial", plan_type="commercial", body_region="lumbar", laterality="left",
                        onset_date=date(2026, 9, 1), diagnosis_codes=("M54.16",))
    decision = evaluate(POLICY, replace(base, **fields), PLANNED, TODAY, KNOWLEDGE.procedures, payer_name="BCBS")
    return decision.criteria[0]


def test_a_recorded_diagram_with_regions_inside_the_window_meets_it():
    met = _result(pain_diagrams=(PainDiagramFact(TODAY - timedelta(days=90), TWO_REGIONS, "pain_diagram:1"),))
    assert met.status == "met" and "2 regions marked" in met.explanation


def test_no_diagram_an_old_one_or_one_without_regions_is_missing_and_says_where_to_record_it():
    none = _result()
    assert none.status == "missing_evidence" and "on a visit note" in none.to_record
    old = _result(pain_diagrams=(PainDiagramFact(TODAY - timedelta(days=91), TWO_REGIONS, "pain_diagram:1"),))
    assert old.status == "missing_evidence" and "from the last 90 days" in old.explanation
    empty = _result(pain_diagrams=(PainDiagramFact(TODAY, (), "pain_diagram:2"),))
    assert empty.status == "missing_evidence" and "marks no painful region" in empty.explanation


def test_a_document_filed_by_hand_does_not_meet_it():
    assert _result(documents=(DocumentFact("pain_diagram", TODAY, "case_document:1"),)).status == "missing_evidence"


def test_the_item_is_the_clinicians_and_the_shipped_policies_that_ask_for_it_say_it_is_unconfirmed():
    assert "pain_diagram" in auth_rules.CLINICIAN_CRITERIA
    asking = {p.id: c for p in KNOWLEDGE.policies.values() for c in p.criteria if c.type == "pain_diagram"}
    assert set(asking) == {"strict_esi_lumbar_transforaminal", "strict_esi_lumbar_interlaminar"}
    for criterion in asking.values():
        assert (criterion.evidence, criterion.verified) == ("K", False)
        assert "no payer source" in criterion.source.lower() or "not found in a payer source" in criterion.source.lower()
