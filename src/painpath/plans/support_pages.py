"""The episode page's "Support strategies" panel, part of the care plan: the strategies on the patient's plan
(each with its plain words and the clinician's note, and a button to take it off), and the form to add one from
the support_strategies pack. The patient's printed plan lists the same strategies. A refused form is shown again
with the input kept and each problem named (422, or 409 on a stale version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.charting import panel_forms
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.plans import support
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "support_strategies"
ANCHOR = "support-strategies"
LABELS = {"strategy_id": "Strategy", "note": "Note for the patient", "item_id": "Strategy on the plan", "version": "Version"}


@patient_pages.episode_panel
def _support_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    items = support.active_items(session, episode_id=episode.id)
    strategies = ctx.knowledge.support_strategies
    on_plan = {i.strategy_id for i in items}
    state = panel_forms.state_of(asked, STATE_KEY)
    context = {"items": [(i, strategies.get(i.strategy_id)) for i in items], "labels": LABELS,
               "choices": [(s.id, s.name) for s in strategies.values() if s.id not in on_plan],
               "form": state["form"] if state["which"] == "add" else {}, "errors": state["errors"] if state["which"] == "add" else {},
               "problems": state["problems"], "can_write": asked.caller.can(Permission.PLAN_WRITE)}
    return [patient_pages.EpisodePanel("plans/episode_support.html", context, slot="main")]


@router.post("/episodes/{episode_id}/support-items")
def add_support_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    values = {"strategy_id": form.get("strategy_id", ""), "note": form.get("note") or None}

    def act(data: support.SupportItemIn) -> object:
        return support.add_item(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="add", form=form,
                              schema=support.SupportItemIn, values=values, act=act, anchor=ANCHOR)


@router.post("/episodes/{episode_id}/support-items/remove")
def remove_support_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                        caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    values = {"item_id": form.get("item_id") or None, "version": form.get("version") or None}

    def act(data: support.SupportRemoveIn) -> object:
        return support.remove_item(session, actor=caller.actor, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="remove", form=form,
                              schema=support.SupportRemoveIn, values=values, act=act, anchor=ANCHOR)
