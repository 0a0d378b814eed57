"""Opioid tapers: create (plan with medications/tapers/rules.py, store the dated steps), pause, resume, mark a
step done, and the patient's printable schedule. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.documents.render import render_html, render_pdf
from painpath.medications.tapers import rules as taper
from painpath.medications.opioids.mme import MmeRefusal, RxInput
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.medications.shared import DoneIn
from painpath.medications.tapers.schemas import PauseIn, ResumeIn, TaperIn
from painpath.patients import service as patients

ACTIVE, PAUSED, COMPLETED = "active", "paused", "completed"
PDF_TEMPLATE = "documents/taper_schedule.html"


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, plan: TaperPlan, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="opioid_taper_plan", object_id=plan.id, patient_id=plan.patient_id, detail=detail)


def _factors(knowledge, name: str | None):  # noqa: ANN001, ANN202
    if knowledge.opioids is None:
        raise InvalidInput(FieldProblem("factor_set", "loaded", "No MME factor packs are loaded, so a taper cannot be planned"))
    try:
        return knowledge.opioids.factor_set(name)
    except KeyError as error:
        raise InvalidInput(FieldProblem("factor_set", "known_factor_set", str(error.args[0]))) from None


def _current_lines(data: TaperIn, products) -> list[taper.CurrentLine]:  # noqa: ANN001
    lines, problems = [], []
    for index, rx in enumerate(data.prescriptions):
        rx_input = RxInput(drug=rx.drug, rxnorm_code=rx.rxnorm_code, strength=rx.strength, strength_unit=rx.strength_unit,
                           dose_units=rx.dose_units, times_per_day=rx.times_per_day, interval_hours=rx.interval_hours,
                           prn_max_per_day=rx.prn_max_per_day, form=rx.form)
        try:
            lines.append(taper.current_line(rx_input, products, product_id=rx.product))
        except InvalidInput as refused:
            problems.extend(FieldProblem(f"prescriptions[{index}].{p.field.split('.')[-1]}", p.rule, p.message) for p in refused.problems)
    if problems:
        raise InvalidInput(problems)
    return lines


def create_taper(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int, data: TaperIn) -> TaperPlan:  # noqa: ANN001
    """Plan the taper from the regimen given and store its dated steps and follow-ups."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    running = session.scalar(select(TaperPlan).where(TaperPlan.episode_id == episode.id, TaperPlan.status.in_((ACTIVE, PAUSED))))
    if running is not None:
        raise Conflict(FieldProblem("episode_id", "one_taper", f"This episode already has a taper in progress (started {running.start_date.isoformat()}); "
                                    "pause or finish it rather than starting a second"))
    factors = _factors(knowledge, data.factor_set)
    rate = (taper.TaperRate.short_term_weekly() if data.rate == "short_term_weekly"
            else taper.TaperRate.monthly(data.percent_per_month, reason=data.faster_reason))
    start = data.start_date or _today(calendar)
    try:
        schedule = taper.plan_taper(_current_lines(data, knowledge.tablet_products), target_mme=data.target_mme, start=start, rate=rate,
                                    daily_mme=taper.engine_daily_mme(factors))
    except MmeRefusal as refusal:
        raise InvalidInput(FieldProblem(f"prescriptions.{refusal.field}", refusal.rule, refusal.message)) from None
    plan = TaperPlan(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, start_date=start, original_mme=schedule.original_mme,
        target_mme=data.target_mme, rate=rate.kind, percent_per_step=rate.percent, rate_words=rate.words, rate_source=rate.source,
        faster_reason=data.faster_reason if rate.percent > taper.DEFAULT_MONTHLY_PERCENT else None, factor_set=factors.name,
        regimen=[rx.model_dump() for rx in data.prescriptions], status=ACTIVE, paused_days=0, created_by_id=actor.user_id,
    )
    session.add(plan)
    session.flush()
    _store_rows(session, plan, schedule)
    _audit(session, actor, "opioid_taper.create", plan, original_mme=schedule.original_mme, target_mme=data.target_mme,
           rate=rate.kind, percent=rate.percent, steps=len(schedule.steps))
    return plan


def _store_rows(session: Session, plan: TaperPlan, schedule: taper.TaperSchedule) -> None:
    common = {"clinic_id": plan.clinic_id, "plan_id": plan.id, "episode_id": plan.episode_id, "patient_id": plan.patient_id}
    step_days = {step.on for step in schedule.steps}
    for step in schedule.steps:
        lines = [{"product": d.product.id, "strength_mg": d.strength_mg, "times_per_day": d.times_per_day} for d in step.doses]
        session.add(TaperStep(**common, kind="step", number=step.number, due_on=step.on, regimen_words=step.words, lines=lines,
                              daily_mme=step.daily_mme))
    # A follow-up on a step's day is that step's visit; the others are visits of their own.
    for number, day in enumerate((d for d in schedule.follow_ups if d not in step_days), start=1):
        session.add(TaperStep(**common, kind="follow_up", number=number, due_on=day, lines=[]))
    session.flush()


def get_taper(session: Session, *, actor: Actor, taper_id: int) -> TaperPlan:
    plan = session.get(TaperPlan, taper_id)
    if plan is None or plan.clinic_id != actor.clinic_id:
        raise NotFound("taper", taper_id)
    patients.read_episode(session, actor=actor, episode_id=plan.episode_id)  # access check and audited read
    return plan


def steps_of(session: Session, plan_id: int) -> list[TaperStep]:
    return list(session.scalars(select(TaperStep).where(TaperStep.plan_id == plan_id).order_by(TaperStep.due_on, TaperStep.kind.desc(), TaperStep.number)))


def tapers_for_episode(session: Session, *, actor: Actor, episode_id: int) -> list[TaperPlan]:
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(TaperPlan).where(TaperPlan.episode_id == episode_id).order_by(TaperPlan.id)))


def _check_version(plan: TaperPlan, version: int) -> None:
    if plan.version != version:
        raise StaleWrite("taper", version, plan.version)


def pause_taper(session: Session, *, actor: Actor, calendar: BusinessCalendar, taper_id: int, data: PauseIn) -> TaperPlan:
    """Hold the taper at the current step; its later dates move when it resumes (HHS 2019: pauses allowed)."""
    plan = get_taper(session, actor=actor, taper_id=taper_id)
    _check_version(plan, data.version)
    if plan.status != ACTIVE:
        raise Conflict(FieldProblem("status", "active", f"Only an active taper can be paused; this one is {plan.status}"))
    paused_on = data.paused_on or _today(calendar)
    if paused_on < plan.start_date:
        raise InvalidInput(FieldProblem("paused_on", "after_start", "A taper cannot be paused before it starts"))
    plan.status, plan.paused_on, plan.pause_reason = PAUSED, paused_on, data.reason
    session.flush()
    _audit(session, actor, "opioid_taper.pause", plan, paused_on=paused_on.isoformat())
    return plan


def resume_taper(session: Session, *, actor: Actor, calendar: BusinessCalendar, taper_id: int, data: ResumeIn) -> TaperPlan:
    """Resume: every step and follow-up not yet done, from the pause day on, moves later by the pause's length."""
    plan = get_taper(session, actor=actor, taper_id=taper_id)
    _check_version(plan, data.version)
    if plan.status != PAUSED or plan.paused_on is None:
        raise Conflict(FieldProblem("status", "paused", f"Only a paused taper can resume; this one is {plan.status}"))
    resumed_on = data.resumed_on or _today(calendar)
    if resumed_on < plan.paused_on:
        raise InvalidInput(FieldProblem("resumed_on", "after_pause", f"The taper was paused on {plan.paused_on.isoformat()}; it cannot resume before that"))
    shift = resumed_on - plan.paused_on
    for row in steps_of(session, plan.id):
        if row.done_at is None and row.due_on >= plan.paused_on:
            row.due_on = row.due_on + shift
    plan.status, plan.paused_days, plan.paused_on, plan.pause_reason = ACTIVE, plan.paused_days + shift.days, None, None
    session.flush()
    _audit(session, actor, "opioid_taper.resume", plan, resumed_on=resumed_on.isoformat(), days_added=shift.days)
    return plan


def mark_step_done(session: Session, *, actor: Actor, step_id: int, data: DoneIn) -> TaperStep:
    """The step was made (or the follow-up visit held): its task is met; the last one completes the taper."""
    step = session.get(TaperStep, step_id)
    if step is None or step.clinic_id != actor.clinic_id:
        raise NotFound("taper_step", step_id)
    plan = get_taper(session, actor=actor, taper_id=step.plan_id)
    if step.done_at is not None:
        raise Conflict(FieldProblem("done_at", "not_done", f"This step was already recorded on {step.done_at.date().isoformat()}"))
    if plan.status != ACTIVE:
        raise Conflict(FieldProblem("status", "active", f"The taper is {plan.status}; resume it before recording steps"))
    step.done_at, step.done_by_id, step.note = utcnow(), actor.user_id, data.note
    session.flush()
    if all(row.done_at is not None for row in steps_of(session, plan.id)):
        plan.status = COMPLETED
        session.flush()
    _audit(session, actor, "opioid_taper.step_done", plan, step_id=step.id, kind=step.kind, number=step.number)
    return step


# ---- the patient's printable schedule --------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleRow:
    day: date
    what: str
    mme: float | None


def schedule_context(session: Session, plan: TaperPlan, *, today: date) -> dict:
    """What the printable schedule says, in plain words (no codes, no MME jargon for the patient beyond the number)."""
    from painpath.core.tenancy import Clinic
    from painpath.patients.models import Patient

    clinic = session.get(Clinic, plan.clinic_id)
    patient = session.get(Patient, plan.patient_id)
    rows = []
    for row in steps_of(session, plan.id):
        if row.kind == "step":
            rows.append(ScheduleRow(row.due_on, f"From this day take: {row.regimen_words}. Come to your check-in visit.", row.daily_mme))
        else:
            rows.append(ScheduleRow(row.due_on, "Check-in visit: how the lower dose is going. No dose change on this day.", None))
    return {
        "clinic_name": getattr(clinic, "name", ""), "clinic_phone": getattr(clinic, "phone", None) or "",
        "patient_name": _patient_name(patient), "printed_on": today, "plan": plan, "rows": rows,
        "paused": plan.status == PAUSED, "naloxone": taper.NALOXONE_PROMPT,
    }


def _patient_name(patient) -> str:  # noqa: ANN001 - patients.models.Patient
    return f"{patient.given_name} {patient.family_name}" if patient is not None else ""


def schedule_html(session: Session, plan: TaperPlan, *, today: date) -> str:
    return render_html(PDF_TEMPLATE, schedule_context(session, plan, today=today))


def schedule_pdf(session: Session, *, actor: Actor, calendar: BusinessCalendar, taper_id: int) -> bytes:
    plan = get_taper(session, actor=actor, taper_id=taper_id)
    pdf = render_pdf(PDF_TEMPLATE, schedule_context(session, plan, today=_today(calendar)))
    _audit(session, actor, "opioid_taper.print", plan)
    return pdf

