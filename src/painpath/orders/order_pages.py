"""Staff pages for imaging orders: the order form (prefilled from query parameters, e.g. by a care-plan
step, with a "Check" step that shows what the imaging rules say before the order is placed), the order
page with the action of each state (send, book with the standing-slot picker, study done, report received,
review, cancel), its requisition PDF, and the "Imaging orders" panel on the episode page.

A form that fails is shown again with what was typed and each problem at its field; a stale form gets 409."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from urllib.parse import urlencode
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem
from painpath.core.validation import DbId
from painpath.facts.gather import gather_facts
from painpath.orders import appropriateness, order_rules, order_sending, order_service, requisition, slots
from painpath.orders.models import ImagingOrder
from painpath.orders.rules import MODALITIES, MODALITY_WORDS, REGIONS
from painpath.orders.schemas import BookIn, CancelIn, DoneIn, OrderIn, OrderReportIn, ReviewIn, SendIn
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()
PREFILL = ("modality", "protocol", "contrast", "region", "side", "question", "urgency", "plan_step_row_id")
LABELS = {"modality": "Modality", "protocol": "Protocol", "contrast": "Contrast", "region": "Region", "side": "Side",
          "clinical_question": "Clinical question", "relevant_history": "Relevant history", "urgency": "Urgency",
          "centre_id": "Imaging centre", "plan_step_row_id": "Care-plan step", "send_by": "Send by", "booked_for": "Slot (date and time)",
          "minutes": "Minutes", "performed_on": "Date of the study", "summary": "Report impression", "concordant": "Concordant with the diagnosis",
          "note": "What the report means for the plan", "reason": "Why it is cancelled", "version": "Version", "status": "Order"}
CHOICES = {
    "modalities": [(m, MODALITY_WORDS[m]) for m in MODALITIES if m != "other"],
    "regions": [(r, r.capitalize()) for r in REGIONS],
    "sides": [("none", "Not applicable (spine, midline)"), ("left", "Left"), ("right", "Right"), ("bilateral", "Both sides")],
    "contrasts": [("none", "Without contrast"), ("with", "With IV contrast"), ("intra_articular", "With intra-articular contrast (arthrogram)"),
                  ("with_and_without", "Without and with IV contrast")],
    "urgencies": [("routine", "Routine"), ("urgent", "Urgent (standing slot within 48 hours)")],
    "send_by": [("fax", "Fax to the centre"), ("print", "Print and send by hand")],
    "concordant": [("unknown", "Not judged"), ("yes", "Yes: supports the working diagnosis"), ("no", "No: does not support it")],
}
OUTCOME_WORDS = {"met": "Met", "not_yet": "Not yet", "waived": "Waived by a red flag", "prior_auth_likely": "Prior authorization likely",
                 "prior_auth_unlikely": "Prior authorization unlikely"}


def _centres(ctx: AppContext) -> list[tuple[str, str]]:
    return [(c.id, c.name) for c in ctx.knowledge.imaging_centres.values()]


def _verdicts(ctx: AppContext, session: Session, episode_id: int, values: Mapping[str, Any]) -> list[appropriateness.Verdict]:
    """What the imaging rules say about the study in `values` (nothing until modality and region are chosen)."""
    if ctx.knowledge.imaging_rules is None or values.get("modality") not in MODALITIES or values.get("region") not in REGIONS:
        return []
    today = ctx.calendar.local_date(utcnow())
    facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=[episode_id], today=today).get(episode_id)
    if facts is None:
        return []
    names = {flag.id: flag.condition for flag in ctx.knowledge.red_flags.flags}
    draft = appropriateness.OrderDraft(values["modality"], values["region"], values.get("side") or "none")
    policy = appropriateness.payer_policy(ctx.knowledge, facts, draft, today)
    return appropriateness.verdicts(facts, draft, today, ctx.knowledge.imaging_rules.imaging_rules, names, policy)


def _first_link(episode_id: int, values: Mapping[str, Any]) -> str:
    """The order form prefilled for the X-ray of the same joint, when a rule says it comes first."""
    query = urlencode({"modality": "xray", "region": values.get("region") or "", "side": values.get("side") or "none",
                       "protocol": f"X-ray of the {values.get('region')}", "question": values.get("clinical_question") or ""})
    return f"/episodes/{episode_id}/imaging-orders/new?{query}"


def _common(ctx: AppContext, caller: Caller) -> dict[str, Any]:
    return {"caller": caller, "local": clinic_clock(ctx.calendar), "labels": LABELS, "centres": _centres(ctx), **CHOICES,
            "outcome_words": OUTCOME_WORDS, "status_words": order_rules.STATUS_WORDS, "modality_words": MODALITY_WORDS}


# The order form ---------------------------------------------------------------------------------------

def _form_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, form: Mapping[str, Any], *,
               problems: list[FieldProblem] | None = None, checked: bool = False, status_code: int = 200) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    problems = problems or []
    context = {**_common(ctx, caller), "patient": patient, "episode": episode, "form": form, "problems": problems,
               "errors": errors_by_field(problems), "checked": checked, "verdicts": _verdicts(ctx, session, episode.id, form),
               "can_place": caller.can(Permission.ORDER_PLACE), "first_link": _first_link(episode.id, form)}
    return templates.TemplateResponse(request, "orders/order_form.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/imaging-orders/new")
def order_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    """Anyone who reads the chart sees what the rules say about a linked study; only a clinician gets the form."""
    given = request.query_params
    contrast, side = given.get("contrast") or "none", given.get("side") or "none"
    form = {"modality": given.get("modality") or "", "protocol": given.get("protocol") or "",
            "contrast": order_rules.CONTRAST_ALIASES.get(contrast, contrast), "region": given.get("region") or "",
            "side": order_rules.SIDE_ALIASES.get(side, side), "clinical_question": given.get("question") or "",
            "urgency": given.get("urgency") or "routine", "plan_step_row_id": given.get("plan_step_row_id") or "", "relevant_history": "",
            "centre_id": ""}
    return _form_page(request, ctx, session, caller, episode_id, form, checked=bool(form["modality"] and form["region"]))


def _order_values(form: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: (form.get(name) or "").strip() for name in
                              ("modality", "protocol", "contrast", "region", "side", "clinical_question", "relevant_history", "urgency")}
    values["contrast"] = values["contrast"] or "none"
    values["side"] = values["side"] or "none"
    values["urgency"] = values["urgency"] or "routine"
    values["centre_id"] = form.get("centre_id") or None
    values["plan_step_row_id"] = form.get("plan_step_row_id") or None
    return values


@router.post("/episodes/{episode_id}/imaging-orders/new")
def place_order(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.ORDER_PLACE)]) -> Response:
    """"Check" shows the rules' verdicts and the form again; "Place the order" places it."""
    if form.get("action") == "check":
        return _form_page(request, ctx, session, caller, episode_id, form, checked=True)
    values = _order_values(form)
    try:
        order = order_service.place_order(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id,
                                          data=OrderIn.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, ValidationError):
            # Name every problem at once: the vocabulary checks too, for the fields the schema let through.
            problems = validation_problems(exc)
            flagged = {p.field for p in problems}
            problems += [p for p in order_rules.order_problems(values, ctx.knowledge.imaging_centres) if p.field not in flagged]
        else:
            problems = exc.problems
        status = 422 if isinstance(exc, ValidationError) else exc.status_code
        return _form_page(request, ctx, session, caller, episode_id, form, problems=problems, checked=True, status_code=status)
    return RedirectResponse(f"/imaging-orders/{order.id}", status_code=303)


# The order page ---------------------------------------------------------------------------------------

def _order_page(request: Request, ctx: AppContext, session: Session, caller: Caller, order_id: int, *, which: str | None = None,
                form: Mapping[str, Any] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    order = order_service.read_order(session, actor=caller.actor, order_id=order_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=order.episode_id)
    problems = problems or []
    now = utcnow()
    offers: list[slots.SlotOffer] = []
    timings = ctx.knowledge.imaging_rules.timings if ctx.knowledge.imaging_rules else None
    if order.status == "sent" and order.urgency == "urgent" and timings is not None:
        offers = slots.urgent_offers(ctx.knowledge.imaging_centres.values(), order.modality, now, ctx.calendar,
                                     order_service.booked_slots(session, clinic_id=order.clinic_id),
                                     timedelta(hours=timings.urgent_slot_hours.value))
    context = {**_common(ctx, caller), "order": order, "patient": patient, "episode": episode, "which": which, "form": form or {},
               "problems": problems, "errors": errors_by_field(problems), "offers": offers,
               "centre": ctx.knowledge.imaging_centres.get(order.centre_id or ""),
               "study": order_rules.describe(order.modality, order.region, order.side, order.contrast),
               "reference": requisition.reference_of(order), "today": ctx.calendar.local_date(now),
               "verdicts": _verdicts(ctx, session, order.episode_id, {"modality": order.modality, "region": order.region, "side": order.side}),
               "siblings": [o for o in order_service.list_orders(session, actor=caller.actor, episode_id=order.episode_id) if o.id != order.id],
               "first_link": _first_link(order.episode_id, {"region": order.region, "side": order.side,
                                                            "clinical_question": order.clinical_question}),
               "can_work": caller.can(Permission.ORDER_WORK), "can_place": caller.can(Permission.ORDER_PLACE),
               "moves": {move: order.status in starts for move, starts in order_rules.MOVES.items()}}
    return templates.TemplateResponse(request, "orders/order_page.html", context, status_code=status_code)


@router.get("/imaging-orders/{order_id}")
def order_page(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    return _order_page(request, ctx, session, caller, order_id)


@router.get("/imaging-orders/{order_id}/requisition.pdf")
def requisition_pdf(order_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    order = order_service.read_order(session, actor=caller.actor, order_id=order_id)
    pdf = requisition.requisition_pdf(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, order=order)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="imaging-requisition-{requisition.reference_of(order)}.pdf"'})


def _act(request: Request, ctx: AppContext, session: Session, caller: Caller, order_id: int, which: str, form: Mapping[str, str],
         act: Callable[[], ImagingOrder]) -> Response:
    """Run one move of the loop; show the page again with the problems (and what was typed) when it fails."""
    episode_id = order_service.get_order(session, clinic_id=caller.actor.clinic_id, order_id=order_id).episode_id
    try:
        act()
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        session.rollback()
        if isinstance(exc, ValidationError):
            problems, status = validation_problems(exc), 422
        elif isinstance(exc, StaleDataError):
            problems, status = [FieldProblem("version", "current_version", "Someone else changed this order first; reload and try again")], 409
        else:
            problems, status = exc.problems, exc.status_code
        return _order_page(request, ctx, session, caller, order_id, which=which, form=form, problems=problems, status_code=status)
    return RedirectResponse(f"/imaging-orders/{order_id}", status_code=303)


def _version(form: Mapping[str, str]) -> str | None:
    return form.get("version") or None


@router.post("/imaging-orders/{order_id}/send")
def send(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
         caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "send", form, lambda: order_sending.send_order(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id,
        data=SendIn.model_validate({"version": _version(form), "centre_id": form.get("centre_id") or None,
                                    "send_by": form.get("send_by") or "fax"})))


@router.post("/imaging-orders/{order_id}/book")
def book(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
         caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "book", form, lambda: order_service.book(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, order_id=order_id,
        data=BookIn.model_validate({"version": _version(form), "centre_id": form.get("centre_id") or None,
                                    "booked_for": form.get("booked_for") or None, "minutes": form.get("minutes") or None,
                                    "standing": form.get("standing") == "true"})))


@router.post("/imaging-orders/{order_id}/done")
def study_done(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "done", form, lambda: order_service.record_done(
        session, actor=caller.actor, order_id=order_id,
        data=DoneIn.model_validate({"version": _version(form), "performed_on": form.get("performed_on") or None})))


@router.post("/imaging-orders/{order_id}/report")
def report_received(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "report", form, lambda: order_service.receive_report(
        session, actor=caller.actor, calendar=ctx.calendar, order_id=order_id,
        data=OrderReportIn.model_validate({"version": _version(form), "performed_on": form.get("performed_on") or None,
                                           "summary": form.get("summary") or ""})))


@router.post("/imaging-orders/{order_id}/review")
def review(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
           caller: Annotated[Caller, requires(Permission.ORDER_PLACE)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "review", form, lambda: order_service.review(
        session, actor=caller.actor, order_id=order_id,
        data=ReviewIn.model_validate({"version": _version(form), "concordant": form.get("concordant") or None,
                                      "note": form.get("note") or ""})))


@router.post("/imaging-orders/{order_id}/cancel")
def cancel(order_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
           caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _act(request, ctx, session, caller, order_id, "cancel", form, lambda: order_service.cancel(
        session, actor=caller.actor, order_id=order_id, data=CancelIn.model_validate({"version": _version(form), "reason": form.get("reason") or ""})))


# The episode panel ------------------------------------------------------------------------------------

@patient_pages.episode_panel
def _orders_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    orders = order_service.list_orders(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    context = {"orders": orders, "status_words": order_rules.STATUS_WORDS, "describe": order_rules.describe,
               "can_place": asked.caller.can(Permission.ORDER_PLACE), "local": clinic_clock(asked.ctx.calendar)}
    return [patient_pages.EpisodePanel("orders/episode_orders.html", context, slot="main")]
