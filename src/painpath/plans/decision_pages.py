"""The episode page's "Shared decisions" panel: at each pathway step that offers options (the active plan's
pathway first, then the pathways for the episode's region), the options from the pack with their benefits,
risks and what the patient must do; the clinician ticks the options and risks discussed, types the
patient's questions and records the choice. Recorded decisions are shown with who recorded them and when.
The form posts to the same service the patient's plan and the authorization kit read from; a refused form
is shown again with the input kept and each problem named (422, or 409 on a stale version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.charting import panel_forms
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.plans import decision_rules, decisions, service
from painpath.plans.schemas import DecisionIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "shared_decisions"
LABELS = {"options_discussed": "Options discussed", "risks_discussed": "Risks discussed", "choice": "The patient's choice",
          "patient_questions": "The patient's questions", "discussed_on": "Discussed on", "version": "Version",
          "pathway_id": "Pathway", "step_id": "Step"}
UNDECIDED = ""  # the choice radio's value for "not decided yet"


def _anchor(pathway_id: str, step_id: str) -> str:
    return f"decision-{pathway_id}-{step_id}".replace("_", "-")


def _prefill(point: decision_rules.DecisionPoint, recorded: decisions.DecisionView | None, today_iso: str) -> dict[str, str]:
    """The form as first shown: every option ticked (the pack's list is what is usually discussed), the risks
    left for the clinician to tick as they go over them; a recorded decision shows as it was recorded."""
    if recorded is None:
        return {**{f"option__{o.id}": "on" for o in point.decision.options}, "discussed_on": today_iso, "choice": UNDECIDED}
    row = recorded.row
    form = {f"option__{o}": "on" for o in row.options_discussed or []}
    form.update({f"risk__{o}__{r}": "on" for o, ids in (row.risks_discussed or {}).items() for r in ids})
    form.update(choice=row.choice or UNDECIDED, patient_questions=row.patient_questions or "", discussed_on=row.discussed_on.isoformat(),
                version=str(row.version))
    return form


@patient_pages.episode_panel
def _decisions_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    today = ctx.calendar.local_date(utcnow())
    recorded = decisions.list_decisions(session, actor=asked.caller.actor, knowledge=ctx.knowledge, episode_id=episode.id)
    plan = service.active_plan(session, episode_id=episode.id)
    points = decision_rules.decision_points(ctx.knowledge.pathways.values(), first=[plan.pathway_id] if plan else [],
                                            body_region=episode.body_region, codes=episode.icd10_codes or [])
    by_step = {(v.pathway.id, v.step.id): v for v in recorded}
    state = panel_forms.state_of(asked, STATE_KEY)
    forms = []
    for point in points:
        mine = state["which"] == point.key
        view = by_step.get((point.pathway.id, point.step.id))
        forms.append({"point": point, "recorded": view, "anchor": _anchor(point.pathway.id, point.step.id), "mine": mine,
                      "form": state["form"] if mine else _prefill(point, view, today.isoformat()),
                      "errors": state["errors"] if mine else {}, "problems": state["problems"] if mine else []})
    names = decisions.user_names(session, [v.row.recorded_by_id for v in recorded])
    # A refusal for a step the panel shows no form for (an id typed by hand, a step that left the pack).
    elsewhere = state["problems"] if state["which"] and not any(item["mine"] for item in forms) else []
    context = {"recorded": list(reversed(recorded)), "forms": forms, "elsewhere": elsewhere, "labels": LABELS, "names": names, "undecided": UNDECIDED,
               "can_write": asked.caller.can(Permission.PLAN_WRITE), "today": today}
    return [patient_pages.EpisodePanel("plans/episode_decisions.html", context, slot="main")]


def _values(form: Mapping[str, str]) -> dict[str, Any]:
    """The posted form as DecisionIn's fields: one checkbox per option (option__<id>) and per risk
    (risk__<option>__<risk>), since a form field carries one value."""
    options = [name.removeprefix("option__") for name, value in form.items() if name.startswith("option__") and value]
    risks: dict[str, list[str]] = {}
    for name, value in form.items():
        if name.startswith("risk__") and value and name.count("__") == 2:
            _prefix, option, risk = name.split("__")
            risks.setdefault(option, []).append(risk)
    return {"pathway_id": form.get("pathway_id", ""), "step_id": form.get("step_id", ""), "options_discussed": options,
            "risks_discussed": risks, "patient_questions": form.get("patient_questions") or None, "choice": form.get("choice") or None,
            "discussed_on": panel_forms.optional(form, "discussed_on"), "version": panel_forms.optional(form, "version")}


@router.post("/episodes/{episode_id}/shared-decisions")
def record_decision_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    values = _values(form)
    which = f"{values['pathway_id']}.{values['step_id']}"

    def act(data: DecisionIn) -> object:
        return decisions.record_decision(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                         episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which=which, form=form,
                              schema=DecisionIn, values=values, act=act,
                              anchor=_anchor(values["pathway_id"], values["step_id"]))
