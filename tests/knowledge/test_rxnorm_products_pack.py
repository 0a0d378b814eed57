"""The RxNorm product pack against the CDC opioid CDS and MME calculator test files (tests/data/external/
opioid-mme, never edited): every clinical or branded drug code those files use is in the pack, and the
ingredient and strength it maps to are the ones the file's own RxNorm name states. The names are parsed
here from the files, so a wrong entry in the pack fails."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import load_knowledge
from painpath.knowledge.errors import PackError
from external_data import every_object, external, read_json

OPIOID_MME = external("opioid-mme")
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# "<ingredient words> <number> <unit>" in an RxNorm name: "oxycodone hydrochloride 60 MG", "Fentanyl 0.075 MG/HR".
_PART = re.compile(r"([A-Za-z][A-Za-z ]*?)\s+(\d+(?:\.\d+)?)\s*(MG/HR|MG/ML|MG|MCG)\b", re.IGNORECASE)
_SALTS = {"hydrochloride", "sulfate", "bitartrate", "tartrate", "citrate"}


def rxnorm_codings(value: Any) -> list[dict]:  # noqa: ANN401
    return [found for found in every_object(value) if found.get("system") == RXNORM and found.get("code")]


def product_codings() -> dict[str, str]:
    """code -> display for every RxNorm coding in the files whose display states a strength (an SCD or SBD)."""
    codes: dict[str, str] = {}
    for file in sorted(OPIOID_MME.rglob("*.json")):
        for coding in rxnorm_codings(read_json(file)):
            if coding.get("display") and _PART.search(coding["display"]):
                codes[coding["code"]] = coding["display"]
    return codes


def stated_parts(display: str) -> dict[str, tuple[float, str]]:
    """{ingredient: (strength, unit)} as the RxNorm name writes them, the salt dropped; a patch in mcg/hr."""
    parts = {}
    for match in _PART.finditer(re.sub(r"^\d+ HR\s+", "", display)):
        words = [w for w in match.group(1).lower().split() if w not in _SALTS]
        strength, unit = float(match.group(2)), match.group(3).lower().replace("/ml", "/mL")
        if unit == "mg/hr":
            strength, unit = round(strength * 1000, 6), "mcg/hr"
        parts[words[-1]] = (strength, unit)
    return parts


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


def test_the_files_use_the_product_codes_this_test_expects() -> None:
    # Guards the reading of the files: these are the SCD/SBD codes SOURCES.md's cases are built on.
    assert set(product_codings()) == {"197696", "1049593", "1049502", "1010600", "836397", "892495", "104693", "1191212"}


@pytest.mark.parametrize(("code", "display"), sorted(product_codings().items()))
def test_every_product_code_in_the_cds_files_maps_to_the_ingredient_and_strength_its_name_states(knowledge, code: str, display: str) -> None:
    product = knowledge.rxnorm_products.get(code)
    assert product is not None, f"RxNorm {code} ({display}) is not in packs/rxnorm/products.yaml"
    stated = stated_parts(display)
    assert product.ingredient in stated, (product.ingredient, stated)
    assert (product.strength, product.unit) == stated[product.ingredient]
    assert set(product.also_contains) == set(stated) - {product.ingredient}
    assert product.tty == ("SBD" if "[" in display else "SCD")


def test_an_opioid_product_names_the_ingredient_code_the_factor_pack_uses(knowledge) -> None:
    opioids = {o.id: o.rxnorm for o in knowledge.opioids.factor_set().vocabulary}
    for product in knowledge.rxnorm_products.values():
        if product.ingredient in opioids:
            assert product.ingredient_rxcui == opioids[product.ingredient], product.rxcui


def test_every_entry_not_read_in_a_primary_source_says_verified_false(knowledge) -> None:
    for product in knowledge.rxnorm_products.values():
        assert product.source.strip()
        if product.evidence in ("S", "K"):
            assert product.verified is False, product.rxcui


def _pack_with(tmp_path: Path, entry: dict) -> Path:
    pack = {"pack": {"id": "clinic.rxnorm", "kind": "rxnorm_products", "version": 1, "effective_date": "2026-12-05",
                     "last_verified": "2026-12-05"},
            "rxnorm_products": [{"rxcui": "999001", "tty": "SCD", "name": "testdrug 10 MG Oral Tablet", "ingredient": "testdrug",
                                 "ingredient_rxcui": "999000", "strength": 10, "unit": "mg", "form": "oral",
                                 "source": "test", "evidence": "K", "verified": False, **entry}]}
    (tmp_path / "rx.yaml").write_text(yaml.safe_dump(pack))
    return tmp_path


@pytest.mark.parametrize(("entry", "words"), [
    ({"tty": "SBD"}, "names its brand"),
    ({"brand": "Testo"}, "names its brand"),
    ({"form": "transdermal_patch", "unit": "mg"}, "mcg/hr"),
    ({"ingredient_rxcui": "999001"}, "not its ingredient's code"),
    ({"rxcui": "197696"}, "197696"),  # a code the built-in pack already maps
    ({"verified": True}, "verified: false"),
])
def test_a_bad_product_entry_is_refused_at_load(tmp_path: Path, entry: dict, words: str) -> None:
    with pytest.raises(PackError) as refused:
        load_knowledge([_pack_with(tmp_path, entry)])
    assert words in str(refused.value)
