"""The episode's function view (/episodes/{id}/function): pain, each instrument's score with its MIC target
line, and tolerances over time, drawn by our vendored Chart.js with a table under each chart; and the
small "Function over time" card on the episode page that links to it.

Reading the view is a chart read (audited through patients.read_episode, like the episode page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from painpath.charting import service as charting
from painpath.charting.function import series
from painpath.charting.instruments import rules as instrument_rules
from painpath.charting.instruments import service as instruments
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import clinic_clock
from painpath.web.templating import templates

router = APIRouter()

CHARTED_MEASURES = (*series.PAIN_MEASURES, *series.TOLERANCE_MEASURES)


@dataclass(frozen=True)
class ScoreRow:
    """One administration in an instrument's table: what the canvas draws, with the change in words."""

    on: str
    total: float
    band: str | None
    change: str


@dataclass(frozen=True)
class InstrumentView:
    chart: series.Chart
    rows: list[ScoreRow]
    summary: str | None


def _administrations_by_instrument(
    session: Session, ctx: AppContext, episode_id: DbId,
) -> dict[str, list[tuple[InstrumentAdministration, instrument_rules.ChangeSinceBaseline | None]]]:
    grouped: dict[str, list] = {}
    for row, change in instruments.administrations(session, knowledge=ctx.knowledge, episode_id=episode_id):
        grouped.setdefault(row.instrument_id, []).append((row, change))  # first-given instrument first
    return grouped


def _score_points(ctx: AppContext, given: Sequence[tuple[InstrumentAdministration, object]]) -> list[series.ScorePoint]:
    return [series.ScorePoint(ctx.calendar.local_date(row.administered_at), row.total) for row, _change in given]


def _change_words(change: instrument_rules.ChangeSinceBaseline | None) -> str:
    if change is None:
        return "Not scored"
    return change.summary


def _instrument_views(session: Session, ctx: AppContext, episode_id: DbId) -> list[InstrumentView]:
    views = []
    for instrument_id, given in _administrations_by_instrument(session, ctx, episode_id).items():
        instrument = ctx.knowledge.instruments.get(instrument_id)
        if instrument is None:  # a pack removed since: its rows stay in the record, not on a chart
            continue
        points = _score_points(ctx, given)
        rows = [
            ScoreRow(f"{p.on:%d %b %Y}", row.total, row.band, _change_words(change))
            for p, (row, change) in zip(points, given, strict=True) if row.total is not None
        ]
        views.append(InstrumentView(series.instrument_chart(instrument, points), rows, series.summary_line(instrument, points)))
    return views


def _measure_series(session: Session, episode_id: DbId) -> dict[str, list]:
    return {name: charting.measure_series(session, episode_id=episode_id, measure=name) for name in CHARTED_MEASURES}


@router.get("/episodes/{episode_id}/function")
def function_page(
    episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.CHART_READ)],
) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    measured = _measure_series(session, episode.id)
    pain, tolerances = series.pain_chart(measured), series.tolerance_chart(measured)
    scored = _instrument_views(session, ctx, episode.id)
    drawn = [c for c in (pain, *(v.chart for v in scored), tolerances) if not c.is_empty]
    return templates.TemplateResponse(request, "function/episode_function.html", {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "patient": patient, "episode": episode, "pain": pain, "tolerances": tolerances, "instruments": scored,
        "charts_json": [series.chart_json(c) for c in drawn], "mic_label": series.MIC_LABEL,
    })


# The episode page's card -------------------------------------------------------------------------

def _card_lines(session: Session, ctx: AppContext, episode_id: DbId) -> list[str]:
    """Each instrument's latest score against its baseline; without instruments, the pain trend."""
    lines = []
    for instrument_id, given in _administrations_by_instrument(session, ctx, episode_id).items():
        instrument = ctx.knowledge.instruments.get(instrument_id)
        if instrument is not None and (line := series.summary_line(instrument, _score_points(ctx, given))):
            lines.append(line)
    if lines:
        return lines
    average = charting.measure_series(session, episode_id=episode_id, measure="pain_average")
    if len(average) >= 2:
        (first_on, first), (_last_on, last) = average[0], average[-1]
        return [f"Average pain {first:g} → {last:g}/10 since {first_on:%d %b %Y}"]
    if average:
        return [f"Average pain {average[0][1]:g}/10 on {average[0][0]:%d %b %Y}"]
    return []


@patient_pages.episode_panel
def _function_card(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    lines = _card_lines(asked.session, asked.ctx, asked.episode.id)
    return [patient_pages.EpisodePanel("function/episode_card.html", {"function_lines": lines}, slot="side")]
