"""The pure reconciliation planner, with plain data."""

from datetime import datetime

import pytest

from painpath.worklist.engine import (
    CloseMet,
    CloseObsolete,
    Fulfillment,
    Obligation,
    Open,
    Refresh,
    StoredTask,
    plan_reconciliation,
)

DUE = datetime(2026, 1, 16, 23, 0)


def ob(key="k1", due=DUE, provider="p"):  # noqa: ANN001, ANN201
    return Obligation(key=key, kind="x", provider=provider, clinic_id=1, episode_id=1, patient_id=1, title="T", due_at=due, owner_role="coordinator", reason="R")


def task(key="k1", status="open", due=DUE, provider="p", id=1):  # noqa: A002, ANN001, ANN201
    return StoredTask(id=id, key=key, provider=provider, status=status, due_at=due, owner_role="coordinator", title="T", reason="R")


def test_new_obligation_opens_a_task():
    assert plan_reconciliation([], [ob()], {"p"}) == [Open(ob())]


def test_unchanged_obligation_does_nothing():
    assert plan_reconciliation([task()], [ob()], {"p"}) == []


def test_moved_deadline_refreshes_the_open_task():
    later = ob(due=datetime(2026, 1, 20, 23, 0))
    assert plan_reconciliation([task()], [later], {"p"}) == [Refresh(1, later)]


def test_fulfillment_closes_the_open_task_with_the_fact():
    met = Fulfillment(key="k1", provider="p", met_by="First visit booked", met_at=DUE)
    assert plan_reconciliation([task()], [met], {"p"}) == [CloseMet(1, met)]


def test_fulfillment_without_open_task_does_nothing():
    met = Fulfillment(key="k1", provider="p", met_by="booked", met_at=DUE)
    assert plan_reconciliation([task(status="met")], [met], {"p"}) == []


def test_vanished_obligation_is_closed_as_obsolete_only_for_evaluated_providers():
    stored = [task(key="a", provider="p", id=1), task(key="b", provider="other", id=2)]
    actions = plan_reconciliation(stored, [], {"p"})
    assert actions == [CloseObsolete(1, "No longer required by the episode's current facts")]


def test_a_person_completed_key_is_not_reopened():
    assert plan_reconciliation([task(status="done")], [ob()], {"p"}) == []


def test_a_met_key_that_is_owed_again_reopens():
    assert plan_reconciliation([task(status="met")], [ob()], {"p"}) == [Open(ob())]


def test_duplicate_keys_from_providers_are_a_bug():
    with pytest.raises(ValueError, match="twice"):
        plan_reconciliation([], [ob(), ob()], {"p"})
