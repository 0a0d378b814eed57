"""A work restriction in plain words, one sentence per limit: what the restriction letter prints and what
the forms (WH-380-E's functional limits, the disability facts sheet) quote. Pure.

    limits_in_words(restriction) -> ["Light duty", "No lifting over 15 pounds (occasionally, the right arm)",
                                     "No ladder climbing", "A break every 45 minutes to change position", ...]

`restriction` is anything with `duty_level` and `items` (a WorkRestriction row, or a plain object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from painpath.paperwork.restrictions_rules import DUTY_LEVELS, FREQUENCIES, POSITIONS, SIDES


class HasItems(Protocol):
    duty_level: str
    items: list


def _num(value: float) -> str:
    return f"{value:g}"


def _minutes(value: float) -> str:
    return f"{_num(value)} minute{'' if value == 1 else 's'}"


def item_in_words(item: Mapping[str, Any]) -> str:
    activity, value = item["activity"], item.get("value")
    if activity == "lifting":
        detail = ", ".join(x for x in (FREQUENCIES.get(item.get("frequency") or "", "").split(" (")[0] or None,
                                        SIDES.get(item.get("side") or "")) if x)
        return f"No lifting over {_num(value)} pounds" + (f" ({detail})" if detail else "")
    if activity == "carrying":
        return f"No carrying over {_num(value)} pounds"
    if activity in ("sitting", "standing", "walking"):
        return f"{activity.capitalize()} for no more than {_minutes(value)} at a time"
    if activity == "hours":
        return f"No more than {_num(value)} hours a day"
    if activity == "shifts":
        return f"No more than {_num(value)} shift{'' if value == 1 else 's'} a week"
    if activity == "breaks":
        return f"A break every {_minutes(value)} to change position"
    if activity == "driving":
        return "No driving at work" if not value else f"Driving for no more than {_minutes(value)} at a time"
    if activity == "avoid":
        return f"No {POSITIONS.get(value, str(value).replace('_', ' '))}"
    return f"{activity}: {value} {item.get('unit') or ''}".strip()


def limits_in_words(restriction: HasItems) -> list[str]:
    """The duty level, then each limit, as sentences (no full stops: the caller joins or lists them)."""
    return [DUTY_LEVELS.get(restriction.duty_level, restriction.duty_level), *(item_in_words(i) for i in restriction.items)]


def summary_sentence(restriction: HasItems, weeks: int | None = None) -> str:
    """"Light duty for four weeks, no lifting over 15 pounds, no ladder climbing, a break every 45 minutes to change position"."""
    duty, *rest = limits_in_words(restriction)
    head = duty + (f" for {_weeks(weeks)}" if weeks else "")
    return ", ".join([head, *(r[0].lower() + r[1:] for r in rest)])


_WORDS = {1: "one week", 2: "two weeks", 3: "three weeks", 4: "four weeks", 5: "five weeks", 6: "six weeks", 8: "eight weeks"}


def _weeks(weeks: int) -> str:
    return _WORDS.get(weeks, f"{weeks} weeks")
