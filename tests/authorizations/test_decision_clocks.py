"""Payer decision clocks from the payer pack, counted across US holidays (Thanksgiving, Christmas, New
Year, Veterans Day) on the clinic's clock (America/Chicago)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from painpath.authorizations.clocks import decision_due, describe_clock
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.loader import load_knowledge

CHICAGO = BusinessCalendar(timezone_name="America/Chicago")


@pytest.fixture(scope="module")
def payers():  # noqa: ANN201
    return load_knowledge().payers


def _local(calendar: BusinessCalendar, at: datetime) -> datetime:
    return calendar.to_local(at).replace(tzinfo=None)


def _submitted(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return CHICAGO.to_utc(datetime(y, m, d, hour, 0))


def test_medicare_expedited_two_business_days_skip_thanksgiving(payers):
    payer = payers["medicare_noridian_jf"]
    assert describe_clock(payer, "expedited") == "2 business days (expedited)"
    # Wed 25 Nov 2026; Thu 26 is Thanksgiving; Fri 27 is day 1, Mon 30 is day 2.
    due = decision_due(CHICAGO, payer, "expedited", _submitted(2026, 11, 25))
    assert _local(CHICAGO, due) == datetime(2026, 11, 30, 23, 59, 59)


def test_medicare_standard_seven_calendar_days_runs_through_the_holiday(payers):
    due = decision_due(CHICAGO, payers["medicare_noridian_jf"], "standard", _submitted(2026, 11, 25))
    assert _local(CHICAGO, due) == datetime(2026, 12, 2, 23, 59, 59)


def test_workers_comp_five_business_days_across_christmas(payers):
    payer = payers["ca_workers_comp"]
    # Wed 23 Dec: Thu 24 (1), Fri 25 Christmas, Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5).
    due = decision_due(CHICAGO, payer, "standard", _submitted(2026, 12, 23))
    assert CHICAGO.local_date(due) == date(2026, 12, 31)


def test_workers_comp_five_business_days_across_new_year(payers):
    payer = payers["ca_workers_comp"]
    # Tue 29 Dec: Wed 30 (1), Thu 31 (2), Fri 1 Jan New Year's Day, Mon 4 (3), Tue 5 (4), Wed 6 (5).
    due = decision_due(CHICAGO, payer, "standard", _submitted(2026, 12, 29))
    assert CHICAGO.local_date(due) == date(2027, 1, 6)


def test_a_late_evening_submission_counts_from_the_clinic_day_not_the_utc_day(payers):
    # A payer without a receipt cut-off (California's RFA one moves a fax after 5:30 pm Pacific to the next
    # business day: tests/workcomp/test_carrier_clock.py).
    payer = payers["generic_state_workers_comp"]
    # 8 pm Tue 24 Nov in Chicago is already Wed 25 Nov in UTC; the clinic's day is Tuesday.
    evening = _submitted(2026, 11, 24, hour=20)
    assert evening.date() == date(2026, 11, 25)
    # Tue 24: Wed 25 (1), Thu 26 Thanksgiving, Fri 27 (2), Mon 30 (3), Tue 1 (4), Wed 2 (5).
    assert CHICAGO.local_date(decision_due(CHICAGO, payer, "standard", evening)) == date(2026, 12, 2)


def test_hour_clocks_ignore_holidays(payers):
    payer = payers["humana_ma"]
    submitted = _submitted(2026, 11, 25, hour=15)
    due = decision_due(CHICAGO, payer, "expedited", submitted)
    assert (due - submitted).total_seconds() == 72 * 3600


def test_veterans_day_counts_only_for_payers_that_work_it(payers):
    federal = payers["ca_workers_comp"]  # veterans_day_is_business_day: false
    assert not federal.business_calendar.veterans_day_is_business_day
    # Tue 10 Nov 2026; Wed 11 is Veterans Day.
    submitted = _submitted(2026, 11, 10)
    assert CHICAGO.local_date(decision_due(CHICAGO, federal, "standard", submitted)) == date(2026, 11, 18)
    works_it = federal.model_copy(update={"business_calendar": federal.business_calendar.model_copy(
        update={"veterans_day_is_business_day": True})})
    assert CHICAGO.local_date(decision_due(CHICAGO, works_it, "standard", submitted)) == date(2026, 11, 17)
