"""The demo clinic's patient timelines (issue 15): what patients told staff at the first visit about the arc
of their problem (an injury at work years ago, a surgery elsewhere, a job change), entered through the
patient-events service, and one denied authorization with its peer-to-peer scheduled, so the case page
offers the peer-to-peer preparation PDF."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from painpath.authorizations import lifecycle
from painpath.authorizations import service as authorization_service
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import DecisionIn, StepIn
from painpath.charting.patient_events import service as event_service
from painpath.charting.patient_events.schemas import EventIn
from painpath.context import AppContext
from painpath.core.audit import Actor
from painpath.patients.models import Episode

# Per body region: (kind, years before the first visit, month or None when the patient gave only the year, words).
STORIES = {
    "lumbar": [("injury", 6, None, "Lifting injury at work (warehouse), low back pain on and off since"),
               ("surgery", 4, 3, "Lumbar microdiscectomy L4-5 at another hospital; leg pain better for about two years"),
               ("work_change", 1, 9, "Moved to light duty, no lifting over 20 pounds")],
    "cervical": [("injury", 5, None, "Rear-ended in a car accident; neck pain for months after"),
                 ("imaging", 2, 6, "Cervical MRI elsewhere: disc bulges C5-6, C6-7"),
                 ("work_change", 1, 2, "Started working from home: long hours at a laptop")],
    "knee": [("injury", 12, None, "Twisted the knee playing football; arthroscopy for a torn meniscus the same year"),
             ("procedure", 2, 4, "Steroid injection at the primary care office; helped about two months")],
    "sacroiliac": [("onset", 3, 5, "Pain began late in pregnancy and never fully settled"),
                   ("work_change", 1, None, "Changed to part-time work because of sitting intolerance")],
}


def patient_story(session: Session, ctx: AppContext, staff: Actor, episode: Episode, first_visit: date) -> int:
    """The events the patient told at the first visit, dated as the patient remembered them; how many."""
    story = STORIES.get(episode.body_region, [])
    for kind, years, month, words in story:
        event_service.record_event(session, actor=staff, calendar=ctx.calendar, episode_id=episode.id,
                                   data=EventIn(kind=kind, year=first_visit.year - years, month=month, description=words))
    return len(story)


def peer_to_peer_scheduled(session: Session, ctx: AppContext, coordinator: Actor, case: AuthorizationCase, today: date) -> bool:
    """A submitted case denied by the payer, its peer-to-peer call booked for two days from now."""
    if case.state != lifecycle.SUBMITTED:
        return False
    authorization_service.record_decision(session, actor=coordinator, calendar=ctx.calendar, case_id=case.id, data=DecisionIn(
        outcome="deny", version=case.version, denial_reason="Conservative care not documented to the payer's satisfaction",
        denial_code="CO-50"))
    call = datetime.combine(today + timedelta(days=2), time(14, 30))
    authorization_service.step(session, actor=coordinator, knowledge=ctx.knowledge, calendar=ctx.calendar, case_id=case.id,
                               data=StepIn(action="schedule_peer_to_peer", version=case.version, at=call,
                                           note="Call with the payer's medical director"))
    return True
