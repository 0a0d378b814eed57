"""The episode page's "History" panel: the patient's work and its demands, sports, surgeries, injuries,
habits and prior treatments as recorded, who changed them last and when, and the form to edit them. The
history belongs to the patient, so every episode and every later visit shows the same one and edits it
(never retyped). Same schema and service as the JSON API.

List rows (surgeries, ...) are posted as `surgeries.0.procedure`, `surgeries.0.year`, ...; a row left empty
is not kept, so clearing a row removes it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

from painpath.charting import note_panels, panel_forms
from painpath.charting.history import rules, service
from painpath.charting.history.models import PatientHistory
from painpath.charting.history.schemas import HistoryIn
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.errors import FieldProblem, InvalidInput
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, validation_problems

router = APIRouter()
STATE_KEY = "patient_history"
LABELS = {
    "occupation": "Occupation", "work_status": "Work status", "lifting_lb": "Heaviest routine lift (lb)",
    "sitting_hours": "Sitting (hours a day)", "driving_hours": "Driving (hours a day)", "shift_pattern": "Shifts",
    "work_notes": "Other physical demands", "sports": "Sports and activities", "surgeries": "Surgeries", "injuries": "Injuries",
    "smoking_status": "Smoking status", "pack_years": "Pack-years", "quit_year": "Year stopped smoking", "cotinine_ng_ml": "Cotinine (ng/mL)",
    "cotinine_on": "Cotinine test date", "alcohol_drinks_per_week": "Alcohol (drinks a week)", "substances": "Other substances",
    "sleep_hours": "Sleep (hours a night)", "prior_treatments": "Prior treatments", "version": "Version",
}
# Each list's row fields, and which of them count when deciding whether a row was filled in.
ROW_FIELDS = {
    "sports": ("activity", "sessions_per_week", "still_active"),
    "surgeries": ("procedure", "year", "region", "outcome"),
    "injuries": ("what", "year", "region"),
}
ROW_FILLED_BY = {"sports": ("activity", "sessions_per_week"), "surgeries": ("procedure", "year", "region"), "injuries": ("what", "year", "region")}
ROW_FIELD_WORDS = {"activity": "activity", "sessions_per_week": "times a week", "still_active": "still doing it", "procedure": "procedure",
                   "year": "year", "region": "region", "outcome": "outcome", "what": "what happened"}
SUMMARY_WORDS = {"work": rules.WORK_STATUS_WORDS, "shift": rules.SHIFT_WORDS, "smoking": rules.SMOKING_WORDS,
                 "outcome": rules.OUTCOME_WORDS, "region": rules.REGION_WORDS}
BLANK_ROWS = 1  # empty rows offered under each list for a new entry
SCALARS = tuple(name for name in HistoryIn.model_fields if name not in ROW_FIELDS)
_ROW_KEY = re.compile(r"^(sports|surgeries|injuries)\.(\d{1,2})\.([a-z_]+)$")


def _shown(value: object) -> str:
    """A stored value as a form box shows it: 20.0 as "20", None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_of(history: PatientHistory | None) -> dict[str, str]:
    """The edit form filled in from the stored history (empty when nothing is recorded yet)."""
    if history is None:
        return {}
    form = {name: _shown(getattr(history, name)) for name in SCALARS if name != "version"}
    form["version"] = str(history.version)
    for field, names in ROW_FIELDS.items():
        for position, row in enumerate(getattr(history, field) or []):
            form.update({f"{field}.{position}.{name}": _shown(row.get(name)) for name in names})
    return form


def _row_count(form: Mapping[str, str], field: str) -> int:
    positions = [int(m.group(2)) for key in form if (m := _ROW_KEY.match(key)) and m.group(1) == field]
    return max(positions, default=-1) + 1


def _values(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The form as HistoryIn's input, and for each list the form position of each kept row."""
    values: dict[str, Any] = {name: panel_forms.optional(form, name) for name in SCALARS}
    for name in ("occupation", "work_notes", "substances", "prior_treatments"):
        values[name] = form.get(name, "")
    for name in ("work_status", "shift_pattern", "smoking_status"):
        values[name] = form.get(name) or "unknown"
    positions: dict[str, list[int]] = {}
    for field, names in ROW_FIELDS.items():
        rows, kept = [], []
        for position in range(_row_count(form, field)):
            typed = {name: form.get(f"{field}.{position}.{name}", "") for name in names}
            if not any(typed[name] for name in ROW_FILLED_BY[field]):
                continue  # an empty row, or one cleared to remove it
            rows.append({name: value for name, value in typed.items() if value != ""})
            kept.append(position)
        values[field], positions[field] = rows, kept
    return values, positions


def _named_rows(problems: list[FieldProblem], positions: Mapping[str, list[int]]) -> list[FieldProblem]:
    """A list row's problem says which row, counted as the form shows them: "Surgery 2, year: ..."."""
    named = []
    for p in problems:
        parts = p.field.split(".")
        if parts[0] in positions and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(positions[parts[0]]):
            position = positions[parts[0]][int(parts[1])]
            words = f"{rules.LISTS[parts[0]]} {position + 1}" + (f", {ROW_FIELD_WORDS.get(parts[2], parts[2])}" if len(parts) > 2 else "")
            named.append(FieldProblem(f"{parts[0]}.{position}" + (f".{parts[2]}" if len(parts) > 2 else ""), p.rule, f"{words}: {p.message}"))
        else:
            named.append(p)
    return named


def _row_errors(problems: list[FieldProblem]) -> dict[str, list[str]]:
    """Messages of list rows by their full field name (`surgeries.1.year`), to sit next to that box."""
    found: dict[str, list[str]] = {}
    for p in problems:
        if p.field.split(".")[0] in ROW_FIELDS:
            found.setdefault(p.field, []).append(p.message)
    return found


class _AsTyped(BaseModel):
    """The form passes through as typed: HistoryIn is applied in the route's action, so that a list row's
    problem can name the row as the form numbers it."""

    model_config = ConfigDict(extra="allow")


def _user_name(session: Any, user_id: int | None) -> str | None:  # noqa: ANN401
    return None if user_id is None else session.scalar(select(User.display_name).where(User.id == user_id))


@patient_pages.episode_panel
def _history_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    _patient, history = service.history_of_episode(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    state = panel_forms.state_of(asked, STATE_KEY)
    form = state["form"] or form_of(history)
    rows = {field: max(_row_count(form, field), len(getattr(history, field) or []) if history else 0) + BLANK_ROWS for field in ROW_FIELDS}
    context = {
        **state, "form": form, "rows": rows, "row_errors": _row_errors(state["problems"]), "history": history, "labels": LABELS,
        "changed_by": _user_name(asked.session, history.updated_by_id) if history else None,
        "local": clinic_clock(asked.ctx.calendar), "can_write": asked.caller.can(Permission.NOTE_WRITE),
        "work_statuses": list(rules.WORK_STATUS_WORDS.items()), "shifts": list(rules.SHIFT_WORDS.items()),
        "smoking": list(rules.SMOKING_WORDS.items()), "outcomes": list(rules.OUTCOME_WORDS.items()),
        "regions": list(rules.REGION_WORDS.items()), "words": SUMMARY_WORDS,
    }
    return [patient_pages.EpisodePanel("history/history_panel.html", context, slot="main")]


@note_panels.note_panel
def _history_beside_the_note(asked: note_panels.NotePanelRequest) -> list[note_panels.NotePanel]:
    """The history, read-only, on the visit note: what the clinician writes the note against."""
    history = service.history_of_shown_chart(asked.session, patient=asked.patient)
    context = {"history": history, "words": SUMMARY_WORDS, "changed_by": _user_name(asked.session, history.updated_by_id) if history else None}
    return [note_panels.NotePanel("history/note_history.html", context)]


@router.post("/episodes/{episode_id}/history")
def record_history_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                        caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    values, positions = _values(form)

    def act(_typed: _AsTyped) -> object:
        try:
            data = HistoryIn.model_validate(values)
        except ValidationError as exc:
            raise InvalidInput(_named_rows(validation_problems(exc), positions)) from None
        try:
            return service.record_for_episode(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
        except InvalidInput as exc:
            raise InvalidInput(_named_rows(exc.problems, positions)) from None

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="record", form=form,
                              schema=_AsTyped, values={}, act=act, anchor="patient-history")
