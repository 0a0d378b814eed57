"""The demo clinic's referrals (issue 16): a few receiving practices in the directory, and referrals in every
state of their loop (written, sent, acknowledged, booked, seen, the consult note back awaiting review, closed
with the plan adjusted, cancelled, and one stalled: sent three weeks ago and never acknowledged), so the
episode panel, the referral page's actions, the worklist's referral tasks and the open-loops board all show.

Each referral is written through the service (validated and audited like one from the form); its history is
then dated in the past directly, since the letters of a demo never left the building."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.orders.models import ImagingStudy
from painpath.patients.models import Episode
from painpath.referrals import service
from painpath.referrals.models import Referral
from painpath.referrals.schemas import PracticeIn, ReferralIn

PRACTICES = (
    PracticeIn(name="Riverside Orthopedics & Spine", specialties=["orthopedics", "spine_surgery"], clinician_name="Dr Maya Lee",
               fax="(708) 555-0161", phone="(708) 555-0160"),
    PracticeIn(name="Lakeside Neurology", specialties=["neurology"], clinician_name="Dr Omar Haddad", fax="(708) 555-0171", phone="(708) 555-0170"),
    PracticeIn(name="Prairie Rheumatology", specialties=["rheumatology"], fax="(708) 555-0181", phone="(708) 555-0180"),
    PracticeIn(name="Mindful Pain Psychology", specialties=["pain_psychology", "behavioural_health"], clinician_name="Dr Ana Ruiz, PhD",
               phone="(708) 555-0190", direct_address="intake@direct.mindfulpain.example"),
)
EPISODES = 3  # how many episodes share the referrals below
# (state, specialty, practice index, urgency, days back it was written, reason, question)
REFERRALS = (
    ("drafted", "pain_psychology", 3, "routine", 0, "High pain catastrophizing and fear of movement", "CBT-based pain coping programme?"),
    ("sent", "orthopedics", 0, "routine", 2, "Right hip pain, groin-predominant, positive FADIR", "Labral tear: surgical opinion?"),
    ("acknowledged", "neurology", 1, "routine", 8, "Burning feet, possible peripheral neuropathy", "EMG/NCS and neuropathy work-up?"),
    ("scheduled", "rheumatology", 2, "routine", 12, "Morning stiffness over an hour, night pain, age 34", "Axial spondyloarthritis?"),
    ("seen", "spine_surgery", 0, "urgent", 9, "Progressive L5 weakness despite epidural", "Decompression?"),
    ("consult_received", "orthopedics", 0, "routine", 16, "Knee osteoarthritis, injections no longer help", "Knee replacement candidate?"),
    ("closed", "neurology", 1, "routine", 60, "Headaches with neck pain", "Cervicogenic or migraine?"),
    ("cancelled", "rheumatology", 2, "routine", 10, "Widespread pain", "Fibromyalgia or inflammatory arthritis?"),
    ("stalled", "spine_surgery", 0, "routine", 22, "Lumbar stenosis, walking limited to 100 m", "Surgical candidate?"),
)


def _at(ctx: AppContext, day: date) -> datetime:
    return ctx.calendar.to_utc(datetime.combine(day, time(10, 0)))


def add_referrals(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Add the practices and the referrals to the first open episodes; returns how many referrals."""
    coordinator, clinician = actor_for(users["coordinator"]), actor_for(users["clinician"])
    practices = [service.add_practice(session, actor=coordinator, knowledge=ctx.knowledge, data=p) for p in PRACTICES]
    # The episodes furthest into their work-up (the most imaging on file) are the ones a clinic refers out: three of
    # them carry the referrals, so the pages that show referrals are the episodes that show the most else too.
    studies = func.count(ImagingStudy.id)
    episodes = list(session.scalars(
        select(Episode.id).join(ImagingStudy, ImagingStudy.episode_id == Episode.id)
        .where(Episode.clinic_id == clinic_id, Episode.status == "open")
        .group_by(Episode.id).order_by(studies.desc(), Episode.id).limit(EPISODES)))
    if not episodes:
        return 0
    today = ctx.calendar.local_date(now)
    for index, (state, specialty, practice, urgency, back, reason, question) in enumerate(REFERRALS):
        referral = service.create_referral(session, actor=clinician, knowledge=ctx.knowledge, episode_id=episodes[index % len(episodes)],
                                           data=ReferralIn(specialty=specialty, practice_id=practices[practice].id, reason=reason,
                                                           question=question, urgency=urgency))
        _history(ctx, referral, state, today - timedelta(days=back), users["clinician"].id)
    session.flush()
    return len(REFERRALS)


def _history(ctx: AppContext, r: Referral, state: str, written: date, clinician_id: int) -> None:
    """Date the referral's loop back from the day it was written, up to `state`."""
    r.created_at = r.state_since = _at(ctx, written)
    if state == "drafted":
        return
    if state == "cancelled":
        r.status, r.cancel_reason, r.cancelled_at = "cancelled", "The patient chose to wait for the PT course first", _at(ctx, written + timedelta(days=1))
        r.state_since = r.cancelled_at
        return
    sent = written + timedelta(days=1)
    r.transport, r.transmission, r.attempts, r.sent_at, r.sent_to = "fax", "sent", 1, _at(ctx, sent), "demo fax gateway"
    r.status, r.state_since = "sent", r.sent_at
    steps = {"acknowledged": 1, "scheduled": 2, "seen": 3, "consult_received": 4, "closed": 5}.get(state, 0)
    if steps >= 1:
        r.acknowledged_on = sent + timedelta(days=2)
    if steps >= 2:
        r.appointment_on = sent + timedelta(days=14 if state == "scheduled" else 7)
    if steps >= 3:
        r.seen_on = r.appointment_on
    if steps >= 4:
        r.consult_note_on = r.seen_on + timedelta(days=5)
        r.consult_summary = "Findings and recommendations as discussed; see the scanned note."
    if steps >= 5:
        r.closed_at, r.closed_by_id = _at(ctx, r.consult_note_on + timedelta(days=2)), clinician_id
        r.plan_adjustment = "Migraine with neck triggers: neurology starts a preventive; we continue neck PT and stop the planned facet injection."
    last = {1: r.acknowledged_on, 2: r.acknowledged_on, 3: r.seen_on, 4: r.consult_note_on}.get(steps)
    if steps:
        r.status = state
        r.state_since = r.closed_at if steps == 5 else _at(ctx, last if steps != 2 else r.acknowledged_on)
