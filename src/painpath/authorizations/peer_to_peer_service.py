"""The peer-to-peer preparation PDF for a case: the case, its policy decision today, the episode's facts
and the patient's own timeline (charting.patient_events), put together by peer_to_peer.py.

Reading it is a chart read, audited once through `service.get_case` like the packet."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.authorizations import service
from painpath.authorizations.peer_to_peer import ReportedEvent, peer_to_peer_content, render_peer_to_peer_pdf
from painpath.charting.patient_events import rules as event_rules
from painpath.charting.patient_events.service import events_of_patient
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.tenancy import Clinic
from painpath.patients import service as patients
from painpath.patients.models import Episode


def reported_events(session: Session, patient_id: int) -> list[ReportedEvent]:
    """The patient's timeline events as the sheet prints them."""
    return [
        ReportedEvent(on=e.occurred_on, when=event_rules.when_words(e.occurred_on, e.date_precision),
                      what=event_rules.summary(e.kind, e.description),
                      origin=event_rules.ORIGIN_WORDS.get(e.origin, e.origin).capitalize(),
                      rank=event_rules.PRECISIONS.index(e.date_precision) if e.date_precision in event_rules.PRECISIONS else 0)
        for e in events_of_patient(session, patient_id=patient_id)
    ]


def render_peer_to_peer(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, case_id: int) -> bytes:  # noqa: ANN001
    """The preparation sheet as of today."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    today = calendar.local_date(utcnow())
    facts = service.facts_for_case(session, knowledge=knowledge, calendar=calendar, case=case, today=today)
    policy = knowledge.policy_on(case.policy_id, today) if case.policy_id in knowledge.policies else None
    decision = service.decide(knowledge, case, facts, today) if policy is not None else None
    patient = patients.patient_of_episode(session, episode_id=case.episode_id)
    episode = session.get(Episode, case.episode_id)
    assert patient is not None and episode is not None
    clinician = session.get(User, episode.responsible_clinician_id) if episode.responsible_clinician_id else None
    clinic = session.get(Clinic, case.clinic_id)
    procedure = knowledge.procedures.get(case.procedure_id)
    payer = knowledge.payers.get(case.payer_id)
    at = f"{calendar.to_local(case.peer_to_peer_at):%a %d %b %Y %H:%M} ({calendar.timezone_name})" if case.peer_to_peer_at else None
    content = peer_to_peer_content(
        case, policy, decision, facts, reported_events(session, patient.id),
        prepared_on=today, clinic_name=clinic.name if clinic else "", payer_name=payer.name if payer else case.payer_id,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        procedure_name=procedure.name if procedure else case.procedure_id, problem_summary=episode.problem_summary,
        clinician_name=clinician.display_name if clinician else None,
        procedure_names={p.id: p.name for p in knowledge.procedures.values()}, peer_to_peer_at=at,
    )
    return render_peer_to_peer_pdf(content)
