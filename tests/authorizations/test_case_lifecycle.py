"""The authorization case's state machine: every state the issue names, and only the moves that make sense."""

from __future__ import annotations

import pytest

from painpath.authorizations import lifecycle


def test_the_happy_path_preparing_ready_submitted_approved_expired():
    state = lifecycle.PREPARING
    for action, expected in [("mark_ready", "ready"), ("submit", "submitted"), ("approve", "approved"), ("expire", "expired")]:
        state = lifecycle.move(state, action)
        assert state == expected


def test_a_pend_is_answered_and_the_case_waits_on_the_payer_again():
    state = lifecycle.move(lifecycle.SUBMITTED, "pend")
    assert state == "pended"
    assert lifecycle.move(state, "answer_pend") == "submitted"


def test_a_denial_goes_to_peer_to_peer_then_appeal_then_approval():
    state = lifecycle.move(lifecycle.SUBMITTED, "deny")
    state = lifecycle.move(state, "schedule_peer_to_peer")
    assert state == "peer_to_peer_scheduled"
    state = lifecycle.move(state, "appeal")
    assert state == "appealed"
    assert lifecycle.move(state, "partially_approve") == "partially_approved"


def test_a_denied_case_can_be_corrected_and_resubmitted():
    assert lifecycle.move(lifecycle.DENIED, "reopen") == "preparing"


@pytest.mark.parametrize("state", sorted(set(lifecycle.STATES) - lifecycle.TERMINAL))
def test_every_open_case_can_be_withdrawn(state):
    assert lifecycle.move(state, "withdraw") == "withdrawn"


@pytest.mark.parametrize(("state", "action"), [
    ("preparing", "approve"),  # nothing was submitted
    ("approved", "submit"),
    ("withdrawn", "submit"),
    ("expired", "withdraw"),
    ("submitted", "mark_ready"),
    ("preparing", "expire"),
    ("submitted", "no_such_action"),
])
def test_moves_that_make_no_sense_are_refused_with_what_is_allowed(state, action):
    with pytest.raises(lifecycle.IllegalMove) as refused:
        lifecycle.move(state, action)
    assert "allowed now" in str(refused.value)


def test_every_state_has_words_and_terminal_states_offer_no_moves():
    assert set(lifecycle.STATE_WORDS) == set(lifecycle.STATES)
    for state in lifecycle.TERMINAL:
        assert lifecycle.available(state) == []
    assert [m.action for m in lifecycle.available(lifecycle.PREPARING)] == ["mark_ready", "submit", "withdraw"]
