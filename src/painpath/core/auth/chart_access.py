"""Chart access: one policy for every route that reaches patient data, by whatever id it takes.

A route's permission (roles.py) says what kind of work a role may do; this policy says on whose chart.
Core knows no slice, so slices plug in at two points:

- a **collection** maps the path segment before an id (`/api/encounters/{encounter_id}` -> "encounters")
  to the chart it belongs to: the patient and the episodes the id reaches. Most tables carry
  `episode_id`, so `register_collection("encounters", Encounter)` is enough; patients registers
  "patients" (every episode of the patient) and "episodes" itself.
- a **caseload** narrows which episodes a role reaches (therapy: a therapist opens only the episodes
  whose PT course names them). It is a query of episode ids, so the same rule refuses a single id and
  filters the rows of a list (worklist, records tracker, authorization board).

`web.deps.requires` applies `require_for_route` to every route after its permission check, so a route
that takes an id is covered by declaring its path; tests/web/test_chart_access_routes.py fails when a
route's id is neither resolvable here nor listed as not reaching a chart. A refusal is a 403 with the
rule's reason, audited as "chart.read_refused" in its own transaction after the request's rolls back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, event, select, true
from sqlalchemy.orm import Session, SessionTransaction

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DB_INT_MAX

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChartTarget:
    """The chart an id reaches: its patient and the episodes concerned (all of the patient's for a patient id)."""

    object_type: str
    object_id: int
    patient_id: int
    episode_ids: tuple[int, ...]


# (session, clinic_id, id) -> the chart, or None when there is no such row in this clinic.
Resolver = Callable[[Session, int, int], ChartTarget | None]


@dataclass(frozen=True)
class Caseload:
    """A rule narrowing the episodes a role reaches. `episodes(actor)` is a select of episode ids, or None
    when the rule does not restrict this actor; `refusal` is said to the person refused."""

    name: str
    episodes: Callable[[Actor], Select | None]
    refusal: str


class ChartAccessRefused(DomainError):
    """The caller's role may do this kind of work, but not on this patient's chart (403)."""

    status_code = 403


_resolvers: dict[str, Resolver] = {}
_caseloads: dict[str, Caseload] = {}
_models: dict[str, type] = {}  # the table behind each collection registered by model
_EPISODES = "episodes"


def register_resolver(collection: str, resolver: Resolver) -> None:
    _resolvers[collection] = resolver


def register_collection(collection: str, model: type, *, object_type: str | None = None) -> None:
    """A table with `id`, `clinic_id` and `episode_id`: its row reaches the chart of its episode."""
    kind = object_type or model.__tablename__

    def resolve(session: Session, clinic_id: int, object_id: int) -> ChartTarget | None:
        episode_id = session.scalar(select(model.episode_id).where(model.id == object_id, model.clinic_id == clinic_id))
        episode = None if episode_id is None else _resolvers[_EPISODES](session, clinic_id, episode_id)
        if episode is None:
            return None
        return ChartTarget(kind, object_id, episode.patient_id, episode.episode_ids)

    register_resolver(collection, resolve)
    _models[collection] = model


def register_caseload(caseload: Caseload) -> None:
    _caseloads[caseload.name] = caseload


def collections() -> Mapping[str, Resolver]:
    return dict(_resolvers)


def collection_models() -> Mapping[str, type]:
    return dict(_models)


# Checks --------------------------------------------------------------------------------------------

def _refusal(session: Session, actor: Actor, target: ChartTarget) -> str | None:
    for caseload in _caseloads.values():
        allowed = caseload.episodes(actor)
        if allowed is None:
            continue
        if not target.episode_ids:
            return caseload.refusal
        reached = session.scalar(select(allowed.where(allowed.selected_columns[0].in_(target.episode_ids)).exists()))
        if not reached:
            return caseload.refusal
    return None


def check(session: Session, actor: Actor, target: ChartTarget) -> None:
    """Refuse (403, audited) when a caseload keeps `actor` from this chart."""
    reason = _refusal(session, actor, target)
    if reason is not None:
        audit_refusal_after_transaction(session, actor, patient_id=target.patient_id, object_type=target.object_type,
                                        object_id=target.object_id)
        raise ChartAccessRefused(FieldProblem(f"{target.object_type}_id", "chart_access", reason))


def require(session: Session, actor: Actor, *, collection: str, object_id: int) -> ChartTarget:
    """The chart `object_id` of `collection` reaches, if `actor` may reach it: 404 when there is no such
    row in the actor's clinic, 403 when a caseload refuses."""
    target = _resolvers[collection](session, actor.clinic_id, object_id)
    if target is None:
        raise NotFound(collection.rstrip("s").replace("-", " "), object_id)
    check(session, actor, target)
    return target


_PARAM = re.compile(r"^\{(\w+)(:\w+)?\}$")


def route_ids(path: str) -> list[tuple[str, str]]:
    """(collection, parameter) for each `{id}` in a route template, the collection being the segment before it."""
    segments = path.strip("/").split("/")
    found = []
    for before, segment in zip(segments, segments[1:]):
        matched = _PARAM.match(segment)
        if matched:
            found.append((before, matched.group(1)))
    return found


def require_for_route(session: Session, actor: Actor, path: str, path_params: Mapping[str, object]) -> None:
    """Check every id in the route's path that reaches a chart (called by web.deps.requires)."""
    for collection, param in route_ids(path):
        if collection not in _resolvers:
            continue  # not a chart object (an instrument id, a measure name); the route test lists these
        raw = path_params.get(param)
        try:
            object_id = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue  # the route's own validation answers 422
        if not 1 <= object_id <= DB_INT_MAX:
            continue  # no row can have it; the route's own validation answers 422, naming the field
        require(session, actor, collection=collection, object_id=object_id)


def narrows(actor: Actor) -> bool:
    """Whether a caseload keeps `actor` to some episodes (lists of patients, not episodes, need to know)."""
    return any(caseload.episodes(actor) is not None for caseload in _caseloads.values())


def caseload_filter(actor: Actor, episode_column: ColumnElement) -> ColumnElement[bool]:
    """A WHERE clause keeping list rows to the episodes `actor` reaches (true when no caseload applies)."""
    clause: ColumnElement[bool] = true()
    for caseload in _caseloads.values():
        allowed = caseload.episodes(actor)
        if allowed is not None:
            clause = clause & episode_column.in_(allowed)
    return clause


# Refusal audit -------------------------------------------------------------------------------------

_REFUSALS_KEY = "painpath.chart_read_refusals"


def audit_refusal_after_transaction(session: Session, actor: Actor, **what: object) -> None:
    """Queue the refusal's audit row; it is written in its own transaction when the caller's ends.

    Not in the caller's transaction: the 403 rolls that back (the request's session rolls back on any
    error) and the refusal must survive. Not at once on a second connection either: on SQLite the
    caller's transaction may hold the write lock, so a second writer would wait on it. So the row is
    written right after the caller's transaction ends, committed or not."""
    session.info.setdefault(_REFUSALS_KEY, []).append((actor, what))


@event.listens_for(Session, "after_transaction_end")
def _write_queued_refusals(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint or subtransaction ended; the outer one is still open
        return
    queued = session.info.pop(_REFUSALS_KEY, None)
    if not queued:
        return
    try:
        with Session(bind=session.get_bind()) as separate, separate.begin():
            for actor, what in queued:
                audit.record(separate, actor, "chart.read_refused", object_type=what["object_type"], object_id=what["object_id"],
                             patient_id=what["patient_id"])
    except Exception:  # noqa: BLE001 - raising here would hide the 403 being answered; say so in the log (no PHI)
        _log.exception("could not write %d chart.read_refused audit row(s)", len(queued))
