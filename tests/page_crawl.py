"""Walk every page a signed-in staff member can reach from the start page, breadth first.

Shared by the crawl test (no page a link offers answers 403, 404 or 500) and the staff-words test (no page
shows file paths, internal keys or empty defaults). Links are same-origin GET hrefs; static files and
logout are not pages to visit.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from painpath.context import build_context
from painpath.core.db import Database
from painpath.demo import demo_password, load_demo
from painpath.web.app import create_app
from support import own_database, sign_in

HREF = re.compile(r'href="(/[^"#]*)(?:#[^"]*)?"')
SKIP = re.compile(r"^/(static/|logout$|api/)")
RECORD_ID = re.compile(r"\d+")
DEMO_NOW = datetime(2026, 11, 16, 16, 0)


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> HTML of every page that answered 200
    refused: dict[str, tuple[str, int]] = field(default_factory=dict)  # url -> (the page that linked it, status)


def crawl(client: TestClient, *, start: str = "/", limit: int = 3000, same: Callable[[str], str] = str,
          also: Sequence[str] = ()) -> Crawl:
    """`same` names the links that lead to the same page (by default only identical ones): one of them is walked.
    `also`: more pages to start from, walked after `start` (pages a role opens without following a link to them).

    Files (a PDF packet, a letter, a requisition) are opened once per kind: the first link to, say,
    /imaging-orders/7/requisition.pdf is fetched, and the other orders' requisitions are not. A file has no links
    to follow and no words a page shows, so what the walk checks of it (it opens for this role) is the same for
    every record of the kind; rendering each demo record's PDF for every role was a third of the walk. Each kind's
    own tests render its files."""
    result = Crawl()
    starts = list(dict.fromkeys([start, *also]))
    queue: deque[tuple[str, str]] = deque((url, "(start)") for url in starts)
    seen = {same(url) for url in starts}
    file_kinds: set[str] = set()  # paths of the files opened, record ids left out
    while queue and len(result.pages) + len(result.refused) < limit:
        url, source = queue.popleft()
        if RECORD_ID.sub("#", url) in file_kinds:
            continue
        response = client.get(url, follow_redirects=True)
        if response.status_code in (403, 404) or response.status_code >= 500:
            result.refused[url] = (source, response.status_code)
            continue
        if response.status_code != 200:
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            file_kinds.add(RECORD_ID.sub("#", url))
            continue
        result.pages[url] = response.text
        for href in HREF.findall(response.text):
            href = unescape(href)
            if same(href) not in seen and not SKIP.match(href):
                seen.add(same(href))
                queue.append((href, url))
    return result


def crawl_as(app, role: str, *, limit: int = 3000, also: Sequence[str] = ()) -> Crawl:  # noqa: ANN001
    """Sign in as the demo clinic's user of `role` and walk everything reachable from the start page (and from
    the pages of `also` that the role may open: one it is refused is not a start for it)."""
    with TestClient(app) as client:
        sign_in(client, role, demo_password(role))
        return crawl(client, limit=limit, also=[url for url in also if client.get(url).status_code != 403])


@pytest.fixture(scope="module")
def shared_demo(migrated_template, tmp_path_factory):  # noqa: ANN001, ANN201
    """The demo clinic (12 patients) in a database of its own, loaded once per module (and worker) for tests that
    only read pages: the crawls follow GET links, which change nothing a later test reads (signing in adds a
    session and audit rows). Loading it per test was most of these tests' time. Returns (context, app)."""
    with own_database(migrated_template, tmp_path_factory.mktemp("shared_demo")) as settings:
        context = build_context(settings, Database(settings.database_url))
        load_demo(context, patients=12, now=DEMO_NOW)
        yield context, create_app(context)
        context.db.dispose()


@pytest.fixture(scope="module")
def demo_app(shared_demo):  # noqa: ANN001, ANN201
    """The app serving the shared, read-only demo clinic; import this fixture into a test module to use it."""
    return shared_demo[1]


@pytest.fixture(scope="module")
def demo_ctx(shared_demo):  # noqa: ANN001, ANN201
    """The context of the shared demo clinic (its database), for tests that read it directly."""
    return shared_demo[0]


@pytest.fixture
def fresh_demo_app(ctx, app):  # noqa: ANN001, ANN201
    """The demo clinic loaded into this test's own database, for tests that post forms."""
    load_demo(ctx, patients=12, now=DEMO_NOW)
    return app
