"""The outcomes dashboard: every registered measure as a card (title, definition, chart, the table under it, a
CSV export and a link from each row to the cases behind it), grouped operational / clinical, under one filter
form; the CSV of one figure; and the list of the episodes behind one row.

Figures come from `outcomes.cache` (computed at most once per facts version and time-to-live). A measure that
raises shows its card with the reason and the rest of the page is drawn: each runs in its own savepoint, so a
failed statement on PostgreSQL does not poison the others.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.auth import chart_access
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import NotFound
from painpath.outcomes import cache
from painpath.outcomes.discovery import load_measures
from painpath.outcomes.measures import Figure, Filters, Measure, measure as find_measure
from painpath.patients.models import Episode, Location, Patient
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import clinic_clock
from painpath.web.templating import templates

router = APIRouter()
log = logging.getLogger(__name__)

DEFAULT_DAYS = 90
GROUPS = (("operational", "Operational measures"), ("clinical", "Clinical outcomes"))
FILTER_LABELS = {"period_from": "From", "period_to": "To", "payer": "Payer", "procedure": "Procedure",
                 "pathway": "Pathway", "clinician": "Clinician", "location": "Location"}
Reader = Annotated[Caller, requires(Permission.OUTCOMES_READ)]


@dataclass(frozen=True)
class Chosen:
    """The filter form as read: what to compute, what to show back in the form, and what was wrong."""

    filters: Filters
    form: dict[str, str]
    problems: dict[str, str]

    def query(self, **more: str) -> str:
        values = {k: v for k, v in self.form.items() if v}
        return urlencode({**values, **more})


def _today(ctx: AppContext) -> date:
    return ctx.calendar.local_date(utcnow())


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) < 10 else None


def read_filters(ctx: AppContext, params: Any) -> Chosen:  # noqa: ANN401
    """The filters from the query string; a bad date falls back to the default and says so by its field."""
    today = _today(ctx)
    form = {name: str(params.get(name, "") or "").strip()[:60] for name in FILTER_LABELS}
    problems: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, default in (("period_from", today - timedelta(days=DEFAULT_DAYS)), ("period_to", today)):
        try:
            days[name] = date.fromisoformat(form[name]) if form[name] else default
        except ValueError:
            problems[name] = f"{FILTER_LABELS[name]}: enter a date as YYYY-MM-DD."
            days[name] = default
        form[name] = days[name].isoformat() if name not in problems else form[name]
    if days["period_to"] < days["period_from"]:
        problems["period_to"] = "To: the end of the period must not be before its start."
        days["period_to"] = days["period_from"]
    for name in ("clinician", "location"):
        if form[name] and _int(form[name]) is None:
            problems[name] = f"{FILTER_LABELS[name]}: choose one from the list."
            form[name] = ""
    filters = Filters(period_from=days["period_from"], period_to=days["period_to"], payer_id=form["payer"] or None,
                      procedure_id=form["procedure"] or None, pathway_id=form["pathway"] or None,
                      clinician_id=_int(form["clinician"]), location_id=_int(form["location"]))
    return Chosen(filters, form, problems)


@dataclass(frozen=True)
class Card:
    measure: Measure
    figure: Figure | None
    error: str | None


def compute_card(session: Session, ctx: AppContext, clinic_id: int, item: Measure, filters: Filters, version: int) -> Card:
    """One measure's figure (cached), or the reason it could not be computed."""
    def compute() -> Figure:
        with session.begin_nested():
            return item.compute(session, clinic_id=clinic_id, filters=filters, knowledge=ctx.knowledge, calendar=ctx.calendar)
    try:
        return Card(item, cache.cached_figure(session, clinic_id=clinic_id, measure_id=item.id, filters=filters,
                                              compute=compute, version=version), None)
    except Exception as error:  # noqa: BLE001 - one measure's failure must not take the dashboard down
        log.exception("outcomes measure %s failed", item.id)
        return Card(item, None, str(error) or error.__class__.__name__)


def _options(session: Session, ctx: AppContext, clinic_id: int) -> dict[str, list[tuple[str, str]]]:
    knowledge = ctx.knowledge
    by_name = lambda pairs: sorted(pairs, key=lambda p: p[1].lower())  # noqa: E731
    clinicians = session.execute(select(User.id, User.display_name).where(User.clinic_id == clinic_id, User.role == "clinician"))
    locations = session.execute(select(Location.id, Location.name).where(Location.clinic_id == clinic_id))
    return {
        "payer": by_name((p.id, p.name) for p in knowledge.payers.values()),
        "procedure": by_name((p.id, p.name) for p in knowledge.procedures.values()),
        "pathway": by_name((p.id, p.name) for p in knowledge.pathways.values()),
        "clinician": by_name((str(i), n) for i, n in clinicians),
        "location": by_name((str(i), n) for i, n in locations),
    }


def cell_text(value: Any) -> str:  # noqa: ANN401
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _chart_spec(card: Card) -> dict | None:
    chart = card.figure.chart if card.figure else None
    if chart is None or chart.kind == "none" or not chart.x:
        return None
    return {"id": f"chart-{card.measure.id}", "kind": chart.kind, "x_label": chart.x_label, "y_label": chart.y_label,
            "x": [cell_text(x) for x in chart.x],
            "series": [{"label": s.label, "values": list(s.values)} for s in chart.series]}


def _page(request: Request, name: str, ctx: AppContext, caller: Caller, status_code: int = 200, **values: Any) -> Response:  # noqa: ANN401
    context = {"caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name, **values}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/outcomes")
def dashboard(request: Request, ctx: AppCtx, session: DbSession, caller: Reader) -> Response:
    chosen = read_filters(ctx, request.query_params)
    clinic_id = caller.user.clinic_id
    version = cache.facts_version(session)
    groups = []
    for group, heading in GROUPS:
        cards = [compute_card(session, ctx, clinic_id, item, chosen.filters, version) for item in load_measures(group)]  # type: ignore[arg-type]
        groups.append((group, heading, cards))
    specs = [spec for _, _, cards in groups for card in cards if (spec := _chart_spec(card))]
    return _page(request, "outcomes/dashboard.html", ctx, caller, status_code=422 if chosen.problems else 200,
                 groups=groups, chosen=chosen, options=_options(session, ctx, clinic_id), labels=FILTER_LABELS,
                 charts_json=specs, cell_text=cell_text, chart_ids={s["id"] for s in specs})


def _measure_or_404(measure_id: str) -> Measure:
    load_measures()
    found = find_measure(measure_id)
    if found is None:
        raise NotFound("measure", measure_id)
    return found


@router.get("/outcomes/{measure_id}.csv")
def figure_csv(measure_id: str, request: Request, ctx: AppCtx, session: DbSession, caller: Reader) -> Response:
    item = _measure_or_404(measure_id)
    chosen = read_filters(ctx, request.query_params)
    card = compute_card(session, ctx, caller.user.clinic_id, item, chosen.filters, cache.facts_version(session))
    if card.figure is None:
        return Response(f"This figure could not be computed: {card.error}\n", status_code=500, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(card.figure.columns)
    for row in card.figure.rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row.cells])
    name = f"{measure_id}_{chosen.filters.period_from.isoformat()}_{chosen.filters.period_to.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/outcomes/{measure_id}/cases")
def figure_cases(measure_id: str, request: Request, ctx: AppCtx, session: DbSession, caller: Reader, row: str = "") -> Response:
    item = _measure_or_404(measure_id)
    chosen = read_filters(ctx, request.query_params)
    clinic_id = caller.user.clinic_id
    card = compute_card(session, ctx, clinic_id, item, chosen.filters, cache.facts_version(session))
    found = next((r for r in card.figure.rows if r.key == row), None) if card.figure else None
    episodes: list[Any] = []
    if found is not None and found.episode_ids:
        episodes = list(session.execute(
            select(Episode.id, Episode.body_region, Episode.laterality, Episode.status, Patient.id, Patient.family_name,
                   Patient.given_name, Patient.mrn)
            .join(Patient, Patient.id == Episode.patient_id)
            .where(Episode.clinic_id == clinic_id, Episode.id.in_(list(found.episode_ids)),
                   chart_access.caseload_filter(caller.actor, Episode.id))
            .order_by(Patient.family_name, Patient.given_name, Episode.id)))
    audit_access.note_listed(session, caller.actor, list_name="outcomes_cases", patient_ids=[e[4] for e in episodes])
    return _page(request, "outcomes/cases.html", ctx, caller, measure=item, card=card, row=found, episodes=episodes,
                 chosen=chosen, cell_text=cell_text, status_code=200 if found is not None or card.figure is None else 404)
