"""Pure rules for administrations: change since the episode's baseline, and the safety-alert duty.

No I/O and no clock: the service loads the facts, these functions decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from painpath.charting import scoring
from painpath.core.clock import BusinessCalendar
from painpath.knowledge.schemas import Instrument
from painpath.worklist.engine import Finding, Fulfillment, Obligation

PROVIDER = "charting.instruments"
# Alert kinds that need a clinician's safety assessment before anything else.
SAFETY_ALERT_KINDS = frozenset({"suicide_risk"})


@dataclass(frozen=True)
class ScoredFact:
    """What the change rule needs of one administration."""

    id: int
    instrument_id: str
    administered_at: datetime
    total: float | None


@dataclass(frozen=True)
class ChangeSinceBaseline:
    baseline_id: int
    baseline_total: float
    baseline_at: datetime
    is_baseline: bool
    delta: float
    improved: bool
    reached_mic: bool
    mic_known: bool

    @property
    def summary(self) -> str:
        if self.is_baseline:
            return "Baseline for this episode"
        mic = "unknown (no minimal important change in the pack)" if not self.mic_known else ("yes" if self.reached_mic else "no")
        direction = "improved" if self.improved else ("no change" if abs(self.delta) < 1e-9 else "worse")
        return f"{_signed(self.delta)} since baseline ({_signed_plain(self.baseline_total)}): {direction}; reached minimal important change: {mic}"


def _signed(x: float) -> str:
    text = f"{x:+.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _signed_plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def changes_since_baseline(instrument: Instrument, facts: Sequence[ScoredFact]) -> dict[int, ChangeSinceBaseline | None]:
    """For each administration of `instrument`: its change since the episode's baseline.

    The baseline is the first scorable administration (earliest administered_at, then lowest id).
    An administration before the baseline, or without a total, has no change (None).
    """
    ordered = sorted((f for f in facts if f.instrument_id == instrument.id), key=lambda f: (f.administered_at, f.id))
    baseline = next((f for f in ordered if f.total is not None), None)
    result: dict[int, ChangeSinceBaseline | None] = {}
    for fact in ordered:
        if baseline is None or fact.total is None or (fact.administered_at, fact.id) < (baseline.administered_at, baseline.id):
            result[fact.id] = None
            continue
        assert baseline.total is not None
        moved = scoring.change(instrument, baseline=baseline.total, current=fact.total)
        result[fact.id] = ChangeSinceBaseline(
            baseline_id=baseline.id, baseline_total=baseline.total, baseline_at=baseline.administered_at,
            is_baseline=fact.id == baseline.id, delta=moved.delta, improved=moved.improved,
            reached_mic=moved.reached_mic, mic_known=moved.mic_known,
        )
    return result


@dataclass(frozen=True)
class AlertFacts:
    """An administration that raised a safety alert, and its review if one was recorded."""

    administration_id: int
    clinic_id: int
    episode_id: int
    patient_id: int
    instrument_name: str
    administered_at: datetime
    alerts: tuple[dict, ...]  # [{kind, item, item_number, value, message}], safety kinds only
    reviewed_at: datetime | None
    reviewed_by: str | None


def safety_alerts(alerts: Sequence[dict]) -> list[dict]:
    return [a for a in alerts if a.get("kind") in SAFETY_ALERT_KINDS]


def safety_findings(fact: AlertFacts, calendar: BusinessCalendar) -> list[Finding]:
    """A positive safety alert owes an immediate clinician assessment; the recorded review meets it."""
    if not fact.alerts:
        return []
    key = f"instruments:safety-review:{fact.administration_id}"
    if fact.reviewed_at is not None:
        return [Fulfillment(key, PROVIDER, f"Safety assessment recorded by {fact.reviewed_by or 'a clinician'} {_day(calendar, fact.reviewed_at)}", fact.reviewed_at)]
    first = fact.alerts[0]
    items = ", ".join(f"{_item(a)} answered {a['value']}" for a in fact.alerts)
    return [Obligation(
        key=key, kind="instruments.safety_review", provider=PROVIDER, clinic_id=fact.clinic_id,
        episode_id=fact.episode_id, patient_id=fact.patient_id,
        title=f"Suicide-risk assessment now: {fact.instrument_name} {_item(first)} positive" if first["kind"] == "suicide_risk"
        else f"Safety assessment now: {fact.instrument_name} alert",
        due_at=fact.administered_at, owner_role="clinician",
        reason=(f"{fact.instrument_name} given {_day(calendar, fact.administered_at)}: {items}. {first['message']} "
                "A clinician must assess the patient's safety and record it."),
        evidence={"administration_id": fact.administration_id, "instrument": fact.instrument_name,
                  "alerts": [dict(a) for a in fact.alerts]},
    )]


def _item(alert: dict) -> str:
    """The alerting item as staff number it on the form ("item 9"); the pack's item key is not for staff."""
    return f"item {alert['item_number']}" if alert.get("item_number") else "a safety item"


def _day(calendar: BusinessCalendar, at: datetime) -> str:
    return f"{calendar.to_local(at):%a %d %b %Y %H:%M}"
