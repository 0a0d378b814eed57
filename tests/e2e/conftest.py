"""End-to-end fixtures: the real app under uvicorn on a free loopback port, and Debian's chromium
driven by Playwright. Every page a test opens must load without a console error or page error.

The browser is Debian's headless build of chromium (package chromium-headless-shell): the same Blink and V8
as the desktop package without its browser shell, which is what Playwright itself runs for headless tests.
Measured on this machine kind, journeys J1 and J2: the browser's processes took 25 s of CPU with the desktop
package's `chromium --headless`, 12 s with the headless shell (the test process itself the same, 16-19 s), and
the browser tests are a third of the suite. PAINPATH_TEST_CHROMIUM names another binary (the desktop
package at /usr/bin/chromium, say, to watch a test with a screen).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from live_server import serving

from painpath.core import clock

CHROMIUM = Path(os.environ.get("PAINPATH_TEST_CHROMIUM", "/usr/bin/chromium-headless-shell"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(ctx, staff) -> Iterator[str]:
    """Base URL of the app, served by uvicorn in a background thread against the test database."""
    with serving(ctx) as base_url:
        yield base_url


@pytest.fixture
def server_clock():  # noqa: ANN201
    """The live server's clock, moved by the test (`server_clock.move_to(...)`): a journey never sleeps.

    The server runs in this process, so installing the clock here sets what `utcnow()` reads on its threads.
    It starts at the real time; a journey moves it to its first day.
    """
    with clock.installed(clock.SettableClock(clock.utcnow())) as settable:
        yield settable


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not CHROMIUM.exists():  # a failure, not a skip: a green run has driven the browser
        pytest.fail(f"Debian's headless chromium is not at {CHROMIUM}: run scripts/ensure-chromium.sh "
                    "(apt-get install -y chromium-headless-shell), or leave the browser tests out with -m 'not e2e'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# A sign-in or form that is refused answers with its page and one of these statuses, on purpose.
# Chromium still logs "Failed to load resource" for such a document; that line alone is not a fault.
DELIBERATE_DOCUMENT_STATUSES = {401, 403, 409, 422}


@dataclass
class BrowserProblems:
    """Console errors and uncaught page errors seen while a test ran."""

    console: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    page_errors: list[str] = field(default_factory=list)
    refused_documents: set[str] = field(default_factory=set)

    def faults(self) -> list[str]:
        found = [f"page error: {e}" for e in self.page_errors]
        for text, url in self.console:
            if text.startswith("Failed to load resource") and url.split("#")[0] in self.refused_documents:
                continue
            found.append(f"console error: {text} ({url})")
        return found


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(browser, live_server, browser_problems):  # noqa: ANN201
    """A fresh browser context (no cookies) on the live server; fails the test on any console error."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)

    def on_console(msg) -> None:  # noqa: ANN001
        if msg.type == "error":
            browser_problems.console.append((msg.text, msg.location.get("url", "")))

    def on_response(response) -> None:  # noqa: ANN001
        request = response.request
        if request.resource_type == "document" and response.status in DELIBERATE_DOCUMENT_STATUSES:
            browser_problems.refused_documents.add(response.url)

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: browser_problems.page_errors.append(str(exc)))
    tab.on("response", on_response)
    yield tab
    context.close()
    faults = browser_problems.faults()
    if faults:
        pytest.fail("the browser reported errors:\n" + "\n".join(faults))
