"""The function chart in a real browser, with the demo clinic's data: a clinician opens an episode in
treatment, follows "Function over time", and the ODI/NDI chart draws one point per administration at the
positions Chart.js reports, in the dataset's colour, with the dashed MIC target line across it.

Pixels are read from a screenshot of the canvas element (Pillow), so a page that loads but draws nothing
fails here.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.auth.models import User
from painpath.demo import demo_password, load_demo
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS
# The demo's anchor: Friday 20 Nov 2026, 4 pm in Chicago. Every demo visit is before it (and before today).
DEMO_NOW = datetime(2026, 11, 20, 22, 0)
MIC_COLOR = (0xC0, 0x39, 0x2B)  # function-chart.js MIC_COLOR

CHART_STATE = """(id) => {
  const chart = Chart.getChart(document.getElementById(id));
  if (!chart) { return null; }
  const meta = chart.getDatasetMeta(0);
  const mic = chart.options.plugins.micLine;
  return {
    count: meta.data.length,
    points: meta.data.map((p) => ({ x: p.x, y: p.y, skip: !!p.skip })),
    color: chart.data.datasets[0].borderColor,
    micY: mic && mic.value !== null ? chart.scales.y.getPixelForValue(mic.value) : null,
    area: chart.chartArea,
    width: chart.width,
    height: chart.height,
  };
}"""


@pytest.fixture
def staff(ctx) -> dict[str, User]:  # noqa: ANN001
    """The demo clinic's staff: overrides the fixture clinic, so the live server serves the demo."""
    load_demo(ctx, patients=20, now=DEMO_NOW)
    with ctx.db.session() as session:
        return {u.username: u for u in session.scalars(select(User))}


def _charted_spine_episode(ctx) -> tuple[int, str, int]:  # noqa: ANN001
    """The demo episode with the most ODI or NDI administrations: (episode id, instrument, count)."""
    with ctx.db.session() as session:
        found = session.execute(
            select(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id, func.count())
            .where(InstrumentAdministration.instrument_id.in_(("odi", "ndi")))
            .group_by(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id)
            .order_by(func.count().desc(), InstrumentAdministration.episode_id)
        ).first()
    assert found is not None, "the demo has no episode with ODI or NDI scores"
    return found[0], found[1], found[2]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _near(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


def _color_around(image: Image.Image, x: float, y: float, color: tuple[int, int, int], radius: int = 2) -> bool:
    cx, cy = round(x), round(y)
    return any(
        _near(image.getpixel((cx + dx, cy + dy)), color)
        for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)
        if 0 <= cx + dx < image.width and 0 <= cy + dy < image.height
    )


def _row_share(image: Image.Image, y: float, left: float, right: float, color: tuple[int, int, int]) -> float:
    """Share of the columns between left and right with `color` within a pixel of row y."""
    columns = range(round(left) + 4, round(right) - 4)
    hits = sum(any(_near(image.getpixel((x, round(y) + dy)), color) for dy in (-1, 0, 1)) for x in columns)
    return hits / len(columns)


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu")).to_contain_text("Clinician")


def test_the_function_chart_draws_the_demo_scores_and_the_mic_line(page: Page, ctx):
    episode_id, instrument_id, administered = _charted_spine_episode(ctx)
    assert administered >= 2
    _sign_in(page, "clinician")

    # From the episode page's card to the view.
    page.goto(f"/episodes/{episode_id}")
    card = page.locator("#function-card")
    expect(card).to_contain_text(f"{instrument_id.upper()} ")
    SHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SHOTS / "function-card.png"))
    card.get_by_role("link", name="Function over time").click()
    expect(page).to_have_url(f"{page.url.split('/episodes/')[0]}/episodes/{episode_id}/function")
    expect(page.get_by_role("heading", name="Function over time")).to_be_visible()

    canvas_id = f"chart-instrument-{instrument_id}"
    page.wait_for_function("(id) => window.Chart && Chart.getChart(document.getElementById(id))", arg=canvas_id)
    specs = {c["id"]: c for c in json.loads(page.locator("#function-chart-data").text_content())}
    spec = specs[canvas_id]
    scores = spec["datasets"][0]["data"]
    assert len(scores) == administered and spec["mic"] is not None

    state = page.evaluate(CHART_STATE, canvas_id)
    # (i) Chart.js drew one point element per administration, none skipped.
    assert state["count"] == len(scores) == administered
    assert not any(p["skip"] for p in state["points"])
    xs = [p["x"] for p in state["points"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # one date each, left to right

    # (ii) The canvas, as the screen shows it, has the dataset's colour at every point Chart.js reports.
    canvas = page.locator(f"#{canvas_id}")
    canvas.scroll_into_view_if_needed()
    shot = canvas.screenshot(path=str(SHOTS / "function-chart.png"))
    page.screenshot(path=str(SHOTS / "function-page.png"), full_page=True)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert abs(image.width - state["width"]) <= 1 and abs(image.height - state["height"]) <= 1
    color = _rgb(state["color"])
    for point in state["points"]:
        assert _color_around(image, point["x"], point["y"], color), f"no {state['color']} pixel at {point}"
    coloured = sum(_near(image.getpixel((x, y)), color) for x in range(image.width) for y in range(image.height))
    assert 0 < coloured < image.width * image.height * 0.1  # points and a line, not a painted block

    # The MIC target: a dashed line in its own colour across the plot at the target's height, and not below it.
    area = state["area"]
    assert area["top"] <= state["micY"] <= area["bottom"]
    assert _row_share(image, state["micY"], area["left"], area["right"], MIC_COLOR) > 0.4
    below = min(state["micY"] + 15, area["bottom"] - 2)
    assert _row_share(image, below, area["left"], (area["left"] + area["right"]) / 2, MIC_COLOR) < 0.05

    # The numbers are on the page as a table too, one row per administration.
    table = page.locator(f"#function-{canvas_id} table tbody tr")
    expect(table).to_have_count(administered)

    # The pain chart draws as well: one point per visit for "pain now".
    pain = page.evaluate(CHART_STATE, "chart-pain")
    assert pain["count"] == len(specs["chart-pain"]["labels"]) >= 2
