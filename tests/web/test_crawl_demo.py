"""Every staff role walks every link reachable from the start page of the demo clinic, meets no dead end, and
reads only the clinic's language.

A link a page offers must open for the person it is offered to: no 403 (minimum necessary hides it instead),
no 404 and no 500. The walk is breadth first over same-origin GET links, so pages added later are walked too; it
starts from the start page and from the main pages (worklist, boards, an episode and its patient) the role may open.
Every page the walk reaches is then scanned for staff words (tests/staff_words.py: file paths, evidence tags,
internal keys, doubled words, empty defaults). One walk per role serves both checks: the walk is the cost.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from painpath.authorizations.models import AuthorizationCase
from painpath.core.auth.models import User
from painpath.core.auth.roles import STAFF_ROLES
from page_crawl import crawl_as, demo_app, demo_ctx, shared_demo  # noqa: F401 - fixtures
from staff_words import findings

pytestmark = pytest.mark.storage  # the shared demo has a database of its own, not database_url

ROLES = [r.value for r in STAFF_ROLES]
# Pages staff open from a bookmark or a message as well as from links: walked from too, for each role that may open them.
MAIN_PAGES = ("/worklist", "/authorizations", "/records", "/intake", "/episodes/{episode}", "/patients/{patient}")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reachable_from_the_start_page_opens_and_speaks_the_clinics_language(demo_app, demo_ctx, role):
    with demo_ctx.db.session() as session:
        # Only a username shaped like a key ("front_desk") could be mistaken for one.
        usernames = frozenset(u for u in session.scalars(select(User.username)) if "_" in u)
        case = session.scalars(select(AuthorizationCase).order_by(AuthorizationCase.id)).first()
        main_pages = [page.format(episode=case.episode_id, patient=case.patient_id) for page in MAIN_PAGES]
    started = time.monotonic()
    walked = crawl_as(demo_app, role, also=main_pages)
    print(f"{role}: {len(walked.pages)} pages in {time.monotonic() - started:.1f}s")
    assert walked.refused == {}
    assert "/" in walked.pages and len(walked.pages) >= 3
    words = {}
    for url, html in walked.pages.items():
        for name, snippet in findings(html, usernames):
            words.setdefault((name, snippet), url)
    assert words == {}, "\n".join(f"{name}: …{snippet}… on {url}" for (name, snippet), url in words.items())
