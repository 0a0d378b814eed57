"""Instrument administration use cases: score answers from the pack, store them, show change since
baseline, raise the safety workflow, record the clinician's safety review, import FHIR responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import scoring
from painpath.charting.instruments import rules
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.instruments.schemas import AdministrationIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.knowledge.schemas import Instrument
from painpath.patients import service as patients


def instrument_for(knowledge, instrument_id: str) -> Instrument:
    if instrument_id not in knowledge.instruments:
        known = ", ".join(sorted(knowledge.instruments)) or "(none)"
        raise InvalidInput(FieldProblem("instrument_id", "known_instrument", f"No instrument {instrument_id!r}; known: {known}"))
    return knowledge.instruments[instrument_id]


def pack_of(knowledge, instrument_id: str) -> tuple[str, int]:
    """The id and version of the pack file that defines the instrument (one instrument per file)."""
    import yaml

    candidates = [p for p in knowledge.packs if p.header.kind == "instrument"]
    for loaded in candidates:  # the convention first: pack id `instruments.<id>`
        if loaded.header.id == f"instruments.{instrument_id}":
            return loaded.header.id, loaded.header.version
    for loaded in candidates:  # a clinic pack named otherwise: look inside
        data = yaml.safe_load(loaded.file.read_text(encoding="utf-8")) or {}
        if any(i.get("id") == instrument_id for i in data.get("instruments", []) if isinstance(i, dict)):
            return loaded.header.id, loaded.header.version
    raise LookupError(f"no loaded pack defines instrument {instrument_id!r}")


def score_or_refuse(instrument: Instrument, answers: dict[str, int | None], *, sex: str | None) -> scoring.ScoreResult:
    """Score with the engine; refuse unknown items, answers that are not options, and unscorable sets."""
    problems = scoring.validate_answers(instrument, answers)
    if problems:
        raise InvalidInput(problems)
    weighted = any(it.weight_by_sex for it in instrument.items)
    result = scoring.score(instrument, answers, sex=sex if sex in ("female", "male") else None)
    if result.scorable:
        return result
    rule = instrument.scoring.missing
    if len(result.missing) > rule.max_missing:
        allowed = "no item may be missing" if rule.max_missing == 0 else f"at most {rule.max_missing} may be missing"
        problems = [
            FieldProblem(f"answers.{item}", "required", f"{instrument.name} {item} is unanswered; {allowed} ({len(result.missing)} are)")
            for item in result.missing
        ]
    elif weighted:
        problems = [FieldProblem("sex", "required", result.reason_unscorable or "sex is required")]
    else:  # pragma: no cover - the engine gives no other reason today
        problems = [FieldProblem("answers", "scorable", result.reason_unscorable or "not scorable")]
    # An alert is never lost in a refusal: say it with the problems so the person acts on it now.
    for alert in result.alerts:
        problems.append(FieldProblem(f"answers.{alert.item}", f"alert_{alert.kind}", alert.message))
    raise InvalidInput(problems)


def administer(
    session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,
    data: AdministrationIn, source: str | None = None, external_ref: str | None = None,
) -> InstrumentAdministration:
    """Score the answers from the pack and store them with the score; nothing is saved if refused."""
    instrument = instrument_for(knowledge, data.instrument_id)
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    result = score_or_refuse(instrument, data.answers, sex=patient.sex)
    now = utcnow()
    at = calendar.to_utc(data.administered_at) if data.administered_at else now
    if at > now:
        raise InvalidInput(FieldProblem("administered_at", "not_in_future", "An instrument cannot be administered in the future"))
    source = source or data.source
    pack_id, pack_version = pack_of(knowledge, instrument.id)
    row = InstrumentAdministration(
        clinic_id=episode.clinic_id, patient_id=patient.id, episode_id=episode.id, encounter_id=data.encounter_id,
        instrument_id=instrument.id, pack_id=pack_id, pack_version=pack_version,
        answers={it.id: data.answers.get(it.id) for it in instrument.items if it.id in data.answers},
        total=result.total, subscales=dict(result.subscales), band=result.band,
        alerts=[asdict(a) for a in result.alerts], administered_at=at, source=source,
        administered_by_id=actor.user_id if source == "staff" else None, recorded_by_id=actor.user_id,
        external_ref=external_ref,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "instrument.administer", object_type=row.__tablename__, object_id=row.id, patient_id=patient.id,
        detail={"instrument_id": instrument.id, "source": source, "alerts": sorted({a.kind for a in result.alerts})},
    )
    return row


def import_fhir_response(
    session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, instrument_id: str,
    response: dict, questionnaire: dict | None = None, value_sets: Sequence[dict] = (), encounter_id: int | None = None,
) -> InstrumentAdministration:
    """Import a FHIR QuestionnaireResponse for a pack instrument; scored by our engine like any other."""
    from painpath.interop.fhir import questionnaire as fhir_q

    instrument = instrument_for(knowledge, instrument_id)
    imported = fhir_q.import_response(instrument, response, questionnaire=questionnaire, value_sets=value_sets)
    data = AdministrationIn(
        instrument_id=instrument.id, answers=imported.answers, administered_at=imported.authored, encounter_id=encounter_id,
    )
    row = administer(
        session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id, data=data,
        source="fhir_import", external_ref=imported.reference,
    )
    # Not stored: what the importer tells the person who sent the file (a Questionnaire's small faults).
    row.import_warnings = imported.warnings
    return row


def _get(session: Session, actor: Actor, administration_id: int) -> InstrumentAdministration:
    row = session.get(InstrumentAdministration, administration_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound("instrument administration", administration_id)
    return row


def record_safety_review(session: Session, *, actor: Actor, administration_id: int, note: str) -> InstrumentAdministration:
    """A clinician assessed the patient's safety after an alert; this meets the safety-review task."""
    row = _get(session, actor, administration_id)
    if not rules.safety_alerts(row.alerts):
        raise Conflict(FieldProblem("alerts", "safety_alert", "This administration raised no safety alert to review"))
    if row.safety_reviewed_at is not None:
        raise Conflict(FieldProblem("safety_reviewed_at", "not_reviewed", "A safety assessment is already recorded for this administration"))
    row.safety_reviewed_at = utcnow()
    row.safety_reviewed_by_id = actor.user_id
    row.safety_review_note = note
    session.flush()
    audit.record(session, actor, "instrument.safety_review", object_type=row.__tablename__, object_id=row.id, patient_id=row.patient_id)
    return row


def administrations(session: Session, *, knowledge, episode_id: int) -> list[tuple[InstrumentAdministration, rules.ChangeSinceBaseline | None]]:
    """The episode's administrations in time order, each with its change since that instrument's baseline."""
    rows = list(session.scalars(
        select(InstrumentAdministration).where(InstrumentAdministration.episode_id == episode_id)
        .order_by(InstrumentAdministration.administered_at, InstrumentAdministration.id)
    ))
    facts = [rules.ScoredFact(r.id, r.instrument_id, r.administered_at, r.total) for r in rows]
    changes: dict[int, rules.ChangeSinceBaseline | None] = {}
    for instrument_id in {r.instrument_id for r in rows}:
        if instrument_id in knowledge.instruments:  # a pack removed later: no change, the row still shows
            changes.update(rules.changes_since_baseline(knowledge.instruments[instrument_id], facts))
    return [(r, changes.get(r.id)) for r in rows]


def as_output(row: InstrumentAdministration, change: rules.ChangeSinceBaseline | None, knowledge) -> dict:
    instrument = knowledge.instruments.get(row.instrument_id)
    out = {c.key: getattr(row, c.key) for c in InstrumentAdministration.__table__.columns if c.key not in ("clinic_id", "created_at", "updated_at")}
    out["instrument_name"] = instrument.name if instrument else row.instrument_id
    out["change"] = None if change is None else {**asdict(change), "summary": change.summary}
    return out


def open_safety_alerts(session: Session, episode_id: int) -> list[dict]:
    """Safety alerts on the episode that no clinician has reviewed yet, oldest first (for the chart banner)."""
    rows = session.scalars(
        select(InstrumentAdministration).where(
            InstrumentAdministration.episode_id == episode_id, InstrumentAdministration.safety_reviewed_at.is_(None)
        ).order_by(InstrumentAdministration.administered_at, InstrumentAdministration.id)
    )
    found = []
    for row in rows:
        for alert in rules.safety_alerts(row.alerts):
            found.append({"administration_id": row.id, "instrument_id": row.instrument_id, "administered_at": row.administered_at, **alert})
    return found


def alert_facts(session: Session, *, knowledge, episode_ids: list[int] | None) -> list[rules.AlertFacts]:
    query = select(InstrumentAdministration, User.display_name).outerjoin(User, User.id == InstrumentAdministration.safety_reviewed_by_id)
    if episode_ids is not None:
        query = query.where(ids_in(session, InstrumentAdministration.episode_id, episode_ids))
    else:
        query = query.where(InstrumentAdministration.safety_reviewed_at.is_(None))
    found = []
    for row, reviewer in session.execute(query):
        alerts = rules.safety_alerts(row.alerts)
        if not alerts:
            continue
        instrument = knowledge.instruments.get(row.instrument_id)
        if instrument is not None:  # staff read "item 9", never the pack's item key
            numbers = {item.id: position for position, item in enumerate(instrument.items, 1)}
            alerts = [{**a, "item_number": numbers[a["item"]]} if a.get("item") in numbers else a for a in alerts]
        found.append(rules.AlertFacts(
            administration_id=row.id, clinic_id=row.clinic_id, episode_id=row.episode_id, patient_id=row.patient_id,
            instrument_name=instrument.name if instrument else row.instrument_id, administered_at=row.administered_at,
            alerts=tuple(alerts), reviewed_at=row.safety_reviewed_at, reviewed_by=reviewer,
        ))
    return found


def get_for_export(session: Session, *, actor: Actor, administration_id: int) -> InstrumentAdministration:
    return _get(session, actor, administration_id)


# --- Helpers for the HTML pages (charting/instruments/pages.py) -------------------------------------

def get_administration(session: Session, *, actor: Actor, administration_id: int) -> InstrumentAdministration:
    """One administration of the caller's clinic (NotFound otherwise): the page finds its episode with it."""
    return _get(session, actor, administration_id)


def user_names(session: Session, user_ids: Sequence[int | None]) -> dict[int, str]:
    """Display names of the staff who gave or reviewed administrations, for the chart panel."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


# ---- Batch reads for other slices' rules (opioid safety's scores) ----------------------------------
# One query for any number of episodes; not audited: rules read facts, no person reads a chart.


def scores_for_episodes(session: Session, episode_ids: list[int]) -> dict[int, list[tuple[str, datetime, float]]]:
    """Each episode's scored administrations as (instrument id, administered at (UTC), total), oldest first."""
    found: dict[int, list[tuple[str, datetime, float]]] = {}
    if episode_ids:
        rows = session.execute(
            select(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id,
                   InstrumentAdministration.administered_at, InstrumentAdministration.total)
            .where(ids_in(session, InstrumentAdministration.episode_id, episode_ids))
            .order_by(InstrumentAdministration.episode_id, InstrumentAdministration.administered_at, InstrumentAdministration.id)
        )
        for episode_id, instrument_id, at, total in rows:
            found.setdefault(episode_id, []).append((instrument_id, at, total))
    return found
