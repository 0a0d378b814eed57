"""The authorization case's states and the moves between them, as data.

A case is opened in *preparing* while conservative care runs; it is *ready* when every criterion is met
and the kit is complete; then *submitted*. The payer answers *pended* (information requested),
*approved*, *partially approved* or *denied*. A denial leads to a *peer-to-peer* and/or an *appeal*,
or back to *preparing* for a corrected resubmission (Medicare allows unlimited resubmission after a
non-affirmation, research/prior-auth.md section 1). An approval whose window passes unused is
*expired*; a case nobody pursues any more is *withdrawn*.

Pure: no I/O. The service checks the preconditions that need facts (a complete kit before submission).
"""

from __future__ import annotations

from dataclasses import dataclass

PREPARING = "preparing"
READY = "ready"
SUBMITTED = "submitted"
PENDED = "pended"
APPROVED = "approved"
PARTIALLY_APPROVED = "partially_approved"
DENIED = "denied"
PEER_TO_PEER = "peer_to_peer_scheduled"
APPEALED = "appealed"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"

STATES = (PREPARING, READY, SUBMITTED, PENDED, APPROVED, PARTIALLY_APPROVED, DENIED, PEER_TO_PEER, APPEALED, WITHDRAWN, EXPIRED)
TERMINAL = frozenset({WITHDRAWN, EXPIRED})
# Waiting on the payer: the decision clock runs.
AWAITING_PAYER = frozenset({SUBMITTED, APPEALED})
# An approval is in force: units can be used against it.
IN_FORCE = frozenset({APPROVED, PARTIALLY_APPROVED})

STATE_WORDS = {
    PREPARING: "Preparing",
    READY: "Ready to submit",
    SUBMITTED: "Submitted",
    PENDED: "Pended: information requested",
    APPROVED: "Approved",
    PARTIALLY_APPROVED: "Partially approved",
    DENIED: "Denied",
    PEER_TO_PEER: "Peer-to-peer scheduled",
    APPEALED: "Appealed",
    WITHDRAWN: "Withdrawn",
    EXPIRED: "Expired",
}

_DECISIONS = (APPROVED, PARTIALLY_APPROVED, DENIED)


@dataclass(frozen=True)
class Move:
    action: str
    to_state: str
    words: str  # the button a coordinator presses


# action -> (states it may start from, the state it leads to, words)
_MOVES: dict[str, tuple[frozenset[str], str, str]] = {
    "mark_ready": (frozenset({PREPARING}), READY, "Mark ready"),
    "reopen": (frozenset({READY, DENIED}), PREPARING, "Back to preparing"),
    "submit": (frozenset({PREPARING, READY}), SUBMITTED, "Record submission"),
    "pend": (frozenset({SUBMITTED, APPEALED}), PENDED, "Payer asked for information"),
    "answer_pend": (frozenset({PENDED}), SUBMITTED, "Information sent to payer"),
    "approve": (frozenset({SUBMITTED, PENDED, PEER_TO_PEER, APPEALED}), APPROVED, "Approved"),
    "partially_approve": (frozenset({SUBMITTED, PENDED, PEER_TO_PEER, APPEALED}), PARTIALLY_APPROVED, "Partially approved"),
    "deny": (frozenset({SUBMITTED, PENDED, PEER_TO_PEER, APPEALED}), DENIED, "Denied"),
    "schedule_peer_to_peer": (frozenset({DENIED, PARTIALLY_APPROVED}), PEER_TO_PEER, "Schedule peer-to-peer"),
    "appeal": (frozenset({DENIED, PARTIALLY_APPROVED, PEER_TO_PEER}), APPEALED, "File appeal"),
    "expire": (frozenset({APPROVED, PARTIALLY_APPROVED}), EXPIRED, "Approval expired"),
    "withdraw": (frozenset(set(STATES) - TERMINAL), WITHDRAWN, "Withdraw"),
}
ACTIONS = tuple(_MOVES)
DECISION_ACTIONS = frozenset({"approve", "partially_approve", "deny"})


class IllegalMove(ValueError):
    def __init__(self, action: str, state: str):
        self.action, self.state = action, state
        allowed = ", ".join(sorted(a for a, (starts, _to, _w) in _MOVES.items() if state in starts)) or "none"
        super().__init__(f"a case that is {STATE_WORDS.get(state, state).lower()} cannot '{action}'; allowed now: {allowed}")


def move(state: str, action: str) -> str:
    """The state `action` leads to from `state`, or IllegalMove."""
    if action not in _MOVES:
        raise IllegalMove(action, state)
    starts, to_state, _words = _MOVES[action]
    if state not in starts:
        raise IllegalMove(action, state)
    return to_state


def available(state: str) -> list[Move]:
    """The moves a person may make from `state`, in a sensible button order."""
    return [Move(action, to, words) for action, (starts, to, words) in _MOVES.items() if state in starts]
