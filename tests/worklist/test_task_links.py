"""Every task page links to the place where its work is done, and the link opens (with its section)."""

from __future__ import annotations

import html
import re
from contextlib import ExitStack
from datetime import datetime

import time_machine
from sqlalchemy import func, select

import painpath.slices  # noqa: F401 - registers every slice's obligation provider
from fastapi.testclient import TestClient

from painpath.demo import demo_password, load_demo
from painpath.worklist.engine import registered_providers
from painpath.core.auth.roles import role_allows
from painpath.worklist.links import LINKS, work_link
from painpath.worklist.models import Task
from support import sign_in

NOW = datetime(2026, 3, 4, 15, 0)


def test_every_registered_provider_has_a_work_link():
    assert {p.name for p in registered_providers()} <= set(LINKS)


def test_a_reader_who_may_not_open_the_work_page_is_linked_to_the_episode():
    """The front desk may read an authorization task (it is on the episode) but not the case page: its link is the
    episode; the coordinator who does the work goes to the case."""
    task = Task(provider="authorizations", kind="authorizations.decision", key="auth:decision:case:3", evidence={"case_id": 3}, episode_id=14)
    assert work_link(task, lambda p: role_allows("coordinator", p)).href == "/authorizations/3"
    assert work_link(task, lambda p: role_allows("front_desk", p)).href == "/episodes/14"


def test_every_demo_task_kind_links_to_a_page_that_opens(ctx, app):
    with time_machine.travel(NOW, tick=False):
        load_demo(ctx, patients=60, now=NOW)
    with ctx.db.session() as session:
        # One task of each (provider, kind), the newest.
        ids = session.scalars(select(func.max(Task.id)).group_by(Task.provider, Task.kind)).all()
        kinds = {(t.provider, t.kind): (t.id, t.owner_role) for t in session.scalars(select(Task).where(Task.id.in_(ids)))}
    assert len(kinds) >= 5, kinds
    clients: dict[str, TestClient] = {}
    with time_machine.travel(NOW, tick=False), ExitStack() as stack:
        for (provider, kind), (task_id, role) in sorted(kinds.items()):
            # The link is followed by someone of the role that owns the task: the person who does the work.
            if role not in clients:
                clients[role] = stack.enter_context(TestClient(app))
                sign_in(clients[role], role, demo_password(role))
            client = clients[role]
            page = client.get(f"/tasks/{task_id}")
            assert page.status_code == 200, (provider, kind)
            found = re.search(r'id="work-link" href="([^"]+)"', page.text)
            assert found, (provider, kind)
            href = html.unescape(found.group(1))
            path, _, anchor = href.partition("#")
            target = client.get(path)
            assert target.status_code == 200, (provider, kind, href)
            if anchor:
                assert f'id="{anchor}"' in target.text, (provider, kind, href)
