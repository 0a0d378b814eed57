"""Which of the patient's episodes the portal shows, read-only (a read model, like a slice's queries.py).

Portal pages carry no id: the record is the signed-in patient's (portal/access.py). A patient may have more
than one episode; the portal shows the open ones, newest first, and "the current one" is the newest open
episode that follows a care plan (else the newest open one). Every episode shown is opened through
patients.read_episode: the chart-access policy checks it and the request's access audit notes it (one row
per request, core/audit_access.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.audit import Actor
from painpath.patients import service as patients
from painpath.patients.models import Episode, Patient
from painpath.plans import service as plans
from painpath.plans.models import CarePlan
from painpath.portal.access import PortalPatient


def open_episodes(session: Session, *, actor: Actor, me: PortalPatient) -> list[Episode]:
    """The patient's open episodes, newest first, each opened as a chart read (checked and audited)."""
    found = list(session.scalars(select(Episode).where(Episode.patient_id == me.patient_id, Episode.clinic_id == me.clinic_id,
                                                       Episode.status == "open").order_by(Episode.opened_at.desc(), Episode.id.desc())))
    for episode in found:
        patients.read_episode(session, actor=actor, episode_id=episode.id)
    return found


def patient(session: Session, me: PortalPatient) -> Patient:
    return session.get(Patient, me.patient_id)


def with_plan(session: Session, episodes: list[Episode]) -> Episode | None:
    """The episode whose plan the portal shows: the newest with an active plan, else the newest with any plan."""
    for episode in episodes:
        if plans.active_plan(session, episode_id=episode.id) is not None:
            return episode
    for episode in episodes:
        if session.scalar(select(CarePlan.id).where(CarePlan.episode_id == episode.id).limit(1)) is not None:
            return episode
    return None
