"""Words for staff: internal keys as plain words, refusals and framework errors in the clinic's language.

Pack sources as public citations live in knowledge/citations.py, next to the packs they read.
"""

from __future__ import annotations

import re

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def plain_words(value: object) -> str:
    """A stored value with its internal keys spelled as words ("not_measurable" -> "not measurable")."""
    return _SNAKE.sub(lambda m: m.group(0).replace("_", " "), str(value))


def measure_name(measure: str | None) -> str:
    """A goal's measure as staff name it: instrument ids are abbreviations (odi -> ODI), others words."""
    if not measure:
        return ""
    return measure.upper() if measure.isalnum() and len(measure) <= 6 else plain_words(measure)


# Where a timeline fact was recorded, as staff name the place (the slice names are code).
_RECORDED_IN = {
    "patients": "episode", "charting": "chart", "conservative_care": "conservative care", "imports": "records import",
    "intake": "intake", "medications": "medications", "orders": "orders", "procedures": "procedures",
    "therapy": "physical therapy", "worklist": "worklist",
}


def recorded_in(source: str) -> str:
    return _RECORDED_IN.get(source) or plain_words(source)



# What a framework refusal means for a person at a page (the API keeps the framework's own words).
HTTP_WORDS = {
    404: "There is no page at this address. Check the link, or start again from the start page.",
    405: "This page cannot do that; go back and use the page's own buttons.",
}
