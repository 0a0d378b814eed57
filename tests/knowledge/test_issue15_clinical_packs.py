"""Clinical content of issue 15 item 6 as pack data: the sympathetic blocks in the procedure catalogue, the
CRPS pathways (arm: stellate ganglion block; leg: lumbar sympathetic block; graded motor imagery and mirror
therapy as PT protocols), the hypermobility pathway and persistent post-surgical pain. Each matches the
episodes it is for by region and ICD-10-CM code (codes checked against the ICD-10-CM index), and every
number a new pathway states carries its source."""

from __future__ import annotations

import pytest

from painpath.knowledge import icd10cm, load_knowledge
from painpath.knowledge.schemas.pathways import FunctionalTarget, PainAtMost, ProcedureDone, ReliefPercent
from painpath.plans.rules import procedures_ahead

NEW_PATHWAYS = ("crps", "crps_upper_limb", "crps_lower_limb", "hypermobility", "persistent_postsurgical_pain")
NEW_PROTOCOLS = ("graded_motor_imagery", "mirror_therapy", "hypermobility_joint_protection")


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def test_the_sympathetic_blocks_are_in_the_catalogue_with_their_codes_and_regions(knowledge) -> None:  # noqa: ANN001
    stellate, lumbar = knowledge.procedures["stellate_ganglion_block"], knowledge.procedures["lumbar_sympathetic_block"]
    assert [c.code for c in stellate.codes] == ["64510"] and "stellate ganglion" in stellate.codes[0].meaning
    assert [c.code for c in lumbar.codes] == ["64520"] and "paravertebral sympathetic" in lumbar.codes[0].meaning
    assert (stellate.region, lumbar.region) == ("cervical", "lumbar")  # where the needle goes, as payers count regions
    for block in (stellate, lumbar):
        assert (block.category, block.unit, block.diagnostic) == ("injection", "session", False)
        assert [c.name for c in block.relief_checks] == ["the day of the block (pain diary)", "2 weeks after"]
        assert all(c.evidence == "K" and not c.verified for c in block.relief_checks)
        assert all(c.source and c.evidence in ("V", "S") for c in block.codes)


def test_the_crps_pathways_block_where_the_limb_says(knowledge) -> None:  # noqa: ANN001
    arm, leg, unsure = (knowledge.pathways[p] for p in ("crps_upper_limb", "crps_lower_limb", "crps"))
    for pathway, block in ((arm, "stellate_ganglion_block"), (leg, "lumbar_sympathetic_block")):
        assert [s.id for s in pathway.steps] == ["behavioral_health", "motor_imagery_program", "sympathetic_block", "mirror_therapy"]
        imagery = pathway.step("motor_imagery_program")
        assert (imagery.pt_protocol_id, imagery.trial.days, imagery.on_failure) == ("graded_motor_imagery", 42, "sympathetic_block")
        step = pathway.step("sympathetic_block")
        assert (step.kind, step.procedure_id, step.on_success) == ("procedure", block, "mirror_therapy")
        assert pathway.step("mirror_therapy").pt_protocol_id == "mirror_therapy"
        # While graded motor imagery runs, the block's authorization is prepared so there is no wait.
        assert procedures_ahead(pathway, imagery) == [block]
    # The pathway for an uncoded limb keeps its step ids (plans started on it still read) and names no block.
    assert [s.id for s in unsure.steps][:3] == ["behavioral_health", "motor_imagery_program", "sympathetic_block"]
    assert unsure.step("sympathetic_block").procedure_id is None and unsure.step("motor_imagery_program").pt_protocol_id


@pytest.mark.parametrize(("region", "codes", "fits"), [
    ("other", ["G90.521"], {"crps_lower_limb"}),  # CRPS I of the right leg, the foot after an ankle fracture
    ("knee", ["G57.71"], {"crps_lower_limb"}),  # CRPS II (causalgia) of the right leg
    ("other", ["G90.512"], {"crps_upper_limb"}),  # CRPS I of the left arm
    ("shoulder", ["G56.41"], {"crps_upper_limb"}),
    ("other", ["G90.50"], {"crps"}),  # limb not coded
    ("other", ["M35.7"], {"hypermobility"}),  # hypermobility spectrum disorder
    ("knee", ["Q79.62"], {"hypermobility"}),  # hypermobile Ehlers-Danlos syndrome
    ("other", ["Q79.63"], set()),  # vascular Ehlers-Danlos: not this pathway
    ("lumbar", ["M96.1", "G89.4"], {"persistent_postsurgical_pain", "spinal_cord_stimulation"}),  # failed back surgery
    ("knee", ["T84.84XA"], {"persistent_postsurgical_pain"}),  # pain from a knee replacement
    ("lumbar", ["G89.28"], {"persistent_postsurgical_pain", "spinal_cord_stimulation"}),
    ("lumbar", ["G89.18"], set()),  # acute postprocedural pain is not persistent
])
def test_each_pathway_matches_the_episodes_it_is_for(knowledge, region: str, codes: list[str], fits: set[str]) -> None:  # noqa: ANN001
    matched = {p.id for p in knowledge.pathways.values() if p.applies_to.fits(region=region, icd10_codes=codes)}
    assert matched & (set(NEW_PATHWAYS) | {"spinal_cord_stimulation"}) == fits
    assert all(icd10cm.is_code(code) for code in codes)


def test_every_diagnosis_prefix_of_the_new_packs_is_an_icd10cm_code(knowledge) -> None:  # noqa: ANN001
    for pathway_id in NEW_PATHWAYS:
        for prefix in knowledge.pathways[pathway_id].applies_to.icd10_prefixes:
            assert icd10cm.is_code(prefix), (pathway_id, prefix)
    for protocol_id in NEW_PROTOCOLS:
        for prefix in knowledge.pt_protocols[protocol_id].for_.diagnoses:
            assert icd10cm.is_code(prefix), (protocol_id, prefix)
    assert icd10cm.description("G89.28") == "Other chronic postprocedural pain"
    assert icd10cm.description("M35.7") == "Hypermobility syndrome"


def test_the_hypermobility_pathway_starts_with_the_joint_protection_therapist(knowledge) -> None:  # noqa: ANN001
    pathway = knowledge.pathways["hypermobility"]
    first = pathway.first_step
    assert (first.kind, first.pt_protocol_id, first.on_failure) == ("conservative", "hypermobility_joint_protection", "pain_self_management")
    assert "No stretching" in first.what and "2017" in first.entry.words
    assert [s.id for s in pathway.steps] == ["joint_protection_program", "pain_self_management", "specialist_referral"]
    assert "2017 international classification" in pathway.source


def test_persistent_postsurgical_pain_looks_for_a_surgical_cause_then_nerve_pain_then_conservative_care(knowledge) -> None:  # noqa: ANN001
    pathway = knowledge.pathways["persistent_postsurgical_pain"]
    assert [s.id for s in pathway.steps] == [
        "surgical_reassessment", "neuropathic_screening", "conservative_care", "psych_evaluation", "stimulator_trial", "permanent_implant"]
    assert "at least 3 months" in pathway.first_step.entry.words and "IASP" in pathway.source
    assert pathway.first_step.success.combine == "any"
    assert pathway.step("conservative_care").on_failure == "psych_evaluation"
    trial = pathway.step("stimulator_trial")
    assert trial.procedure_id == "scs_trial" and trial.entry.conditions[0].kind == "psych_eval"


def test_every_number_in_the_new_pathways_carries_its_source(knowledge) -> None:  # noqa: ANN001
    for pathway_id in NEW_PATHWAYS:
        pathway = knowledge.pathways[pathway_id]
        assert pathway.source and (pathway.evidence != "K" or not pathway.verified)
        for step in pathway.steps:
            assert step.trial is not None and step.trial.source, (pathway_id, step.id)
            numbered = [m for m in (step.success.measures if step.success else ()) if isinstance(m, (FunctionalTarget, PainAtMost, ReliefPercent))]
            numbered += [c for c in (step.entry.conditions if step.entry else ()) if isinstance(c, ProcedureDone)]
            for item in [step.trial, *numbered]:
                assert item.source and "research/" not in item.source, (pathway_id, step.id)
                assert item.evidence != "K" or not item.verified, (pathway_id, step.id)
