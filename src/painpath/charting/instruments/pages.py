"""Questionnaires on the chart.

- The episode page's "Questionnaires" panel: every administration with its score, band and change since
  the episode's baseline, and (for those who may give them) a list of the pack instruments to start.
- The safety banner at the top of the episode page while a safety alert (PHQ-9 item 9) is unreviewed,
  with the clinician's safety-assessment form.
- The instrument form, built only from the pack (instruments/form.html, no staff chrome inside, so the
  patient portal can reuse it), and its POST. A refused form is shown again with the answers kept and
  each problem next to its question; nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.charting import scoring
from painpath.charting.instruments import rules, service
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.instruments.schemas import AdministrationIn, SafetyReviewIn
from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from painpath.core.validation import DbId
from painpath.knowledge.schemas import Instrument
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()

ANSWER_PREFIX = "answers."  # form fields are named like the API's problem fields: answers.phq9_3
SOURCE_WORDS = {"staff": "Given by staff", "patient": "Completed by the patient", "fhir_import": "Imported from FHIR"}
REVIEW_LABELS = {"note": "Safety assessment"}


class UnknownInstrument(NotFound):
    """A 404 that names the instrument id asked for and the ones the packs know."""

    def __init__(self, instrument_id: str, known: list[str]):
        DomainError.__init__(self, FieldProblem(
            "instrument_id", "known_instrument", f"No instrument {instrument_id!r}; known: {', '.join(known) or '(none)'}",
        ))


def _instrument(ctx: AppContext, instrument_id: str) -> Instrument:
    found = ctx.knowledge.instruments.get(instrument_id)
    if found is None:
        raise UnknownInstrument(instrument_id, sorted(ctx.knowledge.instruments))
    return found


def _number(value: float | None, decimals: int = 0) -> str:
    """A score at the pack's precision (PEG 6.0, ODI 35.6, PHQ-9 14)."""
    if value is None:
        return "not scored"
    return f"{value:.{decimals}f}"


def _item_words(instrument: Instrument | None, item_id: str, value: int) -> str:
    """'item 9 ("Thoughts that ...") answered 1 ("Several days")', in the pack's own words."""
    if instrument is None or item_id not in {it.id for it in instrument.items}:
        return f"item {item_id} answered {value}"
    number = [it.id for it in instrument.items].index(item_id) + 1
    label = next((o.label for o in instrument.options(item_id) if o.value == value), None)
    answer = f"{value} (\u201c{label}\u201d)" if label and label != str(value) else str(value)
    return f"item {number} (\u201c{instrument.item(item_id).text}\u201d) answered {answer}"


# The Questionnaires panel ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AdministrationView:
    """One administration as the panel shows it; times stay UTC, the template shows them on the clinic clock."""

    id: int
    at: datetime
    total: str
    score_range: str
    band: str | None
    subscales: list[tuple[str, str]]
    change: str | None
    source: str
    alerts: list[str]
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str | None


@dataclass
class InstrumentGroup:
    instrument_id: str
    name: str
    title: str
    rows: list[AdministrationView] = field(default_factory=list)


def _source_words(row: InstrumentAdministration, names: Mapping[int, str]) -> str:
    words = SOURCE_WORDS.get(row.source, row.source)
    person = names.get(row.administered_by_id or row.recorded_by_id or 0)
    if row.source == "staff" and person:
        return f"{words} ({person})"
    if row.source == "patient" and person:
        return f"{words} (recorded by {person})"
    return words


def _view(row: InstrumentAdministration, change: rules.ChangeSinceBaseline | None, instrument: Instrument | None,
          names: Mapping[int, str]) -> AdministrationView:
    decimals = instrument.scoring.decimals if instrument else 1
    sub_labels = {s.id: s.label for s in instrument.subscales} if instrument else {}
    return AdministrationView(
        id=row.id, at=row.administered_at, total=_number(row.total, decimals),
        score_range=(f"{_number(instrument.scoring.range.min)} to {_number(instrument.scoring.range.max)}" if instrument else ""),
        band=row.band,
        subscales=[(sub_labels.get(k, k), _number(v, decimals)) for k, v in (row.subscales or {}).items()],
        change=None if change is None else change.summary,
        source=_source_words(row, names),
        alerts=[_item_words(instrument, a["item"], a["value"]) for a in rules.safety_alerts(row.alerts)],
        reviewed_at=row.safety_reviewed_at,
        reviewed_by=names.get(row.safety_reviewed_by_id or 0),
        review_note=row.safety_review_note,
    )


def _groups(session: Session, ctx: AppContext, episode_id: DbId) -> list[InstrumentGroup]:
    """Administrations grouped by instrument (groups by name), each group oldest first from its baseline."""
    found = service.administrations(session, knowledge=ctx.knowledge, episode_id=episode_id)
    names = service.user_names(session, [i for row, _ in found for i in (row.administered_by_id, row.recorded_by_id, row.safety_reviewed_by_id)])
    groups: dict[str, InstrumentGroup] = {}
    for row, change in found:
        instrument = ctx.knowledge.instruments.get(row.instrument_id)
        group = groups.setdefault(row.instrument_id, InstrumentGroup(
            row.instrument_id, instrument.name if instrument else row.instrument_id, instrument.title if instrument else "",
        ))
        group.rows.append(_view(row, change, instrument, names))
    return sorted(groups.values(), key=lambda g: g.name.lower())


@patient_pages.episode_panel
def _questionnaires_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    instruments = sorted(asked.ctx.knowledge.instruments.values(), key=lambda i: i.name.lower())
    context = {
        "groups": _groups(asked.session, asked.ctx, asked.episode.id),
        "startable": instruments if asked.caller.can(Permission.INSTRUMENT_ADMINISTER) else [],
    }
    return [patient_pages.EpisodePanel("instruments/episode_questionnaires.html", context, slot="main")]


# The safety banner ----------------------------------------------------------------------------------

@dataclass
class OpenAlert:
    administration_id: DbId
    instrument_name: str
    administered_at: datetime
    findings: list[str] = field(default_factory=list)  # "item 9 (...) answered 1 (...)"
    messages: list[str] = field(default_factory=list)


def _open_alerts(session: Session, ctx: AppContext, episode_id: DbId) -> list[OpenAlert]:
    """Unreviewed safety alerts, one entry per administration (one review meets all its alerts)."""
    found: dict[int, OpenAlert] = {}
    for alert in service.open_safety_alerts(session, episode_id):
        instrument = ctx.knowledge.instruments.get(alert["instrument_id"])
        entry = found.setdefault(alert["administration_id"], OpenAlert(
            alert["administration_id"], instrument.name if instrument else alert["instrument_id"], alert["administered_at"],
        ))
        entry.findings.append(_item_words(instrument, alert["item"], alert["value"]))
        if alert["message"] not in entry.messages:
            entry.messages.append(alert["message"])
    return list(found.values())


# Whoever gives questionnaires (the front desk in the lobby) must see that an answer needs a clinician now.
@patient_pages.episode_panel(needs=(Permission.CHART_READ, Permission.INSTRUMENT_ADMINISTER))
def _safety_banner(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    alerts = _open_alerts(asked.session, asked.ctx, asked.episode.id)
    if not alerts:
        return []
    state = asked.state.get("instrument_safety", {})
    problems = state.get("problems", [])
    context = {
        "alerts": alerts, "can_review": asked.caller.can(Permission.TRIAGE_ACKNOWLEDGE),
        "review_for": state.get("administration_id"), "review_form": state.get("form", {}),
        "review_problems": problems, "review_errors": errors_by_field(problems), "review_labels": REVIEW_LABELS,
    }
    return [patient_pages.EpisodePanel("instruments/safety_banner.html", context, slot="top")]


@router.post("/instrument-administrations/{administration_id}/safety-review")
def record_safety_review(administration_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.TRIAGE_ACKNOWLEDGE)]) -> Response:
    episode_id = service.get_administration(session, actor=caller.actor, administration_id=administration_id).episode_id
    try:
        data = SafetyReviewIn.model_validate({"note": form.get("note") or None})
        service.record_safety_review(session, actor=caller.actor, administration_id=administration_id, note=data.note)
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        session.rollback()
        problems, status = (validation_problems(exc), 422) if isinstance(exc, ValidationError) else (exc.problems, exc.status_code)
        state = {"instrument_safety": {"administration_id": administration_id, "form": form, "problems": problems}}
        return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)
    return RedirectResponse(f"/episodes/{episode_id}#administration-{administration_id}", status_code=303)


# The instrument form --------------------------------------------------------------------------------

def answers_from_form(instrument: Instrument, form: Mapping[str, str]) -> tuple[dict[str, int | None], list[FieldProblem]]:
    """The posted `answers.<item>` fields as item id -> answer value (None: left blank).

    A value that is not a whole number is a problem here (an option's value always is); unknown item
    ids are passed on so the scoring engine refuses them by name, like the API does.
    """
    answers: dict[str, int | None] = {it.id: None for it in instrument.items}
    problems: list[FieldProblem] = []
    for name, raw in form.items():
        if not name.startswith(ANSWER_PREFIX):
            continue
        item_id = name.removeprefix(ANSWER_PREFIX)
        if raw == "":
            answers[item_id] = None
            continue
        try:
            answers[item_id] = int(raw)
        except ValueError:
            answers[item_id] = None  # an unknown item stays in, for the engine to name
            if any(it.id == item_id for it in instrument.items):
                problems.append(FieldProblem(name, "allowed_value", f"{raw!r} is not one of the answers to this question"))
    return answers, problems


def plain_problems(instrument: Instrument, problems: list[FieldProblem]) -> list[FieldProblem]:
    """The engine's messages name item ids (for the API); next to a question, say it in plain words."""
    items = {f"{ANSWER_PREFIX}{it.id}" for it in instrument.items}
    blank = sum(1 for p in problems if p.rule == "required" and p.field in items)
    allowed = instrument.scoring.missing.max_missing
    out = []
    for p in problems:
        if p.field in items and p.rule == "required":
            rule = "every question needs an answer" if allowed == 0 else f"no more than {allowed} may be left blank, and {blank} are"
            p = FieldProblem(p.field, p.rule, f"Please answer this question: {rule}.")
        elif p.field in items and p.rule == "allowed_value":
            p = FieldProblem(p.field, p.rule, "Choose one of the answers shown.")
        out.append(p)
    return out


def _sex_note(instrument: Instrument, sex: str) -> dict[str, str] | None:
    """Staff-only words for an instrument weighted by sex (ORT): which weights apply, or why it cannot be scored."""
    if not any(it.weight_by_sex for it in instrument.items):
        return None
    if sex in ("female", "male"):
        return {"kind": "info", "text": f"{instrument.name} weights each answer by sex; the {sex} weights apply (sex from the patient's record)."}
    return {"kind": "error", "text": (f"{instrument.name} weights each answer by sex, and this patient's sex is recorded as "
                                      f"\u201c{sex}\u201d: it cannot be scored until the record says female or male.")}


def _form_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: DbId, instrument: Instrument, *,
               chosen: Mapping[str, str] | None = None, completed_by_patient: bool = False,
               problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "patient": patient, "episode": episode, "instrument": instrument, "chosen": dict(chosen or {}),
        "completed_by_patient": completed_by_patient, "problems": problems or [], "sex_note": _sex_note(instrument, patient.sex),
    }
    return templates.TemplateResponse(request, "instruments/administer.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/instruments/{instrument_id}")
def instrument_form(episode_id: DbId, instrument_id: str, request: Request, ctx: AppCtx, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.INSTRUMENT_ADMINISTER)]) -> Response:
    return _form_page(request, ctx, session, caller, episode_id, _instrument(ctx, instrument_id))


@router.post("/episodes/{episode_id}/instruments/{instrument_id}")
def administer_instrument(episode_id: DbId, instrument_id: str, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                          caller: Annotated[Caller, requires(Permission.INSTRUMENT_ADMINISTER)]) -> Response:
    instrument = _instrument(ctx, instrument_id)
    by_patient = bool(form.get("completed_by_patient"))
    answers, problems = answers_from_form(instrument, form)
    try:
        if problems:  # report every problem at once: the engine's too (unknown items, answers not offered)
            raise InvalidInput(problems + scoring.validate_answers(instrument, answers))
        data = AdministrationIn(instrument_id=instrument.id, answers=answers, source="patient" if by_patient else "staff")
        row = service.administer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                 episode_id=episode_id, data=data)
        ctx.reconcile(session, [row.episode_id])
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        found, status = (validation_problems(exc), 422) if isinstance(exc, ValidationError) else (exc.problems, exc.status_code)
        found = plain_problems(instrument, found)
        chosen = {k.removeprefix(ANSWER_PREFIX): v for k, v in form.items() if k.startswith(ANSWER_PREFIX)}
        return _form_page(request, ctx, session, caller, episode_id, instrument, chosen=chosen,
                          completed_by_patient=by_patient, problems=found, status_code=status)
    return RedirectResponse(f"/episodes/{episode_id}#administration-{row.id}", status_code=303)
