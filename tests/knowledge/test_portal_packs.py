"""The portal's packs: reminder timing (clinic protocol, unverified) and the crisis lines with their public source."""

from __future__ import annotations

from painpath.knowledge.loader import load_knowledge


def test_the_crisis_lines_are_988_and_911_with_their_public_source():
    lines = {line.id: line for line in load_knowledge().crisis_resources.lines}
    assert lines["lifeline_988"].tel == "988" and lines["lifeline_988"].sms == "988"
    assert "988lifeline.org" in lines["lifeline_988"].source and "SAMHSA" in lines["lifeline_988"].source
    assert lines["emergency_911"].tel == "911"
    assert all(line.verified is False for line in lines.values())


def test_reminder_timing_is_clinic_protocol():
    pack = load_knowledge().reminders
    for timing in (pack.checkin, pack.questionnaire):
        assert timing.evidence == "K" and timing.verified is False and "clinic protocol" in timing.source.lower()
