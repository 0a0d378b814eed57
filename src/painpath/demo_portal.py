"""The demo clinic's patient portal (issue 18): the demo `patient` login (password `demo-patient-2026`, printed
with the staff logins) tied to a real demo patient whose open episode follows a care plan, has an insurance
approval open (in the 200-patient demo: being prepared, the one eligible case the forms walk submits; the
portal says so) and a signed work restriction, with the plan shared on the portal (and the taper schedule,
when the episode has one).

The patient is chosen from the records the demo already made: an open episode with an active plan and an open
approval, preferring one with a signed restriction (demo_restrictions.py), then an approval the payer is deciding; the sign-in user takes the patient's name so the portal
greets the right person. The share goes through the portal's service (audited like one from the episode page).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from painpath.authorizations import lifecycle
from painpath.authorizations.models import AuthorizationCase
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.medications.tapers.models import TaperPlan
from painpath.paperwork.models import WorkRestriction
from painpath.patients.models import Episode, Patient
from painpath.plans.models import CarePlan
from painpath.portal import documents
from painpath.portal.models import PatientAccount

DEMO_PORTAL_USER = "patient"  # demo.STAFF's patient login; its password is demo.demo_password("patient")
_AWAITING = (lifecycle.SUBMITTED, lifecycle.PENDED, lifecycle.APPEALED)


def _chosen_episode(session: Session, clinic_id: int) -> Episode | None:
    """An open episode with an active plan and an open approval, preferring one with a signed work restriction (the
    demo's restrictions, demo_restrictions.py), then one the payer is deciding."""
    waiting_first = case((AuthorizationCase.state.in_(_AWAITING), 0), else_=1)
    restricted_first = case((select(WorkRestriction.id).where(WorkRestriction.episode_id == Episode.id,
                                                               WorkRestriction.status == "signed").exists(), 0), else_=1)
    return session.scalars(
        select(Episode)
        .join(CarePlan, (CarePlan.episode_id == Episode.id) & (CarePlan.status == "active"))
        .join(AuthorizationCase, AuthorizationCase.episode_id == Episode.id)
        .where(Episode.clinic_id == clinic_id, Episode.status == "open", AuthorizationCase.state.not_in(list(lifecycle.TERMINAL)))
        .order_by(restricted_first, waiting_first, Episode.id).limit(1)).first()


def seed(session: Session, ctx: AppContext, users: dict[str, User], clinic_id: int, now: datetime) -> int:
    """Tie the demo patient login to a record and share its plan; returns how many documents were shared."""
    user = users.get(DEMO_PORTAL_USER)
    episode = _chosen_episode(session, clinic_id)
    if user is None or episode is None:
        return 0
    patient = session.get(Patient, episode.patient_id)
    user.display_name = f"{patient.given_name} {patient.family_name}"
    session.add(PatientAccount(clinic_id=clinic_id, patient_id=patient.id, user_id=user.id, activated_at=now,
                               email=patient.email or f"{patient.given_name.lower()}.{patient.family_name.lower()}@example.org"))
    coordinator = actor_for(users["coordinator"])
    plan_id = session.scalar(select(CarePlan.id).where(CarePlan.episode_id == episode.id, CarePlan.status == "active"))
    documents.share(session, actor=coordinator, episode_id=episode.id, kind="plan", reference=plan_id)
    shared = 1
    for taper_id in session.scalars(select(TaperPlan.id).where(TaperPlan.episode_id == episode.id)):
        documents.share(session, actor=coordinator, episode_id=episode.id, kind="taper", reference=taper_id)
        shared += 1
    session.flush()
    return shared
