"""Every staff role follows every link reachable from the start page of the demo clinic and meets no dead end.

A link a page offers must open for the person it is offered to: no 403 (minimum necessary hides it instead),
no 404 and no 500. The walk is breadth first over same-origin GET links, so pages added later are walked too.
"""

from __future__ import annotations

import time

import pytest

from painpath.core.auth.roles import STAFF_ROLES
from page_crawl import crawl_as, demo_app, shared_demo  # noqa: F401 - fixtures

pytestmark = pytest.mark.storage  # the shared demo has a database of its own, not database_url

ROLES = [r.value for r in STAFF_ROLES]


@pytest.mark.parametrize("role", ROLES)
def test_every_link_reachable_from_the_start_page_opens(demo_app, role):
    started = time.monotonic()
    walked = crawl_as(demo_app, role)
    print(f"{role}: {len(walked.pages)} pages in {time.monotonic() - started:.1f}s")
    assert walked.refused == {}
    assert "/" in walked.pages and len(walked.pages) >= 3
