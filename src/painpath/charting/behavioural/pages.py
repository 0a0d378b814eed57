"""The episode page's "Behavioural health" panel: the latest scores against the thresholds (with their published
source), each score past its threshold that still owes a discussion with the form to record the offer and the
patient's answer, and the offers recorded. An accepted offer that leads to a referral links to the referral form,
prefilled. A refused form is shown again with the input kept and each problem named (422, or 409 when stale)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.charting import panel_forms
from painpath.charting.behavioural import referral, rules, service
from painpath.charting.behavioural.schemas import OfferIn
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()
STATE_KEY = "behavioural_offer"
ANCHOR = "behavioural-health"
LABELS = {"administration_id": "Score", "offer": "What was offered", "answer": "The patient's answer", "offered_on": "Offered on",
          "note": "Note", "version": "Version", "offer_id": "Offer"}
ANSWERS = (("accepted", "Accepted"), ("declined", "Declined"), ("undecided", "Not decided yet"))


def _which(administration_id: object, offer_id: object) -> str:
    return f"offer-{offer_id}" if offer_id else f"score-{administration_id}"


@patient_pages.episode_panel
def _behavioural_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    pack = ctx.knowledge.behavioural_health
    view = service.panel_view(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode.id)
    if view is None or pack is None:
        return []
    today = ctx.calendar.local_date(utcnow())
    state = panel_forms.state_of(asked, STATE_KEY)
    forms = []
    for crossing in view.open:
        which = _which(crossing.score.administration_id, None)
        mine = state["which"] == which
        forms.append({"which": which, "crossing": crossing, "title": rules.title(pack, crossing), "offer_id": None, "version": None,
                      "offers": [(o.id, o.name) for o in (pack.offer(i) for i in crossing.threshold.offers) if o is not None],
                      "form": state["form"] if mine else {"offer": crossing.threshold.offers[0], "offered_on": today.isoformat()},
                      "errors": state["errors"] if mine else {}, "problems": state["problems"] if mine else [], "mine": mine})
    past = []
    for row in view.offers:
        offer = pack.offer(row.offer)
        threshold = pack.threshold(row.instrument_id)
        entry = {"row": row, "offer": offer.name if offer else row.offer, "threshold": threshold,
                 "instrument": service.score_name(ctx.knowledge, threshold) if threshold else row.instrument_id,
                 "referral": referral.referral_link(ctx.knowledge, row), "form": None}
        if row.answer == "undecided" and threshold is not None:  # the answer may still be given: the same form, version-checked
            which = _which(row.administration_id, row.id)
            mine = state["which"] == which
            entry["form"] = {"which": which, "offer_id": row.id, "version": row.version, "mine": mine,
                             "offers": [(o.id, o.name) for o in (pack.offer(i) for i in threshold.offers) if o is not None],
                             "form": state["form"] if mine else {"offer": row.offer, "offered_on": today.isoformat(), "note": row.note or ""},
                             "errors": state["errors"] if mine else {}, "problems": state["problems"] if mine else []}
        past.append(entry)
    elsewhere = state["problems"] if state["which"] and not any(f["mine"] for f in forms) and not any(
        p["form"] and p["form"]["mine"] for p in past) else []
    context = {"lines": view.lines, "forms": forms, "past": past, "names": view.names, "labels": LABELS, "answers": ANSWERS,
               "elsewhere": elsewhere, "can_write": asked.caller.can(Permission.PLAN_WRITE),
               "can_refer": asked.caller.can(Permission.ORDER_PLACE), "due_days": pack.due.business_days}
    return [patient_pages.EpisodePanel("behavioural/episode_behavioural.html", context, slot="main")]


def _values(form: Mapping[str, str]) -> dict[str, Any]:
    return {"administration_id": form.get("administration_id") or None, "offer": form.get("offer", ""), "answer": form.get("answer") or None,
            "offered_on": panel_forms.optional(form, "offered_on"), "note": form.get("note") or None,
            "version": panel_forms.optional(form, "version"), "offer_id": panel_forms.optional(form, "offer_id")}


@router.post("/episodes/{episode_id}/behavioural-offers")
def record_offer_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    values = _values(form)

    def act(data: OfferIn) -> object:
        return service.record_offer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                    episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY,
                              which=_which(values["administration_id"], values["offer_id"]), form=form, schema=OfferIn,
                              values=values, act=act, anchor=ANCHOR)
