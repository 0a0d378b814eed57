"""Business-day arithmetic on the US federal calendar, checked against the published 2026 holidays."""

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from painpath.core.clock import BusinessCalendar

CAL = BusinessCalendar(country="US", timezone_name="America/Chicago")


def test_2026_federal_holidays_are_not_business_days():
    # RECIPES.md: holidays.US(2026) includes 11 Nov, 26 Nov (Thanksgiving) and 25 Dec.
    for day in (date(2026, 1, 1), date(2026, 1, 19), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25)):
        assert not CAL.is_business_day(day), day
    assert CAL.is_business_day(date(2026, 11, 27))  # the Friday after Thanksgiving is not federal


def test_adding_business_days_skips_weekends_and_holidays():
    assert CAL.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)  # over Thanksgiving
    assert CAL.add_business_days(date(2026, 11, 6), 3) == date(2026, 11, 12)  # Fri + 3 skips the weekend and 11 Nov
    assert CAL.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_a_payer_may_count_veterans_day_as_a_business_day():
    payer_calendar = BusinessCalendar(observed_holidays_ignored=frozenset({"Veterans Day"}))
    assert payer_calendar.is_business_day(date(2026, 11, 11))
    assert payer_calendar.add_business_days(date(2026, 11, 10), 1) == date(2026, 11, 11)


def test_due_time_is_end_of_the_local_day_in_utc():
    # Friday 8 Jan 2026 ends at 23:59:59 Chicago time = 05:59:59 UTC on Saturday.
    assert CAL.end_of_local_day_utc(date(2026, 1, 8)) == datetime(2026, 1, 9, 5, 59, 59)
    # A call at 20:00 Chicago on Monday is still Monday locally even though it is Tuesday in UTC.
    assert CAL.local_date(datetime(2026, 1, 6, 2, 0)) == date(2026, 1, 5)


@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), days=st.integers(min_value=0, max_value=40))
def test_business_days_between_inverts_add_business_days(start, days):
    end = CAL.add_business_days(start, days)
    assert CAL.business_days_between(start, end) == days
    assert end == start or CAL.is_business_day(end)


@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), days=st.integers(min_value=1, max_value=40))
def test_every_day_skipped_is_a_weekend_or_holiday(start, days):
    end = CAL.add_business_days(start, days)
    counted = [start + timedelta(n) for n in range(1, (end - start).days + 1)]
    assert sum(CAL.is_business_day(d) for d in counted) == days


def test_a_settable_clock_installed_for_a_test_is_what_every_reader_sees_and_is_removed_after():
    from painpath.core import clock as clock_module

    monday = datetime(2026, 1, 5, 15, 0)
    with clock_module.installed(clock_module.SettableClock(monday, tick=False)) as clock:
        assert clock_module.utcnow() == monday
        clock.move_to(datetime(2026, 2, 19, 16, 0, tzinfo=timezone.utc))
        assert clock_module.utcnow() == datetime(2026, 2, 19, 16, 0)
        clock.advance(timedelta(hours=36))
        assert clock_module.utcnow() == datetime(2026, 2, 21, 4, 0)
    assert abs(clock_module.utcnow() - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=1)


def test_a_ticking_settable_clock_moves_on_from_where_it_was_set():
    from painpath.core.clock import SettableClock

    clock = SettableClock(datetime(2026, 1, 5, 15, 0))
    first = clock.now()
    assert timedelta(0) <= first - datetime(2026, 1, 5, 15, 0) < timedelta(seconds=5)
    assert clock.now() >= first


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
def test_a_local_day_starts_the_instant_after_the_previous_one_ends_even_across_daylight_saving(day):
    start = CAL.start_of_local_day_utc(day)
    assert CAL.local_date(start) == day
    assert CAL.local_date(start - timedelta(microseconds=1)) == day - timedelta(days=1)
    assert start - CAL.end_of_local_day_utc(day - timedelta(days=1)) == timedelta(seconds=1)  # the day ends at 23:59:59


def test_the_local_day_starts_at_midnight_in_chicago():
    assert CAL.start_of_local_day_utc(date(2026, 1, 12)) == datetime(2026, 1, 12, 6, 0)  # CST
    assert CAL.start_of_local_day_utc(date(2026, 7, 1)) == datetime(2026, 7, 1, 5, 0)  # CDT


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)),
       st.sampled_from(["America/Chicago", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "Europe/London"]))
def test_local_date_is_the_date_of_the_moment_on_the_clinics_wall_clock(moment, zone):
    calendar = BusinessCalendar(country="US", timezone_name=zone)
    assert calendar.local_date(moment) == moment.replace(tzinfo=UTC).astimezone(calendar.tz).date()


def test_local_date_across_the_chicago_dst_changes():
    # 2026-03-08 02:00 CST -> CDT (08:00 UTC) and 2026-11-01 02:00 CDT -> CST (07:00 UTC).
    for start in (datetime(2026, 3, 8, 4), datetime(2026, 11, 1, 3)):
        for minutes in range(0, 8 * 60, 7):
            moment = start + timedelta(minutes=minutes)
            assert CAL.local_date(moment) == moment.replace(tzinfo=UTC).astimezone(CAL.tz).date()
    assert CAL.local_date(datetime(2026, 11, 1, 4, 59)) == date(2026, 10, 31)  # 23:59 CDT
    assert CAL.local_date(datetime(2026, 11, 1, 5, 0)) == date(2026, 11, 1)  # 00:00 CDT
