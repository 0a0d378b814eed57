"""What every portal page starts from: the signed-in patient's record and the open episodes shown (each
opened through the chart-access policy and noted for the request's one access-audit row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from painpath.core.tenancy import Clinic
from painpath.patients.models import Episode, Patient
from painpath.plans import patient_plan
from painpath.plans.calendar import review_day
from painpath.portal import record
from painpath.portal.access import PortalPatient, portal_patient
from painpath.web.deps import Caller
from painpath.web.templating import templates


@dataclass(frozen=True)
class Portal:
    me: PortalPatient
    patient: Patient
    clinic: Clinic
    episodes: list[Episode]


def open_portal(session: Session, caller: Caller) -> Portal:
    me = portal_patient(session, caller.actor)
    episodes = record.open_episodes(session, actor=caller.actor, me=me)
    return Portal(me, record.patient(session, me), session.get(Clinic, me.clinic_id), episodes)


def current_plan(session: Session, caller: Caller, portal: Portal, *, knowledge, calendar, now):  # noqa: ANN001, ANN201
    """The newest open episode's plan in the printed plan's words (plans/patient_plan.py), and its check-in
    day (the step's trial end, or the clinic's next business day): (None, None) without a plan."""
    episode = record.with_plan(session, portal.episodes)
    if episode is None:
        return None, None
    plan, _material = patient_plan.patient_plan_content(session, actor=caller.actor, knowledge=knowledge, calendar=calendar,
                                                        episode_id=episode.id, now=now)
    review = review_day(plan.now.until, calendar) if plan.now is not None and plan.now.until is not None else None
    return plan, review


def call_us(clinic: Clinic) -> str:
    return f"Questions? Call {clinic.name} at {clinic.phone}." if clinic.phone else f"Questions? Call {clinic.name}."


def page(request: Request, caller: Caller, portal: Portal, template: str, **context: Any) -> Response:  # noqa: ANN401
    base = {"caller": caller, "patient": portal.patient, "clinic": portal.clinic, "call_us": call_us(portal.clinic)}
    return templates.TemplateResponse(request, template, {**base, **context})
