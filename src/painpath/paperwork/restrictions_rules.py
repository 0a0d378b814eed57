"""Work restrictions' rules: the items a restriction may carry and their checks, drafting from the chart's
latest functional measures, the extension rule (an extension needs measures newer than the last
restriction), and the re-evaluation's due date. Pure: no I/O, no clock.

A restriction states capacity the way ACOEM asks (research wave2.md rows 6.1-6.2): exact weights with the
frequency and arm, how long at a time for sitting, standing and walking, hours per day and shifts per week,
postures to avoid, and breaks, each with its value and unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import SourcedWait

DUTY_LEVELS = {"full": "Full duty", "light": "Light duty", "modified": "Modified duty", "off": "Off work"}
# US DOL physical-demand frequencies (research wave2.md row 6.11 names the DOL demand classes).
FREQUENCIES = {"occasional": "occasionally (up to a third of the shift)", "frequent": "frequently (up to two thirds of the shift)",
               "constant": "constantly"}
SIDES = {"left": "the left arm", "right": "the right arm", "both": "both arms"}
POSITIONS = {
    "ladder_climbing": "ladder climbing", "overhead_reach": "reaching overhead", "repeated_bending": "repeated bending",
    "twisting": "twisting at the waist", "kneeling": "kneeling or squatting", "crawling": "crawling", "stairs": "repeated stair climbing",
    "prolonged_neck_flexion": "prolonged looking down",
}
DRIVING = {"yes": "May drive", "no": "No driving at work", "limited": "Driving limited"}
MAX_DAYS = 366  # a restriction longer than a year is a disability statement, not a restriction


@dataclass(frozen=True)
class NumericItem:
    activity: str
    label: str  # in messages and on the form
    unit: str
    low: float
    high: float


# The form's numeric fields -> the item each one makes. Ranges are physical limits of the unit, not norms.
NUMERIC: dict[str, NumericItem] = {
    "lifting_lb": NumericItem("lifting", "Lifting limit", "lb", 0, 300),
    "carrying_lb": NumericItem("carrying", "Carrying limit", "lb", 0, 300),
    "sitting_minutes": NumericItem("sitting", "Sitting at a time", "minutes", 0, 1440),
    "standing_minutes": NumericItem("standing", "Standing at a time", "minutes", 0, 1440),
    "walking_minutes": NumericItem("walking", "Walking at a time", "minutes", 0, 1440),
    "hours_per_day": NumericItem("hours", "Hours per day", "hours per day", 0, 24),
    "shifts_per_week": NumericItem("shifts", "Shifts per week", "shifts per week", 0, 7),
    "break_every_minutes": NumericItem("breaks", "A break every", "minutes", 5, 480),
    "driving_minutes": NumericItem("driving", "Driving at a time", "minutes", 0, 1440),
}
# The order a letter lists them in: weights, tolerances, schedule, then what to avoid, breaks last.
ITEM_ORDER = ("lifting", "carrying", "sitting", "standing", "walking", "hours", "shifts", "driving", "avoid", "breaks")
FIELD_OF_ACTIVITY = {spec.activity: name for name, spec in NUMERIC.items()}
FIELDS = (*NUMERIC, "lifting_frequency", "lifting_side", "driving", "avoid")


class Calendar(Protocol):
    def add_business_days(self, start: date, days: int) -> date: ...
    def business_days_before(self, day: date, days: int) -> date: ...


# Checks -------------------------------------------------------------------------------------------------

def _number_problem(name: str, value: object) -> FieldProblem | None:
    spec = NUMERIC[name]
    span = f"between {spec.low:g} and {spec.high:g} {spec.unit}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return FieldProblem(name, "number", f"{spec.label} must be a number {span}")
    if not spec.low <= value <= spec.high:
        return FieldProblem(name, "range", f"{spec.label} must be {span}")
    return None


def limit_problems(limits: Mapping[str, Any]) -> list[FieldProblem]:
    """Every bad item, each naming its field and rule."""
    problems = [p for name in NUMERIC if limits.get(name) is not None and (p := _number_problem(name, limits[name])) is not None]
    lifting = limits.get("lifting_lb")
    for name, allowed in (("lifting_frequency", FREQUENCIES), ("lifting_side", SIDES)):
        value = limits.get(name)
        if value and value not in allowed:
            problems.append(FieldProblem(name, "allowed_value", f"Choose one of: {', '.join(allowed)}"))
        elif value and lifting is None:
            problems.append(FieldProblem(name, "needs_lifting_limit", "Give the lifting limit in pounds first"))
    driving = limits.get("driving")
    if driving and driving not in DRIVING:
        problems.append(FieldProblem("driving", "allowed_value", f"Choose one of: {', '.join(DRIVING)}"))
    if driving == "limited" and limits.get("driving_minutes") is None:
        problems.append(FieldProblem("driving_minutes", "required", "Say how many minutes of driving at a time"))
    unknown = [p for p in limits.get("avoid") or () if p not in POSITIONS]
    if unknown:
        problems.append(FieldProblem("avoid", "allowed_value", f"Not a position we know: {', '.join(unknown)}"))
    return problems


def restriction_problems(*, duty_level: str, issued_on: date, valid_until: date, re_evaluate_on: date,
                         limits: Mapping[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if duty_level not in DUTY_LEVELS:
        problems.append(FieldProblem("duty_level", "allowed_value", f"Choose one of: {', '.join(DUTY_LEVELS.values())}"))
    if valid_until <= issued_on:
        problems.append(FieldProblem("valid_until", "after_issue", "Valid until must be after the issue date"))
    elif (valid_until - issued_on).days > MAX_DAYS:
        problems.append(FieldProblem("valid_until", "at_most_a_year", "A restriction lasts a year at most; re-evaluate and extend it"))
    if not issued_on < re_evaluate_on <= valid_until:
        problems.append(FieldProblem("re_evaluate_on", "within_validity", "The re-evaluation date must be after the issue date and no later than valid until"))
    problems += limit_problems(limits)
    if duty_level in ("light", "modified") and not items_from(limits):
        problems.append(FieldProblem("duty_level", "needs_items", f"{DUTY_LEVELS[duty_level]} needs at least one specific limit (lifting, sitting, positions to avoid ...)"))
    return problems


# Items ----------------------------------------------------------------------------------------------------

def items_from(limits: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The form's limits as stored items, each with its value and unit, in a fixed order."""
    items: list[dict[str, Any]] = []
    for name, spec in NUMERIC.items():
        value = limits.get(name)
        if value is None or (name == "driving_minutes" and limits.get("driving") != "limited"):
            continue
        item: dict[str, Any] = {"activity": spec.activity, "value": value, "unit": spec.unit}
        if name == "lifting_lb":
            item["frequency"], item["side"] = limits.get("lifting_frequency") or None, limits.get("lifting_side") or None
        items.append(item)
    if limits.get("driving") == "no":
        items.append({"activity": "driving", "value": 0, "unit": "minutes"})
    for position in dict.fromkeys(limits.get("avoid") or ()):
        items.append({"activity": "avoid", "value": position, "unit": None})
    return sorted(items, key=lambda i: ITEM_ORDER.index(i["activity"]))  # stable: positions keep their order


def limits_from(items: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Stored items back into the form's fields (an amendment starts from the restriction it follows)."""
    limits: dict[str, Any] = {"avoid": []}
    for item in items:
        activity = item["activity"]
        if activity == "avoid":
            limits["avoid"].append(item["value"])
        elif activity == "driving":
            if item["value"] == 0:
                limits["driving"] = "no"
            else:
                limits["driving"], limits["driving_minutes"] = "limited", item["value"]
        elif activity in FIELD_OF_ACTIVITY:
            limits[FIELD_OF_ACTIVITY[activity]] = item["value"]
            if activity == "lifting":
                limits["lifting_frequency"], limits["lifting_side"] = item.get("frequency"), item.get("side")
    return limits


# Drafting from the chart -----------------------------------------------------------------------------------

# Functional measure (charting.rules.MEASURES) -> the restriction field it drafts.
MEASURE_FIELDS = {"lifting_limit_lb": "lifting_lb", "sitting_minutes": "sitting_minutes", "standing_minutes": "standing_minutes",
                  "walking_minutes": "walking_minutes"}
MEASURE_WORDS = {"lifting_limit_lb": "lifting limit", "sitting_minutes": "sitting tolerance", "standing_minutes": "standing tolerance",
                 "walking_minutes": "walking tolerance"}
_VERB = {"lifting_limit_lb": ("lifts", "lb"), "sitting_minutes": ("sits", "min"), "standing_minutes": ("stands", "min"),
         "walking_minutes": ("walks", "min")}
_DUTY_OF_WORK_STATUS = {"full_duty": "full", "modified_duty": "modified", "off_work": "off"}


def day_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Draft:
    """A restriction's fields pre-filled from the chart, the measures they rest on, and where each came from."""

    limits: dict[str, Any]
    duty_level: str | None
    based_on: dict[str, str]  # measure -> ISO date of the measure used
    sources: list[str] = field(default_factory=list)  # "sits 15 min on 2 Dec 2026"


def draft_from_measures(values: Mapping[str, Any], as_of: Mapping[str, date]) -> Draft:
    """Pre-fill from the latest functional measures (`values` and `as_of` as charting's latest_measures gives
    them, dates parsed). A break is proposed at the shorter of the sitting and standing tolerances, so the
    patient changes position before the tolerance runs out."""
    limits: dict[str, Any] = {}
    based_on: dict[str, str] = {}
    sources: list[str] = []
    for measure, name in MEASURE_FIELDS.items():
        value = values.get(measure)
        if value is None or measure not in as_of:
            continue
        limits[name] = value
        based_on[measure] = as_of[measure].isoformat()
        verb, unit = _VERB[measure]
        side = f" ({SIDES[values['lifting_side']]})" if measure == "lifting_limit_lb" and values.get("lifting_side") in SIDES else ""
        sources.append(f"{verb} {_num(value)} {unit}{side} on {day_words(as_of[measure])}")
    if "lifting_lb" in limits and values.get("lifting_side") in SIDES:
        limits["lifting_side"] = values["lifting_side"]
    tolerances = [limits[n] for n in ("sitting_minutes", "standing_minutes") if limits.get(n)]
    if tolerances:
        limits["break_every_minutes"] = max(NUMERIC["break_every_minutes"].low, min(tolerances))
    duty = _DUTY_OF_WORK_STATUS.get(values.get("work_status") or "")
    if duty is None and limits:
        duty = "modified"
    return Draft(limits, duty, based_on, sources)


# Extensions ---------------------------------------------------------------------------------------------

def is_extension(previous_valid_until: date, valid_until: date) -> bool:
    """A restriction following a signed one extends it when it runs past the previous one's end; one that
    ends no later only amends it."""
    return valid_until > previous_valid_until


def extension_problems(*, previous_issued_on: date, previous_based_on: Mapping[str, str], latest_as_of: Mapping[str, date]) -> list[FieldProblem]:
    """An extension needs functional measures dated after the last restriction was issued: each measure the
    last one rested on (or, when it rested on none, each tolerance measure the chart has). The problem names
    the measures that are missing or stale, with their dates."""
    required = list(previous_based_on) or [m for m in MEASURE_FIELDS if m in latest_as_of]
    if not required:
        return [FieldProblem("measures", "newer_measures", "An extension needs functional measures (lifting, sitting, standing, walking) "
                             f"recorded after {day_words(previous_issued_on)}, when the last restriction was issued; none are recorded. "
                             "Record them at a visit, then extend.")]
    stale = [m for m in required if latest_as_of.get(m) is None or latest_as_of[m] <= previous_issued_on]
    if not stale:
        return []
    listed = ", ".join(f"{MEASURE_WORDS.get(m, m)} " + (f"last measured {day_words(latest_as_of[m])}" if m in latest_as_of else "never measured")
                       for m in stale)
    return [FieldProblem("measures", "newer_measures",
                         f"An extension needs measures newer than the last restriction (issued {day_words(previous_issued_on)}): {listed}. "
                         "Record them at a visit, then extend.")]


# Dates --------------------------------------------------------------------------------------------------

def re_evaluation_due(calendar: Calendar, *, re_evaluate_on: date, valid_until: date, lead: SourcedWait) -> date:
    """The re-evaluation is due on its date, or `lead` before the restriction expires if that comes first: a
    restriction must not lapse while the patient waits for the visit."""
    return min(re_evaluate_on, lead.before(calendar, valid_until))
