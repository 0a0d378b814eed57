"""All time goes through here: an injectable clock and the clinic's business calendar.

Timestamps are stored as naive UTC. Business days are counted on the clinic's local calendar.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays


class SystemClock:
    """The machine's clock (time-machine moves it in unit tests)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class SettableClock:
    """A clock a test or the simulator sets: it reads `moment` plus the real time elapsed since it was set.

    Ticking on keeps two actions a second apart in the right order, as they would be in a clinic, while a
    journey jumps from Monday to six weeks later with one call and never sleeps.
    """

    def __init__(self, moment: datetime, *, tick: bool = True) -> None:
        self._tick = tick
        self.move_to(moment)

    def move_to(self, moment: datetime) -> None:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        self._anchor, self._set_at = moment, _time.monotonic()

    def advance(self, delta: timedelta) -> None:
        self.move_to(self.now() + delta)

    def now(self) -> datetime:
        if not self._tick:
            return self._anchor
        return self._anchor + timedelta(seconds=_time.monotonic() - self._set_at)


_installed: SystemClock | SettableClock = SystemClock()


def utcnow() -> datetime:
    """Current time as naive UTC, from the installed clock: the machine's, or one a test or the simulator set."""
    return _installed.now()


@contextmanager
def installed(clock: SettableClock) -> Iterator[SettableClock]:
    """Every reader of `utcnow()` in this process, the live test server's threads included, reads `clock`."""
    global _installed
    previous, _installed = _installed, clock
    try:
        yield clock
    finally:
        _installed = previous


def iso_utc(moment: datetime) -> str:
    """A stored (naive UTC) time as ISO 8601 with its offset, for JSON readers outside the clinic."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days: Monday to Friday, minus the configured public holidays."""

    country: str = "US"
    subdivision: str | None = None
    timezone_name: str = "America/Chicago"
    # Some payers count Veterans Day as a working day; their packs say so.
    observed_holidays_ignored: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    @cached_property
    def _after_business_days(self) -> dict[tuple[date, int], date]:
        # add_business_days' answers: the rules ask the same few (date, days) for every episode of a sweep.
        return {}

    @cached_property
    def _business_day_answers(self) -> dict[date, bool]:
        # is_business_day's answers: counting walks day by day, and a dashboard counts thousands of spans over the
        # same few hundred days (a holiday lookup costs several times a dict probe).
        return {}

    def is_business_day(self, day: date) -> bool:
        known = self._business_day_answers.get(day)
        if known is None:
            known = self._business_day_answers[day] = self._is_business_day(day)
        return known

    def _is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        name = self._holidays.get(day)
        if name is None:
            return True
        return any(ignored in name for ignored in self.observed_holidays_ignored)

    def add_business_days(self, start: date, days: int) -> date:
        """The date `days` business days after `start` (start itself is not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        known = self._after_business_days.get((start, days))
        if known is None:
            known = self._after_business_days[(start, days)] = self._count_business_days(start, days)
        return known

    def _count_business_days(self, start: date, days: int) -> date:
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_before(self, day: date, days: int) -> date:
        """The date `days` business days before `day` (day itself is not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current, remaining = day, days
        while remaining:
            current -= timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 when end <= start)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return count

    def local_date(self, moment_utc: datetime) -> date:
        # What astimezone does once the moment is in UTC (tz.fromutc), without the trip through UTC: the
        # same date, a third cheaper, and the readers date every score this way.
        tz = self.tz
        return tz.fromutc(moment_utc.replace(tzinfo=tz)).date()

    def to_local(self, moment_utc: datetime) -> datetime:
        """A stored (naive UTC) time on the clinic's wall clock, for people to read."""
        return moment_utc.replace(tzinfo=UTC).astimezone(self.tz)

    def to_utc(self, moment: datetime) -> datetime:
        """Naive UTC for storage; a naive input is read as the clinic's wall clock."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(UTC).replace(tzinfo=None)

    def end_of_local_day_utc(self, day: date) -> datetime:
        """The last moment of `day` in the clinic's time zone, as naive UTC: a task due that day."""
        local_end = datetime.combine(day, time(23, 59, 59), tzinfo=self.tz)
        return local_end.astimezone(UTC).replace(tzinfo=None)

    def start_of_local_day_utc(self, day: date) -> datetime:
        """The first moment of `day` in the clinic's time zone, as naive UTC: when a rule that compares
        the clinic's date with `day` (today >= day) flips."""
        local_start = datetime.combine(day, time(0, 0), tzinfo=self.tz)
        return local_start.astimezone(UTC).replace(tzinfo=None)

    def due_after_business_days(self, start_utc: datetime, days: int) -> datetime:
        """Deadline at close of the local day that is `days` business days after `start_utc`."""
        return self.end_of_local_day_utc(self.add_business_days(self.local_date(start_utc), days))


def remembered_local_date(calendar: BusinessCalendar, at: datetime, days: dict) -> date:
    """calendar.local_date of a stored UTC moment for a batch read, remembered in `days` per UTC minute: moments in
    the same minute share it (one zone lookup each), and a batch of thousands of scores falls in far fewer minutes."""
    key = (at.date(), at.hour, at.minute)
    found = days.get(key)
    if found is None:
        found = days[key] = calendar.local_date(at)
    return found
