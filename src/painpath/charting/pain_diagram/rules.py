"""The pain diagram's checks and its comparison between two visits. Pure: no I/O, no clock.

A mark is (region, pain type, intensity 0-10); the regions are the body_regions pack's, passed in. Two
diagrams compare region by region: a region marked now and not before is new, one marked before and not
now has resolved, and one on both says whether its intensity went up or down and whether the kind of
pain changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from painpath.core.errors import FieldProblem

PAIN_TYPES: dict[str, str] = {
    "aching": "Aching", "burning": "Burning", "electric": "Electric (shooting)", "numbness": "Numbness",
    "pins_and_needles": "Pins and needles",
}
INTENSITY_LOW, INTENSITY_HIGH = 0, 10  # the 0-10 numeric rating scale of every pain score here
MAX_MARKS = 60  # more regions than the pack has is a form gone wrong


@dataclass(frozen=True)
class Mark:
    region: str
    pain_type: str
    intensity: int


def mark_problems(marks: Sequence[Mark], known_regions: Mapping[str, object]) -> list[FieldProblem]:
    """Every problem with a diagram's marks, each naming its input (`region.<id>.type` / `.intensity`)."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    if len(marks) > MAX_MARKS:
        problems.append(FieldProblem("marks", "at_most", f"A diagram has at most {MAX_MARKS} marked regions"))
    for mark in marks:
        base = f"region.{mark.region}"
        if mark.region not in known_regions:
            problems.append(FieldProblem("marks", "known_region", f"{mark.region!r} is not a region of the body map"))
            continue
        if mark.region in seen:
            problems.append(FieldProblem(f"{base}.type", "once", "Each region is marked once"))
        seen.add(mark.region)
        if mark.pain_type not in PAIN_TYPES:
            problems.append(FieldProblem(f"{base}.type", "known_type", f"Choose the kind of pain: {', '.join(PAIN_TYPES.values()).lower()}"))
        if not INTENSITY_LOW <= mark.intensity <= INTENSITY_HIGH:
            problems.append(FieldProblem(f"{base}.intensity", "range", f"Enter an intensity from {INTENSITY_LOW} to {INTENSITY_HIGH}"))
    return problems


@dataclass(frozen=True)
class RegionChange:
    region: str
    what: str  # new | resolved | worse | better | type_changed | same
    before: Mark | None
    after: Mark | None


@dataclass(frozen=True)
class DiagramChange:
    """What changed from one diagram to the next, region by region, in the regions' order."""

    changes: tuple[RegionChange, ...]

    def of(self, what: str) -> tuple[RegionChange, ...]:
        return tuple(c for c in self.changes if c.what == what)

    @property
    def changed(self) -> bool:
        return any(c.what != "same" for c in self.changes)

    def by_region(self) -> dict[str, str]:
        return {c.region: c.what for c in self.changes}


def compare(before: Sequence[Mark], after: Sequence[Mark], order: Sequence[str]) -> DiagramChange:
    """Region by region from `before` to `after`, listed in `order` (the pack's), then any region not in it."""
    old = {m.region: m for m in before}
    new = {m.region: m for m in after}
    regions = [r for r in order if r in old or r in new]
    regions += sorted((old.keys() | new.keys()) - set(regions))
    changes = []
    for region in regions:
        was, now = old.get(region), new.get(region)
        if was is None:
            what = "new"
        elif now is None:
            what = "resolved"
        elif now.intensity > was.intensity:
            what = "worse"
        elif now.intensity < was.intensity:
            what = "better"
        elif now.pain_type != was.pain_type:
            what = "type_changed"
        else:
            what = "same"
        changes.append(RegionChange(region, what, was, now))
    return DiagramChange(tuple(changes))
