"""Imaging knowledge: the directory of imaging centres (kind `imaging_centres`) and the imaging rules
(kind `imaging_rules`): what must be true before a study is appropriate, where prior authorization is
usually needed, and the clinic's timings for working an order's loop."""

from __future__ import annotations

from datetime import time
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, PlanType, Slug, Sourced, Strict
from painpath.knowledge.terms import Modality, Region

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Strength = Literal["arthrogram", "sedation", "open_mri", "contrast", "weight_bearing"]


class StandingSlot(Strict):
    """A slot the centre holds every week for urgent studies the clinic sends (local time of the clinic)."""

    weekday: Weekday
    at: time
    modality: Modality
    minutes: Annotated[int, Field(gt=0, le=240, strict=True)]


class ImagingCentre(Sourced):
    id: Slug
    name: NonEmptyStr
    fax: NonEmptyStr
    phone: NonEmptyStr
    address: NonEmptyStr
    modalities: tuple[Modality, ...]
    strengths: tuple[Strength, ...] = ()  # protocols they do well: arthrogram, sedation, open MRI
    hours: NonEmptyStr  # opening hours in words: "Mon-Fri 7:00-19:00, Sat 8:00-12:00"
    urgent_slots: tuple[StandingSlot, ...] = ()

    @model_validator(mode="after")
    def _slots_for_offered_modalities(self) -> ImagingCentre:
        for slot in self.urgent_slots:
            if slot.modality not in self.modalities:
                raise ValueError(f"a standing slot for {slot.modality} at a centre that does not offer it")
        return self


class ImagingCentrePack(Pack):
    collection: ClassVar[str] = "imaging_centres"
    imaging_centres: list[ImagingCentre]


class _Rule(Sourced):
    id: Slug
    label: NonEmptyStr  # what staff read beside the verdict
    modalities: tuple[Modality, ...]  # the studies the rule is about
    regions: tuple[Region, ...]


class PlainFilmFirst(_Rule):
    """A plain X-ray of the same region on file before the advanced study."""

    type: Literal["plain_film_first"]


class ConservativeCareFirst(_Rule):
    """A period of conservative care before the study, from the first conservative care recorded (or the
    onset of the pain when none is), unless one of `waived_by` (red-flag ids) is present."""

    type: Literal["conservative_care_first"]
    weeks: Annotated[int, Field(gt=0, le=52, strict=True)]
    waived_by: tuple[NonEmptyStr, ...]


class PriorAuthorization(_Rule):
    """Plans of these types usually need prior authorization for the study."""

    type: Literal["prior_authorization"]
    plan_types: tuple[PlanType, ...]


ImagingRule = Annotated[PlainFilmFirst | ConservativeCareFirst | PriorAuthorization, Field(discriminator="type")]


class Timing(Sourced):
    value: Annotated[int, Field(gt=0, strict=True)]


class OrderTimings(Strict):
    """How long each step of an order's loop may take before its task is due."""

    send_business_days: Timing  # send the order after the clinician places it
    book_urgent_hours: Timing  # book an urgent study after sending
    book_routine_business_days: Timing
    chase_report_business_days: Timing  # chase the report after the study date
    review_business_days: Timing  # the clinician reviews the report after it arrives
    urgent_slot_hours: Timing  # how far ahead an urgent order is offered standing slots


class ImagingRulesPack(Pack):
    collection: ClassVar[str] = "imaging_rules"
    single: ClassVar[bool] = True  # one set of timings; a clinic changes the shipped pack's numbers
    imaging_rules: list[ImagingRule]
    timings: OrderTimings

    def reference_problems(self) -> list[tuple[str, str]]:
        seen: set[str] = set()
        problems = []
        for index, rule in enumerate(self.imaging_rules):
            if rule.id in seen:
                problems.append((f"imaging_rules[{index}].id", f"duplicate rule id {rule.id!r}"))
            seen.add(rule.id)
        return problems


__all__ = ["WEEKDAYS", "ConservativeCareFirst", "ImagingCentre", "ImagingCentrePack", "ImagingRule", "ImagingRulesPack",
           "OrderTimings", "PlainFilmFirst", "PriorAuthorization", "StandingSlot", "Strength", "Timing", "Weekday"]
