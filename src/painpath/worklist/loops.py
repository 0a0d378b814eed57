"""Open loops: every order and referral the clinic sent out and is still waiting on, for the clinic-wide
board. Slices that send things out (orders, referrals) register a source; each returns its own open loops
as plain rows. The board (`worklist/loops_pages.py`) only sorts, filters and shows them.

A source is a read model: it may join other slices' tables read-only for display (patient name), never
writes, and returns only the loops of the clinic it is given (the signed-in user's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OpenLoop:
    kind: str  # "imaging_order" | "referral"
    loop_id: int  # the order's or referral's id
    episode_id: int
    patient_name: str
    what: str  # "MR arthrogram, right hip" / "Orthopedics: Dr Lee, Hip Surgery Associates"
    state: str  # the loop's state in words: "sent, not acknowledged", "study done, report not back"
    waiting_on: str  # whom: "the imaging centre", "the receiving practice", "our clinician", "us"
    since: datetime  # when the loop entered its current state (UTC)
    urgency: str  # routine | urgent
    href: str  # where the loop is worked: the order's or referral's page
    stalled: bool = False  # past the point where the slice escalates


LoopSource = Callable[[Session, int], list[OpenLoop]]  # (session, clinic id) -> that clinic's open loops
_sources: list[LoopSource] = []


def register_loop_source(source: LoopSource) -> LoopSource:
    if source not in _sources:
        _sources.append(source)
    return source


def open_loops(session: Session, clinic_id: int) -> list[OpenLoop]:
    """Every registered source's open loops, the longest-waiting first."""
    loops: list[OpenLoop] = []
    for source in _sources:
        loops.extend(source(session, clinic_id))
    return sorted(loops, key=lambda loop: (not loop.stalled, loop.since))
