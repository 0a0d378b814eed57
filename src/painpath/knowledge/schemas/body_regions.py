"""Body regions of the pain diagram (kind `body_regions`): the coded places a clinician marks on the front
and back body map, each with its view, its side and, where one dermatome applies, the spinal level.

A region is one side of the body (the left and right lateral leg are two regions), so a mark carries its
laterality in its code. `svg_shape` says the region has a shape of that id on the body map
(web/static/img/body-map.svg); a clinic pack may add a region without a shape: it is then marked from the
list only. The dermatome is a clinical statement and carries its own source and evidence tag.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = ["BodyRegion", "BodyRegionPack", "Dermatome", "DermatomeLevel", "RegionSide", "RegionView"]

RegionView = Literal["front", "back"]
RegionSide = Literal["left", "right", "midline"]
# A spinal nerve root as dermatome charts name it: C2-C8, T1-T12, L1-L5, S1-S5.
DermatomeLevel = Annotated[str, StringConstraints(pattern=r"^(C[2-8]|T([1-9]|1[0-2])|L[1-5]|S[1-5])$")]


class Dermatome(Sourced):
    """The nerve root(s) whose dermatome covers the region, with where that comes from."""

    levels: Annotated[list[DermatomeLevel], Field(min_length=1, max_length=3)]

    def words(self) -> str:
        return "/".join(self.levels)


class BodyRegion(Strict):
    id: Slug
    name: NonEmptyStr  # in the clinic's words, without the side: "Outer lower leg"
    view: RegionView
    side: RegionSide
    dermatome: Dermatome | None = None  # None: no single dermatome applies (axial back, head, chest)
    svg_shape: bool = True

    def label(self) -> str:
        """"Outer lower leg, left" (a midline region has no side in words)."""
        return self.name if self.side == "midline" else f"{self.name}, {self.side}"


class BodyRegionPack(Pack):
    collection: ClassVar[str] = "body_regions"
    body_regions: Annotated[list[BodyRegion], Field(min_length=1)]

    def reference_problems(self) -> list[tuple[str, str]]:
        """A sided name twice on one side (two "Thumb, left") would make a mark ambiguous in words."""
        problems: list[tuple[str, str]] = []
        seen: dict[tuple[str, str, str], int] = {}
        for index, region in enumerate(self.body_regions):
            key = (region.name.lower(), region.side, region.view)
            if key in seen:
                problems.append((f"body_regions[{index}].name", f"{region.label()!r} on the {region.view} view is already body_regions[{seen[key]}]"))
            seen.setdefault(key, index)
        return problems
