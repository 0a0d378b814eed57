"""The behavioural-health pack against the published cut-offs (research/clinical.md 2.1-2.2): PCS 30 or more
(Sullivan), TSK-17 above 37 (Vlaeyen 1995; 37 itself is not high), PHQ-9 and GAD-7 10 or more, STarT Back high
risk at a psychosocial subscale of 4 or more, ISI 15 or more (moderate clinical insomnia). Each boundary is tested
on both sides. The loader refuses an unknown instrument or subscale and a cut-off outside the score's range; the
support strategies each carry plain words and a source."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.knowledge.errors import PackError
from painpath.knowledge.loader import _check_behavioural, load_knowledge

# (instrument, the highest score that does not cross, the lowest that does), from the published cut-offs.
PUBLISHED = [
    ("pcs", 29, 30),
    ("tsk17", 37, 38),
    ("phq9", 9, 10),
    ("gad7", 9, 10),
    ("start_back", 3, 4),  # the psychosocial subscale
    ("isi", 14, 15),
]


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


@pytest.mark.parametrize(("instrument", "below", "at"), PUBLISHED)
def test_each_threshold_sits_at_its_published_cut_off(knowledge, instrument, below, at):
    threshold = knowledge.behavioural_health.threshold(instrument)
    assert not threshold.crossed(below) and threshold.crossed(at)
    assert threshold.source and threshold.cite and threshold.verified is True


def test_start_back_reads_the_psychosocial_subscale_and_isi_offers_cbt_for_insomnia(knowledge):
    pack = knowledge.behavioural_health
    assert pack.threshold("start_back").subscale == "psychosocial"
    assert pack.threshold("isi").offers == ["cbt_insomnia"]
    assert pack.offer(pack.threshold("pcs").offers[0]).referral_specialty == "pain_psychology"
    # The due rule is the clinic's protocol, not a published number: it says so.
    assert (pack.due.business_days, pack.due.evidence, pack.due.verified) == (5, "K", False)


def _with(knowledge, index: int, **changes):  # noqa: ANN001, ANN202
    pack = knowledge.behavioural_health
    thresholds = list(pack.thresholds)
    thresholds[index] = thresholds[index].model_copy(update=changes)
    return pack.model_copy(update={"thresholds": thresholds})


@pytest.mark.parametrize(("changes", "path", "words"), [
    ({"instrument": "pcs_long"}, "thresholds[0].instrument", "unknown instrument id 'pcs_long'"),
    ({"at_least": 53}, "thresholds[0].at_least", "PCS scores 0 to 52; a cut-off 53 or more is outside that range"),
    ({"subscale": "worry"}, "thresholds[0].subscale", "PCS has no summed subscale 'worry'"),
])
def test_the_loader_refuses_a_threshold_no_score_can_meet(knowledge, changes, path, words):
    with pytest.raises(PackError) as refused:
        _check_behavioural(_with(knowledge, 0, **changes), Path("behavioural_health.yaml"), knowledge.instruments)
    assert path in str(refused.value) and words in str(refused.value)


def test_a_subscale_cut_off_is_checked_against_the_subscales_range(knowledge):
    index = next(i for i, t in enumerate(knowledge.behavioural_health.thresholds) if t.instrument == "start_back")
    with pytest.raises(PackError) as refused:
        _check_behavioural(_with(knowledge, index, at_least=6), Path("behavioural_health.yaml"), knowledge.instruments)
    assert "scores 0 to 5" in str(refused.value)


def test_support_strategies_name_the_seeds_strategies_with_plain_words_and_a_source(knowledge):
    strategies = knowledge.support_strategies
    assert {"cbt_pain_programme", "paced_breathing", "sleep_hygiene", "biofeedback"} <= set(strategies)
    for strategy in strategies.values():
        assert strategy.patient_words and strategy.source
        assert strategy.verified is False  # no public source read for them yet
