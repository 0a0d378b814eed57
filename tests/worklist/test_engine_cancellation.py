"""The planner's Cancellation finding: tasks nobody produces any more close with the cancellation's reason."""

from datetime import datetime

from painpath.worklist.engine import (
    GENERIC_OBSOLETE_REASON,
    Cancellation,
    CloseObsolete,
    Obligation,
    StoredTask,
    plan_reconciliation,
)

DUE = datetime(2026, 2, 19, 23, 0)
PIVOT = "Plan changed to hip pathway: positive FADIR with groin pain"


def ob(key: str, provider: str = "plans") -> Obligation:
    return Obligation(key=key, kind="x", provider=provider, clinic_id=1, episode_id=1, patient_id=1, title="T", due_at=DUE,
                      owner_role="clinician", reason="R")


def task(key: str, id: int, provider: str = "plans", status: str = "open") -> StoredTask:  # noqa: A002
    return StoredTask(id=id, key=key, provider=provider, status=status, due_at=DUE, owner_role="clinician", title="T", reason="R")


def test_matching_tasks_no_provider_produces_close_with_the_cancellations_reason():
    stored = [task("plans:step-review:step:7", 1), task("auth:submit:case:3", 2, provider="authorizations")]
    findings = [Cancellation("plans:*:step:7", "plans", PIVOT), Cancellation("auth:*:case:3", "plans", PIVOT)]
    actions = plan_reconciliation(stored, findings, {"plans", "authorizations"})
    assert sorted(actions, key=lambda a: a.task_id) == [CloseObsolete(1, PIVOT), CloseObsolete(2, PIVOT)]


def test_tasks_the_pattern_does_not_match_keep_the_generic_reason():
    stored = [task("plans:step-review:step:8", 1)]
    actions = plan_reconciliation(stored, [Cancellation("plans:*:step:7", "plans", PIVOT)], {"plans"})
    assert actions == [CloseObsolete(1, GENERIC_OBSOLETE_REASON)]


def test_a_task_still_produced_stays_open_even_when_a_pattern_matches():
    # The pattern names the whole case, but the provider still owes this task: it is not obsolete.
    stored = [task("auth:submit:case:3", 1, provider="authorizations")]
    findings = [ob("auth:submit:case:3", provider="authorizations"), Cancellation("auth:*:case:3", "plans", PIVOT)]
    assert plan_reconciliation(stored, findings, {"plans", "authorizations"}) == []


def test_closed_tasks_and_unevaluated_providers_are_left_alone():
    stored = [task("plans:step-review:step:7", 1, status="done"), task("therapy:visit:step:7", 2, provider="therapy")]
    actions = plan_reconciliation(stored, [Cancellation("*:step:7", "plans", PIVOT)], {"plans"})
    assert actions == []


def test_cancellations_may_share_a_pattern_and_do_not_count_as_duplicate_keys():
    findings = [Cancellation("plans:*", "plans", "first"), Cancellation("plans:*", "plans", "second")]
    assert plan_reconciliation([task("plans:x", 1)], findings, {"plans"}) == [CloseObsolete(1, "first")]
