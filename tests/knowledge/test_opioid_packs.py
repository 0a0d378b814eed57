"""The opioid packs: the shipped factor sets and thresholds load with research 1.1/1.4's numbers, and a bad
pack (a factor of 0, an opioid both counted and excluded, a broken fallback) is refused with file and path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge
from painpath.knowledge.schemas import OpioidKnowledge

HEADER = {"version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"}
SOURCED = {"source": "test", "evidence": "R", "verified": True}
OPIOID: dict[str, Any] = {"id": "testorphan", "name": "testorphan", "rxnorm": "999999901",
                          "factors": [{"scope": "oral", "unit": "mg", "factor": 2, **SOURCED}]}
FACTOR_SET: dict[str, Any] = {"id": "clinic_set", "title": "Clinic set", "use": "clinical", **SOURCED, "opioids": [OPIOID]}


@pytest.fixture(scope="module")
def opioids() -> OpioidKnowledge:
    loaded = load_knowledge().opioids
    assert loaded is not None
    return loaded


def write_sets(directory: Path, *factor_sets: dict[str, Any], name: str = "clinic_opioids.yaml") -> Path:
    file = directory / name
    pack = {"pack": {**HEADER, "id": f"clinic.{file.stem}", "kind": "opioid_factors"}, "factor_sets": list(factor_sets)}
    file.write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")
    return file


def factor_set(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(FACTOR_SET), **changes}


def refused(directory: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[directory])
    return info.value


# --- The shipped packs ------------------------------------------------------------------------------------

# research/clinical.md 1.1 table, cdc_2022_clinical column
CDC_2022 = {"codeine": 0.15, "hydrocodone": 1, "hydromorphone": 5, "methadone": 4.7, "morphine": 1, "oxycodone": 1.5,
            "oxymorphone": 3, "tapentadol": 0.4, "tramadol": 0.2}
# ... and the cdc_2018_analytic column for the opioids missing from the 2022 table
ANALYTIC_ONLY = {"dihydrocodeine": 0.25, "levorphanol": 11, "meperidine": 0.1, "pentazocine": 0.37, "butorphanol": 7,
                 "levomethadyl_acetate": 8, "opium": 1}


def test_the_2022_table(opioids: OpioidKnowledge) -> None:
    clinical = opioids.factor_sets["cdc_2022_clinical"]
    assert clinical.point_of_care_default and clinical.use == "clinical" and clinical.fallback == "cdc_2018_analytic"
    oral = {o.id: o.factor("oral").factor for o in clinical.opioids if o.factor("oral") is not None}  # type: ignore[union-attr]
    assert oral == CDC_2022
    fentanyl = next(o for o in clinical.opioids if o.id == "fentanyl")
    assert [(f.scope, f.unit, f.factor) for f in fentanyl.factors] == [("transdermal_patch", "mcg/hr", 2.4)]
    assert all(f.source and f.evidence == "R" for o in clinical.opioids for f in o.factors)


def test_the_2018_analytic_factors_are_marked_not_clinical_guidance(opioids: OpioidKnowledge) -> None:
    analytic = opioids.factor_sets["cdc_2018_analytic"]
    by_id = {o.id: o for o in analytic.opioids}
    assert {i: by_id[i].factor("oral").factor for i in ANALYTIC_ONLY} == ANALYTIC_ONLY  # type: ignore[union-attr]
    assert {f.scope: f.factor for f in by_id["fentanyl"].factors} == {
        "transdermal_patch": 2.4, "buccal": 0.13, "buccal_film": 0.18, "nasal": 0.16}
    for opioid in analytic.opioids:
        for factor in opioid.factors:
            assert factor.analytic_only and "not constitute clinical guidance" in (factor.note or ""), opioid.id
    assert not set(ANALYTIC_ONLY) & {o.id for o in opioids.factor_sets["cdc_2022_clinical"].opioids}


def test_the_2016_methadone_tiers(opioids: OpioidKnowledge) -> None:
    methadone = next(o for o in opioids.factor_sets["cdc_2016_clinical"].opioids if o.id == "methadone")
    tiers = methadone.factor("oral")
    assert tiers is not None
    # 1-20 -> 4; 21-40 -> 8; 41-60 -> 10; >=61 -> 12, with no gap between tiers (20.5 mg is in the second)
    assert [tiers.factor_for(d) for d in (10, 20, 20.5, 30, 40, 50, 60, 60.5, 70, 200)] == [4, 4, 8, 8, 8, 10, 10, 12, 12, 12]


def test_buprenorphine_is_excluded_in_every_set(opioids: OpioidKnowledge) -> None:
    for factor_set in opioids.factor_sets.values():
        bup = next(o for o in factor_set.opioids if o.id == "buprenorphine")
        assert bup.rxnorm == "1819" and bup.factors == [] and bup.excluded is not None, factor_set.id
        assert "never as 0" in bup.excluded.reason


def test_the_thresholds(opioids: OpioidKnowledge) -> None:
    t = opioids.thresholds
    assert (t.naloxone_offer_at_mme.value, t.naloxone_offer_at_mme.comparison) == (50, ">=")
    assert (t.follow_up_after_start_or_increase.min_weeks, t.follow_up_after_start_or_increase.max_weeks) == (1, 4)
    assert t.methadone_follow_up_after_start_or_increase_days.value == 3
    assert t.reassess_at_least_every_months.value == 3
    assert (t.pdmp.before_each_prescription, t.pdmp.max_interval_months) == (True, 3)
    assert {b.ort_band: b.every_months for b in t.urine_drug_testing.by_ort_band} == {"low risk": 12, "moderate risk": 6, "high risk": 3}
    assert t.agreement_renewal_months.value == 12
    assert t.taper_follow_up_at_least_every_months.value == 1
    # Clinic choices without a guideline number stay unverified until the medical director signs them off.
    assert (t.urine_drug_testing.evidence, t.urine_drug_testing.verified) == ("K", False)
    assert (t.agreement_renewal_months.evidence, t.agreement_renewal_months.verified) == ("K", False)


def test_factor_set_names(opioids: OpioidKnowledge) -> None:
    assert [s.id for s in opioids.factor_set("cdc_2022_clinical").chain] == ["cdc_2022_clinical", "cdc_2018_analytic"]
    assert [s.id for s in opioids.factor_set("cdc_2016_clinical").chain] == ["cdc_2016_clinical"]
    with pytest.raises(KeyError, match="unknown factor set 'cdc_2020'; known factor sets: cdc_2016_clinical"):
        opioids.factor_set("cdc_2020")


def test_a_clinic_set_loads_and_can_fall_back(tmp_path: Path) -> None:
    write_sets(tmp_path, factor_set(fallback="cdc_2018_analytic"))
    loaded = load_knowledge(extra_dirs=[tmp_path]).opioids
    assert loaded is not None
    assert [s.id for s in loaded.factor_set("clinic_set").chain] == ["clinic_set", "cdc_2018_analytic"]


# --- Bad packs --------------------------------------------------------------------------------------------

def bad_opioid(**changes: Any) -> dict[str, Any]:
    return factor_set(opioids=[{**copy.deepcopy(OPIOID), **changes}])


@pytest.mark.parametrize(("pack", "path", "message"), [
    (bad_opioid(factors=[{"scope": "oral", "unit": "mg", "factor": 0, **SOURCED}]),
     "factor_sets[0].opioids[0].factors[0]", "a factor of 0 would count this opioid as nothing"),
    (bad_opioid(factors=[{"scope": "oral", "unit": "mg", "factor": -1, **SOURCED}]),
     "factor_sets[0].opioids[0].factors[0].factor", "greater than 0"),
    (bad_opioid(excluded={"reason": "partial agonist", **SOURCED}),
     "factor_sets[0].opioids[0]", "an excluded opioid has no factors"),
    (bad_opioid(factors=[]), "factor_sets[0].opioids[0]", "give factors, or mark the opioid excluded"),
    (bad_opioid(factors=[{"scope": "transdermal_patch", "unit": "mcg", "factor": 2.4, **SOURCED}]),
     "factor_sets[0].opioids[0].factors[0]", "the unit of scope 'transdermal_patch' is 'mcg/hr'"),
    (bad_opioid(factors=[{"scope": "oral", "unit": "mg", "factor": 2, "source": "test", "evidence": "R"}]),
     "factor_sets[0].opioids[0].factors[0].verified", "Field required"),
    (bad_opioid(factors=[{"scope": "oral", "unit": "mg", "factor": 2, **SOURCED, "typo": 1}]),
     "factor_sets[0].opioids[0].factors[0].typo", "Extra inputs are not permitted"),
    (bad_opioid(factors=[{"scope": "oral", "unit": "mg", "tiers": [{"max_daily_mg": 20, "factor": 4}], **SOURCED}]),
     "factor_sets[0].opioids[0].factors[0]", "the last tier must have no max_daily_mg"),
    (factor_set(use="analytic"), "factor_sets[0]", "every factor of an analytic set must be analytic_only: true"),
    (factor_set(opioids=[OPIOID, {**OPIOID, "id": "other", "name": "other"}]),
     "factor_sets[0].opioids[1].rxnorm", "'999999901' is already used by testorphan"),
])
def test_bad_factor_pack_is_refused_with_path(tmp_path: Path, pack: dict[str, Any], path: str, message: str) -> None:
    file = write_sets(tmp_path, pack)
    error = refused(tmp_path)
    assert error.file == file
    assert error.path == path
    assert message in error.message


def test_unknown_fallback_is_refused_at_its_path(tmp_path: Path) -> None:
    file = write_sets(tmp_path, factor_set(fallback="cdc_1999"))
    error = refused(tmp_path)
    assert (error.file, error.path) == (file, "factor_sets[0].fallback")
    assert "unknown factor set 'cdc_1999'" in error.message


def test_fallback_loop_is_refused(tmp_path: Path) -> None:
    write_sets(tmp_path, factor_set(fallback="clinic_b"), factor_set(id="clinic_b", fallback="clinic_set"))
    assert "fallback loop: clinic_set -> clinic_b -> clinic_set" in refused(tmp_path).message


def test_a_second_point_of_care_default_is_refused(tmp_path: Path) -> None:
    file = write_sets(tmp_path, factor_set(point_of_care_default=True))
    error = refused(tmp_path)
    assert (error.file, error.path) == (file, "factor_sets[0].point_of_care_default")
    assert "only one factor set may be the point-of-care default" in error.message


def test_a_duplicate_set_id_is_refused(tmp_path: Path) -> None:
    write_sets(tmp_path, factor_set(id="cdc_2022_clinical"))
    assert "duplicate factor_sets entry id 'cdc_2022_clinical'" in refused(tmp_path).message


def test_a_second_thresholds_pack_is_refused(tmp_path: Path) -> None:
    shipped = yaml.safe_load((Path(__file__).parents[2] / "src/painpath/knowledge/packs/opioids/thresholds.yaml").read_text())
    shipped["pack"]["id"] = "clinic.thresholds"
    (tmp_path / "thresholds.yaml").write_text(yaml.safe_dump(shipped), encoding="utf-8")
    error = refused(tmp_path)
    assert error.path == "pack.kind" and "a second opioid_thresholds pack" in error.message


def test_a_udt_band_the_ort_does_not_have_is_refused(tmp_path: Path) -> None:
    # Load the shipped factor sets and a clinic thresholds pack in place of the shipped one.
    builtin = Path(__file__).parents[2] / "src/painpath/knowledge/packs"
    shipped = yaml.safe_load((builtin / "opioids/thresholds.yaml").read_text())
    shipped["thresholds"]["urine_drug_testing"]["by_ort_band"][2]["ort_band"] = "very high risk"
    file = tmp_path / "thresholds.yaml"
    file.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    from painpath.knowledge.loader import _read_pack
    from painpath.knowledge.schemas import build_opioid_knowledge
    sets = {s.id: (s, builtin / "opioids/factors.yaml", f"factor_sets[{i}]")
            for i, s in enumerate(_read_pack(builtin / "opioids/factors.yaml").factor_sets)}  # type: ignore[attr-defined]
    with pytest.raises(PackError) as info:
        build_opioid_knowledge(sets, (_read_pack(file), file), {"low risk", "moderate risk", "high risk"})  # type: ignore[arg-type]
    assert (info.value.file, info.value.path) == (file, "thresholds.urine_drug_testing.by_ort_band[2].ort_band")
    assert "unknown ORT band 'very high risk'" in info.value.message


def test_a_bad_threshold_is_refused_with_path(tmp_path: Path) -> None:
    builtin = Path(__file__).parents[2] / "src/painpath/knowledge/packs"
    shipped = yaml.safe_load((builtin / "opioids/thresholds.yaml").read_text())
    shipped["pack"]["id"] = "clinic.thresholds"
    shipped["thresholds"]["follow_up_after_start_or_increase"]["min_weeks"] = 6
    file = tmp_path / "thresholds.yaml"
    file.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    from painpath.knowledge.loader import _read_pack
    with pytest.raises(PackError) as info:
        _read_pack(file)
    assert info.value.path == "thresholds.follow_up_after_start_or_increase"
    assert "min_weeks (6) is greater than max_weeks (4)" in info.value.message


@pytest.mark.parametrize("entry", ["urine_drug_testing", "agreement_renewal_months", "pdmp_check_before_prescription_days",
                                   "therapy_course_max_gap_days", "recurring_duty_notice_days", "naloxone_risk_diagnoses"])
def test_a_k_threshold_that_says_verified_is_refused(tmp_path: Path, entry: str) -> None:
    # A clinic default (K) is a placeholder until the medical director signs it off: verified: true would hide it.
    shipped = yaml.safe_load((Path(__file__).parents[2] / "src/painpath/knowledge/packs/opioids/thresholds.yaml").read_text())
    assert shipped["thresholds"][entry]["evidence"] == "K"
    shipped["pack"]["id"] = "clinic.thresholds"
    shipped["thresholds"][entry]["verified"] = True
    file = tmp_path / "thresholds.yaml"
    file.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    from painpath.knowledge.loader import _read_pack
    with pytest.raises(PackError) as info:
        _read_pack(file)
    assert info.value.path == f"thresholds.{entry}"
    assert "evidence K (unconfirmed background knowledge) must have verified: false" in info.value.message
