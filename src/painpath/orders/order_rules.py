"""Checks for an imaging order and the moves of its loop. Pure: no I/O, no clock.

The loop: drafted (the clinician placed it) -> sent (the requisition went to the centre) -> booked (a slot)
-> done (the study was performed) -> reported (the report is on file) -> reviewed (a clinician read it: the
loop is closed). A report may arrive before anyone recorded the study as done. Cancelled ends it, from any
state before the report."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from painpath.core.errors import FieldProblem
from painpath.orders.rules import MODALITIES, MODALITY_WORDS, REGIONS

SIDES = ("left", "right", "bilateral", "none")
CONTRAST_WORDS = {"none": "without contrast", "with": "with IV contrast", "intra_articular": "with intra-articular contrast",
                  "with_and_without": "without and with IV contrast"}
# The pathway packs' words for contrast (a care-plan step links to the order form with them) and the episode's
# laterality, in this slice's words.
CONTRAST_ALIASES = {"iv": "with"}
SIDE_ALIASES = {"midline": "none"}
STATUS_WORDS = {"drafted": "placed, not sent", "sent": "sent, not booked", "booked": "booked", "done": "study done, report not back",
                "reported": "report back, not reviewed", "reviewed": "report reviewed", "cancelled": "cancelled"}
# Which states each move starts from.
MOVES: Mapping[str, tuple[str, ...]] = {
    "send": ("drafted",),
    "book": ("sent",),
    "done": ("booked",),
    "report": ("booked", "done"),
    "review": ("reported",),
    "cancel": ("drafted", "sent", "booked", "done"),
}
MOVE_WORDS = {"send": "sent", "book": "booked", "done": "recorded as done", "report": "given its report",
              "review": "reviewed", "cancel": "cancelled"}


def order_problems(values: Mapping[str, object], centres: Collection[str]) -> list[FieldProblem]:
    """Every problem with a new order, each naming its field and rule."""
    problems = []
    if values.get("modality") not in MODALITIES:
        problems.append(FieldProblem("modality", "known_modality", f"Modality must be one of {', '.join(MODALITY_WORDS[m] for m in MODALITIES)}"))
    if values.get("region") not in REGIONS:
        problems.append(FieldProblem("region", "known_region", f"Region must be one of {', '.join(REGIONS)}"))
    if values.get("side") not in SIDES:
        problems.append(FieldProblem("side", "known_side", f"Side must be one of {', '.join(SIDES)}"))
    elif values.get("region") in ("hip", "knee", "shoulder") and values.get("side") == "none":
        problems.append(FieldProblem("side", "joint_side", "A hip, knee or shoulder study needs its side: left, right or bilateral"))
    problems += centre_problems(values.get("centre_id"), centres)
    return problems


def centre_problems(centre_id: object, centres: Collection[str], *, required: bool = False) -> list[FieldProblem]:
    if centre_id is None or centre_id == "":
        return [FieldProblem("centre_id", "required", "Choose the imaging centre")] if required else []
    if centre_id not in centres:
        return [FieldProblem("centre_id", "known_centre", "That imaging centre is not in the clinic's directory")]
    return []


def move_problem(move: str, status: str) -> FieldProblem | None:
    """Why the order cannot make `move` from `status` (None when it can)."""
    if status in MOVES[move]:
        return None
    allowed = " or ".join(STATUS_WORDS[s] for s in MOVES[move])
    return FieldProblem("status", f"{move}_from", f"This order is {STATUS_WORDS[status]}; it can be {MOVE_WORDS[move]} only when {allowed}")


def describe(modality: str, region: str, side: str, contrast: str = "none") -> str:
    """"MR arthrogram, right hip" (with contrast words when any)."""
    where = f"{side} {region}" if side in ("left", "right") else (f"{region}, both sides" if side == "bilateral" else region)
    text = f"{MODALITY_WORDS.get(modality, modality)}, {where}"
    return f"{text}, {CONTRAST_WORDS[contrast]}" if contrast != "none" else text
