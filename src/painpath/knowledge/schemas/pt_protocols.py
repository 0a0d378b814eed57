"""PT protocol packs (kind `pt_protocol`, one per file under packs/pt_protocols/): what a PT prescription says.

A prescription that says "PT, evaluate and treat" loses the hand-off. A protocol names its emphasis,
its phases week by week with exercises and how to progress, its precautions, and how often and how
long, each number with its source and evidence tag (a K number says verified: false).

It also says why: each thing it emphasises (`emphases`) with a plain-language reason a patient reads on
their plan and a therapist reads on the prescription ("hip hinge and glute activation: ..."), each with
its own source, because a patient who knows why an exercise matters keeps doing it.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import ClinicalEvidence, NonEmptyStr, Pack, Slug, Strict, _refuse_verified_unconfirmed

# The body regions an episode names (patients' body_region), so a protocol can be offered for an episode.
# "other" is the episode region of a hand, a foot or pain in many joints (CRPS, hypermobility).
PtRegion = Literal["cervical", "thoracic", "lumbar", "sacroiliac", "hip", "knee", "shoulder", "ankle_foot", "other"]


class PtProtocolSource(Strict):
    """Where the protocol's content comes from, with its research evidence tag."""

    source: NonEmptyStr
    evidence: ClinicalEvidence
    verified: bool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> PtProtocolSource:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class PtSourcedCount(Strict):
    """A whole number (visits per week, weeks) with its source."""

    value: Annotated[int, Field(ge=1, le=52, strict=True)]
    source: NonEmptyStr
    evidence: ClinicalEvidence
    verified: bool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> PtSourcedCount:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class PtProtocolFor(Strict):
    """Which episodes the protocol fits: ICD-10 code prefixes and/or body regions."""

    diagnoses: list[NonEmptyStr] = Field(default_factory=list)  # ICD-10 prefixes ("M48.06", "M54.1")
    regions: Annotated[list[PtRegion], Field(min_length=1)]


class PtEmphasis(Strict):
    """One thing the protocol emphasises and why, in words for the patient (6th-8th grade, no codes)."""

    focus: NonEmptyStr  # "Hip hinge and glute activation"
    why: NonEmptyStr  # the reason, for the patient's plan and the therapist's prescription
    source: NonEmptyStr
    evidence: ClinicalEvidence
    verified: bool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> PtEmphasis:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self


class PtPhase(Strict):
    name: NonEmptyStr
    weeks: Annotated[list[Annotated[int, Field(ge=1, le=52)]], Field(min_length=1)]  # the course weeks it covers
    exercises: Annotated[list[NonEmptyStr], Field(min_length=1)]
    progression: NonEmptyStr  # when and how to move on, in words a therapist acts on

    @model_validator(mode="after")
    def _weeks_in_order(self) -> PtPhase:
        if self.weeks != sorted(set(self.weeks)):
            raise ValueError("weeks must be listed once each, in increasing order")
        return self


class PtProtocol(Strict):
    id: Slug
    name: NonEmptyStr
    for_: PtProtocolFor = Field(alias="for")
    emphasis: NonEmptyStr  # the protocol's aim in one or two sentences, for the therapist
    emphases: Annotated[list[PtEmphasis], Field(min_length=1)]  # why these exercises, one reason per emphasis
    phases: Annotated[list[PtPhase], Field(min_length=1)]
    precautions: Annotated[list[NonEmptyStr], Field(min_length=1)]
    frequency_per_week: PtSourcedCount
    duration_weeks: PtSourcedCount
    goals: list[NonEmptyStr] = Field(default_factory=list)  # default functional goals for the prescription
    sources: Annotated[list[PtProtocolSource], Field(min_length=1)]

    @model_validator(mode="after")
    def _each_focus_once(self) -> PtProtocol:
        focuses = [e.focus.lower() for e in self.emphases]
        if len(focuses) != len(set(focuses)):
            raise ValueError("each emphasis focus is listed once (merge the reasons of a repeated focus)")
        return self

    @model_validator(mode="after")
    def _phases_fit_the_duration(self) -> PtProtocol:
        # A phase in week 9 of an 8-week course would never be reached by the patient.
        last = max(w for phase in self.phases for w in phase.weeks)
        if last > self.duration_weeks.value:
            raise ValueError(f"a phase runs to week {last} but the course lasts {self.duration_weeks.value} weeks")
        return self

    def fits(self, *, region: str | None, icd10_codes: list[str]) -> bool:
        """True when the episode's region or one of its diagnoses matches what the protocol is for."""
        if region in self.for_.regions and not self.for_.diagnoses:
            return True
        return any(code.upper().startswith(prefix.upper()) for code in icd10_codes for prefix in self.for_.diagnoses)


class PtProtocolPack(Pack):
    collection: ClassVar[str] = "pt_protocols"
    pt_protocols: Annotated[list[PtProtocol], Field(min_length=1)]


__all__ = ["PtEmphasis", "PtPhase", "PtProtocol", "PtProtocolFor", "PtProtocolPack", "PtProtocolSource", "PtRegion", "PtSourcedCount"]
