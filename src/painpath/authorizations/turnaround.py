"""How long this clinic's payers take to decide, as measured: the business days (the clinic's calendar) from a
case's submission to the payer's first decision (approved, partially approved or denied), the same definition as
the dashboard's "Time from submission to the payer's decision" (outcomes/authorization_measures.py).

It lives here, in the slice that owns the cases, rather than beside the outcomes queries because the portal
(below outcomes in the layers) tells a patient "in this clinic, usually about N business days" from it; the
outcomes slice may call it too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.authorizations.lifecycle import DECISION_ACTIONS
from painpath.authorizations.models import AuthorizationCase, CaseEvent
from painpath.core.clock import BusinessCalendar

MIN_DECIDED = 5  # fewer decided cases than this say too little about a payer: the portal gives the payer's deadline
WINDOW = timedelta(days=365)  # the last 12 months of decisions


def decision_business_days(session: Session, *, clinic_id: int, payer_id: str, calendar: BusinessCalendar,
                           decided_since: datetime) -> list[int]:
    """For each of the clinic's cases with this payer whose first decision came at or after `decided_since` (naive
    UTC), the business days from its submission to that decision."""
    first = (select(CaseEvent.case_id, func.min(CaseEvent.at).label("decided_at"))
             .where(CaseEvent.clinic_id == clinic_id, CaseEvent.action.in_(sorted(DECISION_ACTIONS)))
             .group_by(CaseEvent.case_id).subquery())
    rows = session.execute(
        select(AuthorizationCase.submitted_at, first.c.decided_at).join(first, first.c.case_id == AuthorizationCase.id)
        .where(AuthorizationCase.clinic_id == clinic_id, AuthorizationCase.payer_id == payer_id,
               AuthorizationCase.submitted_at.is_not(None), first.c.decided_at >= decided_since)).all()
    local = calendar.local_date
    return [calendar.business_days_between(local(submitted), local(decided)) for submitted, decided in rows]


def measured_business_days(session: Session, *, clinic_id: int, payer_id: str, calendar: BusinessCalendar, now: datetime,
                           min_decided: int = MIN_DECIDED) -> int | None:
    """The median business days to this payer's decision over the last 12 months, rounded to a whole day; None
    when fewer than `min_decided` cases were decided in that time."""
    days = decision_business_days(session, clinic_id=clinic_id, payer_id=payer_id, calendar=calendar, decided_since=now - WINDOW)
    if len(days) < min_decided:
        return None
    return int(median(days) + 0.5)
