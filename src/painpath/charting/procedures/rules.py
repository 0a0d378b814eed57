"""Checks for a performed procedure and its relief reports, and the relief arithmetic. Pure: no I/O, no clock.

Levels are written the way notes and payers write them: "L4-5", "L5-S1", "C7-T1" (the segment between
two adjacent vertebrae). "L4-L5" is accepted and stored as "L4-5" so two spellings never count as two levels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import get_args

from painpath.core.errors import FieldProblem
from painpath.facts.vocabulary import Region
from painpath.knowledge.schemas import Procedure

VERTEBRAE = (
    *(f"C{n}" for n in range(1, 8)), *(f"T{n}" for n in range(1, 13)), *(f"L{n}" for n in range(1, 6)), "S1",
)
_NEXT = {upper: lower for upper, lower in zip(VERTEBRAE, VERTEBRAE[1:])}
_LEVEL = re.compile(r"^([CTLS])(\d{1,2})-([CTLS]?)(\d{1,2})$")
# The spine letter a region's levels must touch ("C7-T1" is a cervical and a thoracic level).
_REGION_LETTER = {"cervical": "C", "thoracic": "T", "lumbar": "L", "sacral": "S"}
REGIONS: tuple[str, ...] = get_args(Region)
SCALES = ("nrs", "vas")
SCALE_WORDS = {"nrs": "NRS", "vas": "VAS"}
# Catalogue categories that are not procedures performed on a patient here (they have their own records).
NOT_PERFORMED = {"imaging": "an imaging study (record it under imaging)", "therapy": "a therapy course (record it as conservative care)"}
MAX_PAIN = 10.0


def canonical_level(text: str) -> str | None:
    """"L4-L5" or "l4-5" -> "L4-5"; "L5-S1" stays; None when it is not two adjacent vertebrae."""
    found = _LEVEL.match(text.strip().upper())
    if found is None:
        return None
    letter, upper_number, lower_letter, lower_number = found.groups()
    upper, lower = f"{letter}{int(upper_number)}", f"{lower_letter or letter}{int(lower_number)}"
    if _NEXT.get(upper) != lower:
        return None
    return f"{upper}-{int(lower_number)}" if lower[0] == letter else f"{upper}-{lower}"


def _letters(level: str) -> set[str]:
    upper, lower = level.split("-")
    return {upper[0], lower[0] if lower[0].isalpha() else upper[0]}


def level_problems(levels: Sequence[str], region: str | None) -> list[FieldProblem]:
    """Each level must be a real segment, listed once, in the procedure's region; joints take no levels."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    spine_letter = _REGION_LETTER.get(region or "")
    for index, raw in enumerate(levels):
        where = f"levels[{index}]"
        level = canonical_level(raw)
        if level is None:
            problems.append(FieldProblem(where, "level_format", f"{raw!r} is not a spinal level; write it like L4-5, L5-S1 or C5-6"))
            continue
        if level in seen:
            problems.append(FieldProblem(where, "unique", f"{level} is listed twice"))
        seen.add(level)
        if region in REGIONS and spine_letter is None:
            problems.append(FieldProblem(where, "no_levels", f"A {region} procedure has no spinal levels; leave levels empty"))
        elif spine_letter is not None and spine_letter not in _letters(level):
            problems.append(FieldProblem(where, "level_in_region", f"{level} is not a {region} level"))
    return problems


def procedure_problems(values: Mapping[str, object], procedure: Procedure | None, *, today: date) -> list[FieldProblem]:
    """Every problem with one performed procedure's facts, each naming its field and rule.

    `procedure` is the pack entry named by `procedure_key` (None when the pack has no such id).
    """
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    region = values.get("region")
    if procedure is None:
        bad("procedure_key", "known_procedure", f"{values.get('procedure_key')!r} is not in the procedure catalogue")
    elif procedure.category in NOT_PERFORMED:
        bad("procedure_key", "performed_procedure", f"{procedure.name} is {NOT_PERFORMED[procedure.category]}, not a performed procedure")
    else:
        problems.extend(_code_problems(values.get("cpt_codes") or [], procedure))
        if procedure.region == "any":
            if region is None:
                bad("region", "required", f"Say where the {procedure.name.lower()} was done ({', '.join(REGIONS)})")
            elif region not in REGIONS:
                bad("region", "known_region", f"Region must be one of {', '.join(REGIONS)}")
        elif region is not None and region != procedure.region:
            bad("region", "procedure_region", f"A {procedure.name.lower()} is a {procedure.region} procedure, not {region}")
        else:
            region = procedure.region
    problems.extend(level_problems(values.get("levels") or [], region if region in REGIONS else None))  # type: ignore[arg-type]
    performed_on = values.get("performed_on")
    if isinstance(performed_on, date) and performed_on > today:
        bad("performed_on", "not_future", "A procedure cannot be recorded before it is done; the date is in the future")
    baseline, scale = values.get("baseline_pain"), values.get("baseline_scale")
    if baseline is not None and not 0 <= baseline <= MAX_PAIN:  # type: ignore[operator]
        bad("baseline_pain", "pain_score", "Baseline pain is a score from 0 to 10")
    if baseline is not None and scale is None:
        bad("baseline_scale", "required_with_baseline", "Say which scale the baseline pain was measured on (nrs or vas)")
    if baseline is None and scale is not None:
        bad("baseline_pain", "required_with_scale", "Give the baseline pain score measured on that scale")
    return problems


def _code_problems(codes: Sequence[str], procedure: Procedure) -> list[FieldProblem]:
    if not codes:
        return [FieldProblem("cpt_codes", "required", f"Give the CPT codes billed ({', '.join(c.code for c in procedure.codes)})")]
    allowed = {c.code for c in procedure.codes}
    return [
        FieldProblem(f"cpt_codes[{index}]", "procedure_code", f"{code} is not a code for {procedure.name.lower()}; its codes are {', '.join(sorted(allowed))}")
        for index, code in enumerate(codes) if code not in allowed
    ]


def relief_problems(values: Mapping[str, object], *, performed_on: date, baseline_pain: float | None, today: date) -> list[FieldProblem]:
    """A relief report gives a percent or a pain score after (not both), on or after the procedure day."""
    problems: list[FieldProblem] = []

    def bad(field: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(field, rule, message))

    percent, score = values.get("percent"), values.get("pain_score")
    if (percent is None) == (score is None):
        bad("percent", "one_of", "Give the relief as a percent, or the pain score after the procedure, not both")
    if percent is not None and not 0 <= percent <= 100:  # type: ignore[operator]
        bad("percent", "percent", "Relief is a percentage from 0 to 100")
    if score is not None:
        if not 0 <= score <= MAX_PAIN:  # type: ignore[operator]
            bad("pain_score", "pain_score", "The pain score after the procedure is from 0 to 10")
        if baseline_pain is None:
            bad("pain_score", "needs_baseline", "Relief cannot be computed from a pain score: the procedure has no baseline pain; give the percent")
        elif baseline_pain == 0:
            bad("pain_score", "needs_baseline", "The baseline pain was 0, so relief cannot be computed from a score; give the percent")
    measured_on = values.get("measured_on")
    if isinstance(measured_on, date):
        if measured_on < performed_on:
            bad("measured_on", "after_procedure", f"Relief is measured on or after the procedure day ({performed_on:%d %b %Y})")
        if measured_on > today:
            bad("measured_on", "not_future", "Relief cannot be reported for a day still to come")
    hours, lasted = values.get("hours_after"), values.get("lasted_days")
    if hours is not None and hours < 0:  # type: ignore[operator]
        bad("hours_after", "not_negative", "Hours after the procedure cannot be negative")
    if lasted is not None and lasted < 0:  # type: ignore[operator]
        bad("lasted_days", "not_negative", "How long relief lasted cannot be negative")
    elif lasted is not None and isinstance(measured_on, date) and lasted > (measured_on - performed_on).days:  # type: ignore[operator]
        bad("lasted_days", "within_follow_up",
            f"Relief measured on {measured_on:%d %b %Y} cannot have lasted more than {(measured_on - performed_on).days} days")
    return problems


def percent_relief(baseline: float, after: float) -> float:
    """Relief of the index pain, in percent of the baseline: 8 -> 2 is 75%. Worse than baseline counts as 0%."""
    return round(max(0.0, (baseline - after) / baseline * 100), 1)


def relief_warnings(*, scale: str, baseline_scale: str | None, percent: float, method: str, pain_score: float | None,
                    baseline_pain: float | None) -> list[str]:
    """What a coordinator should know about a stored relief report (payers judge these; we only say so)."""
    warnings = []
    if baseline_scale is not None and scale != baseline_scale:
        warnings.append(
            f"Relief was measured on the {SCALE_WORDS.get(scale, scale)} but the baseline on the "
            f"{SCALE_WORDS.get(baseline_scale, baseline_scale)}: payers want the same scale before and after"
        )
    if baseline_scale is None:
        warnings.append("The procedure has no baseline pain score: payers want one on the same scale as the relief")
    if method == "pain_score" and pain_score is not None and baseline_pain is not None and pain_score > baseline_pain:
        warnings.append(f"Pain after ({pain_score:g}) was higher than the baseline ({baseline_pain:g}): relief counted as {percent:g}%")
    return warnings
