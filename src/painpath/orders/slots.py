"""Standing urgent slots: the slots imaging centres hold every week for the clinic, offered to an urgent
order when they fall within the next 48 hours (the pack's `urgent_slot_hours`) and nobody has booked them.
Pure: centres, the clock's moment and the booked slots in; offers out."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import WEEKDAYS, ImagingCentre

# Modalities a standing slot can serve: an MR arthrogram needs an arthrogram slot, a plain MRI an MRI slot.
SERVES = {"mri": ("mri",), "mri_arthrogram": ("mri_arthrogram",), "ct": ("ct",)}


@dataclass(frozen=True)
class SlotOffer:
    centre_id: str
    centre_name: str
    at: datetime  # naive UTC, as stored
    minutes: int
    modality: str


def urgent_offers(centres: Iterable[ImagingCentre], modality: str, now: datetime, calendar: BusinessCalendar,
                  booked: Collection[tuple[str, datetime]], within: timedelta = timedelta(hours=48)) -> list[SlotOffer]:
    """Each centre's standing slots for `modality` after `now` and within `within`, on the clinic's clock,
    skipping public holidays (the centre is closed) and slots already booked; soonest first."""
    serves = SERVES.get(modality, (modality,))
    first = calendar.local_date(now)
    last = calendar.local_date(now + within)
    offers = []
    day = first
    while day <= last:
        holiday = day.weekday() < 5 and not calendar.is_business_day(day)
        for centre in centres if not holiday else ():
            for slot in centre.urgent_slots:
                if slot.modality not in serves or WEEKDAYS[day.weekday()] != slot.weekday:
                    continue
                at = calendar.to_utc(datetime.combine(day, slot.at))
                if now < at <= now + within and (centre.id, at) not in booked:
                    offers.append(SlotOffer(centre.id, centre.name, at, slot.minutes, slot.modality))
        day += timedelta(days=1)
    return sorted(offers, key=lambda offer: (offer.at, offer.centre_id))
