"""Instrument packs: the shipped ones load; a bad one is refused with its file and the path inside it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge

SHIPPED = {"odi", "ndi", "peg", "phq9", "phq2", "gad7", "pcs", "start_back", "ort", "tsk17", "tsk11", "isi", "lefs"}

SRC = {"source": "test", "evidence": "R", "verified": True}
GOOD: dict[str, Any] = {
    "pack": {"id": "clinic.toy", "kind": "instrument", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
    "instruments": [
        {
            "id": "toy",
            "name": "TOY",
            "title": "Toy instrument",
            "direction": "lower_is_better",
            "license": {"note": "ours", "item_text": "verbatim", **SRC},
            "answer_sets": {"zero_two": [{"value": 0, "label": "no"}, {"value": 1, "label": "some"}, {"value": 2, "label": "lots"}]},
            "items": [{"id": "toy_1", "text": "One", "answers": "zero_two"}, {"id": "toy_2", "text": "Two", "answers": "zero_two"}],
            "scoring": {
                "method": "sum",
                "range": {"min": 0, "max": 4},
                "missing": {"rule": "none", "max_missing": 0, **SRC},
                **SRC,
            },
            "subscales": [{"id": "first", "label": "First", "items": ["toy_1"], **SRC}],
            "bands": {"ranges": [{"min": 0, "max": 1, "label": "low"}, {"min": 2, "max": 4, "label": "high"}], **SRC},
            "alerts": [{"when": {"item": "toy_2", "at_least": 2}, "kind": "toy_alert", "message": "lots", **SRC}],
        }
    ],
}


def write(tmp_path: Path, data: dict[str, Any], name: str = "toy.yaml") -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def good() -> dict[str, Any]:
    return copy.deepcopy(GOOD)


def refused(folder: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[folder])
    return info.value


def test_shipped_instruments_load_from_the_instruments_subdirectory() -> None:
    knowledge = load_knowledge()
    assert set(knowledge.instruments) == SHIPPED
    files = [lp.file for lp in knowledge.packs if lp.header.kind == "instrument"]
    assert {f.parent.name for f in files} == {"instruments"}
    assert len(files) == len(SHIPPED)  # one instrument per file


def test_shipped_unconfirmed_numbers_are_not_verified() -> None:
    for instrument in load_knowledge().instruments.values():
        for part in (instrument.license, instrument.scoring, instrument.scoring.missing, instrument.bands, instrument.mic):
            if part is not None and part.evidence == "K":
                assert not part.verified, instrument.id


def test_copyrighted_instruments_use_paraphrased_items() -> None:
    knowledge = load_knowledge()
    verbatim = {i.id for i in knowledge.instruments.values() if i.license.item_text == "verbatim"}
    assert verbatim == {"peg", "phq9", "phq2", "gad7"}  # the free ones whose wording the research quotes


def test_unknown_instrument_id_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known instrument ids: .*odi"):
        load_knowledge().instrument("oswestry")


def test_a_valid_clinic_instrument_loads(tmp_path: Path) -> None:
    assert load_knowledge(extra_dirs=[write(tmp_path, good())]).instrument("toy").name == "TOY"


def _break(path: str, value: Any) -> dict[str, Any]:
    data = good()
    node: Any = data["instruments"][0]
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (("items.1.id", "toy_1"), "instruments[0].items[1].id", "duplicate item id 'toy_1'"),
        (("items.1.answers", "zero_three"), "instruments[0].items[1].answers", "unknown answer set 'zero_three'"),
        (("bands.ranges.1.min", 3), "instruments[0].bands.ranges[1].min", "leaves a gap"),
        (("bands.ranges.1.min", 1), "instruments[0].bands.ranges[1].min", "overlaps"),
        (("bands.ranges.1.max", 3), "instruments[0].bands.ranges[1].max", "highest score 4"),
        (("alerts.0.when.item", "toy_9"), "instruments[0].alerts[0].when.item", "unknown item id 'toy_9'"),
        (("alerts.0.when.at_least", 3), "instruments[0].alerts[0].when.at_least", "at most the highest answer"),
        (("scoring.items", ["toy_1", "toy_3"]), "instruments[0].scoring.items[1]", "unknown item id 'toy_3'"),
        (("scoring.reverse_items", ["toy_x"]), "instruments[0].scoring.reverse_items[0]", "unknown item id 'toy_x'"),
        (("subscales.0.items", ["toy_7"]), "instruments[0].subscales[0].items[0]", "unknown item id 'toy_7'"),
        (("scoring.range", {"min": 0, "max": 5}), "instruments[0].scoring.range", "the items score 0 to 4"),
        (("scoring.missing.max_missing", 1), "instruments[0].scoring.missing", "max_missing must be 0"),
        (("license.evidence", "K"), "instruments[0].license", "must have verified: false"),
        (("scoring.missing.source", DELETE), "instruments[0].scoring.missing.source", "Field required"),
        (("band_overrides", [{"subscale": "second", "at_least": 1, "label": "x", **SRC}]),
         "instruments[0].band_overrides[0].subscale", "unknown subscale 'second'"),
    ],
)
def test_bad_instrument_is_refused_with_file_and_path(
    tmp_path: Path, change: tuple[str, Any], path: str, message: str
) -> None:
    err = refused(write(tmp_path, _break(*change)))
    assert err.file.name == "toy.yaml"
    assert err.path == path
    assert message in err.message


def test_two_instruments_in_one_file_are_refused(tmp_path: Path) -> None:
    data = good()
    second = copy.deepcopy(data["instruments"][0])
    second["id"] = "toy2"
    data["instruments"].append(second)
    err = refused(write(tmp_path, data))
    assert err.path == "instruments"


def test_duplicate_instrument_id_across_files(tmp_path: Path) -> None:
    data = good()
    data["instruments"][0]["id"] = "odi"
    err = refused(write(tmp_path, data))
    assert err.path == "instruments[0].id" and "already defined" in err.message
