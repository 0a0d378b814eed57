"""Payer criteria that read the patient's history.

The fusion policy's nicotine criterion (commercial, eviCore CMM-611 style: cotinine at most 10 ng/mL,
within 30 days): a cotinine recorded in the history counts like a cotinine document in the kit, and a
patient who smokes now with no test is not met, in words that say what to record.

Medicare's stimulator trial (NCD 160.7) asks that other modalities, surgery among them, failed: a spine
surgery in the history that gave no relief documents one, as conservative care on record does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import CareComponent, DocumentFact, EpisodeFacts, HistoryFact, PlannedProcedure, SurgeryFact
from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import ConservativeCareCriterion

KNOWLEDGE = load_knowledge()
FUSION = KNOWLEDGE.policies["typical_si_fusion"]
TODAY = date(2026, 12, 7)
PLANNED = PlannedProcedure(kind="si_joint_fusion", cpt_codes=("27279",), region="sacroiliac", side="left")


SCS_TRIAL = KNOWLEDGE.policies["medicare_scs_trial"]
PLANNED_TRIAL = PlannedProcedure(kind="scs_trial", cpt_codes=("63650",), region="thoracic", place_of_service="22")


def _facts(history: HistoryFact | None, **more) -> EpisodeFacts:  # noqa: ANN003
    return EpisodeFacts(episode_id=1, payer_id="aetna_commercial", plan_type="commercial", body_region="sacroiliac",
                        laterality="left", onset_date=date(2025, 1, 10), diagnosis_codes=("M53.3",), history=history, **more)


def nicotine(history: HistoryFact | None, documents: tuple[DocumentFact, ...] = ()):  # noqa: ANN201
    decision = evaluate(FUSION, _facts(history, documents=documents), PLANNED, TODAY, KNOWLEDGE.procedures, payer_name="Aetna")
    return next(c for c in decision.criteria if c.criterion_id == "nicotine_free")


def modalities_failed(history: HistoryFact | None, care: tuple[CareComponent, ...] = ()):  # noqa: ANN201
    decision = evaluate(SCS_TRIAL, _facts(history, care=care), PLANNED_TRIAL, TODAY, KNOWLEDGE.procedures, payer_name="Medicare")
    return next(c for c in decision.criteria if c.criterion_id == "other_modalities_failed")


def test_a_cotinine_in_the_history_within_30_days_meets_the_criterion() -> None:
    result = nicotine(HistoryFact("former", pack_years=15, cotinine_ng_ml=4, cotinine_on=TODAY - timedelta(days=20)))
    assert result.status == "met" and result.explanation.startswith("Cotinine 4 ng/mL on 17 Nov 2026 (in the patient's history); this payer needs")


def test_a_high_cotinine_in_the_history_is_not_met_and_an_old_one_asks_for_a_repeat() -> None:
    high = nicotine(HistoryFact("current", pack_years=20, cotinine_ng_ml=180, cotinine_on=TODAY - timedelta(days=3)))
    assert high.status == "not_met" and "Cotinine 180 ng/mL" in high.explanation
    old = nicotine(HistoryFact("former", cotinine_ng_ml=2, cotinine_on=TODAY - timedelta(days=31)))
    assert old.status == "missing_evidence" and old.to_record == "repeat the cotinine test"


def test_a_current_smoker_without_a_test_is_not_met_in_plain_words() -> None:
    result = nicotine(HistoryFact("current", pack_years=12.5))
    assert result.status == "not_met"
    assert result.explanation.startswith("The patient's history says they smoke now (12.5 pack-years) and no recent cotinine test is on file")
    assert "Once they have stopped, record a cotinine test" in result.explanation


def test_without_history_or_test_the_evidence_is_missing_and_the_newest_test_decides() -> None:
    assert nicotine(None).status == "missing_evidence"
    assert nicotine(HistoryFact("never")).status == "missing_evidence"
    # A kit document from last week (3 ng/mL) is newer than the history's (40 ng/mL, a month ago): it decides.
    kit = (DocumentFact("nicotine_test", TODAY - timedelta(days=7), "case_document:1", value=3),)
    assert nicotine(HistoryFact("current", cotinine_ng_ml=40, cotinine_on=TODAY - timedelta(days=28)), kit).status == "met"


def test_a_failed_back_surgery_in_the_history_documents_a_failed_modality_for_a_stimulator_trial() -> None:
    laminectomy = SurgeryFact("L4-5 laminectomy", 2021, "lumbar", "no_relief")
    assert modalities_failed(None).status == "missing_evidence"
    result = modalities_failed(HistoryFact("never", surgeries=(laminectomy,)))
    assert result.status == "met"
    assert result.explanation.startswith("Surgery that did not help, from the patient's history: L4-5 laminectomy (2021, no relief)")
    # A surgery that helped, or one away from the spine, is no failed modality for back pain.
    helped = HistoryFact("never", surgeries=(SurgeryFact("L4-5 laminectomy", 2021, "lumbar", "helped"),
                                             SurgeryFact("Knee arthroscopy", 2020, "knee", "no_relief")))
    assert modalities_failed(helped).status == "missing_evidence"
    # With care on record as well, both are named.
    pt = CareComponent("physical_therapy", date(2026, 1, 5), date(2026, 3, 1), "PT twice a week", "reported", failed=True)
    both = modalities_failed(HistoryFact("never", surgeries=(laminectomy,)), care=(pt,))
    assert both.status == "met" and "surgery that did not help: L4-5 laminectomy (2021, no relief)" in both.explanation


def test_a_pack_may_count_failed_surgery_only_where_care_is_not_counted_in_weeks() -> None:
    base = {"id": "tried", "type": "conservative_care", "label": "Tried", "source": "test", "evidence": "V", "verified": True,
            "failed_surgery_counts": True}
    assert ConservativeCareCriterion.model_validate(base).failed_surgery_counts
    with pytest.raises(ValidationError, match="failed_surgery_counts applies only without min"):
        ConservativeCareCriterion.model_validate({**base, "min": {"weeks": 6}})
