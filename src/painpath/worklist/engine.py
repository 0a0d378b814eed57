"""The coordination engine's vocabulary and its pure reconciliation planner.

Providers turn facts + knowledge + now into Obligations (work that is owed) and Fulfillments (work
that a fact has met). The planner compares those with the stored tasks and says what to open, update
and close. Nothing here does I/O or reads the wall clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from datetime import date, datetime
from typing import Any, Protocol

OPEN = "open"
DONE = "done"  # a person completed it
MET = "met"  # a fact met it
CANCELLED = "cancelled"  # no longer required (episode discharged, plan changed)
TASK_STATES = (OPEN, DONE, MET, CANCELLED)
TITLE_MAX = 200  # task.title's column length


@dataclass(frozen=True)
class Obligation:
    """Something that must happen by `due_at`, owned by a role, with the reason in plain words."""

    key: str  # stable across recomputation: the same duty always yields the same key
    kind: str
    provider: str
    clinic_id: int
    episode_id: int
    patient_id: int
    title: str
    due_at: datetime
    owner_role: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A title names the work on one worklist line; one built from long pack words (a procedure's full
        # name and a criterion's label) is shortened here, so every database stores the same words and a
        # second pass compares equal to what the first one wrote.
        if len(self.title) > TITLE_MAX:
            object.__setattr__(self, "title", self.title[: TITLE_MAX - 1].rstrip() + "…")


@dataclass(frozen=True)
class Fulfillment:
    """A fact that meets the obligation with this key."""

    key: str
    provider: str
    met_by: str
    met_at: datetime
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancellation:
    """Open tasks whose key matches `pattern` (fnmatch) and that no provider still produces are closed as
    obsolete with `reason`, instead of the generic words: a plan that pivots says why the abandoned step's
    work is no longer required."""

    pattern: str
    provider: str
    reason: str


@dataclass(frozen=True)
class NextChange:
    """The instant at which this provider's answer for the episode would next change with the clock alone
    (a follow-up window opening, an eligibility date arriving, a grace period ending), the facts staying as
    they are. Obligations are a step function of time: between now and `at` a recompute finds the same
    things, so periodic work can leave the episode alone until then. A provider whose answer for an
    episode never changes with the clock alone emits none for it."""

    provider: str
    episode_id: int
    at: datetime
    why: str = ""  # for people reading a trace: which window or date, in plain words


Finding = Obligation | Fulfillment | Cancellation | NextChange


class LocalDays(Protocol):
    def start_of_local_day_utc(self, day: date) -> datetime: ...


def next_change_on(provider: str, episode_id: int, days: Iterable[date], today: date, calendar: LocalDays,
                   why: str) -> list[NextChange]:
    """A provider whose answer turns on the clinic's date (today >= day) next changes at the start of the
    first of `days` after `today`; none when no such day is ahead."""
    later = [day for day in days if day > today]
    return [NextChange(provider, episode_id, calendar.start_of_local_day_utc(min(later)), why)] if later else []
GENERIC_OBSOLETE_REASON = "No longer required by the episode's current facts"


@dataclass(frozen=True)
class StoredTask:
    """What the planner needs to know about a task already in the database."""

    id: int
    key: str
    provider: str
    status: str
    due_at: datetime
    owner_role: str
    title: str
    reason: str
    closed_at: datetime | None = None
    # The provider's evidence as stored (the reconciler's note left out); None: not compared.
    evidence: dict[str, Any] | None = None


@dataclass(frozen=True)
class Open:
    obligation: Obligation
    # The person-completed task whose obligation is still unmet after its grace period, when it comes back.
    came_back_from: int | None = None


@dataclass(frozen=True)
class Refresh:
    """An open task whose due time, title, reason, owner or evidence changed with the facts; claims are kept."""

    task_id: int
    obligation: Obligation


@dataclass(frozen=True)
class CloseMet:
    task_id: int
    fulfillment: Fulfillment


@dataclass(frozen=True)
class CloseObsolete:
    task_id: int
    reason: str


Action = Open | Refresh | CloseMet | CloseObsolete


def plan_reconciliation(
    stored: Sequence[StoredTask],
    findings: Iterable[Finding],
    providers_evaluated: set[str],
    grace_over: Callable[[datetime], bool] = lambda _closed_at: False,
) -> list[Action]:
    """Decide how stored tasks must change so they match what the providers found.

    `stored` holds the tasks (any state) for the evaluated scope. A key that a person completed stays
    completed while `grace_over(closed_at)` is false (the person's word stands for a while, say while
    the report they chased is on its way); once it is true and the facts still owe the work, the task
    comes back as a new open task that says so, so a completion never makes an owed duty disappear.
    """
    open_by_key = {t.key: t for t in stored if t.status == OPEN}
    done_by_key: dict[str, StoredTask] = {}
    for task in stored:
        if task.status == DONE:
            latest = done_by_key.get(task.key)
            if latest is None or (task.closed_at or datetime.min) > (latest.closed_at or datetime.min):
                done_by_key[task.key] = task
    actions: list[Action] = []
    seen: set[str] = set()
    cancellations: list[Cancellation] = []
    for finding in findings:
        if isinstance(finding, NextChange):
            continue
        if isinstance(finding, Cancellation):
            cancellations.append(finding)
            continue
        if finding.key in seen:
            raise ValueError(f"provider {finding.provider} produced key {finding.key} twice")
        seen.add(finding.key)
        existing = open_by_key.get(finding.key)
        if isinstance(finding, Fulfillment):
            if existing is not None:
                actions.append(CloseMet(existing.id, finding))
        elif existing is None:
            done = done_by_key.get(finding.key)
            if done is None:
                actions.append(Open(finding))
            elif done.closed_at is not None and grace_over(done.closed_at):
                actions.append(Open(finding, came_back_from=done.id))
        elif _changed(existing, finding):
            actions.append(Refresh(existing.id, finding))
    for task in open_by_key.values():
        if task.key not in seen and task.provider in providers_evaluated:
            actions.append(CloseObsolete(task.id, _obsolete_reason(task.key, cancellations)))
    return actions


def grace_period_ends(
    stored: Sequence[StoredTask], findings: Iterable[Finding], grace_end: Callable[[datetime], datetime],
) -> list[NextChange]:
    """The reconciler's own clock dependence: a person-completed task whose key the facts still owe (and that
    has no open task) comes back when its grace period ends (see plan_reconciliation), so that end is a next
    change of the episode too. `grace_end(closed_at)` is the instant `grace_over` turns true."""
    open_keys = {t.key for t in stored if t.status == OPEN}
    latest_done: dict[str, StoredTask] = {}
    for task in stored:
        if task.status == DONE and task.closed_at is not None:
            latest = latest_done.get(task.key)
            if latest is None or task.closed_at > (latest.closed_at or datetime.min):
                latest_done[task.key] = task
    ends: list[NextChange] = []
    for finding in findings:
        if isinstance(finding, Obligation) and finding.key not in open_keys and finding.key in latest_done:
            closed_at = latest_done[finding.key].closed_at
            assert closed_at is not None
            ends.append(NextChange("reconciler", finding.episode_id, grace_end(closed_at), "a completed task's grace period ends"))
    return ends


def next_review(findings: Iterable[Finding], now: datetime) -> dict[int, datetime]:
    """The earliest instant after `now` at which each episode's obligations would change with the clock alone.

    Episodes with no such instant are absent: nothing but a new fact changes them. An instant at or before
    `now` is ignored: the findings were computed at `now`, so they already reflect it.
    """
    earliest: dict[int, datetime] = {}
    for finding in findings:
        if isinstance(finding, NextChange) and finding.at > now:
            current = earliest.get(finding.episode_id)
            if current is None or finding.at < current:
                earliest[finding.episode_id] = finding.at
    return earliest


def keyed(findings: Iterable[Finding]) -> list[Obligation | Fulfillment]:
    """The findings that carry a task key (obligations and fulfillments)."""
    return [f for f in findings if isinstance(f, (Obligation, Fulfillment))]


def _obsolete_reason(key: str, cancellations: Sequence[Cancellation]) -> str:
    """The reason of the first cancellation whose pattern matches the key, else the generic words."""
    for cancellation in cancellations:
        if fnmatchcase(key, cancellation.pattern):
            return cancellation.reason
    return GENERIC_OBSOLETE_REASON


def _changed(task: StoredTask, obligation: Obligation) -> bool:
    return (
        task.due_at != obligation.due_at
        or task.owner_role != obligation.owner_role
        or task.title != obligation.title
        or task.reason != obligation.reason
        or (task.evidence is not None and task.evidence != as_stored(obligation.evidence))
    )


def as_stored(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence as a JSON column gives it back (tuples become lists), so a comparison with a stored row
    sees only real differences."""
    return json.loads(json.dumps(evidence))


class ObligationProvider(Protocol):
    """A slice's source of obligations: it loads its own facts and applies its pure rules."""

    name: str

    def findings(self, session: Any, *, episode_ids: Sequence[int] | None, context: "EngineContext") -> list[Finding]: ...


@dataclass(frozen=True)
class EngineContext:
    """Everything rules may depend on besides facts: knowledge, settings and the moment."""

    now: datetime
    knowledge: Any
    settings: Any
    calendar: Any


_registry: dict[str, ObligationProvider] = {}


def register_provider(provider: ObligationProvider) -> ObligationProvider:
    _registry[provider.name] = provider
    return provider


def registered_providers() -> list[ObligationProvider]:
    return list(_registry.values())


