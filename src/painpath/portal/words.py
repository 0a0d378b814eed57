"""Dates as the portal says them: "Tuesday 10 February" (with the year when it is not this year's)."""

from __future__ import annotations

from datetime import date


def day_words(day: date | None, today: date | None = None) -> str:
    if day is None:
        return ""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if today is None or day.year == today.year else f"{text} {day.year}"
