"""The episode page's medication panels (issue 7 item 6): "Medications" (current prescriptions with MME per
line and the total, co-prescription warnings, record and stop forms), "Opioid safety" (agreement, PDMP,
urine drug tests, naloxone, follow-up, the small forms that record each, and the MME trend chart with the
naloxone threshold line) and "Taper" (the dated schedule, pause/resume, the printable schedule).

Every number shown comes from the services (MME computed on read, the safety summary computed like the
obligations); these pages only arrange it. A refused form is shown again (422) with its values and each
problem next to its field, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission, Role
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, NotFound
from painpath.core.validation import DbId
from painpath.interop.pdmp.base import FINDING_FLAGS
from painpath.medications.opioids import prescriptions as rx_service
from painpath.medications.opioids import views as safety_api
from painpath.medications.opioids import rules as safety_rules
from painpath.medications.opioids import service as safety_service
from painpath.medications.opioids.schemas import (
    AgreementIn, DrugTestIn, NaloxoneOfferIn, PdmpCheckIn, PrescriptionIn, PrescriptionStop,
)
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, validation_problems

router = APIRouter()

# ---- Words for the forms and the lists -----------------------------------------------------------------

RX_LABELS = {
    "drug": "Drug", "rxnorm_code": "RxNorm code", "strength": "Strength", "strength_unit": "Unit", "dose_units": "Units per dose",
    "times_per_day": "Times a day", "interval_hours": "Or every N hours", "as_needed": "As needed",
    "prn_max_per_day": "At most a day (as needed)", "form": "Form", "start_date": "Starts on", "days_supply": "Days supply",
    "quantity": "Quantity", "prescriber_id": "Prescriber",
}
STOP_LABELS = {"stopped_on": "First day not taken", "reason": "Why it stopped"}
AGREEMENT_LABELS = {"signed_on": "Signed on", "clinician_id": "Clinician", "note": "Note"}
PDMP_LABELS = {"state": "State", "summary": "What the report showed", "findings": "Findings", "checked_at": "Checked at"}
UDT_LABELS = {"collected_on": "Collected on", "result": "Result", "unexpected_findings": "What was unexpected"}
NALOXONE_LABELS = {"offered_on": "Offered on", "outcome": "Outcome", "note": "Note"}

UNITS = [("mg", "mg"), ("mcg", "mcg"), ("mcg/hr", "mcg/hr (patch)")]
FORMS = [("oral", "Oral"), ("transdermal_patch", "Patch"), ("buccal", "Buccal"), ("buccal_film", "Buccal film"), ("nasal", "Nasal"),
         ("topical", "Topical"), ("injection", "Injection"), ("other", "Other")]
UDT_RESULTS = [("expected", "As expected"), ("unexpected", "Unexpected"), ("pending", "Pending")]
NALOXONE_OUTCOMES = [("accepted", "Accepted"), ("declined", "Declined"), ("already_has", "Already has naloxone")]
FORM_WORDS = dict(FORMS)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def sig_words(rx: Any) -> str:  # noqa: ANN401 - safety_models.MedicationPrescription
    """The prescription as a clinician reads it: "oxycodone 10 mg, 1 oral every 6 hours as needed (at most 4 a day)"."""
    how_often = f"{_num(rx.times_per_day)} times a day" if rx.times_per_day is not None else f"every {_num(rx.interval_hours)} hours"
    if rx.times_per_day == 1:
        how_often = "once a day"
    words = f"{rx.drug_name} {_num(rx.strength)} {rx.strength_unit}, {_num(rx.dose_units)} {FORM_WORDS.get(rx.form, rx.form).lower()} {how_often}"
    if rx.as_needed:
        words += " as needed" + (f" (at most {_num(rx.prn_max_per_day)} a day)" if rx.prn_max_per_day is not None else "")
    return words


def mme_words(line: rx_service.PrescriptionLine) -> tuple[str, str]:
    """The MME cell of one line, and its class: counted, excluded, unknown or not an opioid."""
    found = safety_api.mme_out(line)
    if found.status == "counted":
        return f"{found.daily_mme:g} MME/day", "counted"
    if found.status == "excluded":
        return f"excluded: {line.prescription.drug_name.lower()}", "excluded"
    if found.status == "unknown":
        return "unknown factor", "unknown"
    return "not an opioid", "not_opioid"


def medication_warnings(listed: rx_service.PrescriptionList, knowledge) -> dict[str, list[str]]:  # noqa: ANN001
    """What the list warns about, computed by the safety rules: an opioid taken with a sedative or other CNS
    depressant (CDC 2022 Rec 11, classes from the cns_depressants pack), and opioids that overlap."""
    policy = safety_service.policy(knowledge)
    if policy is None:
        return {"coprescribing": [], "overlaps": []}
    facts = [safety_service.rx_fact(line, knowledge) for line in listed.lines]
    return {
        "coprescribing": [pair.warning for pair in safety_rules.coprescriptions(facts, policy, listed.as_of)],
        "overlaps": [overlap.warning for overlap in safety_rules.overlapping_opioids(facts, listed.as_of)],
    }


def _clinicians(session: Session, clinic_id: DbId) -> list[tuple[str, str]]:
    users = session.scalars(select(User).where(User.clinic_id == clinic_id, User.role == Role.CLINICIAN.value).order_by(User.display_name))
    return [(str(u.id), u.display_name) for u in users]


def _known_drugs(knowledge) -> list[str]:  # noqa: ANN001
    lookup = rx_service.factor_lookup(knowledge)
    names = {o.name for o in (lookup.vocabulary if lookup is not None else ())}
    if knowledge.medication_trials is not None:
        names |= {d.name for d in knowledge.medication_trials.drugs.values()}
    names |= {d.name for cls in getattr(knowledge, "depressant_classes", {}).values() for d in cls.drugs}
    return sorted(names, key=str.lower)


def _state(asked: patient_pages.PanelRequest, key: str) -> dict[str, Any]:
    """A refused form's state for one panel: the form typed, which form it was, its problems by field."""
    state = asked.state.get(key, {})
    problems = state.get("problems", [])
    return {"form": state.get("form", {}), "which": state.get("which"), "problems": problems, "errors": errors_by_field(problems)}


# ---- The MME trend (a step chart of total daily MME) -----------------------------------------------------

@dataclass(frozen=True)
class MmePoint:
    on: date
    total: float
    complete: bool


def mme_trend(prescriptions: tuple[safety_rules.RxFact, ...], today: date) -> list[MmePoint]:
    """Total daily MME from each day the opioid regimen changed (a start, a stop, the end of a supply) to today.

    Each point holds until the next, so the chart draws steps; the last point is today (or the first
    start when every opioid is written to start later)."""
    opioids = [rx for rx in prescriptions if rx.is_opioid]
    if not opioids:
        return []
    changes = set()
    for rx in opioids:
        changes.add(rx.start_date)
        if rx.stopped_on is not None:
            changes.add(rx.stopped_on)
        if rx.end_date is not None:
            changes.add(rx.end_date + timedelta(days=1))
    first = min(changes)
    last = max(today, first)
    days = sorted(d for d in changes | {last} if d <= last)
    points = []
    for day in days:
        total = safety_rules.total_mme_on(prescriptions, day)
        if points and points[-1].total == total.total and points[-1].complete == total.complete and day != last:
            continue  # nothing changed that day (a refill on the same dose)
        points.append(MmePoint(day, total.total, total.complete))
    return points


def chart_spec(points: list[MmePoint], threshold: float | None) -> dict[str, Any]:
    """What mme-chart.js draws: the steps as (day number, MME) and the threshold line, dates as ISO text."""
    return {
        "points": [{"x": p.on.toordinal(), "y": p.total, "date": p.on.isoformat(), "complete": p.complete} for p in points],
        "threshold": threshold,
        "threshold_label": f"Naloxone threshold {threshold:g} MME/day" if threshold is not None else None,
    }


def next_follow_up(facts: safety_rules.EpisodeSafetyFacts, policy: safety_rules.SafetyPolicy, ctx_calendar, since: date) -> date:  # noqa: ANN001
    """The earliest follow-up visit owed: after a start or raise (1 to 4 weeks, 3 days for methadone), else every 3 months."""
    owed = [f for f in safety_rules.episode_findings(facts, policy, ctx_calendar, utcnow())
            if getattr(f, "kind", "") == "opioid_safety.follow_up" and getattr(f, "due_at", None) is not None]
    if owed:
        return min(ctx_calendar.local_date(f.due_at) for f in owed)
    last_visit = max([since, *(v.on for v in facts.visits if v.on > since)])
    return safety_rules.add_months(last_visit, policy.reassess_months)


# ---- Panels ----------------------------------------------------------------------------------------------

@patient_pages.episode_panel
def _medication_panels(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    listed = rx_service.list_prescriptions(session, actor=asked.caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                           episode_id=episode.id)
    clinicians = _clinicians(session, episode.clinic_id)
    current = [line for line in listed.lines if line.active or line.prescription.start_date > listed.as_of and line.prescription.stopped_on is None]
    past = [line for line in listed.lines if line not in current]
    panels = [patient_pages.EpisodePanel("medications/episode_medications.html", {
        "current": current, "past": past, "total": safety_api.total_out(listed), "warnings": medication_warnings(listed, ctx.knowledge),
        "sig_words": sig_words, "mme_words": mme_words, "today": listed.as_of, "clinicians": clinicians,
        "known_drugs": _known_drugs(ctx.knowledge), "labels": RX_LABELS, "stop_labels": STOP_LABELS, "units": UNITS, "forms": FORMS,
        **_state(asked, "medications"),
    }, slot="main")]
    safety = _safety_panel(asked, clinicians)
    if safety is not None:
        panels.append(safety)
    return panels  # the taper panel follows, from medications/tapers/pages.py


def _safety_panel(asked: patient_pages.PanelRequest, clinicians: list[tuple[str, str]]) -> patient_pages.EpisodePanel | None:
    """Only for an episode that has (or had) an opioid prescribed, with the opioid packs loaded."""
    ctx = asked.ctx
    found, facts = safety_service.episode_safety(asked.session, actor=asked.caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                 episode_id=asked.episode.id)
    policy = safety_service.policy(ctx.knowledge)
    if found is None or facts is None or policy is None or not any(rx.is_opioid for rx in facts.prescriptions):
        return None
    today = rx_service.calendar_today(ctx.calendar)
    offered_since = found.last_naloxone_offer is not None and found.since is not None and found.last_naloxone_offer[0] >= found.since
    points = mme_trend(facts.prescriptions, today)
    return patient_pages.EpisodePanel("medications/episode_opioid_safety.html", {
        "s": found, "ort_band": facts.ort_band, "today": today, "policy": policy,
        "naloxone_due": bool(found.naloxone_reasons) and not offered_since,
        "follow_up_due": next_follow_up(facts, policy, ctx.calendar, found.since) if found.since else None,
        "points": points, "chart": chart_spec(points, policy.naloxone_mme), "clinicians": clinicians,
        "finding_flags": list(FINDING_FLAGS.items()), "udt_results": UDT_RESULTS, "naloxone_outcomes": NALOXONE_OUTCOMES,
        "agreement_labels": AGREEMENT_LABELS, "pdmp_labels": PDMP_LABELS, "udt_labels": UDT_LABELS, "naloxone_labels": NALOXONE_LABELS,
        **_state(asked, "opioid_safety"),
    }, slot="side")


# ---- Form handling -----------------------------------------------------------------------------------------

def _values(form: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    """The fields this form knows, empty ones left out so the schema's defaults (and "required") apply."""
    return {name: form[name] for name in names if form.get(name)}


def _refused(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: DbId, panel: str, which: str,
             form: dict[str, str], exc: Exception) -> Response:
    session.rollback()  # nothing half-saved
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, ValidationError):
        problems, status = validation_problems(exc), 422
    else:
        assert isinstance(exc, DomainError)
        problems, status = exc.problems, exc.status_code
    state = {panel: {"form": form, "which": which, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)


def _record(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: DbId, *, panel: str, which: str,
            form: dict[str, str], schema: type[BaseModel], data: dict[str, Any], save: Callable[[Any], Any], anchor: str) -> Response:
    """Validate the form into `schema`, save it, and go back to the episode; refused: the page again, 422."""
    try:
        save(schema.model_validate(data))
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, panel, which, form, exc)
    return RedirectResponse(f"/episodes/{episode_id}#{anchor}", status_code=303)


@router.post("/episodes/{episode_id}/prescriptions")
def record_prescription(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                        caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    data = _values(form, RX_LABELS)
    data["as_needed"] = "as_needed" in form
    return _record(request, ctx, session, caller, episode_id, panel="medications", which="add", form=form, schema=PrescriptionIn, data=data,
                   save=lambda d: rx_service.record_prescription(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=d),
                   anchor="medications")


@router.post("/prescriptions/{prescription_id}/stop")
def stop_prescription(prescription_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    rx = rx_service.get_prescription(session, clinic_id=caller.user.clinic_id, prescription_id=prescription_id)
    data = {**_values(form, STOP_LABELS), **({"version": form["version"]} if form.get("version") else {})}
    return _record(request, ctx, session, caller, rx.episode_id, panel="medications", which=f"stop-{prescription_id}", form=form,
                   schema=PrescriptionStop, data=data, anchor=f"rx-{prescription_id}",
                   save=lambda d: rx_service.stop_prescription(session, actor=caller.actor, prescription_id=prescription_id, data=d))


@router.post("/episodes/{episode_id}/opioid-agreements")
def record_agreement(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return _record(request, ctx, session, caller, episode_id, panel="opioid_safety", which="agreement", form=form, schema=AgreementIn,
                   data=_values(form, AGREEMENT_LABELS), anchor="opioid-safety",
                   save=lambda d: safety_service.record_agreement(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=d))


@router.post("/episodes/{episode_id}/pdmp-checks")
def record_pdmp_check(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    # Each finding is its own checkbox (finding_<flag>), so a form read as one value a name keeps them all.
    findings = [flag for flag in FINDING_FLAGS if form.get(f"finding_{flag}")]
    data = {**_values(form, {"state": "", "summary": "", "checked_at": ""}), "findings": findings, "plugin": "manual_attestation"}
    return _record(request, ctx, session, caller, episode_id, panel="opioid_safety", which="pdmp", form=form, schema=PdmpCheckIn,
                   data=data, anchor="opioid-safety",
                   save=lambda d: safety_service.record_pdmp_check(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=d))


@router.post("/episodes/{episode_id}/urine-drug-tests")
def record_drug_test(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return _record(request, ctx, session, caller, episode_id, panel="opioid_safety", which="udt", form=form, schema=DrugTestIn,
                   data=_values(form, UDT_LABELS), anchor="opioid-safety",
                   save=lambda d: safety_service.record_drug_test(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=d))


@router.post("/episodes/{episode_id}/naloxone-offers")
def record_naloxone_offer(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    return _record(request, ctx, session, caller, episode_id, panel="opioid_safety", which="naloxone", form=form, schema=NaloxoneOfferIn,
                   data=_values(form, NALOXONE_LABELS), anchor="opioid-safety",
                   save=lambda d: safety_service.record_naloxone_offer(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=d))
