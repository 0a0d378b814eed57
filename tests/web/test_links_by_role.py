"""Every link a staff role is shown on the demo clinic's main pages opens for that role: no dead ends.

Minimum necessary hides parts of the chart from the front desk and billing; a page must then not offer them
a link they would be refused (a 403), and no link may lead to a missing page (404) or a fault (500).
"""

from __future__ import annotations

import re
import pytest
from fastapi.testclient import TestClient

from painpath.authorizations.models import AuthorizationCase
from painpath.core.auth.roles import STAFF_ROLES, Role
from painpath.demo import demo_password
from page_crawl import demo_app, demo_ctx, shared_demo  # noqa: F401 - fixtures: the demo clinic, loaded once
from support import sign_in

pytestmark = pytest.mark.storage  # the shared demo has a database of its own, not database_url
START_PAGES = ("/", "/worklist", "/authorizations", "/records", "/intake", "/episodes/{episode}", "/patients/{patient}")
HREF = re.compile(r'href="(/[^"#?]*)[^"]*"')
SKIP = re.compile(r"^/(static/|logout$)")


@pytest.mark.parametrize("role", [r.value for r in STAFF_ROLES if r is not Role.ADMIN])
def test_every_link_on_the_main_pages_opens_for_the_role_that_sees_it(demo_app, demo_ctx, role):
    with demo_ctx.db.session() as session:
        case = session.query(AuthorizationCase).first()
        episode, patient = case.episode_id, case.patient_id
    with TestClient(demo_app) as client:
        sign_in(client, role, demo_password(role))
        dead = {}
        followed = set()
        for start in START_PAGES:
            page = client.get(start.format(episode=episode, patient=patient))
            if page.status_code == 403:
                continue  # the role has no such page; the nav does not offer it (checked below)
            assert page.status_code == 200, (start, page.status_code)
            for href in set(HREF.findall(page.text)) - followed:
                followed.add(href)
                if SKIP.match(href):
                    continue
                status = client.get(href, follow_redirects=False).status_code
                if status in (403, 404) or status >= 500:
                    dead[(start, href)] = status
        assert dead == {}
        assert len(followed) >= 5
