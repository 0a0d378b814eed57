"""The imaging packs (issue 16): the imaging-centre directory (fictional demo centres, each standing slot for a
modality the centre offers; a clinic adds its own centres) and the imaging rules (each rule and timing with its
source; the spine rule waived only by red flags of the screen). Bad clinic packs are refused by file and path."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.knowledge import PackError, load_knowledge

HEADER = "pack: {{id: clinic.{id}, kind: {kind}, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}}\n"
CENTRE = """imaging_centres:
  - id: {id}
    name: Riverside Open MRI
    fax: "(555) 010-0399"
    phone: "(555) 010-0300"
    address: 9 River Road
    modalities: [mri]
    strengths: [open_mri]
    hours: "Mon-Fri 8:00-17:00"
    urgent_slots: [{{weekday: tue, at: "09:00", modality: {slot}, minutes: 45}}]
    source: clinic contract 2026
    evidence: K
    verified: false
"""


def _clinic_pack(tmp_path: Path, kind: str, body: str) -> Path:
    (tmp_path / "clinic.yaml").write_text(HEADER.format(id=kind, kind=kind) + body)
    return tmp_path


def test_the_shipped_centres_are_fictional_and_hold_urgent_slots_for_what_they_offer():
    centres = load_knowledge().imaging_centres
    assert centres and all("(demo)" in c.name and "Fictional" in c.source and not c.verified for c in centres.values())
    assert any(slot.modality == "mri_arthrogram" for c in centres.values() for slot in c.urgent_slots)
    for centre in centres.values():
        assert all(slot.modality in centre.modalities for slot in centre.urgent_slots)


def test_the_rules_and_timings_carry_their_sources():
    rules = load_knowledge().imaging_rules
    spine = next(r for r in rules.imaging_rules if r.id == "spine_conservative_care_first")
    assert spine.weeks == 6 and "RF-CES" in spine.waived_by and "Chou" in spine.source
    assert all(r.source for r in rules.imaging_rules)
    assert rules.timings.book_urgent_hours.value == 48 and not rules.timings.book_urgent_hours.verified


def test_a_clinic_adds_its_own_centre(tmp_path):
    centres = load_knowledge([_clinic_pack(tmp_path, "imaging_centres", CENTRE.format(id="riverside_open_mri", slot="mri"))]).imaging_centres
    assert centres["riverside_open_mri"].strengths == ("open_mri",) and "lakeside_imaging" in centres


def test_a_standing_slot_for_a_modality_the_centre_does_not_offer_is_refused(tmp_path):
    with pytest.raises(PackError) as refused:
        load_knowledge([_clinic_pack(tmp_path, "imaging_centres", CENTRE.format(id="riverside_open_mri", slot="ct"))])
    assert "imaging_centres[0]" in str(refused.value) and "does not offer" in str(refused.value)


def test_a_second_imaging_rules_pack_is_refused(tmp_path):
    body = "imaging_rules: []\ntimings: " + "{" + ", ".join(
        f"{name}: {{value: 1, source: clinic, evidence: K, verified: false}}" for name in
        ("send_business_days", "book_urgent_hours", "book_routine_business_days", "chase_report_business_days", "review_business_days",
         "urgent_slot_hours")) + "}\n"
    with pytest.raises(PackError) as refused:
        load_knowledge([_clinic_pack(tmp_path, "imaging_rules", body)])
    assert "a second imaging_rules pack" in str(refused.value)
