"""The sedatives and other CNS depressants pack (kind `cns_depressants`, issue 13 part 1): the classes and
drugs the issue names are there, each class is sourced, the codes read in a public table match it, and a
bad clinic pack is refused naming the file, the path and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.knowledge import PackError, load_knowledge
from painpath.knowledge.schemas import find_depressant

# The issue's list, by class: the pack must know each of these by name.
REQUIRED = {
    "benzodiazepine": {"alprazolam", "clonazepam", "diazepam", "lorazepam", "temazepam", "chlordiazepoxide", "clorazepate",
                       "oxazepam", "triazolam"},
    "z_drug": {"zolpidem", "zaleplon", "eszopiclone"},
    "barbiturate": {"butalbital", "phenobarbital"},
    "gabapentinoid": {"gabapentin", "pregabalin"},
    "muscle_relaxant": {"carisoprodol", "cyclobenzaprine", "methocarbamol", "tizanidine", "baclofen", "metaxalone"},
}
# RxNorm ingredient RxCUIs as printed in the CPIC drug table (github.com/cpicpgx/cpic-schema, drug.sql):
# the pack marks these verified; the others are background knowledge and must say verified: false.
CPIC_RXCUI = {"carisoprodol": "2101", "diazepam": "3322", "oxazepam": "7781", "midazolam": "6960", "clobazam": "21241"}

HEADER = "pack: {id: clinic.sedatives, kind: cns_depressants, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"


@pytest.fixture(scope="module")
def classes():  # noqa: ANN201
    return load_knowledge().depressant_classes


def test_every_class_and_drug_the_issue_names_is_in_the_pack(classes):
    assert set(classes) == set(REQUIRED)
    for class_id, drugs in REQUIRED.items():
        assert drugs <= {d.id for d in classes[class_id].drugs}, class_id
        for drug in drugs:
            assert find_depressant(classes, [drug])[0].id == class_id


def test_each_class_says_what_it_means_with_an_opioid_and_cites_a_public_source(classes):
    for cls in classes.values():
        assert cls.with_opioid and cls.source
    assert "CDC 2022 Rec 11" in classes["benzodiazepine"].source and "FDA" in classes["benzodiazepine"].source
    assert "19 Dec 2019" in classes["gabapentinoid"].source  # FDA Drug Safety Communication on gabapentinoids
    assert "CDC 2022 Rec 8" in classes["benzodiazepine"].naloxone_reason.source
    assert not classes["barbiturate"].verified  # CDC does not list barbiturates by name: signed off by the clinic


def test_rxnorm_codes_read_in_the_cpic_table_are_verified_and_the_rest_are_not(classes):
    for cls in classes.values():
        for drug in cls.drugs:
            if drug.id in CPIC_RXCUI:
                assert (drug.rxnorm.code, drug.rxnorm.verified) == (CPIC_RXCUI[drug.id], True), drug.id
            elif drug.rxnorm is not None:
                assert drug.rxnorm.verified is False and drug.rxnorm.evidence == "K", drug.id


def test_a_drug_is_found_by_brand_name_and_by_code(classes):
    assert find_depressant(classes, ["Xanax"])[1].id == "alprazolam"
    assert find_depressant(classes, ["soma"])[1].id == "carisoprodol"
    assert find_depressant(classes, ["2101"])[1].id == "carisoprodol"
    assert find_depressant(classes, ["oxycodone"]) is None


def _refused(tmp_path: Path, body: str) -> PackError:
    (tmp_path / "sedatives.yaml").write_text(HEADER + body)
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[tmp_path])
    assert info.value.file.name == "sedatives.yaml"
    return info.value


def _one_class(drugs: str) -> str:
    """A clinic class `clinic_sedative` with the drugs given (YAML list items, indented six spaces)."""
    return ("depressant_classes:\n"
            "  - id: clinic_sedative\n"
            "    name: sedative\n"
            "    with_opioid: Review both.\n"
            "    source: test clinic pack\n"
            "    evidence: K\n"
            "    verified: false\n"
            f"    drugs:\n{drugs}")


def test_a_clinic_class_loads_and_a_drug_with_two_classes_is_refused(tmp_path):
    good = _one_class("      - {id: meprobamate, name: meprobamate}\n")
    (tmp_path / "sedatives.yaml").write_text(HEADER + good)
    assert "clinic_sedative" in load_knowledge(extra_dirs=[tmp_path]).depressant_classes
    twice = _one_class("      - {id: meprobamate, name: meprobamate}\n      - {id: miltown, name: miltown, synonyms: [meprobamate]}\n")
    err = _refused(tmp_path, twice)
    assert err.path == "depressant_classes[0].drugs[1].name" and "already used by meprobamate" in err.message


def test_a_sedative_named_like_an_opioid_is_refused(tmp_path):
    err = _refused(tmp_path, _one_class("      - {id: codeine_mix, name: codeine mix, synonyms: [codeine]}\n"))
    assert err.path == "depressant_classes[0].drugs[0]" and "opioid codeine" in err.message


def test_a_drug_of_another_class_in_the_trial_packs_is_refused(tmp_path):
    err = _refused(tmp_path, _one_class("      - {id: duloxetine, name: duloxetine}\n"))
    assert err.path == "depressant_classes[0].drugs[0].id" and "is a snri in the medication-trial packs" in err.message


def test_a_class_needs_drugs_and_a_source(tmp_path):
    assert _refused(tmp_path, _one_class("").replace("drugs:\n", "drugs: []\n")).path == "depressant_classes[0].drugs"
    no_source = "depressant_classes:\n  - {id: x, name: x, with_opioid: y, drugs: [{id: a, name: a}]}\n"
    assert _refused(tmp_path, no_source).path.startswith("depressant_classes[0]")
