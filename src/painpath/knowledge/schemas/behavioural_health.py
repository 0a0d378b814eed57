"""Behavioural health (kind `behavioural_health`) and support strategies (kind `support_strategies`).

`behavioural_health`: per instrument, the score at which a clinician discusses and offers a pain-psychology
referral, a CBT-based programme or CBT for insomnia, each cut-off with its published source; what each offer
is called (and the referral specialty an accepted offer leads to); and how many business days the clinician
has to discuss it from the score's date. Exactly one is loaded (two lists of cut-offs could disagree).

`support_strategies`: the self-management and therapy strategies a clinician adds to a patient's care plan
(CBT-based pain programme, paced breathing, sleep hygiene, biofeedback, ...), each with plain words for the
patient and a source. A clinic adds its own with another pack of this kind.

The loader checks that each threshold's instrument (and subscale) exists in the instrument packs and that the
cut-off lies inside the score's range.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = ["BehaviouralHealthPack", "BehaviouralOffer", "OfferDue", "ScoreThreshold", "SupportStrategy", "SupportStrategyPack"]


class BehaviouralOffer(Strict):
    """Something the clinician may offer: its name in the clinic's words, and the referral specialty an
    accepted offer leads to (none for a programme the clinic runs itself)."""

    id: Slug
    name: NonEmptyStr
    words: NonEmptyStr  # in a sentence after "Discuss": "a pain-psychology referral"
    referral_specialty: Slug | None = None


class ScoreThreshold(Sourced):
    """A score that, once crossed, owes a discussion: `at_least` (PCS 30 or more) or `above` (TSK-17 above 37),
    on the total or on one subscale (STarT Back's psychosocial subscale 4 or more = high risk)."""

    instrument: Slug
    subscale: Slug | None = None
    at_least: float | None = None
    above: float | None = None
    meaning: NonEmptyStr  # in the clinic's words: "clinically relevant catastrophizing"
    cite: NonEmptyStr  # the public source in words, for staff pages and task reasons ("Sullivan, PCS manual")
    offers: Annotated[list[Slug], Field(min_length=1)]  # offer ids, the usual one first

    @property
    def id(self) -> str:
        return f"{self.instrument}.{self.subscale}" if self.subscale else self.instrument

    @property
    def cut_off(self) -> float:
        return self.at_least if self.at_least is not None else self.above  # type: ignore[return-value]

    @model_validator(mode="after")
    def _one_comparison(self) -> ScoreThreshold:
        if (self.at_least is None) == (self.above is None):
            raise ValueError("give exactly one of at_least (score >= cut-off) or above (score > cut-off)")
        return self

    def crossed(self, value: float) -> bool:
        return value >= self.at_least if self.at_least is not None else value > self.cut_off

    def words(self) -> str:
        """The cut-off in words: "30 or more", "above 37"."""
        return f"{_num(self.cut_off)} or more" if self.at_least is not None else f"above {_num(self.cut_off)}"

    def short(self) -> str:
        """The cut-off as a task title says it: "30" (30 or more), "above 37"."""
        return _num(self.cut_off) if self.at_least is not None else f"above {_num(self.cut_off)}"


class OfferDue(Sourced):
    """How long the clinician has to discuss the offer, from the score's date."""

    business_days: Annotated[int, Field(ge=0, le=60, strict=True)]


class BehaviouralHealthPack(Pack):
    single: ClassVar[bool] = True
    offers: Annotated[list[BehaviouralOffer], Field(min_length=1)]
    thresholds: Annotated[list[ScoreThreshold], Field(min_length=1)]
    due: OfferDue

    def offer(self, offer_id: str) -> BehaviouralOffer | None:
        return next((o for o in self.offers if o.id == offer_id), None)

    def threshold(self, instrument_id: str) -> ScoreThreshold | None:
        return next((t for t in self.thresholds if t.instrument == instrument_id), None)

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        offer_ids = [o.id for o in self.offers]
        for index, offer_id in enumerate(offer_ids):
            if offer_id in offer_ids[:index]:
                problems.append((f"offers[{index}].id", f"offer {offer_id!r} is listed twice"))
        seen: set[str] = set()
        for t_index, threshold in enumerate(self.thresholds):
            if threshold.instrument in seen:
                problems.append((f"thresholds[{t_index}].instrument", f"{threshold.instrument!r} has two thresholds; keep one"))
            seen.add(threshold.instrument)
            for o_index, offer_id in enumerate(threshold.offers):
                if offer_id not in offer_ids:
                    problems.append((f"thresholds[{t_index}].offers[{o_index}]", f"unknown offer {offer_id!r}; known: {', '.join(offer_ids)}"))
        return problems


class SupportStrategy(Sourced):
    """A strategy the clinician adds to the patient's plan: its name and what it means for the patient."""

    id: Slug
    name: NonEmptyStr
    patient_words: NonEmptyStr  # printed on the patient's plan: short sentences, no jargon


class SupportStrategyPack(Pack):
    collection: ClassVar[str] = "support_strategies"
    support_strategies: Annotated[list[SupportStrategy], Field(min_length=1)]


def _num(x: float) -> str:
    return f"{x:g}"
