"""The outcomes dashboard in a real browser, on the demo clinic: a manager opens Outcomes from the menu, filters
it to one payer, sees the chart drawn, opens the denials figure's table, downloads its CSV (and reads it), then
follows the row to the cases behind it and on to an episode."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from painpath.demo import demo_password, load_demo
from painpath.outcomes import cache
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

DEMO_NOW = datetime(2026, 11, 20, 22, 0)
DENIALS = "authorization_denials_and_escalations"


@pytest.fixture
def staff(ctx):  # noqa: ANN001, ANN201
    """The demo clinic's staff: overrides the fixture clinic, so the live server serves the demo."""
    cache.clear()
    load_demo(ctx, patients=20, now=DEMO_NOW)
    return {}


def test_a_manager_filters_the_dashboard_exports_a_table_and_reaches_the_cases(page: Page, server_clock):
    server_clock.move_to(DEMO_NOW)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/login")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(demo_password("manager"))
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Outcomes", exact=True).click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    card = page.locator(f"#measure-{DENIALS}")
    expect(card).to_contain_text("Of the prior authorizations submitted in the period")
    payer_row = card.locator("tbody tr").first
    payer_id = payer_row.get_attribute("data-row")
    assert payer_id and payer_id != "all"
    payer_name = payer_row.locator("td").first.text_content().strip()

    # Filter to that payer.
    page.get_by_label("Payer", exact=True).select_option(payer_id)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{page.url.split('/outcomes')[0]}/outcomes?" + page.url.split("?", 1)[1])
    assert f"payer={payer_id}" in page.url
    card = page.locator(f"#measure-{DENIALS}")
    page.wait_for_function("(id) => window.Chart && Chart.getChart(document.getElementById(id))", arg=f"chart-{DENIALS}")
    drawn = page.evaluate("(id) => Chart.getChart(document.getElementById(id)).data.labels", f"chart-{DENIALS}")
    assert drawn == [payer_name]
    page.screenshot(path=str(SCREENSHOTS / "outcomes-dashboard.png"), full_page=False)

    # The chart's table.
    table = card.locator("table")
    expect(table).to_be_hidden()
    card.locator("summary").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)
    card.screenshot(path=str(SCREENSHOTS / "outcomes-denials-card.png"))

    # Its CSV.
    with page.expect_download() as downloaded:
        card.get_by_role("link", name="Download this table (CSV)").click()
    download = downloaded.value
    assert download.suggested_filename.startswith(f"{DENIALS}_") and download.suggested_filename.endswith(".csv")
    with open(download.path(), newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][:3] == ["Payer", "Decided", "Denied"]
    assert [line[0] for line in lines[1:]] == [payer_name]
    decided = int(lines[1][1])

    # The cases behind the row, then one episode.
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Denials, peer-to-peer calls and appeals")).to_be_visible()
    episodes = page.locator("#outcomes-cases tbody tr")
    expect(episodes).to_have_count(decided)
    page.screenshot(path=str(SCREENSHOTS / "outcomes-cases.png"))
    episodes.first.get_by_role("link").click()
    expect(page).to_have_url(__import__("re").compile(r"/episodes/\d+$"))
