"""Forms on the episode page for what the JSON API already does with tapers: start an opioid taper from
the episode's current oral opioid prescriptions, and record a taper step (or its follow-up visit) as done.
A planned trial's items done and its printed schedule are in trials/pages.py. Same schemas and services
as the API; a refused form is the episode page again with each problem by its field (422, or 409 when the
record changed or was already done)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from painpath.core.auth.roles import Permission
from painpath.core.errors import NotFound
from painpath.core.validation import DbId
from painpath.medications.opioids import prescriptions as rx_service
from painpath.medications.opioids.pages import _record, _state, _values, sig_words
from painpath.medications.shared import DoneIn
from painpath.medications.tapers import service as taper_service
from painpath.medications.tapers.models import TaperStep
from painpath.medications.tapers.schemas import PauseIn, ResumeIn, TaperIn
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()

PAUSE_LABELS = {"paused_on": "Paused from", "reason": "Why pause"}
RESUME_LABELS = {"resumed_on": "Resume on"}

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


# ---- The taper panel on the episode page ------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleRow:
    step: Any  # plan_models.TaperStep
    status: str  # done | missed | next | later | paused


def taper_rows(steps: list, today: date, paused: bool) -> list[ScheduleRow]:
    """Each dated row with its state: done, missed (its day passed undone), next (the first still ahead), later."""
    rows, next_given = [], False
    for step in steps:
        if step.done_at is not None:
            status = "done"
        elif paused:
            status = "paused"
        elif step.due_on < today:
            status = "missed"
        elif not next_given:
            status, next_given = "next", True
        else:
            status = "later"
        rows.append(ScheduleRow(step, status))
    return rows


@patient_pages.episode_panel
def _taper_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    """The running (or last) taper; with none, the form to start one from the current oral opioids. It
    follows the medication panels of opioids/pages.py (registered before it, as SLICES lists them)."""
    listed = rx_service.list_prescriptions(asked.session, actor=asked.caller.actor, knowledge=asked.ctx.knowledge,
                                           calendar=asked.ctx.calendar, episode_id=asked.episode.id)
    plans = taper_service.tapers_for_episode(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    plan = next((p for p in reversed(plans) if p.status in (taper_service.ACTIVE, taper_service.PAUSED)), plans[-1] if plans else None)
    startable = taperable(listed) if plan is None or plan.status == taper_service.COMPLETED else []
    if plan is None and not startable:
        return []
    today = rx_service.calendar_today(asked.ctx.calendar)
    steps = taper_service.steps_of(asked.session, plan.id) if plan is not None else []
    return [patient_pages.EpisodePanel("medications/episode_taper.html", {
        "plan": plan, "rows": taper_rows(steps, today, plan is not None and plan.status == taper_service.PAUSED), "today": today,
        "pause_labels": PAUSE_LABELS, "resume_labels": RESUME_LABELS, "taper_labels": TAPER_LABELS,
        "done_labels": DONE_LABELS, "rates": RATES, "startable": startable, "sig_words": sig_words,
        **_state(asked, "taper"),
    }, slot="main")]



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


@router.post("/tapers/{taper_id}/pause")
def pause_taper(taper_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return _change_taper(request, ctx, session, caller, form, taper_id, which="pause", labels=PAUSE_LABELS,
                         schema=PauseIn, change=taper_service.pause_taper)


@router.post("/tapers/{taper_id}/resume")
def resume_taper(taper_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return _change_taper(request, ctx, session, caller, form, taper_id, which="resume", labels=RESUME_LABELS,
                         schema=ResumeIn, change=taper_service.resume_taper)


def _change_taper(request: Request, ctx, session, caller: Caller, form, taper_id: int, *, which: str,  # noqa: ANN001
                  labels: dict, schema, change) -> Response:  # noqa: ANN001
    """Pause or resume: the form's fields (and the version it was read at) through the taper panel's form handling."""
    plan = taper_service.get_taper(session, actor=caller.actor, taper_id=taper_id)
    data = {**_values(form, labels), **({"version": form["version"]} if form.get("version") else {})}
    return _record(request, ctx, session, caller, plan.episode_id, panel="taper", which=which, form=form, schema=schema, data=data,
                   anchor="taper", save=lambda d: change(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id, data=d))
