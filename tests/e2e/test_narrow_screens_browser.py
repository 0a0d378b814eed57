"""Every main page of the demo clinic works on a 375 px phone screen: nothing is wider than the screen, so
no page scrolls sideways (tables stack, long words wrap, forms fit).

The pages are the ones a coordinator and a clinician use every day, with the demo's real data in them.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from painpath.authorizations.models import AuthorizationCase
from painpath.charting.models import Encounter
from painpath.core.auth.models import User
from painpath.demo import demo_password, load_demo
from painpath.intake.models import IntakeCall
from painpath.worklist.models import Task
from support import SCREENSHOTS

pytestmark = pytest.mark.e2e

DEMO_NOW = datetime(2026, 11, 20, 22, 0)
WIDTH = 375
SKIP = re.compile(r"^/(static/|logout$|api/)|\.[a-z]{2,4}(\?|$)|/(letter|pdf)$")  # files to download (letters and forms as PDF) are not pages
# The widest element of the page and its right edge, to say what overflows when something does.
WIDEST = """(width) => {
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) { wide.push([el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''), Math.round(box.right)]); }
  }
  return wide.slice(0, 8);
}"""


@pytest.fixture
def staff(ctx) -> dict[str, User]:  # noqa: ANN001
    """The demo clinic's staff: overrides the fixture clinic, so the live server serves the demo."""
    load_demo(ctx, patients=12, now=DEMO_NOW)
    with ctx.db.session() as session:
        return {u.username: u for u in session.scalars(select(User))}


def _pages(ctx) -> list[str]:  # noqa: ANN001
    with ctx.db.session() as session:
        case = session.scalars(select(AuthorizationCase).order_by(AuthorizationCase.id)).first()
        encounter = session.scalars(select(Encounter).order_by(Encounter.id.desc())).first()
        task = session.scalars(select(Task).where(Task.owner_role == "coordinator").order_by(Task.id)).first()
        call = session.scalars(select(IntakeCall).order_by(IntakeCall.id)).first()
        return [
            "/", "/worklist", f"/patients/{case.patient_id}", f"/episodes/{case.episode_id}", "/authorizations",
            f"/authorizations/{case.id}", "/records", f"/episodes/{case.episode_id}/records", "/intake", "/intake/new",
            f"/intake/calls/{call.id}", f"/encounters/{encounter.id}", f"/tasks/{task.id}", "/patients", "/account",
        ]


def test_main_pages_fit_a_375_px_screen(page: Page, ctx, staff):
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto("/login")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(demo_password("coordinator"))
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))

    too_wide = {}
    queue, seen_shapes = list(_pages(ctx)), set()
    main_pages = len(queue)
    while queue:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "{id}", path)  # one page of each kind is enough: the same template, other data
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > WIDTH + 1:
            too_wide[path] = (width, page.evaluate(WIDEST, WIDTH))
            page.screenshot(path=f"{SCREENSHOTS}/narrow-{len(too_wide)}.png", full_page=True)
        if len(seen_shapes) <= main_pages:  # the main pages' links too: pages added later are checked as well
            links = page.eval_on_selector_all("a[href^='/']:not([download])", "els => els.map(e => e.getAttribute('href'))")
            queue += [h.split("#")[0] for h in links if not SKIP.search(h)]
    assert too_wide == {}
    assert len(seen_shapes) > main_pages
