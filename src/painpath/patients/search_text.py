"""One search box (the page header's) read as the patient search's fields: a date of birth, a phone
number, and name or MRN words. Pure: no I/O."""

from __future__ import annotations

import re
from datetime import datetime

# 1981-03-14, or 03/14/1981 as US clinics write it.
_DATES = ((re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "%Y-%m-%d"), (re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"), "%m/%d/%Y"))
_PHONE = re.compile(r"^[0-9+() .-]+$")
PHONE_MIN_DIGITS = 7  # shorter runs of digits are read as an MRN or part of one


def split_query(text: str) -> dict[str, str]:
    """{"name": words, "birth_date": ISO date or the unreadable date typed, "phone": number} from free text."""
    rest = text.strip()
    born = ""
    for pattern, fmt in _DATES:
        found = pattern.search(rest)
        if found:
            try:
                born = datetime.strptime(found.group(0), fmt).date().isoformat()
            except ValueError:
                born = found.group(0)  # reported as a bad date by the page, not silently dropped
            rest = (rest[: found.start()] + " " + rest[found.end():]).strip()
            break
    phone = ""
    if rest and _PHONE.match(rest) and sum(ch.isdigit() for ch in rest) >= PHONE_MIN_DIGITS:
        phone, rest = rest, ""
    return {"name": " ".join(rest.split()), "birth_date": born, "phone": phone}

