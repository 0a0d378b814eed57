"""NextChange: providers say when their answer next changes with the clock; the planner never sees it as work."""

from __future__ import annotations

from datetime import datetime, timedelta

from painpath.worklist.engine import NextChange, Obligation, keyed, next_review, plan_reconciliation

NOW = datetime(2026, 12, 7, 15, 0)


def _obligation(key: str, episode_id: int = 1) -> Obligation:
    return Obligation(key=key, kind="k", provider="p", clinic_id=1, episode_id=episode_id, patient_id=1,
                      title="Call the patient", due_at=NOW + timedelta(days=1), owner_role="coordinator", reason="r")


def test_next_review_is_the_earliest_instant_after_now_per_episode() -> None:
    findings = [
        _obligation("a"),
        NextChange("p", 1, NOW + timedelta(days=3)),
        NextChange("q", 1, NOW + timedelta(hours=5)),
        NextChange("p", 2, NOW + timedelta(days=9)),
        NextChange("p", 3, NOW),  # already reflected in findings computed at NOW
        NextChange("p", 3, NOW - timedelta(days=1)),
    ]
    assert next_review(findings, NOW) == {1: NOW + timedelta(hours=5), 2: NOW + timedelta(days=9)}


def test_an_episode_without_next_change_has_no_review_time() -> None:
    assert next_review([_obligation("a")], NOW) == {}


def test_next_change_is_not_work_for_the_planner() -> None:
    findings = [_obligation("a"), NextChange("p", 1, NOW + timedelta(days=1)), NextChange("p", 1, NOW + timedelta(days=2))]
    actions = plan_reconciliation([], findings, {"p"})
    assert [type(a).__name__ for a in actions] == ["Open"]
    assert [f.key for f in keyed(findings)] == ["a"]


def test_a_completed_task_still_owed_comes_back_when_its_grace_ends_so_that_end_is_a_next_change() -> None:
    from painpath.worklist.engine import DONE, StoredTask, grace_period_ends

    closed = NOW - timedelta(days=1)
    done = StoredTask(7, "a", "p", DONE, NOW, "coordinator", "Call the patient", "r", closed_at=closed)
    ends = grace_period_ends([done], [_obligation("a"), _obligation("b")], lambda at: at + timedelta(days=3))
    assert [(c.episode_id, c.at) for c in ends] == [(1, closed + timedelta(days=3))]
    assert next_review(ends, NOW) == {1: closed + timedelta(days=3)}
    # Not owed any more, or open again: nothing comes back, so no next change.
    assert grace_period_ends([done], [_obligation("b")], lambda at: at + timedelta(days=3)) == []
