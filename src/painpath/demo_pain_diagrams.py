"""The demo clinic's pain diagrams (issue 15 part 2): the spine episodes mark where the pain is at each of
their first two visits, so the episode page shows a diagram and what changed since the one before, and the
lumbar epidural packets print it. Recorded through the service before the note is signed (a signed note's
diagram never changes), so each is validated and audited like one entered on the page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.charting.pain_diagram import service as diagram_service
from painpath.charting.pain_diagram.schemas import DiagramIn, MarkIn
from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.patients.models import Episode

# By body region and visit (0: first, 1: the follow-up): (region without its side or with it, kind, intensity).
# The side is the episode's, so the map agrees with the radicular exam the demo charts (S1 left, C6 right).
_VISITS = {
    "lumbar": (
        [("low_back", "aching", 5), ("buttock", "aching", 4), ("calf", "burning", 7), ("sole", "pins_and_needles", 6)],
        [("low_back", "aching", 4), ("calf", "burning", 4), ("sole", "numbness", 3), ("leg_lateral", "electric", 2)],
    ),
    "cervical": (
        [("neck_back", "aching", 6), ("shoulder_blade", "aching", 4), ("forearm_lateral", "electric", 7), ("thumb", "numbness", 5)],
        [("neck_back", "aching", 3), ("forearm_lateral", "electric", 4), ("thumb", "pins_and_needles", 3)],
    ),
}
_MIDLINE = {"low_back", "neck_back"}
_DEFAULT_SIDE = {"lumbar": "left", "cervical": "right"}


def record_at_visit(session: Session, ctx: AppContext, clinician: Actor, episode: Episode, encounter_id: int, visit_number: int) -> bool:
    """The diagram of a spine episode's first or second visit note (before it is signed); False when none."""
    visits = _VISITS.get(episode.body_region)
    if visits is None or visit_number >= len(visits):
        return False
    side = episode.laterality if episode.laterality in ("left", "right") else _DEFAULT_SIDE[episode.body_region]
    marks = [MarkIn(region=region if region in _MIDLINE else f"{region}_{side}", pain_type=kind, intensity=intensity)
             for region, kind, intensity in visits[visit_number]]
    diagram_service.record_diagram(session, actor=clinician, regions=ctx.knowledge.body_regions, encounter_id=encounter_id,
                                   data=DiagramIn(marks=marks))
    return True
