"""Walk every page a signed-in staff member can reach from the start page, breadth first.

Shared by the crawl test (no page a link offers answers 403, 404 or 500) and the staff-words test (no page
shows file paths, internal keys or empty defaults). Links are same-origin GET hrefs; static files and
logout are not pages to visit.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from painpath.demo import demo_password, load_demo
from support import sign_in

HREF = re.compile(r'href="(/[^"#]*)(?:#[^"]*)?"')
SKIP = re.compile(r"^/(static/|logout$|api/)")
# Pages that are files to download, not HTML to read (a PDF packet, a printable export).
DEMO_NOW = datetime(2026, 11, 16, 16, 0)


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> HTML of every page that answered 200
    refused: dict[str, tuple[str, int]] = field(default_factory=dict)  # url -> (the page that linked it, status)


def crawl(client: TestClient, *, start: str = "/", limit: int = 3000, same: Callable[[str], str] = str) -> Crawl:
    """`same` names the links that lead to the same page (by default only identical ones): one of them is walked."""
    result = Crawl()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    seen = {same(start)}
    while queue and len(result.pages) + len(result.refused) < limit:
        url, source = queue.popleft()
        response = client.get(url, follow_redirects=True)
        if response.status_code in (403, 404) or response.status_code >= 500:
            result.refused[url] = (source, response.status_code)
            continue
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        result.pages[url] = response.text
        for href in HREF.findall(response.text):
            href = unescape(href)
            if same(href) not in seen and not SKIP.match(href):
                seen.add(same(href))
                queue.append((href, url))
    return result


def crawl_as(app, role: str, *, limit: int = 3000) -> Crawl:  # noqa: ANN001
    """Sign in as the demo clinic's user of `role` and walk everything reachable from the start page."""
    with TestClient(app) as client:
        sign_in(client, role, demo_password(role))
        return crawl(client, limit=limit)


@pytest.fixture
def demo_app(ctx, app):  # noqa: ANN001, ANN201
    """The app serving the demo clinic (12 patients); import this fixture into a test module to use it."""
    load_demo(ctx, patients=12, now=DEMO_NOW)
    return app
