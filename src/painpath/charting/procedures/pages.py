"""The episode page's "Procedures" panel: each performed procedure with its relief reports and the
relief checks its pack asks for, a form to record a procedure (from the procedure catalogue) and, on
each procedure, a form to add a relief report. Same schemas and services as the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from painpath.charting import panel_forms
from painpath.charting.procedures import service
from painpath.charting.procedures.rules import REGIONS
from painpath.charting.procedures.relief_checks import panel_link
from painpath.charting.procedures.schemas import ProcedureIn, ReliefIn
from painpath.charting.procedures.timeline import describe, relief_words
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission, Role
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "procedures"
SIDES = [("none", "Not sided"), ("left", "Left"), ("right", "Right"), ("bilateral", "Bilateral")]
SCALES = [("nrs", "Numeric rating (0-10)"), ("vas", "Visual analogue (0-10)")]
# Where a procedure the pack places anywhere (a stimulator trial) was done; others take the pack's region.
FUNCTION_CHANGES = [("better", "Better"), ("same", "No change"), ("worse", "Worse")]
LABELS = {"procedure_key": "Procedure", "cpt_codes": "CPT codes", "region": "Region", "side": "Side", "levels": "Levels",
          "performed_on": "Date performed", "performed_by_id": "Performed by", "baseline_pain": "Pain just before",
          "baseline_scale": "Pain scale", "spacing_exception": "Why a spacing rule does not apply",
          "diagnostic": "Given as a diagnostic block",
          "measured_on": "Date of the report", "percent": "Percent relief", "pain_score": "Pain score now",
          "scale": "Pain scale", "hours_after": "Hours after the procedure", "lasted_days": "Relief lasted (days)",
          "function_change": "Function", "regained": "What the patient could do again"}


def _choices(knowledge) -> list[tuple[str, str]]:  # noqa: ANN001
    """Procedures done on a patient here (imaging and therapy have their own records)."""
    found = [(p.id, p.name) for p in knowledge.procedures.values() if p.category not in ("imaging", "therapy")]
    return sorted(found, key=lambda c: c[1].lower())


def _clinicians(session: Any, clinic_id: int) -> list[tuple[str, str]]:  # noqa: ANN401
    users = session.scalars(select(User).where(User.clinic_id == clinic_id, User.role == Role.CLINICIAN.value).order_by(User.display_name))
    return [(str(u.id), u.display_name) for u in users]


def _checks(knowledge, procedure, reliefs) -> list[dict[str, Any]]:  # noqa: ANN001
    """Each relief window of the pack, with the report that met it (if any)."""
    pack = knowledge.procedures.get(procedure.procedure_key)
    found = []
    for check in (pack.relief_checks if pack else []):
        opens_days, due_days = check.days()
        opens, due = procedure.performed_on + timedelta(days=opens_days), procedure.performed_on + timedelta(days=due_days)
        met = next((r for r in reliefs if opens <= r.measured_on <= due), None)
        found.append({"name": check.name, "opens": opens, "due": due, "met_on": met.measured_on if met else None})
    return found


def _view(knowledge, procedure, reliefs, names) -> dict[str, Any]:  # noqa: ANN001
    return {"row": procedure, "title": describe(procedure), "link": panel_link(procedure.episode_id, procedure.id),
            "performed_by": names.get(str(procedure.performed_by_id)) if procedure.performed_by_id else None,
            "reliefs": [{"row": r, "words": relief_words(r, procedure)} for r in reliefs],
            "checks": _checks(knowledge, procedure, reliefs)}


@patient_pages.episode_panel
def _procedures_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, caller = asked.ctx, asked.session, asked.caller
    clinicians = _clinicians(session, asked.episode.clinic_id)
    names = dict(clinicians)
    found = service.list_procedures(session, actor=caller.actor, episode_id=asked.episode.id)
    context = {
        **panel_forms.state_of(asked, STATE_KEY), "labels": LABELS,
        "procedures": [_view(ctx.knowledge, p, r, names) for p, r in reversed(found)],
        "choices": _choices(ctx.knowledge), "regions": [(r, r.capitalize()) for r in REGIONS], "sides": SIDES, "scales": SCALES, "function_changes": FUNCTION_CHANGES,
        "clinicians": clinicians, "can_write": caller.can(Permission.NOTE_WRITE),
        "today": ctx.calendar.local_date(utcnow()),
        "default_performer": str(caller.user.id) if caller.user.role == Role.CLINICIAN.value else "",
    }
    return [patient_pages.EpisodePanel("procedures/episode_procedures.html", context, slot="main")]


@router.post("/episodes/{episode_id}/procedures")
def record_procedure_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                          caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    values = {
        "procedure_key": form.get("procedure_key", ""), "cpt_codes": panel_forms.codes(form.get("cpt_codes")),
        "region": panel_forms.optional(form, "region"), "side": form.get("side") or "none", "levels": panel_forms.codes(form.get("levels")),
        "performed_on": panel_forms.optional(form, "performed_on"), "performed_by_id": panel_forms.optional(form, "performed_by_id"),
        "baseline_pain": panel_forms.optional(form, "baseline_pain"), "baseline_scale": panel_forms.optional(form, "baseline_scale"),
        "spacing_exception": panel_forms.optional(form, "spacing_exception"),
        "diagnostic": form.get("diagnostic") == "true",
    }

    def act(data: ProcedureIn) -> object:
        return service.record_procedure(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                        episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="record", form=form,
                              schema=ProcedureIn, values=values, act=act, anchor="procedures")


@router.post("/procedures/{procedure_id}/relief")
def add_relief_form(procedure_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    procedure = service.get_procedure(session, clinic_id=caller.actor.clinic_id, procedure_id=procedure_id)
    values = {name: panel_forms.optional(form, name) for name in
              ("measured_on", "percent", "pain_score", "scale", "hours_after", "lasted_days", "function_change", "regained")}

    def act(data: ReliefIn) -> object:
        return service.add_relief(session, actor=caller.actor, calendar=ctx.calendar, procedure_id=procedure_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=procedure.episode_id, key=STATE_KEY, which="relief",
                              target=procedure.id, form=form, schema=ReliefIn, values=values, act=act,
                              anchor=f"procedure-{procedure.id}")
