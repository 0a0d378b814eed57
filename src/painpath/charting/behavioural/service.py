"""Behavioural-health use cases: record the offer made after a score crossed its threshold (or change an
undecided answer, version-checked), read an episode's scores against the thresholds and its offers for the
panel, and load the facts the obligation provider reads. Every write is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.behavioural import queries, rules
from painpath.charting.behavioural.models import BehaviouralOfferRow
from painpath.charting.behavioural.schemas import OfferIn
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.knowledge.schemas import BehaviouralHealthPack, ScoreThreshold
from painpath.patients import service as patients


def value_of(threshold: ScoreThreshold, total: float, subscales: dict | None) -> float | None:
    """The number the threshold reads: the total, or its subscale (None when that subscale was not scored)."""
    if threshold.subscale is None:
        return total
    value = (subscales or {}).get(threshold.subscale)
    return float(value) if value is not None else None


def score_name(knowledge, threshold: ScoreThreshold) -> str:  # noqa: ANN001
    """What the threshold reads, as staff say it: "PCS", "STarT Back psychosocial subscale (items 5-9)"."""
    instrument = knowledge.instruments.get(threshold.instrument)
    if instrument is None:
        return threshold.instrument
    subscale = next((s for s in instrument.subscales if s.id == threshold.subscale), None)
    return f"{instrument.name} {subscale.label[:1].lower()}{subscale.label[1:]}" if subscale is not None else instrument.name


def _pack(knowledge) -> BehaviouralHealthPack:  # noqa: ANN001
    if knowledge.behavioural_health is None:
        raise InvalidInput(FieldProblem("offer", "pack_loaded", "No behavioural-health thresholds are loaded, so no offer can be recorded"))
    return knowledge.behavioural_health


def _offer_problems(pack: BehaviouralHealthPack, knowledge, calendar: BusinessCalendar, given: InstrumentAdministration | None,  # noqa: ANN001
                    episode_id: int, data: OfferIn, offered_on: date) -> tuple[ScoreThreshold | None, list[FieldProblem]]:
    if given is None or given.episode_id != episode_id:
        return None, [FieldProblem("administration_id", "score_of_episode", "Choose a questionnaire score of this episode")]
    threshold = pack.threshold(given.instrument_id)
    name = knowledge.instruments[given.instrument_id].name if given.instrument_id in knowledge.instruments else given.instrument_id
    if threshold is None:
        return None, [FieldProblem("administration_id", "has_threshold", f"{name} has no behavioural-health threshold to offer against")]
    problems = []
    if data.offer not in threshold.offers:
        names = ", ".join(o.name for o in (pack.offer(i) for i in threshold.offers) if o is not None)
        problems.append(FieldProblem("offer", "offer_for_score", f"After a {name} score, offer one of: {names}"))
    score_on = calendar.local_date(given.administered_at)
    if offered_on < score_on:
        problems.append(FieldProblem("offered_on", "not_before_score", f"The offer cannot be before the score it answers ({score_on:%d %b %Y})"))
    return threshold, problems


def record_offer(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                 data: OfferIn) -> BehaviouralOfferRow:
    """Record what was offered after a score and the patient's answer, or change a recorded one (its version as
    loaded); nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    pack = _pack(knowledge)
    given = session.get(InstrumentAdministration, data.administration_id)
    offered_on = data.offered_on or calendar.local_date(utcnow())
    threshold, problems = _offer_problems(pack, knowledge, calendar, given, episode.id, data, offered_on)
    if problems:
        raise InvalidInput(problems)
    assert given is not None and threshold is not None
    score_on = calendar.local_date(given.administered_at)
    if data.offer_id is None:
        row = BehaviouralOfferRow(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id)
        session.add(row)
        action = "behavioural.offer_recorded"
    else:
        row = session.get(BehaviouralOfferRow, data.offer_id)
        if row is None or row.episode_id != episode.id:
            raise NotFound("behavioural-health offer", data.offer_id)
        if data.version != row.version:
            raise StaleWrite("behavioural-health offer", data.version or 0, row.version)
        action = "behavioural.offer_updated"
    row.instrument_id, row.administration_id, row.score_on = given.instrument_id, given.id, score_on
    value = value_of(threshold, given.total, given.subscales)
    row.score_total = given.total if value is None else value
    row.offer, row.answer, row.offered_on, row.note = data.offer, data.answer, offered_on, data.note or None
    row.offered_by_id, row.recorded_at = actor.user_id, utcnow()
    session.flush()
    audit.record(session, actor, action, object_type="behavioural_offer", object_id=row.id, patient_id=row.patient_id,
                 clinic_id=row.clinic_id, detail={"instrument": row.instrument_id, "administration_id": given.id, "offer": row.offer,
                                                  "answer": row.answer, "offered_on": offered_on.isoformat()})
    return row


# --- Reading ----------------------------------------------------------------------------------------

def list_offers(session: Session, *, actor: Actor, episode_id: int) -> list[BehaviouralOfferRow]:
    """An episode's offers for the API, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return episode_offers(session, episode_id=episode.id)


def episode_offers(session: Session, *, episode_id: int) -> list[BehaviouralOfferRow]:
    """An episode's offers, oldest first. Not audited: shown on the episode page, whose read is."""
    return list(session.scalars(select(BehaviouralOfferRow).where(BehaviouralOfferRow.episode_id == episode_id)
                                .order_by(BehaviouralOfferRow.offered_on, BehaviouralOfferRow.recorded_at, BehaviouralOfferRow.id)))


def _latest(knowledge, rows: Sequence[queries.Administered], calendar: BusinessCalendar) -> list[rules.LatestScore]:  # noqa: ANN001
    pack = knowledge.behavioural_health
    found = []
    for given in rows:
        threshold = pack.threshold(given.instrument_id) if pack is not None else None
        if threshold is None:
            continue
        found.append(rules.LatestScore(given.id, given.instrument_id, score_name(knowledge, threshold),
                                       calendar.local_date(given.administered_at), value_of(threshold, given.total, given.subscales)))
    return found


def _offer_records(knowledge, rows: Sequence[BehaviouralOfferRow], names: dict[int, str] | None = None) -> list[rules.OfferRecord]:  # noqa: ANN001
    pack = knowledge.behavioural_health
    records = []
    for row in rows:
        offer = pack.offer(row.offer) if pack is not None else None
        records.append(rules.OfferRecord(row.instrument_id, row.score_on, row.offered_on, offer.name if offer else row.offer,
                                         row.answer, row.recorded_at, (names or {}).get(row.offered_by_id or 0)))
    return records


def behaviour_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None) -> list[rules.EpisodeBehaviour]:  # noqa: ANN001
    """What the provider reads, for the episodes with a score of an instrument that has a threshold."""
    pack = knowledge.behavioural_health
    if pack is None:
        return []
    latest = queries.latest_administrations(session, instruments={t.instrument for t in pack.thresholds}, episode_ids=episode_ids)
    by_episode: dict[int, list[queries.Administered]] = {}
    for given in latest:
        by_episode.setdefault(given.episode_id, []).append(given)
    offers: dict[int, list[BehaviouralOfferRow]] = {}
    if by_episode:
        query = (select(BehaviouralOfferRow).where(ids_in(session, BehaviouralOfferRow.episode_id, list(by_episode)))
                 .order_by(BehaviouralOfferRow.offered_on, BehaviouralOfferRow.recorded_at, BehaviouralOfferRow.id))
        for row in session.scalars(query):
            offers.setdefault(row.episode_id, []).append(row)
    found = []
    for episode_id, rows in by_episode.items():
        first = rows[0]
        found.append(rules.EpisodeBehaviour(first.clinic_id, episode_id, first.patient_id, tuple(_latest(knowledge, rows, calendar)),
                                            tuple(_offer_records(knowledge, offers.get(episode_id, [])))))
    return found


@dataclass(frozen=True)
class ScoreLine:
    """One instrument on the panel: its threshold, the latest score and whether it crosses."""

    threshold: ScoreThreshold
    instrument_name: str
    latest: rules.LatestScore | None

    @property
    def crosses(self) -> bool:
        return self.latest is not None and self.latest.value is not None and self.threshold.crossed(self.latest.value)


@dataclass(frozen=True)
class PanelView:
    lines: list[ScoreLine]
    open: list[rules.Crossing]  # crossings no offer answers yet: the offer to discuss
    offers: list[BehaviouralOfferRow]  # newest first
    names: dict[int, str]


def panel_view(session: Session, *, knowledge, calendar: BusinessCalendar, episode_id: int) -> PanelView | None:  # noqa: ANN001
    """The episode's scores against the thresholds, the offers still to discuss and the offers recorded; not audited
    (the episode page's read is)."""
    pack = knowledge.behavioural_health
    if pack is None:
        return None
    rows = queries.latest_administrations(session, instruments={t.instrument for t in pack.thresholds}, episode_ids=[episode_id])
    latest = {s.instrument_id: s for s in _latest(knowledge, rows, calendar)}
    offers = episode_offers(session, episode_id=episode_id)
    names = user_names(session, [o.offered_by_id for o in offers])
    records = _offer_records(knowledge, offers)
    lines = [ScoreLine(t, score_name(knowledge, t), latest.get(t.instrument)) for t in pack.thresholds]
    still_open = [c for c in rules.crossings(pack, list(latest.values())) if rules.answering_offer(c, records) is None]
    return PanelView(lines, still_open, list(reversed(offers)), names)


def user_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
