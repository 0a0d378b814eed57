"""Who was shown which patient's information: one audit row per (request, patient), whatever the page.

A page is assembled from many services (the episode page's panels each open the episode), and lists
(search, worklist, trackers) show many patients at once. Auditing at each service call wrote four rows
for one episode page and none for a list. Instead, services *note* what they showed, and the request's
unit of work writes the notes as audit rows once, in its own transaction, just before it commits
(web/deps.py get_db_session). A request that fails rolls back and showed nothing, so it leaves no row;
a refused read keeps its own `chart.read_refused` row (patients/service.py).

Granularity, chosen on purpose: one row per (request, patient), never one per service call and never
one per request with the patients folded into JSON. The question the trail must answer is "who looked
at this patient, and what did they see" (a patient's access report, the audit viewer's patient
filter); with a row per patient that is the indexed `patient_id` column (ix_audit_event_patient_at) on
both databases, where ids inside `detail` would need a dialect-specific JSON scan. Each row's `detail`
names everything of that patient the request showed (`shown`: "episode:5", "encounter:9") and the lists
the patient appeared in (`lists`: "worklist"), so nothing is lost by merging.

Outside a request (CLI, jobs) there is no unit of work to flush at, so a note is written at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor

_SCOPE_KEY = "painpath.access_scope"
# A chart item was shown: the patient's chart (or part of it) was opened.
CHART_READ = "chart.read"
# The patient only appeared as a line in a list (name, MRN, a task's title), their chart was not opened.
LISTED = "patient.listed"


@dataclass
class _Seen:
    actor: Actor
    shown: list[str] = field(default_factory=list)  # "episode:5", in the order first shown
    lists: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)  # which part of the chart, when a route says so


def open_request_scope(session: Session) -> None:
    """From now on notes on this session wait for `flush_request_scope` (called by the request's unit of work)."""
    session.info[_SCOPE_KEY] = {}


def _scope(session: Session) -> dict[int, _Seen] | None:
    return session.info.get(_SCOPE_KEY)


def note_shown(session: Session, actor: Actor, *, patient_id: int, object_type: str, object_id: object, view: str | None = None) -> None:
    """This request showed `object_type` `object_id` (the patient, an episode, a note...) of `patient_id`."""
    item = f"{object_type}:{object_id}"
    scope = _scope(session)
    if scope is None:
        _write(session, patient_id, _Seen(actor, shown=[item], views=[view] if view else []))
        return
    seen = scope.setdefault(patient_id, _Seen(actor))
    if item not in seen.shown:
        seen.shown.append(item)
    if view and view not in seen.views:
        seen.views.append(view)


def note_listed(session: Session, actor: Actor, *, list_name: str, patient_ids: object) -> None:
    """This request showed the list `list_name` with these patients on it (ids; repeats and None are ignored)."""
    ids = list(dict.fromkeys(pid for pid in patient_ids if pid is not None))  # type: ignore[attr-defined]
    scope = _scope(session)
    for patient_id in ids:
        if scope is None:
            _write(session, patient_id, _Seen(actor, lists=[list_name]))
            continue
        seen = scope.setdefault(patient_id, _Seen(actor))
        if list_name not in seen.lists:
            seen.lists.append(list_name)


def flush_request_scope(session: Session) -> int:
    """Write one audit row per patient the request showed, into its transaction; return how many."""
    scope = session.info.pop(_SCOPE_KEY, None) or {}
    for patient_id, seen in scope.items():
        _write(session, patient_id, seen)
    return len(scope)


def discard_request_scope(session: Session) -> None:
    """The request failed: nothing was shown, nothing to write."""
    session.info.pop(_SCOPE_KEY, None)


def _write(session: Session, patient_id: int, seen: _Seen) -> None:
    if seen.shown:
        # The first thing shown names the row (the page's subject: the episode of an episode page).
        object_type, object_id = seen.shown[0].split(":", 1)
        action = CHART_READ
    else:
        object_type, object_id = "list", seen.lists[0]
        action = LISTED
    detail: dict[str, list[str]] = {}
    if seen.shown:
        detail["shown"] = seen.shown
    if seen.lists:
        detail["lists"] = seen.lists
    if seen.views:
        detail["views"] = seen.views
    audit.record(session, seen.actor, action, object_type=object_type, object_id=object_id, patient_id=patient_id, detail=detail)
