"""Cost estimate pages: the episode page's "Cost estimate" panel (a link, the last estimate given) and the
estimate page (/costs/episodes/{id}): the primary coverage's benefits with their form, the planned procedure's
estimate per site with the patient's share, the lower-cost site, the pathway's alternatives, what it assumes
and what is missing; "Give this estimate" saves it as a dated fact, and each given estimate has its PDF for
the patient. A refused form is shown again with the input kept and each problem named (422, 409 when stale)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.core.validation import DbId
from painpath.costs import patient_pdf, rules, service
from painpath.costs.models import VERIFIED_HOW
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, refusal
from painpath.web.templating import templates

router = APIRouter()
PROCEDURE_PATTERN = r"^[a-z0-9_]{1,60}$"
LABELS = {"plan_year": "Plan year", "deductible": "Deductible ($)", "deductible_met": "Deductible met so far ($)",
          "coinsurance_percent": "Coinsurance (%)", "copay": "Copay per visit or procedure ($)",
          "oop_max": "Out-of-pocket maximum ($)", "oop_met": "Out-of-pocket met so far ($)", "in_network": "The clinic is in the plan's network",
          "as_of": "Amounts read on", "verified_how": "How they were verified", "reference": "Reference (call, screen or 271 trace number)",
          "version": "Version", "coverage": "Coverage", "procedure": "Procedure", "estimate": "Estimate"}
MONEY_FIELDS = ("deductible", "deductible_met", "copay", "oop_max", "oop_met")


def _today(ctx: AppContext) -> date:
    return ctx.calendar.local_date(utcnow())


@patient_pages.episode_panel(needs=Permission.COST_ESTIMATE)
def _costs_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    given = service.estimates_of(asked.session, episode_id=asked.episode.id)
    context = {"estimates": given[:3], "site_words": rules.SITE_WORDS, "dollars": rules.dollars}
    return [patient_pages.EpisodePanel("costs/episode_panel.html", context, slot="side")]


def _form_from(row: Any) -> dict[str, str]:  # noqa: ANN401 - CoverageBenefits | None
    if row is None:
        return {"in_network": "true", "verified_how": "phone"}
    money = {"deductible": row.deductible_cents, "deductible_met": row.deductible_met_cents, "copay": row.copay_cents,
             "oop_max": row.oop_max_cents, "oop_met": row.oop_met_cents}
    form = {k: "" if v is None else f"{Decimal(v) / 100:.2f}" for k, v in money.items()}
    form.update(plan_year=str(row.plan_year), as_of=row.as_of.isoformat(), verified_how=row.verified_how, reference=row.reference or "",
                in_network="true" if row.in_network else "",
                coinsurance_percent="" if row.coinsurance_hundredths is None else f"{Decimal(row.coinsurance_hundredths) / 100:g}")
    return form


def _page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, *, chosen: str | None = None,
          form: dict[str, str] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    today = _today(ctx)
    view = service.build(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, today=today, chosen=chosen)
    context = {
        "caller": caller, "patient": view.patient, "episode": view.episode, "view": view, "est": view.estimate,
        "form": form if form is not None else _form_from(view.benefits), "problems": problems or [],
        "errors": errors_by_field(problems or []), "labels": LABELS, "version": view.benefits.version if view.benefits else 0,
        "how_options": [(h, service.HOW_WORDS[h]) for h in VERIFIED_HOW], "site_words": rules.SITE_WORDS, "fee_words": rules.FEE_WORDS,
        "dollars": rules.dollars, "procedures": service.priced_procedures(ctx.knowledge), "chosen": chosen,
        "given": service.estimates_of(session, episode_id=episode_id), "how_words": service.HOW_WORDS,
    }
    return templates.TemplateResponse(request, "costs/estimate.html", context, status_code=status_code)


@router.get("/costs/episodes/{episode_id}")
def estimate_page(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.COST_ESTIMATE)],
                  procedure: Annotated[str | None, Query(pattern=PROCEDURE_PATTERN)] = None) -> Response:
    """The cost estimate for the episode's planned procedure (or ?procedure=...), with the benefits form."""
    return _page(request, ctx, session, caller, episode_id, chosen=procedure)


def _money(form: dict[str, str], name: str, problems: list[FieldProblem]) -> int | None:
    value = (form.get(name) or "").strip().replace(",", "").removeprefix("$")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        problems.append(FieldProblem(name, "money", f"{LABELS[name]}: enter an amount in dollars, such as 1500 or 1500.00"))
        return None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        problems.append(FieldProblem(name, "money", f"{LABELS[name]}: enter a positive amount with at most two decimals"))
        return None
    return rules.cents(amount)


def _parse(form: dict[str, str]) -> tuple[service.BenefitsIn, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    money = {name: _money(form, name, problems) for name in MONEY_FIELDS}
    year = None
    if (form.get("plan_year") or "").strip():
        try:
            year = int(form["plan_year"])
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(FieldProblem("plan_year", "year", "Plan year: enter a year such as 2026"))
            year = None
    percent = None
    if (form.get("coinsurance_percent") or "").strip():
        try:
            percent = int((Decimal(form["coinsurance_percent"].strip().removesuffix("%")) * 100).to_integral_value())
        except InvalidOperation:
            problems.append(FieldProblem("coinsurance_percent", "number", "Coinsurance: enter a percent such as 20"))
    as_of = None
    if form.get("as_of"):
        try:
            as_of = date.fromisoformat(form["as_of"])
        except ValueError:
            problems.append(FieldProblem("as_of", "date", "Amounts read on: enter a real date (year, month, day)"))
    if percent is None and money["copay"] is None and not problems:
        problems.append(FieldProblem("coinsurance_percent", "required", "Enter the coinsurance percent, or the copay if the plan uses one"))
    data = service.BenefitsIn(plan_year=year, deductible_cents=money["deductible"], deductible_met_cents=money["deductible_met"],
                              coinsurance_hundredths=percent, copay_cents=money["copay"], oop_max_cents=money["oop_max"],
                              oop_met_cents=money["oop_met"], in_network=form.get("in_network") == "true", as_of=as_of,
                              verified_how=form.get("verified_how") or "", reference=(form.get("reference") or "").strip()[:120] or None)
    return data, problems


def _version(form: dict[str, str]) -> int | None:
    value = form.get("version") or ""
    return int(value) if value.isdigit() else None


@router.post("/costs/episodes/{episode_id}/benefits")
def record_benefits(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.COST_ESTIMATE)]) -> Response:
    """Record the primary coverage's benefits (deductible and met, coinsurance or copay, out-of-pocket)."""
    data, problems = _parse(form)
    try:
        if problems:
            raise InvalidInput(problems)
        service.record_benefits(session, actor=caller.actor, episode_id=episode_id, today=_today(ctx),
                                expected_version=_version(form), data=data)
    except (DomainError, StaleDataError) as exc:
        found, status = refusal(exc)
        session.rollback()
        return _page(request, ctx, session, caller, episode_id, form=form, problems=found, status_code=status)
    return RedirectResponse(f"/costs/episodes/{episode_id}#estimate", status_code=303)


@router.post("/costs/episodes/{episode_id}/estimates")
def give_estimate(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                  caller: Annotated[Caller, requires(Permission.COST_ESTIMATE)]) -> Response:
    """Give the estimate shown (saved as given today with its inputs and results); then its PDF opens."""
    chosen = form.get("procedure") or None
    try:
        row = service.give(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, today=_today(ctx), chosen=chosen)
    except DomainError as exc:
        found, status = refusal(exc)
        session.rollback()
        return _page(request, ctx, session, caller, episode_id, chosen=chosen, problems=found, status_code=status)
    return RedirectResponse(f"/costs/episodes/{episode_id}?given={row.id}#given", status_code=303)


@router.get("/cost-estimates/{estimate_id}/pdf")
def estimate_pdf(estimate_id: DbId, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.COST_ESTIMATE)]) -> Response:
    """The given estimate as a plain-language PDF for the patient."""
    pdf = patient_pdf.estimate_pdf(session, actor=caller.actor, estimate_id=estimate_id)
    headers = {"Content-Disposition": f'inline; filename="cost-estimate-{estimate_id}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)
