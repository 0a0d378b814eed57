"""The pain diagram of a visit note (its own page, reached from the note and the episode page) and the
episode page's "Pain diagram" panel.

The page works without JavaScript: the form is the list of regions, each with a kind of pain (blank: not
marked) and an intensity; the body map beside it shows what is saved, coloured by kind of pain, with a
legend in words. With JavaScript, clicking a shape on the map marks or clears its region in the form
(static/js/pain-diagram.js). A refused form comes back with the values as typed and each message next to
its region (422, or 409 when someone saved the diagram meanwhile).

Both the page and the panel compare a diagram with the one before it on the episode: new, resolved, worse
and better regions in words, and on a map where each changed region is outlined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.charting import note_panels
from painpath.charting import rules as charting_rules
from painpath.charting import service as charting
from painpath.charting.pain_diagram import rules, service, words
from painpath.charting.pain_diagram.schemas import DiagramIn
from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.documents import body_map
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, validation_problems
from painpath.web.templating import templates

router = APIRouter()
PAIN_TYPE_CHOICES = list(rules.PAIN_TYPES.items())
VIEW_WORDS = {"front": "Front", "back": "Back"}


# Shared pieces ------------------------------------------------------------------------------------

def _regions(ctx: AppContext) -> Mapping[str, Any]:
    return ctx.knowledge.body_regions


def _labels(regions: Mapping[str, Any]) -> dict[str, str]:
    return {rid: words.region_words(rid, regions) for rid in regions}


def _legend(marks: Sequence[rules.Mark]) -> list[tuple[str, str, str]]:
    """(pain type, words, colour) of each kind of pain on the map, in the form's order."""
    used = {m.pain_type for m in marks}
    return [(key, word, body_map.PAIN_COLOURS[key]) for key, word in rules.PAIN_TYPES.items() if key in used]


def diagram_view(recorded: service.Recorded | None, previous: service.Recorded | None, regions: Mapping[str, Any], *,
                 element_id: str) -> dict[str, Any]:
    """What a template needs to show one diagram and its change since the previous one."""
    if recorded is None:
        return {"recorded": None}
    labels = _labels(regions)
    marks = recorded.marks
    view: dict[str, Any] = {
        "recorded": recorded, "lines": [words.mark_line(m, regions) for m in marks], "legend": _legend(marks),
        "map": body_map.render({m.region: m.pain_type for m in marks}, labels=labels, element_id=element_id,
                               title=f"Pain diagram of {recorded.diagram.date_of_service:%d %b %Y}"),
        "previous": previous,
    }
    if previous is not None:
        change = rules.compare(previous.marks, marks, list(regions))
        view.update(
            change_summary=words.summary(change), change_lines=words.change_lines(change, regions, with_unchanged=False),
            unchanged_lines=[words.change_line(c, regions) for c in change.of("same")],
            change_map=body_map.render({m.region: m.pain_type for m in marks}, labels=labels, changes=change.by_region(),
                                       element_id=f"{element_id}-change",
                                       title=f"Changes since the pain diagram of {previous.diagram.date_of_service:%d %b %Y}"),
            change_legend=[(what, words.CHANGE_WORDS[what], body_map.CHANGE_STROKES[what][0]) for what in body_map.CHANGE_STROKES
                           if change.of(what)],
        )
    return view


# The form ----------------------------------------------------------------------------------------

def _form_values(recorded: service.Recorded | None) -> dict[str, str]:
    values = {"version": str(recorded.diagram.version) if recorded else ""}
    for m in recorded.marks if recorded else ():
        values[f"region.{m.region}.type"] = m.pain_type
        values[f"region.{m.region}.intensity"] = str(m.intensity)
    return values


def _parse(form: Mapping[str, str], regions: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """DiagramIn data from the posted list of regions, and the problems only the form can have (a kind of
    pain without an intensity, an intensity without a kind, an intensity that is not a whole number)."""
    marks, problems = [], []
    for rid in regions:
        kind, raw = form.get(f"region.{rid}.type", ""), form.get(f"region.{rid}.intensity", "").strip()
        if not kind and not raw:
            continue
        if not kind:
            problems.append(FieldProblem(f"region.{rid}.type", "required", "Choose the kind of pain, or clear the intensity"))
            continue
        if not raw:
            problems.append(FieldProblem(f"region.{rid}.intensity", "required", "Enter the intensity from 0 to 10"))
            continue
        if not raw.lstrip("-").isdigit():
            problems.append(FieldProblem(f"region.{rid}.intensity", "whole_number", "Enter a whole number from 0 to 10"))
            continue
        marks.append({"region": rid, "pain_type": kind, "intensity": int(raw)})
    version = form.get("version", "")
    return {"marks": marks, "version": int(version) if version.isdigit() else None}, problems


def _typed_marks(values: Mapping[str, str], regions: Mapping[str, Any]) -> dict[str, str]:
    """Region -> kind of pain as the form holds it, so the form's map shows what is typed."""
    return {rid: kind for rid in regions if (kind := values.get(f"region.{rid}.type", "")) in rules.PAIN_TYPES}


def _placed(problems: list[FieldProblem], sent: list[dict[str, Any]]) -> list[FieldProblem]:
    """Schema problems name marks by index ("marks.2.intensity"): name the region's input instead."""
    placed = []
    for p in problems:
        parts = p.field.replace("[", ".").replace("]", "").split(".")
        if parts[0] == "marks" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(sent):
            name = "type" if len(parts) > 2 and parts[2] == "pain_type" else "intensity"
            placed.append(FieldProblem(f"region.{sent[int(parts[1])]['region']}.{name}", p.rule,
                                       "Enter an intensity from 0 to 10" if name == "intensity" else p.message))
        else:
            placed.append(p)
    return placed


def _page(request: Request, ctx: AppContext, session: Session, caller: Caller, encounter_id: int, *, form: Mapping[str, str] | None = None,
          problems: list[FieldProblem] | None = None, notice: str | None = None, status_code: int = 200) -> Response:
    screen = charting.read_note_screen(session, actor=caller.actor, encounter_id=encounter_id)  # the audited chart read
    note = screen.encounter
    regions = _regions(ctx)
    order = list(regions)
    found = service.episode_diagrams(session, episode_id=note.episode_id, order=order)
    recorded = next((r for r in found if r.diagram.encounter_id == note.id), None)
    previous = service.previous_of(found, recorded.diagram.id if recorded else None, on=note.date_of_service)
    problems = problems or []
    errors: dict[str, list[str]] = {}  # by the whole input name: "region.calf_left.intensity"
    for p in problems:
        errors.setdefault(p.field, []).append(p.message)
    rows = {"front": [], "back": []}
    for rid, region in regions.items():
        rows.setdefault(region.view, []).append((rid, region, words.region_words(rid, regions)))
    is_addendum = note.addendum_of_id is not None
    values = dict(form) if form is not None else _form_values(recorded)
    context = {
        "caller": caller, "patient": screen.patient, "episode": screen.episode, "note": note,
        "type_word": charting_rules.ENCOUNTER_WORDS.get(note.encounter_type, note.encounter_type),
        "view": diagram_view(recorded, previous, regions, element_id="pain-map"),
        "previous_view": diagram_view(previous, None, regions, element_id="previous-map") if previous and not recorded else None,
        "editable": note.status == "unsigned" and not is_addendum and caller.can(Permission.NOTE_WRITE),
        "is_addendum": is_addendum, "values": values,
        "rows": [(VIEW_WORDS.get(view, view), items) for view, items in rows.items() if items], "pain_types": PAIN_TYPE_CHOICES,
        "problems": problems, "errors": errors, "labels": _labels(regions), "notice": notice, "status_code": status_code,
        "form_map": body_map.render(_typed_marks(values, regions), labels=_labels(regions), element_id="pain-map-form", clickable=True,
                                    title="Body map: click a region to mark it in the list"),
    }
    return templates.TemplateResponse(request, "pain_diagram/diagram.html", context, status_code=status_code)


@router.get("/encounters/{encounter_id}/pain-diagram")
def diagram_page(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.CHART_READ)], saved: str = "") -> Response:
    return _page(request, ctx, session, caller, encounter_id, notice="Pain diagram saved." if saved else None)


@router.post("/encounters/{encounter_id}/pain-diagram")
def save_diagram(encounter_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    regions = _regions(ctx)
    values, problems = _parse(form, regions)
    try:
        if problems:
            raise _FormProblems(problems)
        data = DiagramIn.model_validate(values)
        diagram = service.record_diagram(session, actor=caller.actor, regions=regions, encounter_id=encounter_id, data=data)
        ctx.reconcile(session, [diagram.episode_id])
    except _FormProblems as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, exc.problems, 422)
    except ValidationError as exc:
        return _refused(request, ctx, session, caller, encounter_id, form, _placed(validation_problems(exc), values["marks"]), 422)
    except StaleDataError:
        return _refused(request, ctx, session, caller, encounter_id, form, [FieldProblem(
            "version", "current_version", "Someone else saved this pain diagram first; reload it and apply your change again")], 409)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, encounter_id, form, _placed(exc.problems, values["marks"]), exc.status_code)
    return RedirectResponse(f"/encounters/{encounter_id}/pain-diagram?saved=1", status_code=303)


class _FormProblems(Exception):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems


def _refused(request: Request, ctx: AppContext, session: Session, caller: Caller, encounter_id: int, form: Mapping[str, str],
             problems: list[FieldProblem], status: int) -> Response:
    session.rollback()
    return _page(request, ctx, session, caller, encounter_id, form=form, problems=problems, status_code=status)


# The episode page's panel ---------------------------------------------------------------------------

@patient_pages.episode_panel
def _pain_diagram_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    regions = _regions(asked.ctx)
    found = service.episode_diagrams(asked.session, episode_id=asked.episode.id, order=list(regions))
    latest = found[-1] if found else None
    previous = found[-2] if len(found) > 1 else None
    with_diagram = {r.diagram.encounter_id for r in found}
    notes = [note for note, _count in charting.episode_notes(asked.session, episode_id=asked.episode.id)]
    context = {
        "view": diagram_view(latest, previous, regions, element_id="episode-pain-map"),
        "diagrams": list(reversed(found)),
        "notes": [(note, note.id in with_diagram) for note in notes[:6]],
        "type_words": charting_rules.ENCOUNTER_WORDS, "can_write": asked.caller.can(Permission.NOTE_WRITE),
    }
    return [patient_pages.EpisodePanel("pain_diagram/episode_panel.html", context, slot="main")]


# The visit note's panel -----------------------------------------------------------------------------

@note_panels.note_panel
def _pain_diagram_on_the_note(asked: note_panels.NotePanelRequest) -> list[note_panels.NotePanel]:
    """This visit's diagram on its note, with the change since the one before; or the way to record it."""
    note = asked.note
    if note.addendum_of_id is not None:
        return []
    regions = _regions(asked.ctx)
    found = service.episode_diagrams(asked.session, episode_id=note.episode_id, order=list(regions))
    recorded = next((r for r in found if r.diagram.encounter_id == note.id), None)
    previous = service.previous_of(found, recorded.diagram.id if recorded else None, on=note.date_of_service)
    context = {
        "note": note, "view": diagram_view(recorded, previous, regions, element_id="note-pain-map"),
        "can_record": note.status == "unsigned" and asked.caller.can(Permission.NOTE_WRITE),
    }
    return [note_panels.NotePanel("pain_diagram/note_panel.html", context)]
