"""Read model of the outcomes dashboard: the facts the measures count, read straight from the owning slices'
tables (authorizations, patients, plans) READ-ONLY, as DESIGN.md allows for dashboards. Nothing here writes.

Queries return plain rows (Core selects run on the session's connection: no ORM result processing): a 20,000-episode clinic is read in a few
statements, and the measures' Python does the per-case arithmetic the engine's own rules do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session

from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.outcomes.measures import Filters
from painpath.patients.models import Episode
from painpath.plans.models import CarePlan

DECISION_ACTIONS = ("approve", "partially_approve", "deny")
ESCALATION_ACTIONS = ("schedule_peer_to_peer", "appeal")


def episode_conditions(filters: Filters, episode_id_column: ColumnElement) -> ColumnElement[bool]:
    """The episode-level filters (clinician, location, pathway) on any table that names an episode; other measure
    modules may use it too."""
    wanted = []
    if filters.clinician_id is not None:
        wanted.append(Episode.responsible_clinician_id == filters.clinician_id)
    if filters.location_id is not None:
        wanted.append(Episode.location_id == filters.location_id)
    if filters.pathway_id:
        wanted.append(exists().where(CarePlan.episode_id == Episode.id, CarePlan.pathway_id == filters.pathway_id))
    if not wanted:
        return true()
    return exists().where(Episode.id == episode_id_column, *wanted)


def utc_period(calendar, filters: Filters) -> tuple[datetime, datetime]:  # noqa: ANN001
    """The period's days on the clinic's calendar as [start, end) in naive UTC, for datetime anchors."""
    return calendar.start_of_local_day_utc(filters.period_from), calendar.start_of_local_day_utc(filters.period_to + timedelta(days=1))


class AuthFacts(NamedTuple):
    """One authorization case as the measures read it (a named tuple: built from the row once, fast to read)."""

    case_id: int
    episode_id: int
    payer_id: str
    procedure_id: str
    state: str
    eligible_on: date | None
    submitted_at: datetime | None
    decided_at: datetime | None


def _case_conditions(clinic_id: int, filters: Filters) -> list[ColumnElement[bool]]:
    found = [AuthorizationCase.clinic_id == clinic_id, episode_conditions(filters, AuthorizationCase.episode_id)]
    if filters.payer_id:
        found.append(AuthorizationCase.payer_id == filters.payer_id)
    if filters.procedure_id:
        found.append(AuthorizationCase.procedure_id == filters.procedure_id)
    return found


_COLUMNS = (AuthorizationCase.id.label("case_id"), AuthorizationCase.episode_id, AuthorizationCase.payer_id,
            AuthorizationCase.procedure_id, AuthorizationCase.state, AuthorizationCase.eligible_on_at_submission.label("eligible_on"),
            AuthorizationCase.submitted_at, AuthorizationCase.decided_at)


def _facts(session: Session, query) -> list[AuthFacts]:  # noqa: ANN001
    make = AuthFacts._make
    return [make(row) for row in session.connection().execute(query.order_by(AuthorizationCase.id)).all()]


def _memo(session: Session, key: tuple, read):  # noqa: ANN001, ANN202
    """One read per session for the same question: the dashboard's measures share the submitted cases and their
    history instead of reading them once each. The session lives for one request, so nothing outlives its facts."""
    memo = session.info.setdefault("outcomes_reads", {})
    if key not in memo:
        memo[key] = read()
    return memo[key]


def cases_eligible_in(session: Session, *, clinic_id: int, filters: Filters) -> list[AuthFacts]:
    """Submitted cases whose eligibility day (as the engine gave it at submission) falls in the period."""
    query = select(*_COLUMNS).where(*_case_conditions(clinic_id, filters), AuthorizationCase.submitted_at.is_not(None),
                                    AuthorizationCase.eligible_on_at_submission.between(filters.period_from, filters.period_to))
    return _facts(session, query)


def cases_submitted_in(session: Session, *, clinic_id: int, filters: Filters, calendar) -> list[AuthFacts]:  # noqa: ANN001
    """Cases submitted on a day of the period (the clinic's calendar)."""
    start, end = utc_period(calendar, filters)
    query = select(*_COLUMNS).where(*_case_conditions(clinic_id, filters),
                                    and_(AuthorizationCase.submitted_at >= start, AuthorizationCase.submitted_at < end))
    return _memo(session, ("submitted", clinic_id, filters), lambda: _facts(session, query))


def case_actions(session: Session, *, clinic_id: int, filters: Filters, calendar) -> dict[int, list[tuple[datetime, str]]]:  # noqa: ANN001
    """The payer's answers, peer-to-peer calls and appeals, oldest first ({case id: [(at, action)]}), of the cases
    submitted in the period: joined to the same case conditions, not an id list (a large clinic has thousands)."""
    return _memo(session, ("history", clinic_id, filters), lambda: _case_actions(session, clinic_id, filters, calendar))


def _case_actions(session: Session, clinic_id: int, filters: Filters, calendar) -> dict[int, list[tuple[datetime, str]]]:  # noqa: ANN001
    actions = DECISION_ACTIONS + ESCALATION_ACTIONS
    start, end = utc_period(calendar, filters)
    query = (select(CaseEvent.case_id, CaseEvent.at, CaseEvent.action)
             .join(AuthorizationCase, AuthorizationCase.id == CaseEvent.case_id)
             .where(*_case_conditions(clinic_id, filters), AuthorizationCase.submitted_at >= start,
                    AuthorizationCase.submitted_at < end, CaseEvent.action.in_(actions))
             .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id))
    found: dict[int, list[tuple[datetime, str]]] = {}
    for case_id, at, action in session.connection().execute(query).all():
        found.setdefault(case_id, []).append((at, action))
    return found
