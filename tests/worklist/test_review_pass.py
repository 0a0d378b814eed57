"""The periodic review pass (worklist/review.py): only episodes whose next change passed, or whose facts changed
outside a request, are reconciled; a pass over unchanged facts writes no task row; two passes racing never take
the same episode; a crash mid-chunk loses nothing; start-up marks every open episode; `painpath reconcile --full`.

`WindowProvider` is a test double for the plugin point (a provider registered like every slice's): for the
episodes it watches, a window opens at a given instant; before it, the provider owes nothing and says when
its answer changes (a NextChange); from then on it owes a task. The demo clinic gives the real providers
facts to work on around it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select, update
from typer.testing import CliRunner

from painpath.core.audit import Actor, AuditEvent
from painpath.core.config import get_settings
from painpath.demo import load_demo
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist import engine
from painpath.worklist.engine import NextChange, Obligation
from painpath.worklist.models import EpisodeReview, Task
from painpath.worklist.review import full_recompute, mark_all_at_start_up, review_due

NOW = datetime(2026, 3, 4, 15, 0)
NAME = "review_window"


class WindowProvider:
    name = NAME

    def __init__(self) -> None:
        self.opens: dict[int, datetime] = {}  # episode id -> when its window opens
        self.crash_on: set[int] = set()  # episodes whose evaluation stops the process (see test_a_crash...)

    def findings(self, session, *, episode_ids, context):  # noqa: ANN001, ANN201
        found: list = []
        for episode_id, opens in sorted(self.opens.items()):
            if episode_ids is not None and episode_id not in episode_ids:
                continue
            if episode_id in self.crash_on:
                raise Crash()
            episode = session.get(Episode, episode_id)
            if episode is None or episode.status != "open":
                continue
            if context.now < opens:
                found.append(NextChange(NAME, episode_id, opens, "the window opens"))
            else:
                found.append(Obligation(
                    key=f"{NAME}:episode:{episode_id}", kind=NAME, provider=NAME, clinic_id=episode.clinic_id,
                    episode_id=episode_id, patient_id=episode.patient_id, title="Window duty",
                    due_at=opens + timedelta(days=1), owner_role="coordinator", reason="The window opened",
                ))
        return found


class Crash(BaseException):
    """Not an Exception: like a worker killed mid-chunk, nothing on the way catches it."""


@pytest.fixture
def window() -> Iterator[WindowProvider]:
    provider = engine.register_provider(WindowProvider())
    yield provider
    engine._registry.pop(NAME, None)  # noqa: SLF001 - the registry has no unregister: tests only


def _new_episodes(db, clinic_id: int, count: int, mrn: str) -> list[int]:  # noqa: ANN001
    """Episodes written outside a request (as an import or a job would): nobody reconciles them here."""
    actor = Actor.system("test", clinic_id)
    ids = []
    with db.session() as session:
        for n in range(count):
            patient = patients.create_patient(session, actor=actor, data=PatientIn(
                mrn=f"{mrn}-{n}", given_name="Rhea", family_name="View", birth_date="1961-02-03", sex="female"))
            episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
                problem_summary="Low back pain", body_region="lumbar", laterality="midline", icd10_codes=["M54.50"]))
            ids.append(episode.id)
    return ids


class TaskWrites:
    """Every INSERT/UPDATE/DELETE on the task table the engine sends while counting."""

    def __init__(self, db_engine) -> None:  # noqa: ANN001
        self.engine, self.statements = db_engine, []

    def _record(self, _conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        if re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+task\b", statement, re.IGNORECASE):
            self.statements.append(" ".join(statement.split())[:160])

    def __enter__(self) -> TaskWrites:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def _due_ids(db, at: datetime) -> set[int]:  # noqa: ANN001
    with db.session() as session:
        return set(session.scalars(select(EpisodeReview.episode_id).where(EpisodeReview.next_review_at <= at)))


def _versions(db) -> dict[int, int]:  # noqa: ANN001
    with db.session() as session:
        return dict(session.execute(select(Task.id, Task.version)).all())


def _demo_clinic(ctx) -> int:  # noqa: ANN001
    with time_machine.travel(NOW, tick=False):
        load_demo(ctx, patients=20, now=NOW)
        # The demo reconciles the whole clinic at once, and a whole-clinic run does not read every fact a scoped
        # one does (intake.service.call_facts filters calls by status only then): settle with scoped chunks, as
        # the review pass reconciles.
        full_recompute(ctx, now=NOW)
        review_due(ctx, now=NOW)  # whatever the demo wrote after its own reconcile
    with ctx.db.session() as session:
        return session.scalar(select(Episode.clinic_id).limit(1))


def test_the_pass_reviews_only_episodes_that_came_due_and_writes_nothing_over_unchanged_facts(ctx, window):
    clinic_id = _demo_clinic(ctx)
    with time_machine.travel(NOW, tick=False):
        soon, later, never = _new_episodes(ctx.db, clinic_id, 3, "RV")
    window.opens = {soon: NOW + timedelta(hours=1), later: NOW + timedelta(days=2)}
    assert {soon, later, never} <= _due_ids(ctx.db, NOW)  # written outside a request: marked due at commit

    with time_machine.travel(NOW, tick=False):
        first = review_due(ctx, now=NOW)
    assert set(first.reviewed_ids) == {soon, later, never}
    versions = _versions(ctx.db)

    # Nothing came due: the pass reconciles nothing and writes nothing, at the same moment and a bit later.
    for moment in (NOW, NOW + timedelta(minutes=5)):
        with TaskWrites(ctx.db.engine) as writes, time_machine.travel(moment, tick=False):
            steady = review_due(ctx, now=moment)
        assert steady.reviewed_ids == [] and writes.statements == []
    assert _versions(ctx.db) == versions

    # The window of `soon` opened: that episode, and only the episodes due by then, are reconciled.
    moment = NOW + timedelta(hours=2)
    expected = _due_ids(ctx.db, moment)
    assert soon in expected and later not in expected and never not in expected
    with time_machine.travel(moment, tick=False):
        passed = review_due(ctx, now=moment)
    assert set(passed.reviewed_ids) == expected and passed.opened == 1
    with ctx.db.session() as session:
        assert session.scalar(select(Task.episode_id).where(Task.provider == NAME)) == soon

    # A fact written outside a request (a job, an import) makes its episode due; the pass reviews it alone,
    # and since its obligations did not change, writes no task row.
    with time_machine.travel(moment, tick=False), ctx.db.session() as session:
        session.get(Episode, never).problem_summary = "Low back pain, worse on sitting"
    versions = _versions(ctx.db)
    with TaskWrites(ctx.db.engine) as writes, time_machine.travel(moment + timedelta(minutes=1), tick=False):
        touched = review_due(ctx, now=moment + timedelta(minutes=1))
    assert touched.reviewed_ids == [never] and writes.statements == []
    assert _versions(ctx.db) == versions

    # The incremental result is what a full recompute finds: a full pass now changes no task.
    with TaskWrites(ctx.db.engine) as writes, time_machine.travel(moment + timedelta(minutes=1), tick=False):
        full = full_recompute(ctx, now=moment + timedelta(minutes=1))
    assert full.reviewed >= 3 and writes.statements == [], writes.statements[:5]


def test_two_passes_racing_never_review_the_same_episode_twice(ctx, clinic, window):
    with time_machine.travel(NOW, tick=False):
        ids = _new_episodes(ctx.db, clinic.id, 24, "RC")
    window.opens = {episode_id: NOW - timedelta(hours=1) for episode_id in ids}  # each owes a window task
    start = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            start.wait()
            results.append(review_due(ctx, now=NOW, chunk=3))
        except BaseException as exc:  # reported below  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    one, two = (set(r.reviewed_ids) for r in results)
    assert one.isdisjoint(two) and one | two >= set(ids)
    assert sum(len(r.reviewed_ids) for r in results) == len(one | two)
    with ctx.db.session() as session:
        opened = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.open"))
        window_tasks = session.scalar(select(func.count()).select_from(Task).where(Task.provider == NAME))
    assert window_tasks == len(ids) and opened >= len(ids)


def test_a_crash_mid_chunk_loses_nothing(ctx, clinic, window):
    with time_machine.travel(NOW, tick=False):
        ids = _new_episodes(ctx.db, clinic.id, 5, "RX")
    window.opens = {episode_id: NOW - timedelta(hours=1) for episode_id in ids}
    window.crash_on = {ids[3]}  # in the second chunk of two
    with pytest.raises(Crash):
        review_due(ctx, now=NOW, chunk=2)
    # The first chunk committed; the crashed chunk rolled back whole (its claim too), so its episodes are still due.
    assert _due_ids(ctx.db, NOW) == set(ids[2:])
    with ctx.db.session() as session:
        assert set(session.scalars(select(Task.episode_id).where(Task.provider == NAME))) == set(ids[:2])

    window.crash_on = set()
    again = review_due(ctx, now=NOW, chunk=2)
    assert again.reviewed_ids == ids[2:]
    with ctx.db.session() as session:
        assert set(session.scalars(select(Task.episode_id).where(Task.provider == NAME))) == set(ids)


def test_a_claim_whose_work_never_finished_comes_due_when_its_lease_ends(ctx, clinic, window):
    with time_machine.travel(NOW, tick=False):
        (episode_id,) = _new_episodes(ctx.db, clinic.id, 1, "RL")
    # What a claim left behind by a worker that lost its work would look like: leased, version moved on.
    with ctx.db.session() as session:
        session.execute(update(EpisodeReview).where(EpisodeReview.episode_id == episode_id)
                        .values(next_review_at=NOW + timedelta(minutes=10), version=EpisodeReview.version + 1))
    assert review_due(ctx, now=NOW + timedelta(minutes=5)).reviewed_ids == []
    assert review_due(ctx, now=NOW + timedelta(minutes=10)).reviewed_ids == [episode_id]


def test_start_up_marks_every_open_episode_for_review(ctx, window):
    _demo_clinic(ctx)
    moment = NOW + timedelta(minutes=30)
    with ctx.db.session() as session:
        open_ids = set(session.scalars(select(Episode.id).where(Episode.status == "open")))
    assert open_ids and not open_ids <= _due_ids(ctx.db, moment)
    versions = _versions(ctx.db)
    with time_machine.travel(moment, tick=False):
        assert mark_all_at_start_up(ctx) == len(open_ids)
    assert open_ids <= _due_ids(ctx.db, moment)
    with TaskWrites(ctx.db.engine) as writes, time_machine.travel(moment, tick=False):
        passed = review_due(ctx, now=moment)
    assert set(passed.reviewed_ids) >= open_ids and writes.statements == []
    assert _versions(ctx.db) == versions


def test_reconcile_full_on_the_command_line(ctx, settings, monkeypatch):
    from painpath.cli import app

    _demo_clinic(ctx)
    with ctx.db.session() as session:
        open_ids = set(session.scalars(select(Episode.id).where(Episode.status == "open")))
        session.execute(update(EpisodeReview).values(next_review_at=None))
    for name, value in {"PAINPATH_DATABASE_URL": settings.database_url, "PAINPATH_SECRET_KEY": settings.secret_key,
                        "PAINPATH_DEMO_MODE": "0", "PAINPATH_QUEUE_URL": settings.queue_url}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
            result = CliRunner().invoke(app, ["reconcile", "--full"])
            assert result.exit_code == 0, result.output
            assert f"Reconciled {len(open_ids)} episodes" in result.output
            # Nothing is left for the periodic pass to do.
            quiet = CliRunner().invoke(app, ["reconcile"])
            assert quiet.exit_code == 0 and "Reconciled 0 episodes" in quiet.output
    finally:
        get_settings.cache_clear()
    with ctx.db.session() as session:
        reviewed = set(session.scalars(select(EpisodeReview.episode_id).where(EpisodeReview.reviewed_at == NOW + timedelta(minutes=5))))
    assert open_ids <= reviewed
