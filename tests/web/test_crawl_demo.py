"""Every staff role follows every link reachable from the start page of the demo clinic and meets no dead end.

A link a page offers must open for the person it is offered to: no 403 (minimum necessary hides it instead),
no 404 and no 500. The walk is breadth first over same-origin GET links, so pages added later are walked too.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from page_crawl import crawl
from painpath.core.auth.roles import STAFF_ROLES
from painpath.demo import demo_password, load_demo
from support import sign_in

NOW = datetime(2026, 11, 16, 16, 0)
ROLES = [r.value for r in STAFF_ROLES]


@pytest.fixture
def demo_app(ctx, app):  # noqa: ANN001, ANN201
    load_demo(ctx, patients=12, now=NOW)
    return app


@pytest.mark.parametrize("role", ROLES)
def test_every_link_reachable_from_the_start_page_opens(demo_app, role):
    started = time.monotonic()
    with TestClient(demo_app) as client:
        sign_in(client, role, demo_password(role))
        walked = crawl(client)
    print(f"{role}: {len(walked.pages)} pages in {time.monotonic() - started:.1f}s")
    assert walked.refused == {}
    assert "/" in walked.pages and len(walked.pages) >= 3
