"""The referral specialties pack (kind `referral_specialties`, issue 16): the specialties the issue names
with the records that go with them, the loop timings per urgency each with a source (unsourced defaults
marked unconfirmed), a clinic adding its own specialty from its pack directory, and a second set of
timings refused naming the file and the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.knowledge import PackError, load_knowledge

HEADER = "pack: {id: clinic.referrals, kind: referral_specialties, version: 1, effective_date: 2026-01-01, last_verified: 2026-01-01}\n"
CLINIC_SPECIALTY = "referral_specialties:\n  - {id: sleep_medicine, name: Sleep medicine, records: [Sleep diary, ISI score]}\n"
WAIT = "{amount: 1, unit: business_days, source: clinic, evidence: K, verified: false}"


def test_the_specialties_the_issue_names_are_there_with_their_records():
    specialties = load_knowledge().referral_specialties
    assert {"rheumatology", "neurology", "orthopedics", "spine_surgery", "pain_psychology", "behavioural_health"} <= set(specialties)
    assert all(s.records for s in specialties.values())


def test_every_timing_has_a_source_and_unsourced_defaults_say_so():
    timings = load_knowledge().referral_timings
    for urgency in (timings.routine, timings.urgent):
        waits = [urgency.send_within, urgency.confirm_receipt_after, urgency.confirm_appointment_after,
                 urgency.chase_consult_note_after, urgency.review_within, urgency.escalate_after]
        assert all(w.source and (w.verified is False or w.evidence != "K") for w in waits)
    # Urgent referrals never wait longer than routine ones.
    assert timings.urgent.send_within.amount <= timings.routine.send_within.amount
    assert timings.urgent.escalate_after.amount <= timings.routine.escalate_after.amount


def test_a_clinic_adds_its_own_specialty_from_its_pack_directory(tmp_path: Path):
    (tmp_path / "referrals.yaml").write_text(HEADER + CLINIC_SPECIALTY)
    knowledge = load_knowledge([tmp_path])
    assert knowledge.referral_specialties["sleep_medicine"].name == "Sleep medicine"
    assert "orthopedics" in knowledge.referral_specialties  # the shipped ones stay


def test_a_second_set_of_loop_timings_is_refused(tmp_path: Path):
    one = "{" + ", ".join(f"{name}: {WAIT}" for name in ("send_within", "confirm_receipt_after", "confirm_appointment_after",
                                                          "chase_consult_note_after", "review_within", "escalate_after"))
    one += ", escalate_to: clinician, review_escalates_to: manager}"
    (tmp_path / "referrals.yaml").write_text(HEADER + CLINIC_SPECIALTY + f"loop_timings: {{routine: {one}, urgent: {one}}}\n")
    with pytest.raises(PackError, match="loop_timings.*already given"):
        load_knowledge([tmp_path])
