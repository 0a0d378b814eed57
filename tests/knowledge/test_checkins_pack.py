"""The checkins pack: its cadences load, every number carries a source and is marked unconfirmed clinic
protocol, and a pack whose last PT rule does not catch every longer block is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from painpath.knowledge.loader import load_knowledge
from painpath.knowledge.schemas import CheckinsPack


def test_the_shipped_cadences_follow_journeys_j12_and_j1():
    pack = load_knowledge().checkins
    assert pack is not None
    assert [(r.up_to_weeks, r.count) for r in pack.pt_block.counts] == [(6, 2), (None, 3)]
    assert (pack.weekly_scores.first_after_days, pack.weekly_scores.every_days, pack.weekly_scores.none_in_last_days) == (7, 7, 7)
    assert pack.taper.every_days == 30
    sourced = [*pack.pt_block.counts, pack.pt_block.window_source, pack.taper, pack.weekly_scores]
    assert all(s.source and s.evidence == "K" and s.verified is False for s in sourced)


def test_a_last_pt_rule_with_a_limit_is_refused():
    data = CheckinsPack.model_json_schema()  # the model builds
    assert "pt_block" in data["properties"]
    good = load_knowledge().checkins.model_dump()
    good["pt_block"]["counts"] = [good["pt_block"]["counts"][0]]
    with pytest.raises(ValidationError, match="catches every longer block"):
        CheckinsPack.model_validate(good)
