"""Forms on the episode page for what the JSON API already does with tapers and planned trials: start an
opioid taper from the episode's current oral opioid prescriptions, record a taper step (or its follow-up
visit) as done, record a planned trial's step, check or evaluation as done, and print the trial's
schedule. Same schemas and services as the API; a refused form is the episode page again with each
problem by its field (422, or 409 when the record changed or was already done)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from painpath.core.auth.roles import Permission
from painpath.core.errors import NotFound
from painpath.core.validation import DbId
from painpath.medications import prescriptions as rx_service
from painpath.medications import service, taper_service, trial_plan_print, trial_plan_service
from painpath.medications.plan_models import TaperStep, TrialPlan, TrialPlanItem
from painpath.medications.plan_schemas import DoneIn, TaperIn
from painpath.medications.safety_pages import _record
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()

TAPER_LABELS = {
    "prescriptions": "Prescriptions to taper", "target_mme": "Target (MME a day)", "start_date": "First step on",
    "rate": "Pace", "percent_per_month": "Lower by (% a month)", "faster_reason": "Reason for a faster pace",
}
DONE_LABELS = {"note": "Note", "done_at": "Done", "status": "Taper"}
RATES = [("monthly", "Monthly steps (the usual pace)"), ("short_term_weekly", "Weekly steps (short-term use only)")]


def taperable(listed: rx_service.PrescriptionList) -> list[Any]:
    """Active oral opioid prescriptions dosed in mg: what the taper planner can turn into tablets."""
    return [line.prescription for line in listed.lines
            if line.active and line.prescription.is_opioid and line.prescription.form == "oral" and line.prescription.strength_unit == "mg"]


def taper_input(form: dict[str, str], chosen: list[Any]) -> dict[str, Any]:
    """The API's TaperIn from the form: each ticked prescription as the regimen the taper starts from."""
    regimen = [{"drug": rx.drug_name, "rxnorm_code": rx.rxnorm_code, "strength": rx.strength, "strength_unit": rx.strength_unit,
                "dose_units": rx.dose_units, "times_per_day": rx.times_per_day, "interval_hours": rx.interval_hours,
                "prn_max_per_day": rx.prn_max_per_day, "form": rx.form} for rx in chosen]
    values: dict[str, Any] = {"prescriptions": regimen}
    for name in ("target_mme", "start_date", "rate", "percent_per_month", "faster_reason"):
        if form.get(name):
            values[name] = form[name]
    return values


def _episode_of_step(session: Session, caller: Caller, step_id: int) -> int:
    step = session.get(TaperStep, step_id)
    if step is None or step.clinic_id != caller.user.clinic_id:
        raise NotFound("taper_step", step_id)
    return step.episode_id


@router.post("/episodes/{episode_id}/tapers")
def start_taper(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    listed = rx_service.list_prescriptions(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    chosen = [rx for rx in taperable(listed) if form.get(f"rx_{rx.id}")]
    return _record(request, ctx, session, caller, episode_id, panel="taper", which="start", form=form, schema=TaperIn,
                   data=taper_input(form, chosen), anchor="taper",
                   save=lambda d: taper_service.create_taper(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                             episode_id=episode_id, data=d))


@router.post("/taper-steps/{step_id}/done")
def taper_step_done(step_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    episode_id = _episode_of_step(session, caller, step_id)
    return _record(request, ctx, session, caller, episode_id, panel="taper", which=f"step-{step_id}", form=form, schema=DoneIn,
                   data={"note": form.get("note") or None}, anchor="taper",
                   save=lambda d: taper_service.mark_step_done(session, actor=caller.actor, step_id=step_id, data=d))


@router.post("/trial-plan-items/{item_id}/done")
def trial_plan_item_done(item_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    item = session.get(TrialPlanItem, item_id)
    if item is None or item.clinic_id != caller.user.clinic_id:
        raise NotFound("trial_plan_item", item_id)
    episode_id = item.episode_id
    return _record(request, ctx, session, caller, episode_id, panel="medication_trials", which=f"item-{item_id}", form=form,
                   schema=DoneIn, data={"note": form.get("note") or None}, anchor=f"plan-item-{item_id}",
                   save=lambda d: trial_plan_service.mark_item_done(session, actor=caller.actor, item_id=item_id, data=d))


@router.get("/medication-trial-plans/{trial_plan_id}/schedule.pdf")
def trial_plan_schedule(trial_plan_id: DbId, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    plan = session.get(TrialPlan, trial_plan_id)
    drug = service.pack(ctx.knowledge).drugs.get(plan.drug_key) if plan is not None else None
    today: date = service.today(ctx.calendar)
    pdf = trial_plan_print.schedule_pdf(session, actor=caller.actor, plan_id=trial_plan_id, today=today, drug_name=getattr(drug, "name", None))
    headers = {"Content-Disposition": f'inline; filename="medication-schedule-{trial_plan_id}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)
