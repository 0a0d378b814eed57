"""The demo clinic shows a payer policy change on its page: the coordinator's draft of the coming revision of the
epidural policy most open cases are prepared under (PT or home exercise still going on), with the cases it would
change, each linked; the draft decides nothing (no case gets a task from it)."""

from __future__ import annotations

import re

import time_machine
from sqlalchemy import select

from page_crawl import DEMO_NOW
from painpath.authorizations.models import PayerPolicyDraft
from painpath.demo import demo_password, load_demo
from painpath.worklist.models import Task
from support import page_text, sign_in


def test_the_demo_draft_shows_the_cases_it_would_change(ctx, app):  # noqa: ANN001
    from fastapi.testclient import TestClient

    with time_machine.travel(DEMO_NOW, tick=False):
        load_demo(ctx, patients=60, now=DEMO_NOW)
        with ctx.db.session() as session:
            assert len(session.scalars(select(PayerPolicyDraft)).all()) == 1
            assert session.scalars(select(Task).where(Task.kind == "authorizations.policy-change")).all() == []
        with TestClient(app) as client:
            sign_in(client, "coordinator", demo_password("coordinator"))
            assert "/payer-policy-changes" in client.get("/authorizations").text
            page = client.get("/payer-policy-changes")
            assert page.status_code == 200, page.text
            drafts = page.text.split("The clinic's drafts")[1]
            assert "still going on" in page_text(drafts)
            linked = re.findall(r'href="/authorizations/(\d+)"', drafts)
            print(f"\n{len(linked)} demo cases changed by the draft: {page_text(drafts)[:1500]}")
            assert linked
