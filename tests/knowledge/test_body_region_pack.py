"""The pain diagram's body regions pack (kind `body_regions`, issue 15 part 2): every region is coded with
its view and side, the body map draws exactly the shipped regions, the dermatomes the issue names are there
with a source (key sensory points verified, wider chart areas unconfirmed), and a bad clinic pack is
refused naming the file, the path and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.documents import body_map
from painpath.knowledge import PackError, load_knowledge

HEADER = "pack: {id: clinic.regions, kind: body_regions, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"
# The issue's examples and the ISNCSCI key sensory points the pack places inside a region.
DERMATOMES = {
    "leg_lateral_left": ["L5"], "foot_dorsum_right": ["L5"], "sole_left": ["S1"], "arm_lateral_right": ["C5"],
    "thumb_left": ["C6"], "thumb_right": ["C6"], "shoulder_left": ["C4"], "thigh_front_right": ["L2"], "knee_front_left": ["L3"],
    "shin_medial_right": ["L4"], "head_back": ["C2"],
}


@pytest.fixture(scope="module")
def regions():  # noqa: ANN201
    return load_knowledge().body_regions


def test_regions_are_coded_with_a_view_and_a_side_and_limbs_come_in_pairs(regions):
    assert len(regions) >= 40
    assert {r.view for r in regions.values()} == {"front", "back"}
    for rid, region in regions.items():
        if region.side == "midline":
            continue
        other = rid.removesuffix(f"_{region.side}") + ("_right" if region.side == "left" else "_left")
        assert rid.endswith(f"_{region.side}"), f"{rid}: a sided region's code ends with its side"
        assert other in regions and regions[other].name == region.name and regions[other].dermatome == region.dermatome, rid


def test_the_body_map_draws_every_shipped_region_and_nothing_else(regions):
    assert body_map.regions_drawn() == {rid for rid, r in regions.items() if r.svg_shape}


def test_the_dermatomes_the_issue_names_are_there_with_their_source(regions):
    for rid, levels in DERMATOMES.items():
        assert regions[rid].dermatome is not None and regions[rid].dermatome.levels == levels, rid
    for region in regions.values():
        d = region.dermatome
        if d is None:
            continue
        assert d.source
        if d.evidence == "K":
            assert d.verified is False, region.id
        if d.verified:  # only a region that holds the ISNCSCI key point itself is marked verified
            assert "ISNCSCI" in d.source and "key sensory point" in d.source, region.id
    assert "ISNCSCI" in regions["foot_dorsum_left"].dermatome.source and regions["foot_dorsum_left"].dermatome.verified
    assert regions["leg_lateral_left"].dermatome.evidence == "K" and not regions["leg_lateral_left"].dermatome.verified
    assert regions["low_back"].dermatome is None  # axial: no single dermatome


def test_a_region_reads_with_its_side(regions):
    assert regions["leg_lateral_left"].label() == "Outer lower leg, left"
    assert regions["low_back"].label() == "Low back"


def _refused(tmp_path: Path, body: str) -> PackError:
    (tmp_path / "regions.yaml").write_text(HEADER + body)
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[tmp_path])
    assert info.value.file.name == "regions.yaml"
    return info.value


def test_a_clinic_region_without_a_shape_loads(tmp_path):
    (tmp_path / "regions.yaml").write_text(HEADER + "body_regions:\n  - {id: jaw_left, name: Jaw, view: front, side: left, svg_shape: false}\n")
    assert load_knowledge(extra_dirs=[tmp_path]).body_regions["jaw_left"].label() == "Jaw, left"


def test_a_bad_clinic_region_is_refused_naming_the_path(tmp_path):
    assert _refused(tmp_path, "body_regions:\n  - {id: jaw, name: Jaw, view: side, side: left}\n").path.startswith("body_regions[0].view")
    assert _refused(tmp_path, "body_regions:\n  - {id: jaw, name: Jaw, view: front, side: up}\n").path.startswith("body_regions[0].side")
    not_a_root = ("body_regions:\n  - id: jaw\n    name: Jaw\n    view: front\n    side: left\n"
                  "    dermatome: {levels: [L6], source: chart, evidence: K, verified: false}\n")
    assert _refused(tmp_path, not_a_root).path.startswith("body_regions[0].dermatome.levels")
    unsourced = "body_regions:\n  - id: jaw\n    name: Jaw\n    view: front\n    side: left\n    dermatome: {levels: [C3]}\n"
    assert _refused(tmp_path, unsourced).path.startswith("body_regions[0].dermatome")
    claims_verified = ("body_regions:\n  - id: jaw\n    name: Jaw\n    view: front\n    side: left\n"
                       "    dermatome: {levels: [C3], source: chart, evidence: K, verified: true}\n")
    assert _refused(tmp_path, claims_verified).path.startswith("body_regions[0].dermatome")
    twice = "body_regions:\n  - {id: jaw_a, name: Jaw, view: front, side: left}\n  - {id: jaw_b, name: Jaw, view: front, side: left}\n"
    err = _refused(tmp_path, twice)
    assert err.path == "body_regions[1].name" and "already body_regions[0]" in err.message
    duplicate = "body_regions:\n  - {id: thumb_left, name: Thumb tip, view: front, side: left}\n"
    assert "thumb_left" in _refused(tmp_path, duplicate).message


def test_the_map_is_plain_svg_whatever_another_library_registered_for_its_namespace():
    """WeasyPrint (the packet) registers XML prefixes process-wide; the map must still print <svg>, not <ns0:svg>."""
    import xml.etree.ElementTree as ET

    saved = dict(ET._namespace_map)
    try:
        ET.register_namespace("s", body_map.SVG_NS)
        markup = str(body_map.render({"low_back": "aching"}, labels={"low_back": "Low back"}))
    finally:
        ET._namespace_map.clear()
        ET._namespace_map.update(saved)
    assert markup.startswith("<svg ") and 'xmlns="http://www.w3.org/2000/svg"' in markup and ":svg" not in markup
    assert '<title>Low back</title>' in markup and 'fill="#E69F00"' in markup
