"""A pain diagram in words, for the pages, the packet and the timeline: each mark as a line a reviewer reads
("Outer lower leg, left (L5 dermatome): burning, 6/10"), and the change since the previous diagram."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from painpath.charting.pain_diagram.rules import PAIN_TYPES, DiagramChange, Mark, RegionChange


def region_words(region: str, regions: Mapping[str, object]) -> str:
    """"Outer lower leg, left (L5 dermatome)"; a region the pack no longer knows is named by its code."""
    found = regions.get(region)
    if found is None:
        return region.replace("_", " ")
    dermatome = getattr(found, "dermatome", None)
    return found.label() + (f" ({dermatome.words()} dermatome)" if dermatome else "")  # type: ignore[attr-defined]


def pain_words(pain_type: str) -> str:
    return PAIN_TYPES.get(pain_type, pain_type.replace("_", " ")).lower()


def mark_words(mark: Mark) -> str:
    return f"{pain_words(mark.pain_type)}, {mark.intensity}/10"


def mark_line(mark: Mark, regions: Mapping[str, object]) -> str:
    return f"{region_words(mark.region, regions)}: {mark_words(mark)}"


CHANGE_WORDS = {"new": "New", "resolved": "Resolved", "worse": "Worse", "better": "Better", "type_changed": "Changed kind",
                "same": "Unchanged"}


def change_line(change: RegionChange, regions: Mapping[str, object]) -> str:
    """"Worse: Low back: aching, from 4/10 to 7/10"; "Resolved: Thumb, left (C6 dermatome): was numbness, 3/10"."""
    where = region_words(change.region, regions)
    head = CHANGE_WORDS[change.what]
    before, after = change.before, change.after
    if change.what == "new" and after is not None:
        return f"{head}: {where}: {mark_words(after)}"
    if change.what == "resolved" and before is not None:
        return f"{head}: {where}: was {mark_words(before)}"
    assert before is not None and after is not None
    kind = pain_words(after.pain_type) if before.pain_type == after.pain_type else f"{pain_words(before.pain_type)} now {pain_words(after.pain_type)}"
    if before.intensity != after.intensity:
        return f"{head}: {where}: {kind}, from {before.intensity}/10 to {after.intensity}/10"
    return f"{head}: {where}: {kind}, {after.intensity}/10"


def change_lines(change: DiagramChange, regions: Mapping[str, object], *, with_unchanged: bool = True) -> list[str]:
    """Every changed region first (new, worse, better, changed kind, resolved), then the unchanged ones."""
    lines = []
    for what in ("new", "worse", "better", "type_changed", "resolved", *(("same",) if with_unchanged else ())):
        lines += [change_line(c, regions) for c in change.of(what)]
    return lines


def summary(change: DiagramChange) -> str:
    """"2 new regions, 1 resolved, 1 worse" (or "No change")."""
    parts = []
    for what, one, many in (("new", "new region", "new regions"), ("resolved", "resolved", "resolved"), ("worse", "worse", "worse"),
                            ("better", "better", "better"), ("type_changed", "changed kind", "changed kind")):
        n = len(change.of(what))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts) if parts else "No change"


def marks_from(facts: Sequence[object]) -> tuple[Mark, ...]:
    """The rules' marks from facts (PainMark) or rows with the same fields."""
    return tuple(Mark(m.region, m.pain_type, m.intensity) for m in facts)  # type: ignore[attr-defined]
