"""Keyset paging walks every task exactly once in due order, the count tiles match the list, and the
patient filter (name or MRN) narrows both the same way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import time_machine

from painpath.core.audit import Actor
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task

NOW = datetime(2026, 3, 2, 14, 0)
TASKS = 250


def _seed(ctx, clinic, *, tasks: int = TASKS) -> dict[str, int]:
    """Two patients; tasks share due times in threes so ties are settled by id, half overdue."""
    actor = Actor.system("test", clinic.id)
    ids: dict[str, int] = {}
    with ctx.db.session() as session:
        for mrn, given, family in (("W-100", "Ada", "Per%cent"), ("W-200", "Bob", "Stone")):
            patient = patients.create_patient(session, actor=actor, data=PatientIn(
                mrn=mrn, given_name=given, family_name=family, birth_date="1970-01-01", sex="female"))
            episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
                problem_summary="Back pain", body_region="lumbar", laterality="midline"))
            ids[mrn] = patient.id
            ids[f"episode-{mrn}"] = episode.id
        for n in range(tasks):
            mrn = "W-100" if n % 5 == 0 else "W-200"
            session.add(Task(
                clinic_id=clinic.id, key=f"k{n}", provider="test", kind="test", episode_id=ids[f"episode-{mrn}"],
                patient_id=ids[mrn], title=f"T{n}", reason="r", evidence={}, owner_role="coordinator",
                # Not inserted in due order: ids and due times disagree, so only a real sort passes.
                due_at=NOW + timedelta(hours=((n * 37) % tasks) // 3 - 40), status="open", opened_at=NOW,
            ))
    return ids


def _expected(ctx, **where) -> list[int]:  # noqa: ANN003
    with ctx.db.session() as session:
        rows = session.query(Task.id, Task.due_at).filter_by(status="open", **where).all()
    return [task_id for task_id, _due in sorted(rows, key=lambda r: (r[1], r[0]))]


def test_api_walks_every_task_once_forwards_and_back(ctx, clinic, client_for):
    _seed(ctx, clinic)
    expected = _expected(ctx)
    client = client_for("coordinator")
    with time_machine.travel(NOW, tick=False):
        seen, cursor, pages = [], None, []
        while True:
            params = {"limit": 40, **({"after": cursor} if cursor else {})}
            body = client.get("/api/worklist", params=params).json()
            assert body["counts"]["open"] == TASKS
            pages.append(body)
            seen += [t["id"] for t in body["tasks"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == expected and len(set(seen)) == TASKS
        assert len(pages) == 7 and pages[0]["prev_cursor"] is None
        # Backwards from the last page gives the same pages in reverse.
        back, cursor = [], pages[-1]["prev_cursor"]
        while cursor is not None:
            body = client.get("/api/worklist", params={"limit": 40, "before": cursor}).json()
            back = [t["id"] for t in body["tasks"]] + back
            cursor = body["prev_cursor"]
        assert back + [t["id"] for t in pages[-1]["tasks"]] == expected


def test_html_pages_walk_every_task_and_tiles_match(ctx, clinic, client_for):
    _seed(ctx, clinic)
    expected = _expected(ctx)
    client = client_for("coordinator")
    with time_machine.travel(NOW, tick=False):
        seen, href = [], "/worklist"
        while href:
            html = client.get(href).text
            assert re.search(r'<span class="label">Open</span><span class="value">250</span>', html)
            seen += [int(i) for i in re.findall(r'<a href="/tasks/(\d+)">', html)]
            found = re.search(r'rel="next" href="([^"]+)"', html)
            href = found.group(1).replace("&amp;", "&") if found else None
        assert seen == expected
        assert "Previous page" in client.get("/worklist", params={"after": _cursor_of(ctx, expected[99])}).text


def _cursor_of(ctx, task_id: int) -> str:
    from painpath.worklist.cursor import encode_cursor

    with ctx.db.session() as session:
        return encode_cursor(session.get(Task, task_id).due_at, task_id)


def test_patient_filter_narrows_list_and_tiles_alike(ctx, clinic, client_for):
    ids = _seed(ctx, clinic, tasks=50)
    client = client_for("coordinator")
    with time_machine.travel(NOW, tick=False):
        for q, patient in (("per%", "W-100"), ("W-200", "W-200"), ("ada per", "W-100")):
            body = client.get("/api/worklist", params={"q": q, "limit": 500}).json()
            expected = _expected(ctx, patient_id=ids[patient])
            assert [t["id"] for t in body["tasks"]] == expected, q
            assert body["counts"]["open"] == len(expected)
            overdue = sum(1 for t in body["tasks"] if t["overdue"])
            assert body["counts"]["overdue"] == overdue
        # "%" is a character to match, not a wildcard: "pe%" finds nobody ("Per%cent" starts "per%").
        assert client.get("/api/worklist", params={"q": "p%c"}).json()["counts"]["open"] == 0


def test_a_cursor_the_list_never_gave_is_refused(client_for):
    client = client_for("coordinator")
    response = client.get("/api/worklist", params={"after": "yesterday_1"})
    assert response.status_code == 422
    assert "after" in response.text
    assert client.get("/worklist", params={"after": "yesterday_1"}).status_code == 200
