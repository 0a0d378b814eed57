"""The shipped payer directory loads and carries the published decision clocks."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from painpath.knowledge import Knowledge, load_knowledge
from painpath.knowledge.schemas import PlanType, SourcedDuration


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def _durations(knowledge: Knowledge) -> list[tuple[str, SourcedDuration]]:
    return [
        (f"{p.id}.{which}", getattr(p.decision_clock, which))
        for p in knowledge.payers.values()
        for which in ("standard", "expedited")
    ]


def test_shipped_packs_load_with_headers(knowledge: Knowledge) -> None:
    assert knowledge.payers
    (payers_pack,) = [lp for lp in knowledge.packs if lp.header.kind == "payers"]
    assert payers_pack.file.name == "payers.yaml"
    assert payers_pack.header.version >= 1


@pytest.mark.parametrize("plan_type", get_args(PlanType))
def test_every_plan_type_has_at_least_two_payers(knowledge: Knowledge, plan_type: str) -> None:
    assert len(knowledge.payers_by_plan_type(plan_type)) >= 2


def test_every_duration_names_its_source(knowledge: Knowledge) -> None:
    unsourced = [name for name, d in _durations(knowledge) if not d.source.strip()]
    assert unsourced == []


def test_unconfirmed_numbers_are_not_marked_verified(knowledge: Knowledge) -> None:
    durations = _durations(knowledge)
    assert any(d.evidence == "K" for _, d in durations)  # commercial clocks are placeholders
    assert [name for name, d in durations if d.evidence == "K" and d.verified] == []


def test_every_payer_states_its_veterans_day_rule(knowledge: Knowledge) -> None:
    assert all(p.business_calendar.reason for p in knowledge.payers.values())


def test_medicare_ffs_opd_clock(knowledge: Knowledge) -> None:
    # research/prior-auth.md 9.2: 7 calendar days standard (requests from 2025-01-01), 2 business days expedited.
    for payer in knowledge.payers_by_plan_type("medicare"):
        clock = payer.decision_clock
        assert (clock.standard.amount, clock.standard.unit) == (7, "calendar_days")
        assert (clock.expedited.amount, clock.expedited.unit) == (2, "business_days")
        assert clock.standard.evidence == clock.expedited.evidence == "V"
        assert "419.83" in clock.standard.source


def test_medicare_advantage_clock_follows_cms_0057_f(knowledge: Knowledge) -> None:
    # research/prior-auth.md 9.1: from 2026-01-01, 7 calendar days standard and 72 hours expedited.
    for payer in knowledge.payers_by_plan_type("medicare_advantage"):
        clock = payer.decision_clock
        assert (clock.standard.amount, clock.standard.unit) == (7, "calendar_days")
        assert (clock.expedited.amount, clock.expedited.unit) == (72, "hours")


def test_california_workers_comp_clock(knowledge: Knowledge) -> None:
    clock = knowledge.payer("ca_workers_comp").decision_clock
    assert (clock.standard.amount, clock.standard.unit) == (5, "business_days")
    assert (clock.expedited.amount, clock.expedited.unit) == (72, "hours")
    assert "dir.ca.gov/dwc/UtilizationReview/UR_FAQ.htm" in clock.standard.source


def test_unknown_payer_id_names_the_id(knowledge: Knowledge) -> None:
    with pytest.raises(KeyError, match="no_such_payer"):
        knowledge.payer("no_such_payer")


def test_misspelt_plan_type_is_refused(knowledge: Knowledge) -> None:
    with pytest.raises(ValueError, match="medicare_ffs"):
        knowledge.payers_by_plan_type("medicare_ffs")  # type: ignore[arg-type]


def test_loaded_knowledge_is_read_only(knowledge: Knowledge) -> None:
    with pytest.raises(TypeError):
        knowledge.payers["x"] = knowledge.payer("aetna_commercial")  # type: ignore[index]
    with pytest.raises(ValidationError, match="frozen"):
        knowledge.payer("aetna_commercial").name = "changed"  # type: ignore[misc]
