"""The carrier's decision clock on a workers' compensation request: California counts 5 business days from
the day after receipt, and an RFA faxed after 5:30 pm Pacific counts as received the next business day
(8 CCR 9792.9.1(a)(1) and (c)(3), research/wave2.md 7.6-7.7). Worked examples from those rules, on the
March 2026 calendar (no holidays)."""

from __future__ import annotations

from datetime import date, datetime

from painpath.authorizations import clocks
from painpath.core.clock import BusinessCalendar
from painpath.knowledge import load_knowledge

CA = load_knowledge().payers["ca_workers_comp"]
CHICAGO = BusinessCalendar(timezone_name="America/Chicago")


def _due_day(submitted_utc: datetime, priority: str = "standard") -> date:
    return CHICAGO.local_date(clocks.decision_due(CHICAGO, CA, priority, submitted_utc))


def test_a_request_received_in_business_hours_is_due_five_business_days_after_that_day() -> None:
    # Thursday 5 March 2026, 10:00 Pacific: received that day; counting starts Friday -> due Thursday 12 March.
    assert clocks.received_on(CHICAGO, CA, "standard", datetime(2026, 3, 5, 18, 0)) == date(2026, 3, 5)
    assert _due_day(datetime(2026, 3, 5, 18, 0)) == date(2026, 3, 12)


def test_a_fax_after_half_past_five_pacific_counts_from_the_next_business_day() -> None:
    # Friday 6 March 2026, 18:00 Pacific (02:00 UTC Saturday): received Monday 9 March -> due Monday 16 March.
    assert clocks.received_on(CHICAGO, CA, "standard", datetime(2026, 3, 7, 2, 0)) == date(2026, 3, 9)
    assert _due_day(datetime(2026, 3, 7, 2, 0)) == date(2026, 3, 16)
    # The same Friday at 17:00 Pacific is still that day's receipt -> due Friday 13 March.
    assert _due_day(datetime(2026, 3, 7, 1, 0)) == date(2026, 3, 13)


def test_expedited_review_runs_72_hours_from_the_request_with_no_receipt_rule() -> None:
    submitted = datetime(2026, 3, 7, 2, 0)
    assert clocks.received_on(CHICAGO, CA, "expedited", submitted) is None
    assert clocks.decision_due(CHICAGO, CA, "expedited", submitted) == datetime(2026, 3, 10, 2, 0)
