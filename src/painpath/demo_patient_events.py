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

# Per body region: (kind, when between the onset and the first visit (0: at the onset), words). The first event
# is dated by its year only, as patients tell it; the later ones by month.
STORIES = {
    "lumbar": [("injury", 0.0, "Lifting injury at work (warehouse), low back pain on and off since"),
               ("surgery", 0.5, "Lumbar microdiscectomy L4-5 at another hospital; leg pain better for a while"),
               ("work_change", 0.8, "Moved to light duty, no lifting over 20 pounds")],
    "cervical": [("injury", 0.0, "Rear-ended in a car accident; neck pain for months after"),
                 ("imaging", 0.6, "Cervical MRI elsewhere: disc bulges C5-6, C6-7"),
                 ("work_change", 0.8, "Started working from home: long hours at a laptop")],
    "knee": [("injury", 0.0, "Twisted the knee playing football; arthroscopy for a torn meniscus"),
             ("procedure", 0.7, "Steroid injection at the primary care office; helped about two months")],
    "sacroiliac": [("onset", 0.0, "Pain began late in pregnancy and never fully settled"),
                   ("work_change", 0.7, "Changed to part-time work because of sitting intolerance")],
}


def patient_story(session: Session, ctx: AppContext, staff: Actor, episode: Episode, first_visit: date) -> int:
    """The events the patient told at the first visit, between the onset and the visit; how many."""
    story = STORIES.get(episode.body_region, [])
    onset = episode.onset_date or first_visit - timedelta(days=730)
    for kind, part, words in story:
        on = onset + (first_visit - onset) * part
        month = None if part == 0 else on.month
        event_service.record_event(session, actor=staff, calendar=ctx.calendar, episode_id=episode.id,
                                   data=EventIn(kind=kind, year=on.year, month=month, description=words))
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
