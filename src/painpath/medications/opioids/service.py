"""Opioid-safety use cases: record the agreement, a PDMP check (through a plugin), a urine drug test and a
naloxone offer; load each episode's safety facts for the rules; summarise them for the API and panel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments import service as instruments
from painpath.charting.models import Encounter
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import FieldProblem, InvalidInput
from painpath.interop.pdmp import (
    Attestation,
    PdmpClinician,
    PdmpError,
    PdmpPatient,
    pdmp_for,
)
from painpath.medications.opioids import prescriptions
from painpath.medications.opioids import rules as safety_rules
from painpath.medications.opioids.models import (
    MedicationPrescription,
    NaloxoneOffer,
    OpioidAgreement,
    PdmpCheck,
    UrineDrugTest,
)
from painpath.medications.opioids.schemas import (
    AgreementIn,
    DrugTestIn,
    NaloxoneOfferIn,
    PdmpCheckIn,
)
from painpath.patients import service as patients
from painpath.patients.models import Episode

ORT = "ort"


def policy(knowledge) -> safety_rules.SafetyPolicy | None:
    """The rules' numbers from the opioid_thresholds pack; None when no opioid pack is loaded."""
    opioids = getattr(knowledge, "opioids", None)
    if opioids is None:
        return None
    return safety_rules.policy_from(opioids.thresholds, getattr(knowledge, "depressant_classes", {}))


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _not_future(field: str, day: date, calendar: BusinessCalendar, what: str) -> None:
    if day > _today(calendar):
        raise InvalidInput(FieldProblem(field, "not_future", f"{what} cannot be in the future; record it once it has happened"))


def _audit(session: Session, actor: Actor, action: str, object_type: str, row, **detail) -> None:
    audit.record(session, actor, action, object_type=object_type, object_id=row.id, patient_id=row.patient_id, detail=detail)


def _clinician(session: Session, actor: Actor, clinician_id: int | None, field: str) -> int:
    if clinician_id is None:
        if actor.role == "clinician" and actor.user_id is not None:
            return actor.user_id
        raise InvalidInput(FieldProblem(field, "required", "Name the clinician who went through it with the patient"))
    user = session.get(User, clinician_id)
    if user is None or user.clinic_id != actor.clinic_id or user.role != "clinician":
        raise InvalidInput(FieldProblem(field, "clinician", "Name a clinician of this clinic"))
    return user.id


def record_agreement(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: AgreementIn) -> OpioidAgreement:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    _not_future("signed_on", data.signed_on, calendar, "The signing date")
    row = OpioidAgreement(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, signed_on=data.signed_on,
        clinician_id=_clinician(session, actor, data.clinician_id, "clinician_id"), note=data.note,
        recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "opioid_agreement.record", "opioid_agreement", row, signed_on=data.signed_on.isoformat())
    return row


def record_pdmp_check(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: PdmpCheckIn) -> PdmpCheck:
    """Ask the named PDMP plugin (manual attestation: what the clinician attests) and store its answer."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    checked_at = calendar.to_utc(data.checked_at) if data.checked_at is not None else utcnow()
    if checked_at > utcnow():
        raise InvalidInput(FieldProblem("checked_at", "not_future", "A PDMP check cannot be in the future"))
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    try:
        plugin = pdmp_for(data.plugin, Attestation(checked_at=checked_at, state=data.state, summary=data.summary, findings=frozenset(data.findings)))
        result = plugin.query(
            PdmpPatient(patient.id, patient.given_name, patient.family_name, patient.birth_date, getattr(patient, "sex", None)),
            PdmpClinician(actor.user_id or 0, user.display_name if user else actor.label, actor.role or ""),
        )
    except PdmpError as error:
        raise InvalidInput(FieldProblem("plugin" if "plugin" in str(error) else _pdmp_field(str(error)), "pdmp", str(error))) from None
    row = PdmpCheck(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, checked_at=result.checked_at,
        checked_by_id=actor.user_id, state=result.state, summary=result.summary, findings=sorted(result.findings),
        plugin=result.plugin, reference=result.reference, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "pdmp_check.record", "pdmp_check", row, plugin=row.plugin, state=row.state, findings=row.findings)
    return row


def _pdmp_field(message: str) -> str:
    if "finding" in message:
        return "findings"
    if "state" in message:
        return "state"
    return "summary"


def record_drug_test(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: DrugTestIn) -> UrineDrugTest:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    _not_future("collected_on", data.collected_on, calendar, "The collection date")
    if data.result == "unexpected" and not data.unexpected_findings:
        raise InvalidInput(FieldProblem("unexpected_findings", "required", "Say what was unexpected (found, or missing)"))
    row = UrineDrugTest(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, collected_on=data.collected_on,
        result=data.result, unexpected_findings=data.unexpected_findings, recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "urine_drug_test.record", "urine_drug_test", row, result=row.result)
    return row


def record_naloxone_offer(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: NaloxoneOfferIn) -> NaloxoneOffer:
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    _not_future("offered_on", data.offered_on, calendar, "The offer date")
    row = NaloxoneOffer(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, offered_on=data.offered_on,
        outcome=data.outcome, note=data.note, recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "naloxone_offer.record", "naloxone_offer", row, outcome=row.outcome)
    return row


# ---- Facts for the rules (not audited: the engine reads facts, no person reads a chart) ---------------

def _by_episode(session: Session, model, episode_ids: list[int], order) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in session.scalars(select(model).where(model.episode_id.in_(episode_ids)).order_by(order, model.id)):
        found.setdefault(row.episode_id, []).append(row)
    return found


def _visits(session: Session, episode_ids: list[int]) -> dict[int, list[safety_rules.Dated]]:
    """Encounters per episode by date of service (addenda and PT visits apart: a PT visit is not a
    prescriber's review).

    Read straight from the charting table, read-only, because charting has no batch read of all visit
    dates yet (its pt_visit_dates_for_episodes is the PT-only twin)."""
    found: dict[int, list[safety_rules.Dated]] = {}
    rows = session.execute(
        select(Encounter.episode_id, Encounter.date_of_service, Encounter.id)
        .where(ids_in(session, Encounter.episode_id, episode_ids), Encounter.addendum_of_id.is_(None), Encounter.encounter_type != "pt_visit")
        .order_by(Encounter.date_of_service, Encounter.id)
    )
    for episode_id, on, encounter_id in rows:
        found.setdefault(episode_id, []).append(safety_rules.Dated(on, encounter_id, "visit"))
    return found


def ort_band(knowledge, total: float) -> str | None:
    """The ORT pack's band label for a total ("moderate risk"); None without the ORT pack."""
    instrument = knowledge.instruments.get(ORT)
    if instrument is None or instrument.bands is None:
        return None
    rounded = round(total)
    return next((b.label for b in instrument.bands.ranges if b.min <= rounded <= b.max), None)


def _latest_ort(session: Session, knowledge, episode_ids: list[int], calendar: BusinessCalendar) -> dict[int, tuple[str | None, date]]:
    found = {}
    for episode_id, scores in instruments.scores_for_episodes(session, episode_ids).items():
        ort = [(at, total) for instrument_id, at, total in scores if instrument_id == ORT]
        if ort:
            at, total = ort[-1]  # oldest first: the latest wins
            found[episode_id] = (ort_band(knowledge, total), calendar.local_date(at))
    return found


def rx_fact(line: prescriptions.PrescriptionLine, knowledge) -> safety_rules.RxFact:
    rx, result = line.prescription, line.mme
    return safety_rules.RxFact(
        id=rx.id, drug_key=rx.drug_key, drug_name=rx.drug_name, start_date=rx.start_date, end_date=rx.end_date,
        stopped_on=rx.stopped_on, recorded_at=rx.recorded_at, is_opioid=rx.is_opioid,
        depressant_class=prescriptions.depressant_class(rx, knowledge), previous_id=rx.previous_id,
        daily_mme=result.daily_mme if result is not None else None,
        mme_status=result.status if result is not None else ("unknown" if rx.is_opioid else "not_opioid"),
        mme_reason=_exclusion_reason(knowledge, rx.drug_key) if result is not None and result.status == "excluded" else None,
    )


def _exclusion_reason(knowledge, drug_key: str) -> str | None:
    """The opioid pack's words for why an opioid is left out of the MME total (buprenorphine), as staff read them."""
    lookup = prescriptions.factor_lookup(knowledge)
    entry = next((o for o in (lookup.vocabulary if lookup else ()) if o.id == drug_key and o.excluded is not None), None)
    return entry.excluded.reason if entry is not None else None


def safety_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None,
                 today: date) -> list[safety_rules.EpisodeSafetyFacts]:
    """Facts of every open episode (of those given) that has ever had an opioid prescribed."""
    query = select(MedicationPrescription.episode_id).where(MedicationPrescription.is_opioid.is_(True)).distinct()
    if episode_ids is not None:
        query = query.where(ids_in(session, MedicationPrescription.episode_id, list(episode_ids)))
    candidates = list(session.scalars(query))
    if not candidates:
        return []
    episodes = {e.id: e for e in session.scalars(select(Episode).where(ids_in(session, Episode.id, candidates), Episode.status == "open"))}
    ids = sorted(episodes)
    if not ids:
        return []
    rx_rows = prescriptions.episode_prescriptions(session, ids)
    agreements = _by_episode(session, OpioidAgreement, ids, OpioidAgreement.signed_on)
    checks = _by_episode(session, PdmpCheck, ids, PdmpCheck.checked_at)
    tests = _by_episode(session, UrineDrugTest, ids, UrineDrugTest.collected_on)
    offers = _by_episode(session, NaloxoneOffer, ids, NaloxoneOffer.offered_on)
    visits = _visits(session, ids)
    orts = _latest_ort(session, knowledge, ids, calendar)
    found = []
    for episode_id in ids:
        episode = episodes[episode_id]
        listed = prescriptions.lines_for(rx_rows.get(episode_id, []), knowledge, today)
        band, band_on = orts.get(episode_id, (None, None))
        found.append(safety_rules.EpisodeSafetyFacts(
            clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id,
            icd10_codes=tuple(episode.icd10_codes or ()), prescriptions=tuple(rx_fact(line, knowledge) for line in listed.lines),
            agreements=tuple(safety_rules.Dated(a.signed_on, a.id, "agreement") for a in agreements.get(episode_id, [])),
            pdmp_checks=tuple(safety_rules.PdmpFact(c.id, calendar.local_date(c.checked_at), c.checked_at, tuple(c.findings or ()))
                              for c in checks.get(episode_id, [])),
            drug_tests=tuple(safety_rules.Dated(t.collected_on, t.id, "drug_test") for t in tests.get(episode_id, [])),
            naloxone_offers=tuple((o.offered_on, o.outcome) for o in offers.get(episode_id, [])),
            visits=tuple(visits.get(episode_id, [])), ort_band=band, ort_on=band_on,
        ))
    return found


def episode_safety(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,
                   now: datetime | None = None) -> tuple[safety_rules.SafetySummary | None, safety_rules.EpisodeSafetyFacts | None]:
    """The safety summary of one episode (audited as a chart read), with the facts behind it."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    rules_policy = policy(knowledge)
    today = calendar.local_date(now or utcnow())
    facts = next(iter(safety_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[episode.id], today=today)), None)
    if rules_policy is None:
        return None, facts
    if facts is None:
        facts = safety_rules.EpisodeSafetyFacts(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id)
    return safety_rules.summary(facts, rules_policy, today), facts
