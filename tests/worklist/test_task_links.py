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


def test_a_check_in_task_links_to_its_check_in_and_two_missed_to_the_episodes_check_ins():
    """Due, missed and red-flag check-in tasks open the check-in's own page (its note, booking, new day, cancellation);
    two missed check-ins are reviewed on the episode's Check-ins panel."""
    missed = Task(provider="checkins", kind="checkins.missed", key="checkins:missed:pt:5:1", episode_id=14,
                  evidence={"link": "/checkins/episodes/14?key=pt:5:1"})
    assert work_link(missed, lambda p: role_allows("coordinator", p)).href == "/checkins/episodes/14?key=pt:5:1"
    two = Task(provider="checkins", kind="checkins.two_missed", key="checkins:two-missed:14:pt:5:2", episode_id=14,
               evidence={"link": "/episodes/14#checkins"})
    assert work_link(two, lambda p: role_allows("clinician", p)).href == "/episodes/14#checkins"
