"""Work restrictions and forms, in the patient's words (pure).

The restriction in force is the one a clinician signed (paperwork's `latest_signed`), said item by item with
paperwork's own words (restrictions_words). A form (FMLA, disability) is said by where it stands: received,
being completed, signed, sent on a day; the form's name without its government form number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from painpath.paperwork.restrictions_words import limits_in_words


@dataclass(frozen=True)
class RestrictionWords:
    duty: str  # "Light duty"
    limits: tuple[str, ...]
    from_on: date
    until: date
    next_look: date  # when the clinician looks at it again
    expired: bool
    notes: str


@dataclass(frozen=True)
class FormWords:
    name: str  # "FMLA certification"
    who: str  # "for Acme Tools"
    status: str  # "Being completed"
    sentence: str
    done: bool


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def restriction_words(restriction, today: date) -> RestrictionWords:  # noqa: ANN001 - a signed WorkRestriction
    duty, *limits = limits_in_words(restriction)
    return RestrictionWords(duty=duty, limits=tuple(limits), from_on=restriction.issued_on, until=restriction.valid_until,
                            next_look=restriction.re_evaluate_on, expired=restriction.valid_until < today, notes=restriction.notes or "")


def form_name(name: str) -> str:
    """"FMLA certification (WH-380-E)" -> "FMLA certification": no form numbers."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or "Form"


def _sent_day(moment: datetime | None, local) -> str:  # noqa: ANN001
    return _day(local(moment)) if moment is not None else ""


def form_words(request, *, name: str, local) -> FormWords:  # noqa: ANN001 - a FormRequest; local: UTC -> clinic date
    who = f"for {request.requester_name}" if request.requester_name else ""
    target = _day(request.target_on)
    status = request.status
    if status == "received":
        return FormWords(name, who, "Received", f"We received it on {_day(request.received_on)}. We aim to send it by {target}.", False)
    if status == "drafted":
        return FormWords(name, who, "Being completed",
                         f"We are filling it in, and your doctor signs it next. We aim to send it by {target}.", False)
    if status == "signed":
        return FormWords(name, who, "Signed", f"Your doctor signed it. We aim to send it by {target}.", False)
    if status in ("sent", "closed"):
        sent = _sent_day(request.sent_at, local)
        to = f" to {request.requester_name}" if request.requester_name else ""
        return FormWords(name, who, "Sent", f"We sent it{to} on {sent}." if sent else f"We sent it{to}.", True)
    return FormWords(name, who, "Cancelled", "This form is no longer being completed. Call us if you still need it.", True)
