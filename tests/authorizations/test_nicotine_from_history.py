"""The fusion policy's nicotine criterion (commercial, eviCore CMM-611 style: cotinine at most 10 ng/mL,
within 30 days) reads the patient's history: a cotinine recorded there counts like a cotinine document in
the kit, and a patient who smokes now with no test is not met, in words that say what to record."""

from __future__ import annotations

from datetime import date, timedelta

from painpath.authorizations.criteria import evaluate
from painpath.facts.vocabulary import DocumentFact, EpisodeFacts, HistoryFact, PlannedProcedure
from painpath.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
FUSION = KNOWLEDGE.policies["typical_si_fusion"]
TODAY = date(2026, 12, 7)
PLANNED = PlannedProcedure(kind="si_joint_fusion", cpt_codes=("27279",), region="sacroiliac", side="left")


def nicotine(history: HistoryFact | None, documents: tuple[DocumentFact, ...] = ()):  # noqa: ANN201
    facts = EpisodeFacts(episode_id=1, payer_id="aetna_commercial", plan_type="commercial", body_region="sacroiliac",
                         laterality="left", onset_date=date(2025, 1, 10), diagnosis_codes=("M53.3",), documents=documents, history=history)
    decision = evaluate(FUSION, facts, PLANNED, TODAY, KNOWLEDGE.procedures, payer_name="Aetna")
    return next(c for c in decision.criteria if c.criterion_id == "nicotine_free")


def test_a_cotinine_in_the_history_within_30_days_meets_the_criterion() -> None:
    result = nicotine(HistoryFact("former", pack_years=15, cotinine_ng_ml=4, cotinine_on=TODAY - timedelta(days=20)))
    assert result.status == "met" and result.explanation.startswith("Cotinine 4 ng/mL on 17 Nov 2026")


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
