"""Pure rules of behavioural health: which latest scores cross the pack's threshold, and the clinician's duty
to discuss an offer for each one that no recorded offer has answered yet.

No I/O and no clock: the service loads the facts, these functions decide.

- The duty is keyed by the score (its administration), so a newer score that crosses again is a new duty: that
  is how a declined offer is revisited at the next score.
- An offer recorded on or after the score's date meets it, whatever the answer (accepted, declined, undecided).
- While the patient's latest answer for the instrument is "accepted", a newer crossing score owes nothing new:
  the referral or programme is under way.
- It is due the pack's number of business days after the score's date. The answer never changes with the clock
  alone (the due date is fixed from the score), so the provider gives no NextChange.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import BehaviouralHealthPack, ScoreThreshold
from painpath.worklist.engine import Finding, Fulfillment, Obligation

PROVIDER = "charting.behavioural"
KIND = "behavioural.offer"
ANSWER_WORDS = {"accepted": "accepted", "declined": "declined", "undecided": "not decided yet"}


@dataclass(frozen=True)
class LatestScore:
    """An episode's latest administration of one instrument, with the value the threshold reads."""

    administration_id: int
    instrument_id: str
    instrument_name: str  # with the subscale the threshold reads: "STarT Back psychosocial subscale (items 5-9)"
    on: date
    value: float | None  # the total, or the threshold's subscale (None: that subscale was not scored)


@dataclass(frozen=True)
class OfferRecord:
    instrument_id: str
    score_on: date
    offered_on: date
    offer_name: str
    answer: str
    recorded_at: datetime
    recorded_by: str | None = None


@dataclass(frozen=True)
class EpisodeBehaviour:
    clinic_id: int
    episode_id: int
    patient_id: int
    latest: tuple[LatestScore, ...]
    offers: tuple[OfferRecord, ...]  # oldest first


@dataclass(frozen=True)
class Crossing:
    """A latest score that crosses its threshold."""

    score: LatestScore
    threshold: ScoreThreshold

    @property
    def key(self) -> str:
        return f"behavioural:offer:{self.score.administration_id}"


def crossings(pack: BehaviouralHealthPack | None, latest: Sequence[LatestScore]) -> list[Crossing]:
    """The latest scores at or past their instrument's threshold, in the pack's order."""
    if pack is None:
        return []
    by_instrument = {s.instrument_id: s for s in latest}
    found = []
    for threshold in pack.thresholds:
        score = by_instrument.get(threshold.instrument)
        if score is not None and score.value is not None and threshold.crossed(score.value):
            found.append(Crossing(score, threshold))
    return found


def answering_offer(crossing: Crossing, offers: Sequence[OfferRecord]) -> OfferRecord | None:
    """The offer that answers this crossing: the latest recorded on or after the score's date, else (when the
    patient's latest answer for the instrument was to accept) that acceptance."""
    mine = [o for o in offers if o.instrument_id == crossing.score.instrument_id]
    after = [o for o in mine if o.offered_on >= crossing.score.on]
    if after:
        return after[-1]
    if mine and mine[-1].answer == "accepted":
        return mine[-1]
    return None


def due_on(pack: BehaviouralHealthPack, calendar: BusinessCalendar, score_on: date) -> date:
    return calendar.add_business_days(score_on, pack.due.business_days)


def score_words(value: float) -> str:
    return f"{value:g}"


def _score_name(crossing: Crossing) -> str:
    """"PCS 34", "STarT Back psychosocial subscale (items 5-9) 4"."""
    return f"{crossing.score.instrument_name} {score_words(crossing.score.value or 0)}"


def title(pack: BehaviouralHealthPack, crossing: Crossing) -> str:
    """"Discuss a pain-psychology referral: PCS 34 (threshold 30)"."""
    first = pack.offer(crossing.threshold.offers[0])
    assert first is not None  # the pack refused unknown offer ids at load
    return f"Discuss {first.words}: {_score_name(crossing)} (threshold {crossing.threshold.short()})"


def reason(pack: BehaviouralHealthPack, crossing: Crossing, previous: OfferRecord | None) -> str:
    threshold = crossing.threshold
    offers = " or ".join(o.words for o in (pack.offer(i) for i in threshold.offers) if o is not None)
    text = (f"{_score_name(crossing)} on {crossing.score.on:%a %d %b %Y} is {threshold.words()}: {threshold.meaning} "
            f"(threshold from {threshold.cite}). Discuss and offer {offers}, and record the patient's answer.")
    if previous is not None and previous.answer == "declined":
        text += f" The patient declined {previous.offer_name.lower()} on {previous.offered_on:%d %b %Y}; this newer score asks again."
    return text


def findings(facts: EpisodeBehaviour, pack: BehaviouralHealthPack | None, calendar: BusinessCalendar) -> list[Finding]:
    """For each crossing: a clinician's duty to discuss the offer, or its fulfilment by the recorded offer."""
    if pack is None:
        return []
    found: list[Finding] = []
    for crossing in crossings(pack, facts.latest):
        answered = answering_offer(crossing, facts.offers)
        if answered is not None:
            found.append(Fulfillment(crossing.key, PROVIDER, f"{answered.offer_name} offered {answered.offered_on:%d %b %Y}: "
                                     f"{ANSWER_WORDS.get(answered.answer, answered.answer)}", answered.recorded_at))
            continue
        previous = next((o for o in reversed(facts.offers) if o.instrument_id == crossing.score.instrument_id), None)
        found.append(Obligation(
            key=crossing.key, kind=KIND, provider=PROVIDER, clinic_id=facts.clinic_id, episode_id=facts.episode_id,
            patient_id=facts.patient_id, title=title(pack, crossing),
            due_at=calendar.end_of_local_day_utc(due_on(pack, calendar, crossing.score.on)), owner_role="clinician",
            reason=reason(pack, crossing, previous),
            evidence={"administration_id": crossing.score.administration_id, "instrument": crossing.score.instrument_id,
                      "score": crossing.score.value, "score_on": crossing.score.on.isoformat(),
                      "threshold": threshold_evidence(crossing.threshold)},
        ))
    return found


def threshold_evidence(threshold: ScoreThreshold) -> dict:
    return {"cut_off": threshold.cut_off, "comparison": "at_least" if threshold.at_least is not None else "above",
            "subscale": threshold.subscale, "source": threshold.cite}
