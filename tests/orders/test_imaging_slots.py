"""Urgent orders are offered the centres' standing slots within 48 hours on the clinic's clock, never a slot
already booked, never on a public holiday. Plain data."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import ImagingCentre, StandingSlot
from painpath.orders.slots import urgent_offers

CALENDAR = BusinessCalendar(timezone_name="America/Chicago")
SOURCE = {"source": "test centre", "evidence": "K", "verified": False}
LAKESIDE = ImagingCentre(id="lakeside", name="Lakeside", fax="555-0199", phone="555-0100", address="1 Lake St", hours="Mon-Fri",
                         modalities=("mri", "mri_arthrogram", "ct"), urgent_slots=(
                             StandingSlot(weekday="tue", at=time(12, 30), modality="mri_arthrogram", minutes=60),
                             StandingSlot(weekday="thu", at=time(12, 30), modality="mri_arthrogram", minutes=60),
                             StandingSlot(weekday="wed", at=time(7, 30), modality="mri", minutes=45),
                             StandingSlot(weekday="fri", at=time(16, 0), modality="ct", minutes=30)), **SOURCE)
NORTHSIDE = ImagingCentre(id="northside", name="Northside", fax="555-0299", phone="555-0200", address="2 Mill Rd", hours="Mon-Fri",
                          modalities=("mri",), urgent_slots=(StandingSlot(weekday="mon", at=time(17, 0), modality="mri", minutes=45),
                                                             StandingSlot(weekday="wed", at=time(17, 0), modality="mri", minutes=45)), **SOURCE)
MONDAY_10AM = datetime(2026, 12, 7, 16, 0)  # Mon 7 Dec 2026, 10:00 in Chicago (UTC-6), naive UTC as stored


def _local(offer) -> str:  # noqa: ANN001
    return f"{CALENDAR.to_local(offer.at):%a %d %b %H:%M} {offer.centre_id}"


def test_an_mr_arthrogram_is_offered_the_arthrogram_slot_within_48_hours_only():
    offers = urgent_offers([LAKESIDE, NORTHSIDE], "mri_arthrogram", MONDAY_10AM, CALENDAR, set())
    # Thursday's slot is 74.5 hours away.
    assert [_local(o) for o in offers] == ["Tue 08 Dec 12:30 lakeside"]
    assert offers[0].minutes == 60 and offers[0].at == datetime(2026, 12, 8, 18, 30)


def test_mri_slots_are_offered_soonest_first_and_a_booked_one_is_left_out():
    offers = urgent_offers([LAKESIDE, NORTHSIDE], "mri", MONDAY_10AM, CALENDAR, set())
    # Monday 07:30 has passed; Wednesday 17:00 is past the 48 hours (Wed 10:00).
    assert [_local(o) for o in offers] == ["Mon 07 Dec 17:00 northside", "Wed 09 Dec 07:30 lakeside"]
    booked = {("northside", offers[0].at)}
    assert [_local(o) for o in urgent_offers([LAKESIDE, NORTHSIDE], "mri", MONDAY_10AM, CALENDAR, booked)] == ["Wed 09 Dec 07:30 lakeside"]


def test_a_standing_slot_on_a_public_holiday_is_not_offered():
    christmas_eve = datetime(2026, 12, 24, 16, 0)  # Thu 24 Dec 10:00; Fri 25 Dec is Christmas Day
    assert urgent_offers([LAKESIDE], "ct", christmas_eve, CALENDAR, set()) == []
    a_week_before = christmas_eve - timedelta(days=7)
    assert [_local(o) for o in urgent_offers([LAKESIDE], "ct", a_week_before, CALENDAR, set())] == ["Fri 18 Dec 16:00 lakeside"]
